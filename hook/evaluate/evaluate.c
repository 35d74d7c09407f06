/* SPDX-License-Identifier: Apache-2.0 */
/* One evaluation: configuration, host snapshot, kernel model, container, heap, cgroup, checks,
 * annotations. Shared by every front end (hook, check, host, precreate, memgate-runtime). */
#include "memgate/evaluate/evaluate.h"

#include <errno.h>
#include <string.h>

#include "memgate/checks/cgroup_owner.h"
#include "memgate/checks/checks.h"
#include "memgate/checks/thresholds.h"
#include "memgate/inputs/host_read.h"
#include "memgate/oci/parse.h"
#include "memgate/outputs/annotations.h"

mg_evaluation_t *mg_evaluation_new(void) {
        /* calloc of this size is served by mmap: zero pages the kernel hands out as they are
         * touched, not 175 KB of memset on every start. */
        return calloc(1, sizeof(mg_evaluation_t));
}

void mg_evaluation_free(mg_evaluation_t *ev) {
        if (!ev)
                return;
        mg_host_clear(&ev->host);
        mg_state_free(&ev->state);
        mg_container_free(&ev->container);
        mg_cgroup_free(ev->cgroup);
        mg_containers_clear(&ev->containers);
        mg_kv_clear(ev->annotations, ev->nannotations);
        free(ev);
}

int mg_eval_conf(const mg_eval_opts_t *o, mg_conf_t *ret, mg_error_t *err) {
        mg_conf_t c;
        mg_conf_defaults(&c);
        const char *path = o->config_path ? o->config_path : MG_DEFAULT_CONF;
        int r = mg_conf_load(path, o->config_path != NULL, &c, err);
        if (r < 0)
                return r;
        if (o->policy_set)
                c.policy = o->policy;
        if (o->fail_closed)
                c.fail_closed = true;
        if (o->heuristic_set)
                c.heuristic = o->heuristic;
        *ret = c;
        return 0;
}

/* The container's memory cgroup: from the init's pid in hook mode (the cgroup exists by then),
 * from linux.cgroupsPath otherwise. Not finding one is no error for the evaluation (the
 * container's own limit still applies), but the reason goes into the report with the checks
 * that went without it. */
static void resolve_cgroup(const mg_eval_opts_t *o, mg_evaluation_t *ev) {
        mg_error_t cerr = {0};
        mg_cgroup_t *cg = NULL;
        int r = -ENOENT;
        bool tried = false;

        if (ev->have_state && ev->state.pid > 0) {
                tried = true;
                r = mg_cgroup_from_pid(&o->roots, ev->state.pid, &cg, &cerr);
        }
        if (r < 0 && ev->container.cgroups_path && *ev->container.cgroups_path) {
                mg_error_t perr = {0};
                tried = true;
                r = mg_cgroup_from_path(&o->roots, ev->container.cgroups_path, &cg, &perr);
                if (r < 0 && !cerr.msg[0])
                        cerr = perr;
        }
        if (r < 0 || !cg) {
                if (tried)
                        snprintf(ev->cgroup_error, sizeof(ev->cgroup_error), "%s",
                                 cerr.msg[0] ? cerr.msg : "not found");
                return;
        }
        ev->cgroup = cg;
        ev->effective_limit_bytes = mg_cgroup_effective_limit(cg, NULL);
}

/* A cgroup is a running container's (or a pod's) when its path names one; once per container:
 * podman's systemd form nests the container in libpod-<id>.scope/container, which names the same
 * container as its parent. */
static bool is_container_cgroup(const char *path, void *userdata) {
        mg_cg_owner_t owner, parent;
        char up[MG_CGROUP_PATH_MAX];
        (void)userdata;
        if (!mg_cg_owner_decode(path, &owner))
                return false;
        const char *slash = strrchr(path, '/');
        if (!owner.id[0] || !slash || slash == path || (size_t)(slash - path) >= sizeof(up))
                return true;
        memcpy(up, path, (size_t)(slash - path));
        up[slash - path] = '\0';
        return !(mg_cg_owner_decode(up, &parent) && !strcmp(parent.id, owner.id));
}

/* The running containers near their limit. Not listing them is no error for the evaluation: the
 * report says why. */
static void read_containers(const mg_eval_opts_t *o, mg_evaluation_t *ev) {
        mg_error_t cerr = {0};
        if (mg_containers_read(&o->roots, MG_CONTAINER_NEAR_PERCENT, is_container_cgroup, NULL, &ev->containers,
                               &cerr) < 0) {
                snprintf(ev->containers_error, sizeof(ev->containers_error), "%s",
                         cerr.msg[0] ? cerr.msg : "unreadable");
                return;
        }
        ev->have_containers = true;
}

