/* SPDX-License-Identifier: Apache-2.0 */
/* The io.memgate.* annotations of one evaluation: the verdict, the codes of the warnings and
 * refusals, and the figures behind them. */
#define _GNU_SOURCE
#include "memgate/outputs/annotations.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memgate/util/number.h"

static bool kv_set(mg_kv_t *kv, size_t max, size_t *n, const char *key, const char *fmt, ...)
        __attribute__((format(printf, 5, 6)));
static bool kv_set(mg_kv_t *kv, size_t max, size_t *n, const char *key, const char *fmt, ...) {
        if (*n >= max)
                return true; /* full: the rest is cut, as documented */
        char *v = NULL;
        va_list ap;
        va_start(ap, fmt);
        int rc = vasprintf(&v, fmt, ap);
        va_end(ap);
        char *k = strdup(key);
        if (rc < 0 || !k) {
                free(k);
                if (rc >= 0)
                        free(v);
                return false;
        }
        kv[*n] = (mg_kv_t){.key = k, .value = v};
        (*n)++;
        return true;
}

int mg_report_annotations(const mg_report_t *r, const mg_model_t *m, mg_kv_t *kv, size_t max) {
        size_t n = 0;
        bool ok = true;
        char codes[MG_FINDINGS_MAX * 32 + 1] = "";
        size_t off = 0;
        for (size_t i = 0; i < r->n; i++) {
                bool seen = false;
                for (size_t j = 0; j < i; j++)
                        seen = seen || !strcmp(r->findings[j].code, r->findings[i].code);
                if (seen || r->findings[i].severity == MG_SEV_INFO)
                        continue;
                int w = snprintf(codes + off, sizeof(codes) - off, "%s%s", off ? "," : "", r->findings[i].code);
                if (w > 0 && (size_t)w < sizeof(codes) - off)
                        off += (size_t)w;
        }
        ok &= kv_set(kv, max, &n, "io.memgate.verdict", "%s", mg_verdict_name(r->verdict));
        ok &= kv_set(kv, max, &n, "io.memgate.findings", "%s", codes);
        uint64_t avail;
        if (m) {
                if (mg_model_memavailable(m, &avail))
                        ok &= kv_set(kv, max, &n, "io.memgate.memavailable-kb", "%" PRIu64, avail);
                if (m->overcommit_memory != 1)
                        ok &= kv_set(kv, max, &n, "io.memgate.commit-headroom-kb", "%" PRId64, m->commit_headroom_kb);
        }
        if (r->judged_heap) {
                ok &= kv_set(kv, max, &n, "io.memgate.heap-bytes", "%" PRIu64, r->heap_bytes);
                ok &= kv_set(kv, max, &n, "io.memgate.offheap-need-bytes", "%" PRIu64, r->offheap_need_bytes);
                ok &= kv_set(kv, max, &n, "io.memgate.offheap-room-bytes", "%" PRIu64,
                       mg_sat_sub(r->limit_bytes, r->heap_bytes));
        }
        if (!ok) {
                mg_kv_clear(kv, n);
                return -ENOMEM;
        }
        return (int)n;
}

