/* SPDX-License-Identifier: Apache-2.0 */
/* The --format json report (and <bundle>/memgate.json): the verdict, the findings with typed
 * evidence, the host's numbers and the kernel model, and what was read from the container.
 * Bounded: fixed-size findings and host tables, and caps on what is copied from the container. */
#include "report.h"

#include <stdint.h>
#include <string.h>

#include "memgate/checks/cgroup_owner.h"
#include "memgate/util/escape.h"
#include "memgate/util/jsonw.h"
#include "memgate/workload/heap.h"

#ifndef MEMGATE_VERSION
#define MEMGATE_VERSION "unknown"
#endif

#define REPORT_MAX_ARGS 256          /* process.args entries copied */
#define REPORT_MAX_ANNOTATIONS 256   /* annotations copied */
#define REPORT_MAX_STRING 4096       /* bytes of one copied string */

/* Misuse and running out of memory are remembered by the writer and reported once at the end:
 * the calls below stay flat. */
typedef mg_jw_t out_t;

/* A string of at most max bytes, with any invalid UTF-8 (a message cut inside a character by
 * snprintf, say) replaced by U+FFFD, so memgate.json is always valid UTF-8. Valid text (nearly
 * all of it) goes to the writer as it is; only the rest is copied. */
static void str_n(out_t *o, const char *s, size_t max) {
        char buf[REPORT_MAX_STRING * 3 + 4];
        size_t n;

        if (max > REPORT_MAX_STRING)
                max = REPORT_MAX_STRING;
        if (!s) {
                mg_jw_null(o);
                return;
        }
        if (mg_utf8_valid_n(s, max, &n)) {
                mg_jw_string(o, s, n);
                return;
        }
        mg_jw_string(o, buf, mg_utf8_replace_invalid(s, n, buf));
}

static void str(out_t *o, const char *s) { str_n(o, s, REPORT_MAX_STRING); }
static void key(out_t *o, const char *k) { str(o, k); }
/* A key in a fixed-size field that need not end in a NUL. */
static void key_n(out_t *o, const char *k, size_t max) { str_n(o, k, max); }
static void kstr(out_t *o, const char *k, const char *v) { key(o, k); str(o, v); }
static void u64v(out_t *o, uint64_t v) { mg_jw_u64(o, v); }
static void ku64(out_t *o, const char *k, uint64_t v) { key(o, k), mg_jw_u64(o, v); }
static void ki64(out_t *o, const char *k, int64_t v) { key(o, k), mg_jw_i64(o, v); }
static void kbool(out_t *o, const char *k, bool v) { key(o, k), mg_jw_bool(o, v); }
static void knull(out_t *o, const char *k) { key(o, k), mg_jw_null(o); }
static void open_map(out_t *o) { mg_jw_map_open(o); }
static void close_map(out_t *o) { mg_jw_map_close(o); }
static void open_arr(out_t *o) { mg_jw_array_open(o); }
static void close_arr(out_t *o) { mg_jw_array_close(o); }

static void finding(out_t *o, const mg_finding_t *f) {
        open_map(o);
        kstr(o, "code", f->code);
        kstr(o, "severity", mg_severity_name(f->severity));
        key(o, "message"), str_n(o, f->message, sizeof(f->message));
        key(o, "fix"), str_n(o, f->fix, sizeof(f->fix));
        key(o, "evidence");
        open_map(o);
        for (size_t i = 0; i < f->nev && i < MG_EVIDENCE_MAX; i++) {
                const mg_evidence_t *e = &f->ev[i];
                key_n(o, e->key, sizeof(e->key));
                switch (e->type) {
                case MG_EV_U64:
                        u64v(o, e->u);
                        break;
                case MG_EV_I64:
                        mg_jw_i64(o, e->i);
                        break;
                case MG_EV_BOOL:
                        mg_jw_bool(o, e->b);
                        break;
                case MG_EV_STR:
                default:
                        str_n(o, e->s, sizeof(e->s));
                        break;
                }
        }
        close_map(o);
        close_map(o);
}

static void findings(out_t *o, const mg_report_t *r) {
        key(o, "findings");
        open_arr(o);
        for (size_t i = 0; r && i < r->n && i < MG_FINDINGS_MAX; i++)
                finding(o, &r->findings[i]);
        close_arr(o);
        if (r && r->truncated)
                kbool(o, "truncated", true);
}

