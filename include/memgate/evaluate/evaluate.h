/* SPDX-License-Identifier: Apache-2.0 */
/* One evaluation, shared by every front end (memgate hook|check|host|precreate, memgate-runtime):
 * read the host, parse the config, find the heap and the cgroup, run the models and the checks,
 * and hand back everything an output reports. */
#ifndef MEMGATE_EVALUATE_EVALUATE_H
#define MEMGATE_EVALUATE_EVALUATE_H

#include "memgate/checks/finding.h"
#include "memgate/inputs/cgroup.h"
#include "memgate/inputs/conf.h"
#include "memgate/inputs/containers.h"
#include "memgate/inputs/host.h"
#include "memgate/models/kernel.h"
#include "memgate/oci/container.h"
#include "memgate/outputs/report.h"
#include "memgate/workload/heap.h"

/* What an evaluation is asked with: where the host is, which memgate.conf, and the command line's
 * overrides of it. */
typedef struct mg_eval_opts {
        mg_roots_t roots;
        const char *config_path;   /* --config, or NULL for the default (absent is fine) */
        bool policy_set;           /* --policy given */
        mg_policy_t policy;
        bool fail_closed;          /* --fail-closed */
        bool heuristic_set;        /* --heuristic given */
        mg_heuristic_t heuristic;
        bool containers;           /* host mode: list the running containers near their limit */
        /* A config beyond memgate's limits is judged on the host alone (hook, precreate,
         * memgate-runtime: a container must not switch memgate off) rather than failed (check). */
        bool host_alone_beyond_limits;
} mg_eval_opts_t;

#define MG_ANNOTATIONS_MAX 16

typedef struct mg_evaluation {
        mg_conf_t conf;
        mg_host_t host;
        mg_model_t model;
        mg_state_t state;          /* hook mode: the caller parses it in */
        bool have_state;
        mg_container_t container;
        bool have_container;
        mg_heap_t heap;            /* the container's heap settings */
        mg_cgroup_t *cgroup;       /* the container's memory cgroup and ancestors, when found */
        uint64_t effective_limit_bytes;
        /* Why the container's cgroup could not be resolved (empty: it was, or there was nothing to
         * resolve), and the checks that went without it. */
        char cgroup_error[sizeof(((mg_error_t *)0)->msg)];
        /* Why the container's config was not read (it is larger, deeper or longer than memgate
         * reads, see mg_eval_config_beyond_limits), empty when it was: the host alone was judged. */
        char container_unread[sizeof(((mg_error_t *)0)->msg)];
        mg_report_t report;
        /* Host mode: the running containers near their limit, or why they could not be listed. */
        mg_containers_t containers;
        bool have_containers;
        char containers_error[sizeof(((mg_error_t *)0)->msg)];
        /* The io.memgate.* annotations the evaluation yields. */
        mg_kv_t annotations[MG_ANNOTATIONS_MAX];
        size_t nannotations;
} mg_evaluation_t;

/* The checks that need the container's cgroup, named when it could not be resolved. */
#define MG_CGROUP_CHECKS "parent-limit, and the cgroup's limit and cpuset for offheap-margin and numa-node-low"

/* On the heap (the report alone is ~150 KB): never on a front end's stack. NULL on ENOMEM. */
mg_evaluation_t *mg_evaluation_new(void);
void mg_evaluation_free(mg_evaluation_t *ev);
DEFINE_CLEANUP_FUNC(mg_evaluation_t *, mg_evaluation_free)
#define _cleanup_evaluation_ _cleanup_(mg_evaluation_freep)

/* Loads memgate.conf (o->config_path, or the default path where absence is fine) and applies the
 * command-line overrides. */
int mg_eval_conf(const mg_eval_opts_t *o, mg_conf_t *ret, mg_error_t *err);

/* Evaluates: reads the host under o->roots, parses config_json (NULL in host mode, or when the
 * front end could not read it, see below; a config beyond memgate's limits is skipped the same
 * way, not failed), finds the
 * heap settings and the container's cgroup (the pid of ev->state in hook mode, cgroupsPath
 * otherwise), runs the checks and the policy, and builds the annotations. ev->conf must be filled
 * first (mg_eval_conf, or mg_site_conf in a confined child: the reading its watchdog made). */
int mg_eval_run(const mg_eval_opts_t *o, const char *config_json, size_t config_len, const char *config_name,
                mg_evaluation_t *ev, mg_error_t *err);

/* Whether a failure to read or parse a container's config is one of memgate's own limits (size,
 * nesting, number of values or entries: -EFBIG, -E2BIG) that runc does not share. Such a config
 * must not switch memgate off: the front end records it (mg_eval_skip_container) and judges the
 * host alone, so a host that refuses every start still refuses this one. */
bool mg_eval_config_beyond_limits(int r);
void mg_eval_skip_container(mg_evaluation_t *ev, const mg_error_t *why);

/* The view every output reads. */
mg_report_ctx_t mg_eval_report_ctx(const mg_evaluation_t *ev, const char *mode, const char *bundle);

#endif
