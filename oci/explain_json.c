/* SPDX-License-Identifier: Apache-2.0 */
/* The JSON form of `memgate explain`, one piece at a time (see the header). Numbers the log did
 * not print are null, never 0; strings are copied through the UTF-8 repair report.c uses, since
 * a comm or a cgroup name in a kernel log is whatever bytes a process chose. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <yajl/yajl_gen.h>

#include "json.h"
#include "memgate/util/escape.h"
#include "memgate/oci/explain_json.h"

#ifndef MEMGATE_VERSION
#define MEMGATE_VERSION "unknown"
#endif

struct mg_explain_json {
        yajl_gen g;
        yajl_gen_status status;
};

static void chk(mg_explain_json_t *o, yajl_gen_status s) {
        if (o->status == yajl_gen_status_ok && s != yajl_gen_status_ok)
                o->status = s;
}

static void str(mg_explain_json_t *o, const char *s) {
        char buf[MG_KL_PATH_MAX * 3 + 4 + 640 * 3];
        _Static_assert(sizeof(buf) >= 1024 * 3, "room for 1024 bytes, each possibly replaced by U+FFFD");
        size_t w = mg_utf8_replace_invalid(s, strnlen(s, 1024), buf);
        chk(o, yajl_gen_string(o->g, (const unsigned char *)buf, w));
}
static void key(mg_explain_json_t *o, const char *k) { str(o, k); }
static void kstr(mg_explain_json_t *o, const char *k, const char *v) {
        key(o, k);
        if (v && v[0])
                str(o, v);
        else
                chk(o, yajl_gen_null(o->g));
}
static void num(mg_explain_json_t *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void num(mg_explain_json_t *o, const char *fmt, ...) {
        char b[32];
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b, sizeof(b), fmt, ap);
        va_end(ap);
        chk(o, yajl_gen_number(o->g, b, (size_t)n));
}
static void ku64(mg_explain_json_t *o, const char *k, uint64_t v) {
        key(o, k);
        if (v == MG_KL_U64_UNSET)
                chk(o, yajl_gen_null(o->g));
        else
                num(o, "%" PRIu64, v);
}
static void ki64(mg_explain_json_t *o, const char *k, int64_t v) { /* negative: unknown */
        key(o, k);
        if (v < 0)
                chk(o, yajl_gen_null(o->g));
        else
                num(o, "%" PRId64, v);
}
static void kbool(mg_explain_json_t *o, const char *k, bool v) {
        key(o, k);
        chk(o, yajl_gen_bool(o->g, v));
}
static void open_map(mg_explain_json_t *o, const char *k) {
        if (k)
                key(o, k);
        chk(o, yajl_gen_map_open(o->g));
}
static void close_map(mg_explain_json_t *o) { chk(o, yajl_gen_map_close(o->g)); }

static int piece(mg_explain_json_t *o, const char **ret_buf, size_t *ret_len, mg_error_t *err) {
        const unsigned char *b;
        size_t n;
        if (o->status != yajl_gen_status_ok)
                return mg_error_set(err, -EINVAL, "explain JSON: the generator failed (%d)", (int)o->status);
        if (yajl_gen_get_buf(o->g, &b, &n) != yajl_gen_status_ok)
                return mg_error_set(err, -ENOMEM, "explain JSON: no buffer");
        *ret_buf = (const char *)b;
        *ret_len = n;
        return 0;
}

int mg_explain_json_begin(mg_explain_json_t **ret, const char **ret_buf, size_t *ret_len, mg_error_t *err) {
        mg_explain_json_t *o = calloc(1, sizeof(*o));
        if (!o || !(o->g = yajl_gen_alloc(NULL))) {
                free(o);
                return mg_error_set(err, -ENOMEM, "explain JSON: out of memory");
        }
        yajl_gen_config(o->g, yajl_gen_beautify, 1);
        open_map(o, NULL);
        kstr(o, "memgate", MEMGATE_VERSION);
        kstr(o, "mode", "explain");
        key(o, "events");
        chk(o, yajl_gen_array_open(o->g));
        int r = piece(o, ret_buf, ret_len, err);
        if (r < 0) {
                mg_explain_json_free(o);
                return r;
        }
        *ret = o;
        return 0;
}

static void owner(mg_explain_json_t *o, const char *k, const mg_cg_owner_t *c) {
        key(o, k);
        if (!c->id[0] && !c->pod_uid[0]) {
                chk(o, yajl_gen_null(o->g));
                return;
        }
        open_map(o, NULL);
        kstr(o, "engine", c->engine);
        kstr(o, "id", c->id);
        kstr(o, "pod_uid", c->pod_uid);
        kstr(o, "qos", c->qos);
        kstr(o, "cgroup_driver", c->systemd ? "systemd" : "cgroupfs");
        close_map(o);
}

static void when(mg_explain_json_t *o, const mg_kl_time_t *t) {
        open_map(o, "time");
        key(o, "monotonic_usec");
        if (t->have_mono)
                num(o, "%" PRIu64, t->mono_usec);
        else
                chk(o, yajl_gen_null(o->g));
        if (t->have_wall) {
                struct tm tm;
                char s[40];
                gmtime_r(&t->wall, &tm);
                strftime(s, sizeof(s), t->wall_utc ? "%Y-%m-%dT%H:%M:%SZ" : "%Y-%m-%dT%H:%M:%S", &tm);
                kstr(o, "wall", s);
        } else
                kstr(o, "wall", NULL);
        kbool(o, "wall_has_zone", t->have_wall && t->wall_utc);
        close_map(o);
}

