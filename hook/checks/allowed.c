/* SPDX-License-Identifier: Apache-2.0 */
/* The NUMA nodes a container may allocate from. */
#define _GNU_SOURCE
#include "allowed.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "memgate/util/buf.h"
#include "memgate/util/number.h"

/* A node is low below max(5% of its memory, 256 MiB) of available memory. */
uint64_t mg_node_low_kb(const mg_node_t *n) {
        uint64_t pct = n->mem_total_kb / 100 * MG_NUMA_LOW_PERCENT +
                       n->mem_total_kb % 100 * MG_NUMA_LOW_PERCENT / 100;
        return pct > MG_NUMA_LOW_FLOOR ? pct : MG_NUMA_LOW_FLOOR;
}


void mg_allowed_nodes(const mg_input_t *in, mg_allowed_t *a) {
        const mg_cgroup_t *cg = in->cgroup;
        mg_nodemask_t spec, eff;
        bool have_spec = false, have_eff = false;

        *a = (mg_allowed_t){0};
        if (!in->container)
                return;
        if (in->container->cpuset_mems && *in->container->cpuset_mems &&
            mg_parse_node_list(in->container->cpuset_mems, &spec) == 0 && mg_nodemask_count(&spec) > 0)
                have_spec = true;
        if (cg && cg->have_mems && mg_parse_node_list(cg->mems, &eff) == 0 && mg_nodemask_count(&eff) > 0)
                have_eff = true;

        if (have_spec && have_eff) {
                /* The kernel confines a cpuset to its parent's effective nodes. */
                mg_nodemask_t both;
                for (size_t i = 0; i < ELEMENTSOF(both.bits); i++)
                        both.bits[i] = spec.bits[i] & eff.bits[i];
                if (mg_nodemask_count(&both) > 0) {
                        a->mask = both;
                        snprintf(a->source, sizeof(a->source), "linux.resources.cpu.mems \"%.24s\" within cpuset %.32s",
                                 in->container->cpuset_mems, cg->mems);
                } else {
                        a->mask = spec;
                        snprintf(a->source, sizeof(a->source), "linux.resources.cpu.mems \"%.24s\"",
                                 in->container->cpuset_mems);
                }
        } else if (have_spec) {
                a->mask = spec;
                snprintf(a->source, sizeof(a->source), "linux.resources.cpu.mems \"%.40s\"", in->container->cpuset_mems);
        } else if (have_eff) {
                a->mask = eff;
                snprintf(a->source, sizeof(a->source), "the cpuset of %.40s (%.32s)", cg->mems_path, cg->mems);
        } else
                return;
        a->restricted = true;
}

bool mg_node_allowed(const mg_allowed_t *a, int node) {
        return !a->restricted || mg_nodemask_test(&a->mask, node);
}

