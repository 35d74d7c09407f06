/* SPDX-License-Identifier: Apache-2.0 */
#include "memgate/util/buf.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "memgate/util/cleanup.h"

const char *mg_fmt_bytes(uint64_t b, char *buf, size_t n) {
        if (b >= MG_GIB)
                snprintf(buf, n, "%.1f GiB", (double)b / (double)MG_GIB);
        else if (b >= MG_MIB)
                snprintf(buf, n, "%" PRIu64 " MiB", (b + MG_MIB / 2) / MG_MIB);
        else
                snprintf(buf, n, "%" PRIu64 " kB", b / MG_KIB);
        return buf;
}

const char *mg_fmt_kb(uint64_t kb, char *buf, size_t n) {
        uint64_t b;
        return mg_fmt_bytes(__builtin_mul_overflow(kb, 1024, &b) ? UINT64_MAX : b, buf, n);
}

void mg_buf_vprintf(mg_buf_t *b, const char *fmt, va_list ap) {
        if (b->overflow)
                return;
        va_list aq;
        va_copy(aq, ap);
        int need = vsnprintf(NULL, 0, fmt, aq);
        va_end(aq);
        if (need < 0)
                return;
        if (b->len + (size_t)need + 1 > MG_BUF_MAX) {
                b->overflow = true;
                return;
        }
        if (b->len + (size_t)need + 1 > b->cap) {
                size_t ncap = b->cap ? b->cap : 256;
                while (ncap < b->len + (size_t)need + 1)
                        ncap *= 2;
                char *d = realloc(b->data, ncap);
                if (!d) {
                        b->overflow = true;
                        return;
                }
                b->data = d;
                b->cap = ncap;
        }
        vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
        b->len += (size_t)need;
}

void mg_buf_printf(mg_buf_t *b, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        mg_buf_vprintf(b, fmt, ap);
        va_end(ap);
}

void mg_buf_free(mg_buf_t *b) {
        free(b->data);
        *b = (mg_buf_t){0};
}

