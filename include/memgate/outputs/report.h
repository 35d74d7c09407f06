/* SPDX-License-Identifier: Apache-2.0 */
/* What every output of one evaluation reads: the text report, the JSON report, stderr and syslog
 * lines. A view of pointers; it owns nothing. */
#ifndef MEMGATE_OUTPUTS_REPORT_H
#define MEMGATE_OUTPUTS_REPORT_H

#include "memgate/checks/finding.h"
#include "memgate/inputs/containers.h"
#include "memgate/inputs/host.h"
#include "memgate/models/kernel.h"
#include "memgate/oci/container.h"

typedef struct mg_report_ctx {
        const char *mode;                 /* "hook", "check", "host" */
        const char *engine;               /* the container engine ("docker", "cri", ...), or NULL */
        const mg_report_t *report;
        const mg_host_t *host;
        const mg_model_t *model;
        const mg_container_t *container;
        const mg_state_t *state;
        uint64_t effective_limit_bytes;
        const char *bundle;
        const mg_kv_t *annotations;       /* the io.memgate.* annotations this evaluation yields */
        size_t nannotations;
        const char *cgroup_error;         /* why the container's cgroup was not resolved, or NULL */
        const char *cgroup_checks;        /* then: the checks that went without it */
        const mg_containers_t *containers; /* host mode: running containers near their limit, or NULL */
        const char *containers_error;     /* why they were not listed, or NULL */
} mg_report_ctx_t;

#endif
