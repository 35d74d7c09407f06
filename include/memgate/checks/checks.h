/* SPDX-License-Identifier: Apache-2.0 */
/* The checks: pure functions from (host, model, container, heap, conf) to findings and a verdict.
 * No I/O: a test builds the structs and asserts on the findings. */
#ifndef MEMGATE_CHECKS_CHECKS_H
#define MEMGATE_CHECKS_CHECKS_H

#include "memgate/checks/finding.h"
#include "memgate/inputs/cgroup.h"
#include "memgate/inputs/conf.h"
#include "memgate/inputs/host.h"
#include "memgate/models/kernel.h"
#include "memgate/oci/container.h"
#include "memgate/workload/heap.h"

typedef struct mg_input {
        const mg_host_t *host;
        const mg_model_t *model;
        const mg_container_t *container; /* NULL in host mode */
        const mg_heap_t *heap;           /* the container's heap settings (mg_heap_detect); required
                                            with a container, NULL in host mode */
        const mg_conf_t *conf;
        bool policy_forced;              /* --policy given on the command line */
        uint64_t effective_limit_bytes;  /* smallest limit of the cgroup and its ancestors; 0 = none known */
        const mg_cgroup_t *cgroup;       /* the container's memory cgroup and ancestors, or NULL */
} mg_input_t;

/* Thresholds of the picture checks, for the README, the host table and tests. */
#define MG_NUMA_LOW_PERCENT 5                    /* a node is low under 5% of its memory ... */
#define MG_NUMA_LOW_FLOOR ((uint64_t)256 * 1024) /* ... or under 256 MiB (kB) */
#define MG_FRAG_MIN_ORDER 3                      /* PAGE_ALLOC_COSTLY_ORDER */
#define MG_SLAB_PERCENT 10                       /* SUnreclaim above 10% of MemTotal */

/* Runs every check and the policy into *ret (cleared first). */
void mg_evaluate(const mg_input_t *in, mg_report_t *ret);

/* The checks of the memory picture beyond the container's own limit (parent-limit, numa-node-low,
 * fragmentation, slab-unreclaimable); mg_evaluate runs them, tests call them alone. */
void mg_check_picture(const mg_input_t *in, mg_report_t *r);

#endif
