/* SPDX-License-Identifier: Apache-2.0 */
/* Kernel log lines into memory events. The messages, by the kernel source that prints them:
 *
 * mm/oom_kill.c dump_header():
 *   3.10-4.8   "%s invoked oom-killer: gfp_mask=0x%x, order=%d, oom_score_adj=%hd"
 *   4.9-4.18   "%s invoked oom-killer: gfp_mask=%#x(%pGg), nodemask=%*pbl, order=%d, oom_score_adj=%hd"
 *   4.19-6.x   "%s invoked oom-killer: gfp_mask=%#x(%pGg), order=%d, oom_score_adj=%hd"
 *   kernel/cpuset.c (3.10-4.18): "%s cpuset=%s mems_allowed=%s" on its own line; 4.19+ the
 *   ",cpuset=%s,mems_allowed=%*pbl" tail of the oom-kill: summary and of warn_alloc.
 * mm/oom_kill.c oom_kill_process():
 *   3.10-4.18  "%s: Kill process %d (%s) score %u or sacrifice child" then
 *              "Killed process %d (%s) total-vm:%lukB, anon-rss:%lukB, file-rss:%lukB[, shmem-rss:%lukB]"
 *              (shmem-rss from 4.5); message is "Out of memory" or "Memory cgroup out of memory"
 *   4.19-6.x   "%s: Killed process %d (%s) total-vm:... shmem-rss:%lukB[, UID:%u pgtables:%lukB
 *              oom_score_adj:%hd]" (the UID, pgtables and oom_score_adj fields came during 5.x)
 *   4.19-6.x   "oom-kill:constraint=%s,nodemask=%*pbl,cpuset=...,mems_allowed=...,oom_memcg=%s,
 *              task_memcg=%s,task=%s,pid=%d,uid=%d" (oom_memcg/task_memcg 5.0, ",global_oom" instead
 *              of oom_memcg= when no memcg; early 4.19 patches printed pid=%5d, so spaces are allowed)
 *   4.6-6.x    "oom_reaper: reaped process %d (%s), now anon-rss:%lukB, file-rss:%lukB, shmem-rss:%lukB"
 *   "Out of memory and no killable processes..."
 * mm/memcontrol.c mem_cgroup_print_oom_info()/_meminfo():
 *   3.10-4.18  "Task in %s killed as a result of limit of %s"
 *   all        "memory: usage %llukB, limit %llukB, failcnt %lu"; v1 "memory+swap: usage ...",
 *              "kmem: usage ..."; v2 (5.0+) "swap: usage ..."; "Memory cgroup stats for %s:"
 * mm/page_alloc.c warn_alloc() / show_free_areas() (mm/show_mem.c from 6.2):
 *   3.10-4.9   "%s: page allocation failure: order:%d, mode:0x%x"
 *   4.10-6.x   "%s: page allocation failure: order:%u, mode:%#x(%pGg), nodemask=%*pbl" + cpuset tail
 *   zones      "Node %d %s free:%lukB [boost:%lukB] min:%lukB low:%lukB high:%lukB ..." (3.10 printed
 *              the node through show_node() then "%s free:..."; the line reads the same)
 *   free lists "Node %d %s: %lu*%lukB (UME) ... = %lukB"
 * mm/util.c __vm_enough_memory() (6.0+, commit 44b414c8715c):
 *   "%s: pid: %d, comm: %s, no enough memory for the allocation" (the typo is the kernel's, fixed
 *   to "not enough" later), then "%s: pid: %d, comm: %s, bytes: %lu not enough memory for the
 *   allocation" once the size was added (6.8 era); rate limited ("callbacks suppressed").
 *
 * Grouping: the OOM killer holds oom_lock while it prints, so one OOM report is contiguous up to
 * other CPUs' unrelated lines; page allocation warnings can interleave with it. Lines are given to
 * the most recent open event that wants their kind; an event whose first line was lost to the
 * ring's start opens where its first recognised line is. */
#define _GNU_SOURCE
#include <string.h>

#include "kernlog_fields.h"
#include "kernlog_scan.h"
#include "memgate/inputs/kernlog.h"
#include "memgate/util/number.h"

#define DONE_LINGER 64 /* lines a finished OOM event waits for its oom_reaper line */

void mg_kl_init(mg_kl_parser_t *p, mg_kl_emit_fn emit, void *userdata) {
        memset(p, 0, sizeof(*p));
        p->emit = emit;
        p->userdata = userdata;
}

static void emit_slot(mg_kl_parser_t *p, int i) {
        if (!p->used[i])
                return;
        p->used[i] = false;
        if (p->emit)
                p->emit(&p->open[i], p->userdata);
}

