/* SPDX-License-Identifier: Apache-2.0 */
/* One evaluation: configuration, host snapshot, kernel model, container, cgroup, checks.
 * Shared by every front end (hook, check, host, precreate, memgate-runtime). */
#include "memgate/engine.h"

#include <errno.h>
#include <string.h>

#include "memgate/cgroup.h"
#include "memgate/oci.h"

int mg_engine_conf(const mg_options_t *o, mg_conf_t *ret, mg_error_t *err) {
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
 * from linux.cgroupsPath otherwise. Not finding one is no error: the container's own limit
 * still applies; the reason is kept for the report. */
static void resolve_cgroup(const mg_options_t *o, mg_evaluation_t *ev) {
        mg_error_t cerr = {0};
        mg_cgroup_t *cg = NULL;
        int r = -ENOENT;
        if (ev->have_state && ev->state.pid > 0)
                r = mg_cgroup_from_pid(&o->roots, ev->state.pid, &cg, &cerr);
        if (r < 0 && ev->container.cgroups_path && *ev->container.cgroups_path)
                r = mg_cgroup_from_path(&o->roots, ev->container.cgroups_path, &cg, &cerr);
        if (r < 0 || !cg)
                return;
        ev->cgroup = cg;
        ev->effective_limit_bytes = mg_cgroup_effective_limit(cg, NULL);
}

int mg_engine_evaluate(const mg_options_t *o, const char *config_json, size_t config_len, const char *config_name,
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
                r = mg_oci_parse_config(config_json, config_len, config_name ? config_name : "config.json",
                                        &ev->container, err);
                if (r < 0)
                        return r;
                ev->have_container = true;
                /* runc copies config annotations into the state; read the state's when the
                 * config has none (a runtime that rewrote the config in between). */
                if (ev->have_state && ev->container.nannotations == 0 && ev->state.nannotations > 0) {
                        ev->container.annotations = TAKE_PTR(ev->state.annotations);
                        ev->container.nannotations = ev->state.nannotations;
                        ev->state.nannotations = 0;
                }
                if (ev->container.is_linux)
                        resolve_cgroup(o, ev);
        }

        mg_input_t in = {
                .host = &ev->host,
                .model = &ev->model,
                .container = ev->have_container ? &ev->container : NULL,
                .conf = &ev->conf,
                .policy_forced = o->policy_set,
                .effective_limit_bytes = ev->effective_limit_bytes,
                .cgroup = ev->cgroup,
        };
        mg_evaluate(&in, &ev->report);
        ev->nannotations = mg_report_annotations(&ev->report, &ev->model, ev->annotations, MG_ANNOTATIONS_MAX);
        return 0;
}

void mg_evaluation_free(mg_evaluation_t *ev) {
        if (!ev)
                return;
        mg_state_free(&ev->state);
        mg_container_free(&ev->container);
        mg_cgroup_free(ev->cgroup);
        ev->cgroup = NULL;
        mg_kv_free_array(ev->annotations, ev->nannotations);
        ev->nannotations = 0;
}
