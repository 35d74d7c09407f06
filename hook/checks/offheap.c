/* SPDX-License-Identifier: Apache-2.0 */
/* offheap-margin: the memory limit minus the heap against what the runtime needs beyond its heap. */
#include "offheap.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "memgate/checks/engine_model.h"
#include "memgate/util/buf.h"
#include "memgate/util/number.h"

#include "hints.h"
#include "memgate/models/offheap.h"

#define FMT(v, buf) mg_fmt_bytes((v), (buf), sizeof(buf))

static void heap_flag(const mg_heap_t *h, uint64_t bytes, char *buf, size_t n) {
        uint64_t mib = bytes / MG_MIB;
        switch (h->runtime) {
        case MG_RT_JVM:
                snprintf(buf, n, "-Xmx%" PRIu64 "m", mib);
                break;
        case MG_RT_NODE:
                snprintf(buf, n, "--max-old-space-size=%" PRIu64, mib);
                break;
        case MG_RT_GO:
                snprintf(buf, n, "GOMEMLIMIT=%" PRIu64 "MiB", mib);
                break;
        case MG_RT_DOTNET:
                snprintf(buf, n, "DOTNET_GCHeapHardLimit=0x%" PRIx64, mib * MG_MIB);
                break;
        default:
                snprintf(buf, n, "%" PRIu64 " MiB", mib);
        }
}

static void describe_heap(const mg_heap_t *h, uint64_t heap, uint64_t limit, char *buf, size_t n) {
        char a[32];
        if (h->have_max_heap && h->option[0])
                snprintf(buf, n, "%s (from %s)", h->option, h->source[0] ? h->source : "the command line");
        else if (h->have_percent)
                snprintf(buf, n, "a heap of %.4g%% of the limit = %s%s%s%s", h->percent, FMT(heap, a),
                         h->option[0] ? " (" : "", h->option, h->option[0] ? ")" : "");
        else
                snprintf(buf, n, "a heap of %s", FMT(heap, a));
}

void mg_check_offheap(const mg_input_t *in, const mg_heap_t *heap, uint64_t limit, mg_report_t *r) {
        char a[32], b[32], c[32], parts[200], what[200], flag[64];
        if (!limit || heap->runtime == MG_RT_NONE)
                return;
        uint64_t hb = mg_heap_effective(heap, limit);
        if (!hb)
                return;
        mg_offheap_params_t p;
        mg_offheap_params_for(in, r, &p);
        mg_offheap_t est;
        mg_offheap_estimate(heap, hb, &p, &est);
        r->judged_heap = true;
        r->limit_bytes = limit;
        r->heap_bytes = hb;
        r->offheap_need_bytes = est.total_bytes;

        const char *limit_src = in->container && in->container->have_limit && in->container->limit_bytes == limit
                                        ? "the memory limit"
                                        : "the effective memory limit (a parent cgroup)";
        describe_heap(heap, hb, limit, what, sizeof(what));
        size_t off = 0;
        parts[0] = '\0';
        for (size_t i = 0; i < est.nparts && off < sizeof(parts); i++) {
                int w = snprintf(parts + off, sizeof(parts) - off, "%s%s %s", i ? ", " : "", est.parts[i].name,
                                 FMT(est.parts[i].bytes, a));
                if (w < 0)
                        break;
                off += (size_t)w;
        }

        mg_finding_t *f = NULL;
        if (hb >= limit) {
                f = mg_report_add(r, "offheap-margin", MG_SEV_REFUSE,
                                  "%s %s is %s by itself, at or above %s of %s: the %s runtime will be OOM-killed "
                                  "as its heap fills, with no log line",
                                  mg_runtime_name(heap->runtime), what, FMT(hb, a), limit_src, FMT(limit, b),
                                  mg_runtime_name(heap->runtime));
        } else if (limit - hb < est.total_bytes) {
                f = mg_report_add(r, "offheap-margin", MG_SEV_WARN,
                                  "%s %s leaves %s of %s %s for everything beyond the heap; the runtime needs "
                                  "about %s there (%s)",
                                  mg_runtime_name(heap->runtime), what, FMT(limit - hb, a), limit_src, FMT(limit, b),
                                  FMT(est.total_bytes, c), parts);
        }
        if (!f)
                return;
        uint64_t fit = mg_sat_sub(limit, est.total_bytes);
        fit -= fit % MG_MIB;
        heap_flag(heap, fit, flag, sizeof(flag));
        uint64_t need_mib = (mg_sat_add(hb, est.total_bytes) + MG_MIB - 1) / MG_MIB;
        char how[96];
        mg_engine_limit_hint(in->conf ? in->conf->engine : MG_CENGINE_UNKNOWN, need_mib, how, sizeof(how));
        if (fit >= 16 * MG_MIB)
                mg_finding_fix(f, "lower the heap to at most %s, or raise the memory limit to at least %" PRIu64
                                  " MiB (e.g. %s); tune the estimate with io.memgate.* annotations",
                               flag, need_mib, how);
        else
                mg_finding_fix(f, "raise the memory limit to at least %" PRIu64 " MiB (e.g. %s)", need_mib, how);
        mg_ev_str(f, "runtime", mg_runtime_name(heap->runtime));
        mg_ev_u64(f, "limit_bytes", limit);
        mg_ev_u64(f, "heap_bytes", hb);
        mg_ev_u64(f, "room_bytes", mg_sat_sub(limit, hb));
        mg_ev_u64(f, "offheap_need_bytes", est.total_bytes);
        mg_ev_str(f, "heap_option", heap->option);
        mg_ev_str(f, "heap_source", heap->source);
        if (heap->runtime == MG_RT_JVM) {
                mg_ev_u64(f, "jvm_classes", p.jvm_classes);
                mg_ev_u64(f, "jvm_threads", p.jvm_threads);
        }
        for (size_t i = 0; i < est.nparts; i++) {
                char key[40];
                snprintf(key, sizeof(key), "need_%s_bytes", est.parts[i].name);
                for (char *k = key; *k; k++)
                        *k = *k == ' ' ? '_' : (char)tolower((unsigned char)*k);
                mg_ev_u64(f, key, est.parts[i].bytes);
        }
}