/* The open (not finished) event of one of the kinds in mask, most recent first; -1 when none. */
static int find_open(mg_kl_parser_t *p, unsigned mask) {
        int best = -1;
        for (int i = 0; i < MG_KL_OPEN_MAX; i++)
                if (p->used[i] && !p->open[i].end_seen && (mask & (1u << p->open[i].kind)) &&
                    (best < 0 || p->open[i].seq > p->open[best].seq))
                        best = i;
        return best;
}

static int new_event(mg_kl_parser_t *p, mg_kl_kind_t kind, bool start_seen, const mg_kl_time_t *t) {
        int slot = -1;
        for (int i = 0; i < MG_KL_OPEN_MAX && slot < 0; i++)
                if (!p->used[i])
                        slot = i;
        if (slot < 0) { /* full: the oldest goes out as it is */
                slot = 0;
                for (int i = 1; i < MG_KL_OPEN_MAX; i++)
                        if (p->open[i].seq < p->open[slot].seq)
                                slot = i;
                emit_slot(p, slot);
        }
        mg_kl_event_t *e = &p->open[slot];
        mg_kl_event_reset(e, kind);
        e->seq = ++p->nevents;
        e->first_line = e->last_line = p->lineno;
        e->time = *t;
        e->start_seen = start_seen;
        p->used[slot] = true;
        p->idle[slot] = 0;
        return slot;
}

/* Emits every event of this kind, oldest first. */
static void close_kind(mg_kl_parser_t *p, mg_kl_kind_t kind) {
        for (;;) {
                int first = -1;
                for (int i = 0; i < MG_KL_OPEN_MAX; i++)
                        if (p->used[i] && p->open[i].kind == kind && (first < 0 || p->open[i].seq < p->open[first].seq))
                                first = i;
                if (first < 0)
                        return;
                emit_slot(p, first);
        }
}

#define OOM_MASK (1u << MG_KL_OOM)
#define ALLOC_MASK ((1u << MG_KL_OOM) | (1u << MG_KL_ALLOC_FAIL))

/* An OOM line: the open OOM event, or a new one whose start was cut off. */
static mg_kl_event_t *oom_event(mg_kl_parser_t *p, const mg_kl_time_t *t, int *slot) {
        int i = find_open(p, OOM_MASK);
        if (i < 0)
                i = new_event(p, MG_KL_OOM, false, t);
        *slot = i;
        return &p->open[i];
}

