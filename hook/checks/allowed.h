/* SPDX-License-Identifier: Apache-2.0 */
/* Private to hook/checks/: the NUMA nodes a container may allocate from, and when a node is low. */
#ifndef MEMGATE_CHECKS_ALLOWED_H
#define MEMGATE_CHECKS_ALLOWED_H

#include "memgate/checks/finding.h"
#include "memgate/checks/input.h"
#include "memgate/checks/thresholds.h"
#include "memgate/inputs/nodemask.h"

typedef struct mg_allowed {
        bool restricted;      /* a node list applies; false: every node */
        mg_nodemask_t mask;
        char source[160];     /* "linux.resources.cpu.mems \"0-1\"", ... */
} mg_allowed_t;

/* From linux.resources.cpu.mems and the cgroup's effective cpuset.mems; not restricted in host
 * mode or when neither is set. */
void mg_allowed_nodes(const mg_input_t *in, mg_allowed_t *ret);
bool mg_node_allowed(const mg_allowed_t *a, int node);
/* A node is low below max(MG_NUMA_LOW_PERCENT of its memory, MG_NUMA_LOW_FLOOR) available. */
uint64_t mg_node_low_kb(const mg_node_t *n);
#endif
