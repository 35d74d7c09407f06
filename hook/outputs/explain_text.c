/* SPDX-License-Identifier: Apache-2.0 */
/* The text form of `memgate explain`: for each event its class, what the log said (who was
 * killed, which cgroups, the request, the zones) and the cause and fix sentences. */
#include <inttypes.h>
#include <stdio.h>
#include <time.h>
#include <string.h>

#include "memgate/outputs/explain_text.h"
#include "memgate/util/escape.h"

static const char *kb(uint64_t v, char *buf, size_t n) {
        if (v == MG_KL_U64_UNSET)
                return "?";
        if (v >= 1024ull * 1024)
                snprintf(buf, n, "%.1f GiB", (double)v / (1024.0 * 1024.0));
        else if (v >= 1024)
                snprintf(buf, n, "%.1f MiB", (double)v / 1024.0);
        else
                snprintf(buf, n, "%" PRIu64 " kB", v);
        return buf;
}

static void when(mg_buf_t *b, const mg_kl_time_t *t) {
        if (t->have_wall) {
                struct tm tm;
                char s[40];
                gmtime_r(&t->wall, &tm);
                strftime(s, sizeof(s), t->wall_utc ? "%Y-%m-%dT%H:%M:%SZ" : "%Y-%m-%d %H:%M:%S", &tm);
                mg_buf_printf(b, ", at %s", s);
        }
        if (t->have_mono)
                mg_buf_printf(b, ", %" PRIu64 ".%06" PRIu64 " s after boot", t->mono_usec / 1000000,
                              t->mono_usec % 1000000);
}

static void owner(mg_buf_t *b, const char *label, const char *path, const mg_cg_owner_t *o) {
        char d[200];
        if (!path[0])
                return;
        mg_cg_owner_describe(o, d, sizeof(d));
        mg_buf_printf(b, "  %-10s %s%s%s%s\n", label, path, d[0] ? " (" : "", d, d[0] ? ")" : "");
}

static void render(mg_buf_t *b, const mg_kl_event_t *e, const mg_explanation_t *x) {
        char a[32], c[32], d[32];
        mg_buf_printf(b, "event %" PRIu64 ": %s (%s; lines %" PRIu64 "-%" PRIu64, e->seq, mg_xclass_code(x->cls),
                      mg_kl_kind_name(e->kind), e->first_line, e->last_line);
        when(b, &e->time);
        mg_buf_printf(b, "%s)\n", e->start_seen ? "" : "; its first lines are not in the log");
        if (x->cls == MG_X_UNKNOWN || x->reason[0])
                mg_buf_printf(b, "  %-10s %s\n", "why", x->reason);
        if (e->task[0] || e->pid >= 0) {
                mg_buf_printf(b, "  %-10s %s pid %" PRId64, e->kind == MG_KL_OOM ? "killed" : "task",
                              e->task[0] ? e->task : "?", e->pid);
                if (e->uid >= 0)
                        mg_buf_printf(b, " uid %" PRId64, e->uid);
                if (e->anon_rss_kb != MG_KL_U64_UNSET)
                        mg_buf_printf(b, ", anon %s, file %s, total-vm %s", kb(e->anon_rss_kb, a, sizeof(a)),
                                      kb(e->file_rss_kb, c, sizeof(c)), kb(e->total_vm_kb, d, sizeof(d)));
                if (e->reaped)
                        mg_buf_printf(b, ", reaped");
                mg_buf_printf(b, "\n");
        }
        owner(b, "cgroup", e->task_memcg, &x->task_owner);
        owner(b, "limit of", e->oom_memcg[0] ? e->oom_memcg : e->stats_memcg, &x->limit_owner);
        if (e->usage_kb != MG_KL_U64_UNSET) {
                mg_buf_printf(b, "  %-10s usage %s, limit %s", "memory", kb(e->usage_kb, a, sizeof(a)),
                              kb(e->limit_kb, c, sizeof(c)));
                if (e->failcnt != MG_KL_U64_UNSET)
                        mg_buf_printf(b, ", failcnt %" PRIu64, e->failcnt);
                mg_buf_printf(b, "\n");
        }
        if (e->kind != MG_KL_COMMIT && (e->order >= 0 || e->have_gfp || e->invoker[0])) {
                mg_buf_printf(b, "  %-10s", "request");
                if (e->invoker[0])
                        mg_buf_printf(b, " by %s,", e->invoker);
                if (e->order >= 0)
                        mg_buf_printf(b, " order %d", e->order);
                if (e->have_gfp)
                        mg_buf_printf(b, ", gfp %#x%s%s%s", e->gfp_mask, e->gfp_flags[0] ? "(" : "", e->gfp_flags,
                                      e->gfp_flags[0] ? ")" : "");
                if (e->constraint_name[0])
                        mg_buf_printf(b, ", %s", e->constraint_name);
                if (e->mems_allowed[0])
                        mg_buf_printf(b, ", mems_allowed %s", e->mems_allowed);
                if (e->nodemask[0] && strcmp(e->nodemask, "(null)"))
                        mg_buf_printf(b, ", nodemask %s", e->nodemask);
                mg_buf_printf(b, "\n");
        }
        if (e->kind == MG_KL_COMMIT && e->commit_bytes != MG_KL_U64_UNSET)
                mg_buf_printf(b, "  %-10s %" PRIu64 " bytes\n", "commit", e->commit_bytes);
        for (size_t i = 0; i < e->nzones; i++) {
                const mg_kl_zone_t *z = &e->zones[i];
                mg_buf_printf(b, "  %-10s node %d %-7s free %s, min %s", i ? "" : "zones", z->node, z->name,
                              kb(z->free_kb, a, sizeof(a)), kb(z->min_kb, c, sizeof(c)));
                if (z->have_lists) {
                        mg_buf_printf(b, ", free blocks by order:");
                        for (unsigned o = 0; o < z->norders; o++)
                                mg_buf_printf(b, " %" PRIu64, z->blocks[o]);
                }
                mg_buf_printf(b, "%s\n", z->free_kb != MG_KL_U64_UNSET && z->min_kb != MG_KL_U64_UNSET &&
                                                 z->free_kb < z->min_kb ? "  (below min)" : "");
        }
        mg_buf_printf(b, "  %-10s %s\n", "cause", x->cause);
        mg_buf_printf(b, "  %-10s %s\n\n", "fix", x->fix);
}

