/* SPDX-License-Identifier: Apache-2.0 */
/* What every check reads: the host, its model, the container and its heap, the cgroup, the
 * settings. Plain pointers; the evaluate stage fills it. */
#ifndef MEMGATE_CHECKS_INPUT_H
#define MEMGATE_CHECKS_INPUT_H

#include <stdbool.h>
#include <stdint.h>

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
        bool runtime_running;            /* hook mode: runc (run and init) is up and its start-up
                                            commit is already in Committed_AS */
} mg_input_t;

#endif