bool mg_eval_config_beyond_limits(int r) {
        return r == -E2BIG || r == -EFBIG;
}

void mg_eval_skip_container(mg_evaluation_t *ev, const mg_error_t *why) {
        snprintf(ev->container_unread, sizeof(ev->container_unread), "%s",
                 why && why->msg[0] ? why->msg : "the config is beyond what memgate reads");
}

int mg_eval_run(const mg_eval_opts_t *o, const char *config_json, size_t config_len, const char *config_name,
                mg_evaluation_t *ev, mg_error_t *err) {
        int r = mg_host_read(&o->roots, &ev->host, err);
        if (r < 0)
                return r;
        mg_model_opts_t mo = {
                .heuristic = ev->conf.heuristic,
                /* runc and crun run as root: the admin reserve does not hold them back. */
                .caller_has_sys_admin = true,
        };
        mg_model_compute(&ev->host, &mo, &ev->model);

        if (config_json) {
                mg_error_t perr = {0};
                r = mg_oci_parse_config(config_json, config_len, config_name ? config_name : "config.json",
                                        &ev->container, &perr);
                if (r < 0 && o->host_alone_beyond_limits && mg_eval_config_beyond_limits(r)) {
                        mg_container_free(&ev->container);
                        ev->container = (mg_container_t){0};
                        mg_eval_skip_container(ev, &perr);
                        config_json = NULL;
                } else if (r < 0) {
                        *err = perr;
                        return r;
                }
        }
        if (config_json) {
                ev->have_container = true;
                /* runc copies config annotations into the state; read the state's when the
                 * config has none (a runtime that rewrote the config in between). */
                if (ev->have_state && ev->container.nannotations == 0 && ev->state.nannotations > 0) {
                        ev->container.annotations = TAKE_PTR(ev->state.annotations);
                        ev->container.nannotations = ev->state.nannotations;
                        ev->state.nannotations = 0;
                }
                r = mg_heap_detect(ev->container.args, ev->container.nargs, ev->container.env, ev->container.nenv,
                                   &ev->heap);
                if (r < 0)
                        return mg_error_set(err, r, "%s: out of memory reading the heap settings",
                                            config_name ? config_name : "config.json");
                if (ev->container.is_linux)
                        resolve_cgroup(o, ev);
        }

        mg_input_t in = {
                .host = &ev->host,
                .model = &ev->model,
                .container = ev->have_container ? &ev->container : NULL,
                .heap = ev->have_container ? &ev->heap : NULL,
                .conf = &ev->conf,
                .policy_forced = o->policy_set,
                .effective_limit_bytes = ev->effective_limit_bytes,
                .cgroup = ev->cgroup,
                /* A createRuntime/prestart hook runs inside a runtime that has started: runc run
                 * and runc init have committed their share by then (kernel lab: about 208 MiB). */
                .runtime_running = ev->have_state && ev->state.pid > 0,
        };
        mg_evaluate(&in, &ev->report);
        if (o->containers)
                read_containers(o, ev);
        r = mg_report_annotations(&ev->report, &ev->model, ev->annotations, MG_ANNOTATIONS_MAX);
        if (r < 0)
                return mg_error_set(err, r, "out of memory building the annotations");
        ev->nannotations = (size_t)r;
        return 0;
}

mg_report_ctx_t mg_eval_report_ctx(const mg_evaluation_t *ev, const char *mode, const char *bundle) {
        return (mg_report_ctx_t){
                .mode = mode,
                .engine = mg_cengine_name(ev->conf.engine),
                .report = &ev->report,
                .host = &ev->host,
                .model = &ev->model,
                .container = ev->have_container ? &ev->container : NULL,
                .state = ev->have_state ? &ev->state : NULL,
                .effective_limit_bytes = ev->effective_limit_bytes,
                .bundle = bundle,
                .annotations = ev->annotations,
                .nannotations = ev->nannotations,
                .cgroup_error = ev->cgroup_error[0] ? ev->cgroup_error : NULL,
                .cgroup_checks = ev->cgroup_error[0] ? MG_CGROUP_CHECKS : NULL,
                .containers = ev->have_containers ? &ev->containers : NULL,
                .containers_error = ev->containers_error[0] ? ev->containers_error : NULL,
        };
}
