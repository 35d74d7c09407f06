/* SPDX-License-Identifier: Apache-2.0 */
/* The evaluation pipeline shared by `memgate hook|check|host|precreate` and memgate-runtime:
 * read the inputs once, evaluate, and hand back everything a front end reports. */
#ifndef MEMGATE_ENGINE_H
#define MEMGATE_ENGINE_H

#include "memgate/checks.h"
#include "memgate/conf.h"
#include "memgate/container.h"
#include "memgate/host.h"
#include "memgate/model.h"

typedef enum mg_mode {
        MG_MODE_HOOK,
        MG_MODE_CHECK,
        MG_MODE_HOST,
        MG_MODE_PRECREATE,
        MG_MODE_WRAPPER,
} mg_mode_t;

typedef enum mg_format {
        MG_FORMAT_TEXT,
        MG_FORMAT_JSON,
} mg_format_t;

typedef struct mg_options {
        mg_mode_t mode;
        mg_roots_t roots;
        const char *bundle;        /* check: --bundle */
        const char *config_path;   /* --config, or NULL for the default */
        mg_format_t format;
        bool format_set;           /* --format given (hook mode prints a report only then) */
        bool policy_set;           /* --policy given */
        mg_policy_t policy;
        bool fail_closed;          /* --fail-closed */
        bool heuristic_set;        /* --heuristic given */
        mg_heuristic_t heuristic;
} mg_options_t;

struct mg_cgroup;

#define MG_ANNOTATIONS_MAX 16

typedef struct mg_evaluation {
        mg_conf_t conf;
        mg_host_t host;
        mg_model_t model;
        mg_state_t state;          /* hook mode */
        bool have_state;
        mg_container_t container;
        bool have_container;
        struct mg_cgroup *cgroup;  /* the container's memory cgroup and ancestors, when found */
        uint64_t effective_limit_bytes;
        mg_report_t report;
        /* The io.memgate.* annotations the evaluation yields (mg_report_annotations). */
        mg_kv_t annotations[MG_ANNOTATIONS_MAX];
        size_t nannotations;
} mg_evaluation_t;

/* Loads memgate.conf (--config or the default path, absent default is fine) and applies
 * the command-line overrides. */
int mg_engine_conf(const mg_options_t *o, mg_conf_t *ret, mg_error_t *err);

/* Evaluates: reads the host under o->roots, parses config_json (NULL in host mode), resolves the
 * container's cgroup (pid from state in hook mode, cgroupsPath otherwise), runs the checks and
 * applies the policy. ev->conf must be filled first (mg_engine_conf). */
int mg_engine_evaluate(const mg_options_t *o, const char *config_json, size_t config_len,
                       const char *config_name, mg_evaluation_t *ev, mg_error_t *err);

void mg_evaluation_free(mg_evaluation_t *ev);

#endif
