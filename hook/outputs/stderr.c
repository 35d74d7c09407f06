/* SPDX-License-Identifier: Apache-2.0 */
#include "memgate/outputs/stderr.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <unistd.h>

#include "memgate/outputs/text.h"
#include "memgate/util/buf.h"
#include "memgate/util/escape.h"
#include "memgate/util/io.h"

static int bound_ms = -1; /* -1: plain blocking writes */

void mg_stderr_bound_wait(int ms) {
        bound_ms = ms;
}

/* Pieces of at most PIPE_BUF: once poll says a pipe has room, a write this size does not block. */
static void put_bounded(const char *p, size_t len) {
        while (len > 0) {
                struct pollfd pf = {.fd = STDERR_FILENO, .events = POLLOUT};
                int r = poll(&pf, 1, bound_ms);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r <= 0 || !(pf.revents & POLLOUT))
                        return;
                ssize_t w = write(STDERR_FILENO, p, len > 4096 ? 4096 : len);
                if (w < 0 && errno == EINTR)
                        continue;
                if (w <= 0)
                        return;
                p += w;
                len -= (size_t)w;
        }
}

static void put(const mg_buf_t *b) {
        /* stderr is best effort: a closed or full pipe must not change the verdict. */
        if (!b->data)
                return;
        if (bound_ms >= 0)
                put_bounded(b->data, b->len);
        else
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