static void on_text(mg_kl_parser_t *p, kl_span_t s, const mg_kl_time_t *t) {
        const char *k;
        int slot = -1;
        mg_kl_event_t *e = NULL;

        if ((k = kl_find(s, " invoked oom-killer: "))) {
                close_kind(p, MG_KL_OOM); /* oom_lock: a new report means the last one is over */
                slot = new_event(p, MG_KL_OOM, true, t);
                e = &p->open[slot];
                klf_comm_before(e->invoker, sizeof(e->invoker), s, k);
                kl_span_t tail = kl_from(s, k);
                klf_gfp(e, tail, "gfp_mask=");
                kl_span_t v;
                if (kl_list_value(tail, "nodemask=", &v)) {
                        const char *c = kl_find(v, ", order=");
                        klf_copy_span(e->nodemask, sizeof(e->nodemask), c ? (kl_span_t){v.p, (size_t)(c - v.p)} : v);
                }
                int64_t n;
                if (kl_key_i64(tail, "order=", &n) && n >= 0 && n < 64)
                        e->order = (int)n;
                if (kl_key_i64(tail, "oom_score_adj=", &n)) {
                        e->have_oom_score_adj = true;
                        e->oom_score_adj = (int)n;
                }
        } else if ((k = kl_find(s, ": page allocation failure: order:"))) {
                close_kind(p, MG_KL_ALLOC_FAIL);
                slot = new_event(p, MG_KL_ALLOC_FAIL, true, t);
                e = &p->open[slot];
                klf_comm_before(e->invoker, sizeof(e->invoker), s, k);
                kl_span_t tail = kl_from(s, k);
                int64_t n;
                if (kl_key_i64(tail, "order:", &n) && n >= 0 && n < 64)
                        e->order = (int)n;
                klf_gfp(e, tail, "mode:");
                kl_span_t v;
                if (kl_list_value(tail, "nodemask=", &v))
                        klf_copy_span(e->nodemask, sizeof(e->nodemask), v);
                klf_mems(e, tail);
        } else if ((k = kl_find(s, " callbacks suppressed"))) {
                uint64_t n = 0;
                const char *c = k;
                while (c > s.p && c[-1] >= '0' && c[-1] <= '9')
                        c--;
                if (c < k && kl_u64(s, c, &n) && c - s.p >= 2 && c[-1] == ' ' && c[-2] == ':') {
                        kl_span_t fn = {s.p, (size_t)(c - 2 - s.p)};
                        if (kl_find(fn, "__vm_enough_memory"))
                                p->suppressed_commit = mg_sat_add(p->suppressed_commit, n);
                        else if (kl_find(fn, "warn_alloc"))
                                p->suppressed_alloc = mg_sat_add(p->suppressed_alloc, n);
                }
                p->lines_skipped++;
                return;
        } else if ((k = kl_find(s, "__vm_enough_memory: pid: "))) {
                slot = new_event(p, MG_KL_COMMIT, true, t);
                e = &p->open[slot];
                kl_span_t tail = kl_from(s, k);
                kl_key_i64(tail, "pid: ", &e->pid);
                const char *c = kl_find(tail, ", comm: ");
                if (c) {
                        kl_span_t rest = kl_from(s, c + 8);
                        /* the comm ends at ", bytes: " (6.8+) or at the comma before "not enough"
                         * ("no enough" in 6.0-6.7: the original message had that typo) */
                        const char *b = kl_find(rest, ", bytes: ");
                        const char *ne = b ? b : kl_find_last(rest, " enough memory for the allocation");
                        if (ne && !b)
                                ne = memrchr(rest.p, ',', (size_t)(ne - rest.p));
                        if (ne)
                                kl_copy(e->task, sizeof(e->task), rest.p, (size_t)(ne - rest.p));
                        if (b)
                                kl_u64(rest, b + 9, &e->commit_bytes);
                }
                kl_copy(e->invoker, sizeof(e->invoker), e->task, strlen(e->task));
                e->invoker_pid = e->pid;
                e->end_seen = true;
        } else if ((k = kl_find(s, "oom-kill:constraint="))) {
                e = oom_event(p, t, &slot);
                klf_summary(e, kl_from(s, k));
        } else if ((k = kl_find(s, "Task in ")) && kl_find(s, " killed as a result of limit of ")) {
                e = oom_event(p, t, &slot);
                const char *m = kl_find(s, " killed as a result of limit of ");
                if (m > k + 8) {
                        kl_copy(e->task_memcg, sizeof(e->task_memcg), k + 8, (size_t)(m - k - 8));
                        kl_span_t lim = kl_from(s, m + strlen(" killed as a result of limit of "));
                        while (lim.n && (lim.p[lim.n - 1] == ' ' || lim.p[lim.n - 1] == '\r'))
                                lim.n--;
                        if (lim.n == 4 && !memcmp(lim.p, "host", 4))
                                e->global_oom = true;
                        else {
                                klf_copy_span(e->oom_memcg, sizeof(e->oom_memcg), lim);
                                e->memcg_oom = true;
                        }
                }
        } else if ((k = kl_find(s, "memory+swap: usage "))) {
                e = oom_event(p, t, &slot);
                kl_key_u64(kl_from(s, k), "usage ", &e->swap_usage_kb);
                kl_key_u64(kl_from(s, k), "limit ", &e->swap_limit_kb);
        } else if ((k = kl_find(s, "memory: usage ")) && (k == s.p || k[-1] == ' ')) {
                e = oom_event(p, t, &slot);
                e->memcg_oom = true;
                kl_span_t tail = kl_from(s, k);
                kl_key_u64(tail, "usage ", &e->usage_kb);
                kl_key_u64(tail, "limit ", &e->limit_kb);
                kl_key_u64(tail, "failcnt ", &e->failcnt);
        } else if ((k = kl_find(s, "swap: usage ")) && (k == s.p || k[-1] == ' ')) {
                slot = find_open(p, OOM_MASK);
                if (slot >= 0) {
                        e = &p->open[slot];
                        kl_key_u64(kl_from(s, k), "usage ", &e->swap_usage_kb);
                        kl_key_u64(kl_from(s, k), "limit ", &e->swap_limit_kb);
                }
        } else if ((k = kl_find(s, "Memory cgroup stats for "))) {
                slot = find_open(p, OOM_MASK);
                if (slot >= 0) {
                        e = &p->open[slot];
                        kl_span_t v = kl_from(s, k + strlen("Memory cgroup stats for "));
                        /* 6.x ends the line at the colon; 3.10-4.x follow it with " cache:0KB rss:..." */
                        const char *colon = kl_find(v, ": ");
                        if (!colon)
                                colon = kl_find_last(v, ":");
                        if (colon && !e->stats_memcg[0])
                                kl_copy(e->stats_memcg, sizeof(e->stats_memcg), v.p, (size_t)(colon - v.p));
                }
        } else if ((k = kl_find(s, "Out of memory and no killable processes"))) {
                e = oom_event(p, t, &slot);
                e->no_killable = true;
                e->end_seen = true;
        } else if ((k = kl_find(s, "Killed process "))) {
                e = oom_event(p, t, &slot);
                if (kl_find((kl_span_t){s.p, (size_t)(k - s.p)}, "Memory cgroup out of memory"))
                        e->memcg_oom = true;
                else if (kl_find((kl_span_t){s.p, (size_t)(k - s.p)}, "Out of memory"))
                        e->global_oom = true;
                klf_killed(e, s, k);
        } else if ((k = kl_find(s, ": Kill process ")) && kl_find((kl_span_t){s.p, (size_t)(k - s.p)}, "of memory")) {
                /* 3.10-4.18: "<message>: Kill process N (comm) score S or sacrifice child" */
                e = oom_event(p, t, &slot);
                if (kl_find(s, "Memory cgroup out of memory"))
                        e->memcg_oom = true;
                else
                        e->global_oom = true;
                kl_span_t rest = kl_from(s, k + strlen(": Kill process "));
                int64_t n;
                if (kl_i64(rest, rest.p, &n))
                        e->pid = n;
                const char *open = kl_find(rest, "(");
                const char *close = kl_find_last(rest, ") score ");
                if (open && close && close > open)
                        kl_copy(e->task, sizeof(e->task), open + 1, (size_t)(close - open - 1));
                if (close && kl_i64(rest, close + 8, &n))
                        e->score = n;
        } else if ((k = kl_find(s, "oom_reaper: reaped process "))) {
                kl_span_t rest = kl_from(s, k + strlen("oom_reaper: reaped process "));
                int64_t n;
                if (kl_i64(rest, rest.p, &n))
                        for (int i = 0; i < MG_KL_OPEN_MAX; i++)
                                if (p->used[i] && p->open[i].kind == MG_KL_OOM && p->open[i].pid == n) {
                                        p->open[i].reaped = true;
                                        p->idle[i] = 0;
                                        p->open[i].last_line = p->lineno;
                                        p->open[i].lines++;
                                        if (p->open[i].end_seen)
                                                emit_slot(p, i);
                                        return;
                                }
        } else if ((k = kl_find(s, " mems_allowed="))) {
                /* 3.10-4.18 "comm cpuset=NAME mems_allowed=LIST", or warn_alloc's tail on its own line */
                slot = find_open(p, ALLOC_MASK);
                if (slot >= 0) {
                        e = &p->open[slot];
                        klf_mems(e, s);
                }
        } else if ((k = kl_find(s, "Node ")) && klf_node_line(NULL, s, k)) {
                slot = find_open(p, ALLOC_MASK);
                if (slot < 0) {
                        p->lines_skipped++;
                        return;
                }
                e = &p->open[slot];
                klf_node_line(e, s, k);
        } else if ((slot = find_open(p, ALLOC_MASK)) >= 0 && s.n && s.p[0] == '[') {
                /* the task table ("[  pid  ]   uid  tgid total_vm ...") keeps its event open */
                p->idle[slot] = 0;
                return;
        } else {
                p->lines_skipped++;
                return;
        }
        if (!e) {
                p->lines_skipped++;
                return;
        }
        if (e->memcg_oom)
                e->global_oom = false;
        e->last_line = p->lineno;
        e->lines++;
        p->idle[slot] = 0;
        if (e->kind == MG_KL_COMMIT)
                emit_slot(p, slot);
}

