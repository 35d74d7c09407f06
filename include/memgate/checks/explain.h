/* SPDX-License-Identifier: Apache-2.0 */
/* `memgate explain`'s judgement of one kernel log event: exactly one class, the cause and the
 * fix in a sentence with numbers, and the containers behind the cgroup paths. Pure: an event in,
 * an explanation out. The class codes are the JSON contract (README, memgate(1)). */
#ifndef MEMGATE_CHECKS_EXPLAIN_H
#define MEMGATE_CHECKS_EXPLAIN_H

#include "memgate/checks/cgroup_owner.h"
#include "memgate/inputs/kernlog.h"

typedef enum mg_xclass {
        MG_X_CGROUP_LIMIT = 0, /* the task's own memory cgroup at its limit */
        MG_X_PARENT_LIMIT,     /* an ancestor's limit (the pod, the slice), the task's own far away */
        MG_X_HOST_MEMORY,      /* the whole host short */
        MG_X_NUMA_NODE,        /* the nodes the task may use short, others not (cpuset.mems, mempolicy) */
        MG_X_FRAGMENTATION,    /* free above min, but no free block of the order asked for */
        MG_X_COMMIT_REFUSED,   /* __vm_enough_memory: no kill, the allocation failed */
        MG_X_ALLOC_FAILURE,    /* a page allocation failure that is none of the above */
        MG_X_UNKNOWN,          /* with the reason */
} mg_xclass_t;


typedef struct mg_explanation {
        mg_xclass_t cls;
        char reason[256];       /* why this class: the deciding evidence, in a few words */
        char cause[640];        /* a sentence with numbers */
        char fix[512];          /* a sentence with numbers */
        mg_cg_owner_t task_owner;   /* of the victim's cgroup */
        mg_cg_owner_t limit_owner;  /* of the cgroup whose limit was hit */
        int short_zones;        /* zones printed with free below min (the DMA zone not counted) */
        int zones_considered;
} mg_explanation_t;

void mg_explain_event(const mg_kl_event_t *ev, mg_explanation_t *ret);
/* "cgroup-limit", "parent-limit", ... */
const char *mg_xclass_code(mg_xclass_t c);

#endif
