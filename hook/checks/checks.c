/* SPDX-License-Identifier: Apache-2.0 */
/* The checks, run in order, and the policy that turns their findings into a verdict. Pure: every
 * input is in mg_input_t, every output in mg_report_t; the cause and the fix are computed with
 * numbers here, so an output only prints them. */
#include "memgate/checks/checks.h"

#include <stddef.h>
#include <string.h>

#include "allowed.h"
#include "commit.h"
#include "fragmentation.h"
#include "memavailable.h"
#include "numa.h"
#include "offheap.h"
#include "parent_limit.h"
#include "policy.h"
#include "runtime_floor.h"
#include "slab.h"

void mg_evaluate(const mg_input_t *in, mg_report_t *ret) {
        mg_report_t *r = ret;
        /* Everything but the findings table: mg_report_add clears each finding it hands out, and
         * nothing reads past r->n. Clearing the table too cost 149 k instructions (145 KB) and
         * 36 page faults on every start. */
        _Static_assert(offsetof(mg_report_t, findings) == 0 &&
                               offsetof(mg_report_t, n) == sizeof(((mg_report_t *)0)->findings),
                       "the findings table comes first, everything else after it");
        memset(&r->n, 0, sizeof(*r) - offsetof(mg_report_t, n));

        if (mg_policy_container(in, r)) {
                mg_policy_apply(in, r);
                return;
        }

        /* The container's heap settings come with the input (the evaluate stage detects them
         * once); a container without them is judged as running no runtime memgate knows. */
        static const mg_heap_t none = {0};
        const mg_heap_t *heap = in->container ? (in->heap ? in->heap : &none) : NULL;
        uint64_t limit = 0;
        if (in->container) {
                if (heap->note[0]) {
                        /* A setting the runtime itself will refuse: the container will not start. */
                        mg_finding_t *f = mg_report_add(r, "heap-option-invalid", MG_SEV_WARN, "%s", heap->note);
                        mg_finding_fix(f, "correct the option; sizes are digits with an optional k, m, g or t");
                }
                if (in->container->have_limit)
                        limit = in->container->limit_bytes;
                if (in->effective_limit_bytes && (!limit || in->effective_limit_bytes < limit))
                        limit = in->effective_limit_bytes;
        }

        mg_check_memavailable(in, r);
        mg_check_commit(in, heap, limit, r);
        if (in->container) {
                mg_check_runtime_floor(in, limit, r);
                mg_check_offheap(in, heap, limit, r);
        }
        mg_check_picture(in, r);
        mg_policy_apply(in, r);
}

void mg_check_picture(const mg_input_t *in, mg_report_t *r) {
        mg_allowed_t a;

        if (!in || !in->host || !r)
                return;
        mg_allowed_nodes(in, &a);
        if (in->container && in->cgroup)
                mg_check_parent_limit(in, r);
        mg_check_numa(in, &a, r);
        mg_check_fragmentation(in, &a, r);
        mg_check_slab(in, r);
}