static void age(mg_kl_parser_t *p) {
        for (int i = 0; i < MG_KL_OPEN_MAX; i++) {
                if (!p->used[i])
                        continue;
                p->idle[i]++;
                if (p->idle[i] > (p->open[i].end_seen ? DONE_LINGER : MG_KL_IDLE_LINES))
                        emit_slot(p, i);
        }
}

void mg_kl_feed_timed(mg_kl_parser_t *p, const char *line, size_t len, const mg_kl_time_t *t) {
        const char *nul = memchr(line, '\0', len);
        if (nul)
                len = (size_t)(nul - line);
        if (len > MG_KL_LINE_MAX)
                len = MG_KL_LINE_MAX;
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
                len--;
        p->lineno++;
        mg_kl_time_t pt;
        size_t off = mg_kl_strip_prefix(line, len, &pt);
        if (t && (t->have_mono || t->have_wall))
                pt = *t;
        age(p);
        on_text(p, (kl_span_t){line + off, len - off}, &pt);
}

void mg_kl_feed(mg_kl_parser_t *p, const char *line, size_t len) { mg_kl_feed_timed(p, line, len, NULL); }

void mg_kl_finish(mg_kl_parser_t *p) {
        for (;;) {
                int first = -1;
                for (int i = 0; i < MG_KL_OPEN_MAX; i++)
                        if (p->used[i] && (first < 0 || p->open[i].seq < p->open[first].seq))
                                first = i;
                if (first < 0)
                        return;
                emit_slot(p, first);
        }
}
