/* SPDX-License-Identifier: Apache-2.0 */
/* mg_oci_report_json: the report (report.c) through yajl's generator into one buffer. */
#include "memgate/oci/report_json.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_gen.h>

#include "json.h"
#include "report.h"

DEFINE_CLEANUP_FUNC(yajl_gen, yajl_gen_free)

/* Where the generator prints: one buffer, grown by doubling, handed to the caller as it is (no
 * copy at the end). Most reports fit the first allocation. */
#define REPORT_BUF_INITIAL 16384

typedef struct sink {
        char *data;
        size_t len, cap;
        bool oom;
} sink_t;

/* The rare slow path: room for n more bytes and the NUL, or oom set for good. */
static void sink_grow(sink_t *k, const char *s, size_t n) {
        size_t cap = k->cap;
        if (k->oom)
                return;
        while (n >= cap - k->len) {
                if (cap > SIZE_MAX / 2) {
                        k->oom = true;
                        return;
                }
                cap *= 2;
        }
        char *d = realloc(k->data, cap);
        if (!d) {
                k->oom = true;
                return;
        }
        k->data = d;
        k->cap = cap;
        memcpy(k->data + k->len, s, n);
        k->len += n;
}

/* Called some 2,500 times per report, mostly for a byte or two of punctuation and indentation:
 * those are copied inline, not through memcpy. */
static void sink_print(void *ctx, const char *s, size_t n) {
        sink_t *k = ctx;
        if (__builtin_expect(k->oom || n >= k->cap - k->len, 0)) { /* one byte kept for the NUL */
                sink_grow(k, s, n);
                return;
        }
        char *d = k->data + k->len;
        k->len += n;
        if (n <= 8) {
                while (n--)
                        *d++ = *s++;
        } else
                memcpy(d, s, n);
}

/* The generation between a setjmp and yajl's allocations (see mg_json_alloc_t in json.h). */
static int report_guarded(mg_json_alloc_t *alloc, yajl_gen *g, sink_t *sink, const mg_report_ctx_t *ctx,
                          yajl_gen_status *ret_status) {
        if (setjmp(alloc->on_oom))
                return -ENOMEM;
        *g = yajl_gen_alloc(&alloc->funcs);
        if (!*g)
                return -ENOMEM;
        yajl_gen_config(*g, yajl_gen_beautify, 1);
        yajl_gen_config(*g, yajl_gen_indent_string, "  ");
        yajl_gen_config(*g, yajl_gen_print_callback, sink_print, sink);
        /* No yajl_gen_validate_utf8: every string reaches the generator valid by Go's rules
         * (stricter than yajl's check), so a second look would find nothing. */
        *ret_status = mg_oci_report_generate(*g, ctx);
        return 0;
}

int mg_oci_report_json(const mg_report_ctx_t *ctx, char **ret_buf, size_t *ret_len, mg_error_t *err) {
        _cleanup_(yajl_gen_freep) yajl_gen g = NULL;
        yajl_gen_status status = yajl_gen_status_ok;
        mg_json_alloc_t alloc;
        sink_t sink = {0};

        if (!ctx || !ret_buf)
                return mg_error_set(err, -EINVAL, "report: nothing to write");
        if (!(sink.data = malloc(REPORT_BUF_INITIAL)))
                return mg_error_set(err, -ENOMEM, "report: out of memory");
        sink.cap = REPORT_BUF_INITIAL;
        mg_json_alloc_init(&alloc);
        int r = report_guarded(&alloc, &g, &sink, ctx, &status);
        if (r < 0 || sink.oom) {
                free(sink.data);
                return mg_error_set(err, -ENOMEM, "report: out of memory");
        }
        if (status != yajl_gen_status_ok) {
                free(sink.data);
                return mg_error_set(err, -EIO, "report: JSON generator failed (status %d)", (int)status);
        }
        sink.data[sink.len] = '\0';
        *ret_buf = sink.data;
        if (ret_len)
                *ret_len = sink.len;
        return 0;
}