/* Comms, cgroup names and gfp strings are whatever a process or the log chose: the block is
 * rendered, then written line by line through the escaper, so a control byte or invalid UTF-8 in
 * them reaches the terminal as \xNN (the line breaks are the block's own). */
void mg_explain_text_event(mg_buf_t *b, const mg_kl_event_t *e, const mg_explanation_t *x) {
        mg_buf_t raw = {0};
        render(&raw, e, x);
        for (const char *c = raw.data, *end = raw.data + raw.len; c && c < end;) {
                const char *nl = memchr(c, '\n', (size_t)(end - c));
                size_t n = (size_t)((nl ? nl : end) - c);
                mg_buf_escape(b, c, n);
                if (nl)
                        mg_buf_printf(b, "\n");
                c = nl ? nl + 1 : end;
        }
        mg_buf_free(&raw);
}

void mg_explain_text_summary(mg_buf_t *b, const uint64_t *counts, const mg_kl_parser_t *p) {
        uint64_t lines = p->lineno;
        uint64_t total = 0;
        for (int c = 0; c <= MG_X_UNKNOWN; c++)
                total += counts[c];
        mg_buf_printf(b, "%" PRIu64 " event%s in %" PRIu64 " lines", total, total == 1 ? "" : "s", lines);
        const char *sep = ": ";
        for (int c = 0; c <= MG_X_UNKNOWN; c++) {
                if (!counts[c])
                        continue;
                mg_buf_printf(b, "%s%" PRIu64 " %s", sep, counts[c], mg_xclass_code((mg_xclass_t)c));
                sep = ", ";
        }
        mg_buf_printf(b, "\n");
        if (p->suppressed_commit || p->suppressed_alloc)
                mg_buf_printf(b, "the kernel's rate limit left out %" PRIu64 " more commit refusal%s and %" PRIu64
                              " more page allocation failure%s (\"callbacks suppressed\")\n", p->suppressed_commit,
                              p->suppressed_commit == 1 ? "" : "s", p->suppressed_alloc, p->suppressed_alloc == 1 ? "" : "s");
}