static void model(out_t *o, const mg_model_t *m) {
        key(o, "model");
        if (!m) {
                mg_jw_null(o);
                return;
        }
        open_map(o);
        if (m->have_memavailable)
                ku64(o, "memavailable_kb", m->memavailable_kb);
        else
                knull(o, "memavailable_kb");
        ki64(o, "memavailable_unclamped_kb", m->memavailable_unclamped_kb);
        if (m->have_kernel_memavailable)
                ku64(o, "kernel_memavailable_kb", m->kernel_memavailable_kb);
        else
                knull(o, "kernel_memavailable_kb");
        kbool(o, "reconstructed", m->reconstructed);
        ku64(o, "memtotal_kb", m->memtotal_kb);
        ku64(o, "memfree_kb", m->memfree_kb);
        ku64(o, "pagecache_kb", m->pagecache_kb);
        ku64(o, "reclaimable_kb", m->reclaimable_kb);
        ku64(o, "pagecache_credit_kb", m->pagecache_credit_kb);
        ku64(o, "reclaimable_credit_kb", m->reclaimable_credit_kb);
        ku64(o, "totalreserve_kb", m->totalreserve_kb);
        ku64(o, "wmark_min_kb", m->wmark_min_kb);
        ku64(o, "wmark_low_kb", m->wmark_low_kb);
        ku64(o, "wmark_high_kb", m->wmark_high_kb);
        ku64(o, "default_min_free_kbytes", m->default_min_free_kbytes);
        ku64(o, "default_totalreserve_kb", m->default_totalreserve_kb);
        ki64(o, "overcommit_memory", m->overcommit_memory);
        kstr(o, "heuristic", mg_heuristic_name(m->heuristic));
        ku64(o, "commit_limit_kb", m->commit_limit_kb);
        ku64(o, "kernel_commit_limit_kb", m->kernel_commit_limit_kb);
        ku64(o, "committed_as_kb", m->committed_as_kb);
        ki64(o, "commit_headroom_kb", m->commit_headroom_kb);
        ku64(o, "legacy_free_kb", m->legacy_free_kb);
        close_map(o);
}