int mg_explain_json_event(mg_explain_json_t *o, const mg_kl_event_t *e, const mg_explanation_t *x,
                          const char **ret_buf, size_t *ret_len, mg_error_t *err) {
        yajl_gen_clear(o->g);
        open_map(o, NULL);
        ku64(o, "seq", e->seq);
        kstr(o, "class", mg_xclass_code(x->cls));
        kstr(o, "reason", x->reason);
        kstr(o, "cause", x->cause);
        kstr(o, "fix", x->fix);
        kstr(o, "kind", mg_kl_kind_name(e->kind));
        ku64(o, "first_line", e->first_line);
        ku64(o, "last_line", e->last_line);
        kbool(o, "start_seen", e->start_seen);
        kbool(o, "end_seen", e->end_seen);
        when(o, &e->time);

        open_map(o, "task");
        kstr(o, "comm", e->task);
        ki64(o, "pid", e->pid);
        ki64(o, "uid", e->uid);
        ku64(o, "total_vm_kb", e->total_vm_kb);
        ku64(o, "anon_rss_kb", e->anon_rss_kb);
        ku64(o, "file_rss_kb", e->file_rss_kb);
        ku64(o, "shmem_rss_kb", e->shmem_rss_kb);
        kbool(o, "reaped", e->reaped);
        close_map(o);

        open_map(o, "request");
        kstr(o, "by", e->invoker);
        key(o, "order");
        if (e->order >= 0)
                num(o, "%d", e->order);
        else
                chk(o, yajl_gen_null(o->g));
        if (e->have_gfp) {
                char g[16];
                snprintf(g, sizeof(g), "%#x", e->gfp_mask);
                kstr(o, "gfp_mask", g);
        } else
                kstr(o, "gfp_mask", NULL);
        kstr(o, "gfp_flags", e->gfp_flags);
        kstr(o, "nodemask", e->nodemask);
        kstr(o, "cpuset", e->cpuset);
        kstr(o, "mems_allowed", e->mems_allowed);
        kstr(o, "constraint", e->constraint_name);
        ku64(o, "commit_bytes", e->commit_bytes);
        close_map(o);

        open_map(o, "memcg");
        kstr(o, "task", e->task_memcg);
        kstr(o, "limited", e->oom_memcg[0] ? e->oom_memcg : e->stats_memcg);
        ku64(o, "usage_kb", e->usage_kb);
        ku64(o, "limit_kb", e->limit_kb);
        ku64(o, "failcnt", e->failcnt);
        ku64(o, "swap_usage_kb", e->swap_usage_kb);
        ku64(o, "swap_limit_kb", e->swap_limit_kb);
        close_map(o);
        owner(o, "container", &x->task_owner);
        owner(o, "limit_container", &x->limit_owner);

        key(o, "zones");
        chk(o, yajl_gen_array_open(o->g));
        for (size_t i = 0; i < e->nzones; i++) {
                const mg_kl_zone_t *z = &e->zones[i];
                open_map(o, NULL);
                key(o, "node");
                num(o, "%d", z->node);
                kstr(o, "zone", z->name);
                ku64(o, "free_kb", z->free_kb);
                ku64(o, "min_kb", z->min_kb);
                ku64(o, "low_kb", z->low_kb);
                ku64(o, "high_kb", z->high_kb);
                key(o, "free_blocks");
                if (z->have_lists) {
                        chk(o, yajl_gen_array_open(o->g));
                        for (unsigned k = 0; k < z->norders; k++)
                                num(o, "%" PRIu64, z->blocks[k]);
                        chk(o, yajl_gen_array_close(o->g));
                } else
                        chk(o, yajl_gen_null(o->g));
                close_map(o);
        }
        chk(o, yajl_gen_array_close(o->g));
        close_map(o);
        return piece(o, ret_buf, ret_len, err);
}

int mg_explain_json_end(mg_explain_json_t *o, const uint64_t *counts, const mg_kl_parser_t *p, uint64_t kmsg_lost,
                        const char **ret_buf, size_t *ret_len, mg_error_t *err) {
        uint64_t total = 0;
        yajl_gen_clear(o->g);
        chk(o, yajl_gen_array_close(o->g));
        open_map(o, "counts");
        for (int c = 0; c <= MG_X_UNKNOWN; c++) {
                ku64(o, mg_xclass_code((mg_xclass_t)c), counts[c]);
                total += counts[c];
        }
        close_map(o);
        ku64(o, "events_total", total);
        open_map(o, "rate_limited");
        ku64(o, "commit-refused", p->suppressed_commit);
        ku64(o, "page-allocation-failure", p->suppressed_alloc);
        close_map(o);
        ku64(o, "lines", p->lineno);
        ku64(o, "kmsg_records_lost", kmsg_lost);
        close_map(o);
        return piece(o, ret_buf, ret_len, err);
}

void mg_explain_json_free(mg_explain_json_t *o) {
        if (!o)
                return;
        if (o->g)
                yajl_gen_free(o->g);
        free(o);
}
