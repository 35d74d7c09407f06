/* SPDX-License-Identifier: Apache-2.0 */
/* slab-unreclaimable: SUnreclaim above MG_SLAB_PERCENT of MemTotal, a kernel memory leak. */
#include "slab.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "memgate/util/buf.h"
#include "memgate/util/number.h"

#define FMT(v, buf) mg_fmt_bytes((v), (buf), sizeof(buf))
#define FMT_KB(kb, buf) mg_fmt_kb((kb), (buf), sizeof(buf))

/* ---- slab-unreclaimable -------------------------------------------------------------------- */

void mg_check_slab(const mg_input_t *in, mg_report_t *r) {
        const mg_meminfo_t *mi = &in->host->meminfo;
        uint64_t total, sun;
        char a[32], b[32];

        if (mg_meminfo_get(mi, "MemTotal", &total) < 0 || mg_meminfo_get(mi, "SUnreclaim", &sun) < 0 || total == 0)
                return;
        /* sun / total > 10%, without overflow: both are kB and far below 2^57. */
        if (mg_sat_mul(sun, 100) <= mg_sat_mul(total, MG_SLAB_PERCENT))
                return;
        double pct = (double)sun * 100.0 / (double)total;
        mg_finding_t *f = mg_report_add(r, "slab-unreclaimable", MG_SEV_WARN,
                                        "unreclaimable kernel slab (SUnreclaim) is %s, %.1f%% of MemTotal %s: the "
                                        "kernel cannot give it back under pressure; this much usually means a leak "
                                        "in the kernel, a driver or a module",
                                        FMT_KB(sun, a), pct, FMT_KB(total, b));
        if (!f)
                return;
        mg_finding_fix(f, "find the growing cache: slabtop -o -s c | head -20 (or sort /proc/slabinfo by "
                          "num_objs x objsize); the fix is usually a kernel or driver update, a reboot frees it");
        mg_ev_u64(f, "sunreclaim_kb", sun);
        mg_ev_u64(f, "memtotal_kb", total);
        mg_ev_u64(f, "threshold_percent", MG_SLAB_PERCENT);
}

