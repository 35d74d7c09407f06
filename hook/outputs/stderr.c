/* SPDX-License-Identifier: Apache-2.0 */
#include "memgate/outputs/stderr.h"

#include <stdarg.h>
#include <stdbool.h>
#include <unistd.h>

#include "memgate/outputs/text.h"
#include "memgate/util/buf.h"
#include "memgate/util/escape.h"
#include "memgate/util/io.h"

static void put(const mg_buf_t *b) {
        /* stderr is best effort: a closed or full pipe must not change the verdict. */
        if (b->data)
                (void)mg_write_all(STDERR_FILENO, b->data, b->len);
}

/* One line: what fmt makes, with control bytes escaped (the values in it may come from the
 * container), and the line's own newline kept. */
void mg_stderr_printf(const char *fmt, ...) {
        mg_buf_t b = {0}, e = {0};
        va_list ap;
        va_start(ap, fmt);
        mg_buf_vprintf(&b, fmt, ap);
        va_end(ap);
        if (b.data) {
                bool nl = b.len > 0 && b.data[b.len - 1] == '\n';
                mg_buf_escape(&e, b.data, b.len - (nl ? 1 : 0));
                if (nl)
                        mg_buf_printf(&e, "\n");
        }
        put(&e);
        mg_buf_free(&e);
        mg_buf_free(&b);
}

void mg_stderr_findings(const mg_report_t *r) {
        mg_buf_t b = {0};
        for (size_t i = 0; i < r->n; i++)
                if (r->findings[i].severity != MG_SEV_INFO)
                        mg_finding_line(&r->findings[i], r->policy_downgraded, &b);
        put(&b);
        mg_buf_free(&b);
}
