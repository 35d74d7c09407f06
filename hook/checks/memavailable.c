/* SPDX-License-Identifier: Apache-2.0 */
/* memavailable-zero (MemAvailable is 0 kB) and watermark-misconfigured (the reserve is outsized). */
#include "memavailable.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "memgate/util/buf.h"
#include "memgate/util/number.h"

#include "reserve.h"

#define FMT(v, buf) mg_fmt_bytes((v), (buf), sizeof(buf))
#define FMT_KB(kb, buf) mg_fmt_kb((kb), (buf), sizeof(buf))

void mg_check_memavailable(const mg_input_t *in, mg_report_t *r) {
        const mg_host_t *h = in->host;
        const mg_model_t *m = in->model;
        char a[32], b[32], c[32], cause_buf[64];
        uint64_t avail = 0;
        bool known = mg_model_memavailable(m, &avail); /* unknown (before 3.14, no zoneinfo) is never 0 */
        bool outsized = mg_reserve_outsized(in);
        const char *cause = outsized ? mg_reserve_cause(h, m, cause_buf, sizeof(cause_buf)) : NULL;

        if (known && avail == 0) {
                mg_finding_t *f;
                if (!m->reconstructed)
                        f = mg_report_add(r, "memavailable-zero", MG_SEV_REFUSE,
                                          "MemAvailable is 0 kB while MemFree is %s; the watermark reserve could not "
                                          "be reconstructed (%s), so the cause is not explained",
                                          FMT_KB(m->memfree_kb, a),
                                          h->zoneinfo_error[0] ? h->zoneinfo_error : "no /proc/zoneinfo");
                else if (outsized)
                        f = mg_report_add(r, "memavailable-zero", MG_SEV_REFUSE,
                                          "MemAvailable is 0 kB while MemFree is %s: %s makes the watermarks reserve "
                                          "%s of %s",
                                          FMT_KB(m->memfree_kb, a),
                                          cause ? cause : "vm.lowmem_reserve_ratio",
                                          FMT_KB(m->totalreserve_kb, b), FMT_KB(m->memtotal_kb, c));
                else
                        f = mg_report_add(r, "memavailable-zero", MG_SEV_REFUSE,
                                          "MemAvailable is 0 kB: MemFree %s minus the watermark reserve %s leaves "
                                          "nothing, and page cache and reclaimable slab add too little; memory is "
                                          "really in use",
                                          FMT_KB(m->memfree_kb, a), FMT_KB(m->totalreserve_kb, b));
                if (f) {
                        if (m->reconstructed && outsized)
                                mg_reserve_fix(h, m, f);
                        else if (m->reconstructed)
                                mg_finding_fix(f, "free memory on the host (stop workloads) or add RAM; "
                                                  "see the largest users with: ps -eo rss,comm --sort=-rss | head");
                        else
                                mg_finding_fix(f, "compare vm.min_free_kbytes=%" PRIu64 " with the kernel's default "
                                                  "of about %" PRIu64 " and read /proc/zoneinfo",
                                               h->vm.min_free_kbytes, m->default_min_free_kbytes);
                        mg_ev_u64(f, "memavailable_kb", avail);
                        mg_ev_u64(f, "memfree_kb", m->memfree_kb);
                        mg_ev_u64(f, "memtotal_kb", m->memtotal_kb);
                        mg_ev_bool(f, "reconstructed", m->reconstructed);
                        if (m->reconstructed) {
                                mg_ev_u64(f, "totalreserve_kb", m->totalreserve_kb);
                                mg_ev_i64(f, "memavailable_unclamped_kb", m->memavailable_unclamped_kb);
                                mg_ev_u64(f, "pagecache_kb", m->pagecache_kb);
                                mg_ev_u64(f, "reclaimable_kb", m->reclaimable_kb);
                        }
                        mg_ev_u64(f, "min_free_kbytes", h->vm.min_free_kbytes);
                        mg_ev_u64(f, "default_min_free_kbytes", m->default_min_free_kbytes);
                        mg_ev_u64(f, "watermark_scale_factor", h->vm.watermark_scale_factor);
                }
        }

        if (outsized) {
                uint64_t pct = m->totalreserve_kb * 100 / m->memtotal_kb;
                mg_finding_t *f = mg_report_add(
                        r, "watermark-misconfigured", MG_SEV_WARN,
                        "the zone watermarks and lowmem protection reserve %s (%" PRIu64 "%% of MemTotal %s; "
                        "the kernel's defaults would reserve %s): %s",
                        FMT_KB(m->totalreserve_kb, a), pct, FMT_KB(m->memtotal_kb, b),
                        FMT_KB(m->default_totalreserve_kb, c),
                        cause ? cause : "the reserve comes from vm.lowmem_reserve_ratio");
                if (f) {
                        mg_reserve_fix(h, m, f);
                        mg_ev_u64(f, "totalreserve_kb", m->totalreserve_kb);
                        mg_ev_u64(f, "default_totalreserve_kb", m->default_totalreserve_kb);
                        mg_ev_u64(f, "memtotal_kb", m->memtotal_kb);
                        mg_ev_u64(f, "percent", pct);
                        mg_ev_u64(f, "threshold_percent", in->conf->watermark_warn_percent);
                        mg_ev_u64(f, "min_free_kbytes", h->vm.min_free_kbytes);
                        mg_ev_u64(f, "default_min_free_kbytes", m->default_min_free_kbytes);
                        mg_ev_u64(f, "watermark_scale_factor", h->vm.watermark_scale_factor);
                }
        }
}