static void vm_sysctls(out_t *o, const mg_vm_t *vm) {
        key(o, "vm");
        open_map(o);
#define VM(f)                              \
        if (vm->have_##f)                  \
                ku64(o, #f, vm->f);
        VM(min_free_kbytes);
        VM(watermark_scale_factor);
        VM(watermark_boost_factor);
        VM(overcommit_memory);
        VM(overcommit_ratio);
        VM(overcommit_kbytes);
        VM(admin_reserve_kbytes);
        VM(user_reserve_kbytes);
        VM(nr_hugepages);
#undef VM
        close_map(o);
}

static void zones(out_t *o, const mg_host_t *h) {
        key(o, "zones");
        if (!h->have_zoneinfo) {
                mg_jw_null(o);
                if (h->zoneinfo_error[0])
                        key(o, "zoneinfo_error"), str_n(o, h->zoneinfo_error, sizeof(h->zoneinfo_error));
                return;
        }
        open_arr(o);
        for (size_t i = 0; i < h->nzones; i++) {
                const mg_zone_t *z = &h->zones[i];
                open_map(o);
                ki64(o, "node", z->node);
                key(o, "name"), str_n(o, z->name, sizeof(z->name));
                ku64(o, "free_pages", z->free);
                ku64(o, "boost_pages", z->boost);
                ku64(o, "min_pages", z->min);
                ku64(o, "low_pages", z->low);
                ku64(o, "high_pages", z->high);
                ku64(o, "managed_pages", z->managed);
                key(o, "protection_pages");
                open_arr(o);
                for (size_t k = 0; k < z->nprotection && k < MG_PROTECTION_MAX; k++)
                        u64v(o, z->protection[k]);
                close_arr(o);
                close_map(o);
        }
        close_arr(o);
}

static void host(out_t *o, const mg_report_ctx_t *ctx) {
        const mg_host_t *h = ctx->host;

        key(o, "host");
        if (!h) {
                mg_jw_null(o);
                return;
        }
        open_map(o);
        key(o, "kernel"), str_n(o, h->kernel, sizeof(h->kernel));
        if (h->vm.have_overcommit_memory)
                ku64(o, "overcommit_memory", h->vm.overcommit_memory);
        else
                knull(o, "overcommit_memory");
        ku64(o, "page_kb", h->page_kb);
        /* Every field as the kernel printed it, in its order: kB for most, counts for HugePages_*. */
        key(o, "meminfo");
        open_map(o);
        for (size_t i = 0; i < h->meminfo.n && i < MG_MEMINFO_MAX; i++) {
                key_n(o, h->meminfo.f[i].name, sizeof(h->meminfo.f[i].name));
                u64v(o, h->meminfo.f[i].value);
        }
        close_map(o);
        vm_sysctls(o, &h->vm);
        model(o, ctx->model);
        zones(o, h);
        if (h->zones_listed > h->nzones)
                ku64(o, "zones_left_out", h->zones_listed - h->nzones);
        if (h->nnodes > 0) {
                key(o, "nodes");
                open_arr(o);
                for (size_t i = 0; i < h->nnodes; i++) {
                        open_map(o);
                        ki64(o, "id", h->nodes[i].id);
                        ku64(o, "mem_total_kb", h->nodes[i].mem_total_kb);
                        ku64(o, "mem_free_kb", h->nodes[i].mem_free_kb);
                        ku64(o, "file_pages_kb", h->nodes[i].file_pages_kb);
                        ku64(o, "sreclaimable_kb", h->nodes[i].sreclaimable_kb);
                        close_map(o);
                }
                close_arr(o);
        }
        close_map(o);
}

/* Only the variables that size a runtime's heap are copied (mg_heap_env_name): the rest of an
 * environment often carries credentials, and memgate.json and journald are no place for them. */
#define REPORT_MAX_HEAP_ENV 32

static void heap_env(out_t *o, const mg_container_t *c) {
        /* Once per name, in first-seen order, with the value that counts (the last). A fixed table,
         * so a million repeats cost a million short scans, not a quadratic search. */
        struct {
                const char *name;
                size_t len;
                const char *value;
        } seen[REPORT_MAX_HEAP_ENV];
        size_t nseen = 0;

        for (size_t i = 0; i < c->nenv; i++) {
                const char *e = c->env[i];
                size_t l, k;
                if (!mg_heap_env_entry(e, &l))
                        continue;
                const char *eq = e + l;
                for (k = 0; k < nseen; k++)
                        if (seen[k].len == l && strncmp(seen[k].name, e, l) == 0)
                                break;
                if (k < nseen)
                        seen[k].value = eq + 1;
                else if (nseen < REPORT_MAX_HEAP_ENV)
                        seen[nseen++] = (typeof(seen[0])){ .name = e, .len = l, .value = eq + 1 };
        }
        key(o, "env");
        open_map(o);
        for (size_t k = 0; k < nseen; k++) {
                /* The name as snprintf's "%.*s" into 128 bytes kept it: at most 127 bytes. */
                key_n(o, seen[k].name, seen[k].len < 127 ? seen[k].len : 127);
                str(o, seen[k].value);
        }
        close_map(o);
}

static void container(out_t *o, const mg_report_ctx_t *ctx) {
        const mg_container_t *c = ctx->container;
        const mg_state_t *s = ctx->state;
        const char *bundle = s && s->bundle ? s->bundle : ctx->bundle;

        key(o, "container");
        if (!c && !s && !bundle) {
                mg_jw_null(o);
                return;
        }
        open_map(o);
        if (s) {
                kstr(o, "id", s->id);
                kstr(o, "status", s->status);
                if (s->pid > 0)
                        ki64(o, "pid", s->pid);
        }
        if (bundle)
                kstr(o, "bundle", bundle);
        if (ctx->effective_limit_bytes > 0)
                ku64(o, "effective_limit_bytes", ctx->effective_limit_bytes);
        else
                knull(o, "effective_limit_bytes");
        if (ctx->cgroup_error) {
                kstr(o, "cgroup_error", ctx->cgroup_error);
                kstr(o, "checked_without_cgroup", ctx->cgroup_checks);
        }
        if (c) {
                kstr(o, "oci_version", c->oci_version);
                kbool(o, "is_linux", c->is_linux);
                if (c->have_limit)
                        ku64(o, "limit_bytes", c->limit_bytes);
                else
                        knull(o, "limit_bytes");
                if (c->have_swap)
                        ki64(o, "swap", c->swap);
                else
                        knull(o, "swap");
                if (c->have_reservation)
                        ku64(o, "reservation_bytes", c->reservation_bytes);
                kstr(o, "cgroups_path", c->cgroups_path);
                kstr(o, "cpuset_mems", c->cpuset_mems);
                kstr(o, "root_path", c->root_path);
                key(o, "args");
                open_arr(o);
                for (size_t i = 0; i < c->nargs && i < REPORT_MAX_ARGS; i++)
                        str(o, c->args[i]);
                close_arr(o);
                if (c->nargs > REPORT_MAX_ARGS)
                        kbool(o, "args_truncated", true);
                heap_env(o, c);
                key(o, "annotations");
                open_map(o);
                for (size_t i = 0; i < c->nannotations && i < REPORT_MAX_ANNOTATIONS; i++)
                        kstr(o, c->annotations[i].key, c->annotations[i].value);
                close_map(o);
                if (c->nannotations > REPORT_MAX_ANNOTATIONS)
                        kbool(o, "annotations_truncated", true);
        }
        close_map(o);
}

/* host mode: the running containers near their limit, named by container and pod. */
static void containers(out_t *o, const mg_report_ctx_t *ctx) {
        const mg_containers_t *c = ctx->containers;
        if (!c && !ctx->containers_error)
                return;
        key(o, "running_containers");
        open_map(o);
        if (!c) {
                kstr(o, "error", ctx->containers_error);
                close_map(o);
                return;
        }
        ki64(o, "cgroup_version", c->version);
        key(o, "mount"), str_n(o, c->mount, sizeof(c->mount));
        kstr(o, "backend", c->backend);
        ku64(o, "near_limit_percent", c->share_percent);
        ku64(o, "cgroups_walked", c->walked);
        ku64(o, "containers", c->matched);
        ku64(o, "near_limit", c->near);
        if (c->cut)
                kbool(o, "walk_cut", true);
        key(o, "near");
        open_arr(o);
        for (size_t i = 0; i < c->nkept; i++) {
                const mg_cg_usage_t *u = &c->kept[i];
                mg_cg_owner_t ow;
                mg_cg_owner_decode(u->path, &ow);
                open_map(o);
                key(o, "cgroup"), str_n(o, u->path, sizeof(u->path));
                if (ow.engine[0])
                        kstr(o, "engine", ow.engine);
                if (ow.id[0])
                        kstr(o, "container_id", ow.id);
                if (ow.pod_uid[0])
                        kstr(o, "pod_uid", ow.pod_uid);
                if (ow.qos[0])
                        kstr(o, "qos", ow.qos);
                ku64(o, "usage_bytes", u->usage_bytes);
                ku64(o, "inactive_file_bytes", u->inactive_file_bytes);
                ku64(o, "working_set_bytes", u->working_set_bytes);
                ku64(o, "limit_bytes", u->limit_bytes);
                kbool(o, "own_limit", u->own_limit);
                if (u->have_oom_kills)
                        ku64(o, "oom_kills", u->oom_kills);
                else
                        knull(o, "oom_kills");
                close_map(o);
        }
        close_arr(o);
        close_map(o);
}

void mg_oci_report_generate(mg_jw_t *w, const mg_report_ctx_t *ctx) {
        out_t *o = w;
        const mg_report_t *r = ctx->report;

        open_map(o);
        kstr(o, "verdict", r ? mg_verdict_name(r->verdict) : "allow");
        kstr(o, "mode", ctx->mode ? ctx->mode : "unknown");
        if (ctx->engine)
                kstr(o, "engine", ctx->engine);
        kstr(o, "memgate_version", MEMGATE_VERSION);
        if (r) {
                kbool(o, "policy_downgraded", r->policy_downgraded);
                if (r->policy_source[0])
                        key(o, "policy_source"), str_n(o, r->policy_source, sizeof(r->policy_source));
        }
        findings(o, r);
        if (ctx->annotations) {
                /* What memgate adds to the container's annotations (io.memgate.*). */
                key(o, "annotations");
                open_map(o);
                for (size_t i = 0; i < ctx->nannotations; i++)
                        kstr(o, ctx->annotations[i].key, ctx->annotations[i].value);
                close_map(o);
        }
        host(o, ctx);
        containers(o, ctx);
        container(o, ctx);
        close_map(o);
}
