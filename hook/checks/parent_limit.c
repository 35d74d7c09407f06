/* SPDX-License-Identifier: Apache-2.0 */
/* parent-limit: an ancestor cgroup caps the container below its own limit or below its heap and
 * off-heap need. */
#define _GNU_SOURCE
#include "parent_limit.h"

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

/* ---- parent-limit -------------------------------------------------------------------------- */

/* The container's heap plus what its runtime needs beyond it, under limit; 0 when unknown. */
static uint64_t heap_need(const mg_input_t *in, uint64_t limit, uint64_t *ret_heap, uint64_t *ret_offheap) {
        const mg_heap_t *h = in->heap;
        mg_offheap_params_t p;
        mg_offheap_t est;
        uint64_t heap;

        *ret_heap = *ret_offheap = 0;
        if (!h || h->runtime == MG_RT_NONE)
                return 0;
        heap = mg_heap_effective(h, limit);
        if (!heap)
                return 0;
        /* Bad hints are reported once, by offheap-margin. */
        mg_offheap_params_for(in, NULL, &p);
        mg_offheap_estimate(h, heap, &p, &est);
        *ret_heap = heap;
        *ret_offheap = est.total_bytes;
        return mg_sat_add(heap, est.total_bytes);
}

void mg_check_parent_limit(const mg_input_t *in, mg_report_t *r) {
        const mg_cgroup_t *cg = in->cgroup;
        const mg_container_t *c = in->container;
        const mg_cgroup_level_t *anc = NULL;
        uint64_t own, need, heap, offheap;
        char a[32], b[32], d[32], e[32], o[32], why[200];
        const char *file = cg->version == 1 ? "memory.limit_in_bytes" : "memory.max";

        /* levels[0] is the container's own cgroup; the ancestors are above it. */
        mg_cgroup_smallest_limit(cg, 1, &anc);
        if (!anc)
                return;

        own = c->have_limit ? c->limit_bytes : mg_cgroup_own_limit(cg);
        need = heap_need(in, own ? own : anc->limit_bytes, &heap, &offheap);

        if (own && anc->limit_bytes < own) {
                if (need)
                        snprintf(why, sizeof(why), "; the container's heap and off-heap need %s (heap %s + off-heap %s)",
                                 FMT(need, d), FMT(heap, e), FMT(offheap, o));
                else
                        why[0] = '\0';
                mg_finding_t *f = mg_report_add(
                        r, "parent-limit", MG_SEV_WARN,
                        "the parent cgroup %s caps memory at %s, below the container's own limit of %s%s: "
                        "the kernel reclaims and OOM-kills inside the container at %s, not at its limit",
                        anc->path, FMT(anc->limit_bytes, a), FMT(own, b), why, FMT(anc->limit_bytes, e));
                if (!f)
                        return;
                char how[96];
                mg_engine_limit_hint(in->conf ? in->conf->engine : MG_CENGINE_UNKNOWN, anc->limit_bytes / MG_MIB, how,
                                     sizeof(how));
                mg_finding_fix(f,
                               "raise the parent's limit to at least %s (%s%s/%s) or lower the container's limit "
                               "to fit under %s (e.g. %s)",
                               FMT(need > own ? need : own, b), cg->mount, anc->path, file, FMT(anc->limit_bytes, a),
                               how);
                mg_ev_str(f, "reason", "below-container-limit");
                mg_ev_str(f, "ancestor", anc->path);
                mg_ev_u64(f, "ancestor_limit_bytes", anc->limit_bytes);
                mg_ev_u64(f, "container_limit_bytes", own);
                if (need) {
                        mg_ev_u64(f, "heap_bytes", heap);
                        mg_ev_u64(f, "offheap_bytes", offheap);
                        mg_ev_u64(f, "need_bytes", need);
                }
                mg_ev_str(f, "hierarchy", cg->mount);
                mg_ev_i64(f, "cgroup_version", cg->version);
                return;
        }
        if (need && anc->limit_bytes < need) {
                mg_finding_t *f = mg_report_add(
                        r, "parent-limit", MG_SEV_WARN,
                        "the parent cgroup %s caps memory at %s, below the container's heap and off-heap need of %s "
                        "(heap %s + off-heap %s)%s",
                        anc->path, FMT(anc->limit_bytes, a), FMT(need, b), FMT(heap, d), FMT(offheap, e),
                        own ? "" : "; the container has no limit of its own");
                if (!f)
                        return;
                mg_finding_fix(f,
                               "raise the parent's limit to at least %s (%s%s/%s) or lower the heap so that heap "
                               "and off-heap fit under %s",
                               FMT(need, b), cg->mount, anc->path, file, FMT(anc->limit_bytes, a));
                mg_ev_str(f, "reason", "below-heap-need");
                mg_ev_str(f, "ancestor", anc->path);
                mg_ev_u64(f, "ancestor_limit_bytes", anc->limit_bytes);
                mg_ev_u64(f, "container_limit_bytes", own);
                mg_ev_u64(f, "heap_bytes", heap);
                mg_ev_u64(f, "offheap_bytes", offheap);
                mg_ev_u64(f, "need_bytes", need);
                mg_ev_str(f, "hierarchy", cg->mount);
                mg_ev_i64(f, "cgroup_version", cg->version);
        }
}

