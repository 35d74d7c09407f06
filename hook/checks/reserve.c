/* SPDX-License-Identifier: Apache-2.0 */
/* The watermark reserve (totalreserve): when it is outsized and what to do about it. */
#include "reserve.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "memgate/util/buf.h"
#include "memgate/util/number.h"

#define FMT(v, buf) mg_fmt_bytes((v), (buf), sizeof(buf))
#define FMT_KB(kb, buf) mg_fmt_kb((kb), (buf), sizeof(buf))

/* Which knob makes the reserve outsized: min_free_kbytes above the kernel's default, or the
 * watermark scale factor above its default of 10; NULL when neither (lowmem_reserve_ratio). */
const char *mg_reserve_cause(const mg_host_t *h, const mg_model_t *m, char *buf, size_t n) {
        if (h->vm.have_min_free_kbytes && h->vm.min_free_kbytes > m->default_min_free_kbytes * 2) {
                snprintf(buf, n, "vm.min_free_kbytes=%" PRIu64, h->vm.min_free_kbytes);
                return buf;
        }
        if (h->vm.have_watermark_scale_factor && h->vm.watermark_scale_factor > 10) {
                snprintf(buf, n, "vm.watermark_scale_factor=%" PRIu64, h->vm.watermark_scale_factor);
                return buf;
        }
        return NULL;
}

void mg_reserve_fix(const mg_host_t *h, const mg_model_t *m, mg_finding_t *f) {
        char a[32];
        if (h->vm.have_min_free_kbytes && h->vm.min_free_kbytes > m->default_min_free_kbytes * 2) {
                uint64_t gain = mg_sat_sub(m->totalreserve_kb, m->default_totalreserve_kb);
                mg_finding_fix(f,
                               "lower it, e.g. sysctl -w vm.min_free_kbytes=%" PRIu64
                               " (the kernel's default for this host), which releases about %s of the reserve; "
                               "make it permanent in /etc/sysctl.d/",
                               m->default_min_free_kbytes, FMT_KB(gain, a));
        } else if (h->vm.have_watermark_scale_factor && h->vm.watermark_scale_factor > 10) {
                mg_finding_fix(f, "lower it, e.g. sysctl -w vm.watermark_scale_factor=10 (the default)");
        } else {
                mg_finding_fix(f, "check vm.lowmem_reserve_ratio (default 256 256 32 0 0) and the zones' "
                                  "protection in /proc/zoneinfo");
        }
}

bool mg_reserve_outsized(const mg_input_t *in) {
        const mg_model_t *m = in->model;
        if (!m->reconstructed || m->memtotal_kb == 0)
                return false;
        return (unsigned __int128)m->totalreserve_kb * 100 >
               (unsigned __int128)m->memtotal_kb * in->conf->watermark_warn_percent;
}

