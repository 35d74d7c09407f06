/* SPDX-License-Identifier: Apache-2.0 */
/* The checks: pure functions from (host, model, container, conf) to findings. No I/O. */
#ifndef MEMGATE_CHECKS_H
#define MEMGATE_CHECKS_H

#include "memgate/conf.h"
#include "memgate/container.h"
#include "memgate/finding.h"
#include "memgate/heap.h"
#include "memgate/host.h"
#include "memgate/model.h"

struct mg_cgroup; /* include/memgate/cgroup.h */

typedef struct mg_input {
        const mg_host_t *host;
        const mg_model_t *model;
        const mg_container_t *container; /* NULL in host mode */
        const mg_conf_t *conf;
        bool policy_forced;              /* --policy given on the command line */
        uint64_t effective_limit_bytes;  /* smallest limit of the cgroup and its ancestors; 0 = none known */
        const struct mg_cgroup *cgroup;  /* the container's memory cgroup and ancestors, or NULL */
        const mg_heap_t *heap;           /* the container's heap settings, as mg_evaluate found them
                                            for every check; NULL: a check finds them itself */
} mg_input_t;

void mg_evaluate(const mg_input_t *in, mg_report_t *ret);

/* The off-heap estimate's parameters for this container: memgate.conf's (the defaults without a
 * conf), then the container's io.memgate.* hints. A bad hint keeps the default; with r it is also
 * reported as annotation-invalid (offheap-margin does that, so other checks pass NULL). */
void mg_offheap_params_for(const mg_input_t *in, mg_report_t *r, mg_offheap_params_t *ret);

/* The annotations an evaluation yields (io.memgate.verdict, io.memgate.findings, ...).
 * Fills up to max entries with heap-allocated strings; returns the count. */
size_t mg_report_annotations(const mg_report_t *r, const mg_model_t *m, mg_kv_t *kv, size_t max);
void mg_kv_free_array(mg_kv_t *kv, size_t n);

#endif
