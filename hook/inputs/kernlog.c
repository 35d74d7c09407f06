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

#include "kernlog-internal.h"

#define DONE_LINGER 64 /* lines a finished OOM event waits for its oom_reaper line */

const char *mg_kl_kind_name(mg_kl_kind_t k) {
        switch (k) {
        case MG_KL_OOM:
                return "oom-kill";
        case MG_KL_ALLOC_FAIL:
                return "allocation-failure";
        case MG_KL_COMMIT:
                return "commit-refused";
        }
        return "?";
}

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
        memset(e, 0, sizeof(*e));
        e->kind = kind;
        e->seq = ++p->nevents;
        e->first_line = e->last_line = p->lineno;
        e->time = *t;
        e->start_seen = start_seen;
        e->invoker_pid = e->pid = e->uid = e->score = -1;
        e->order = -1;
        e->usage_kb = e->limit_kb = e->failcnt = e->swap_usage_kb = e->swap_limit_kb = MG_KL_U64_UNSET;
        e->total_vm_kb = e->anon_rss_kb = e->file_rss_kb = e->shmem_rss_kb = MG_KL_U64_UNSET;
        e->commit_bytes = MG_KL_U64_UNSET;
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

static void copy_span(char *dst, size_t cap, kl_span_t v) { kl_copy(dst, cap, v.p, v.n); }

/* The comm before a marker: everything from the start of the text, or its last word when the
 * prefix was not one mg_kl_strip_prefix knows and the text is longer than a comm can be. */
static void comm_before(char *dst, size_t cap, kl_span_t text, const char *marker) {
        const char *b = text.p;
        size_t n = (size_t)(marker - b);
        if (n > 15) {
                const char *sp = memrchr(b, ' ', n);
                if (sp) {
                        n -= (size_t)(sp + 1 - b);
                        b = sp + 1;
                }
        }
        kl_copy(dst, cap, b, n);
}

static void parse_gfp(mg_kl_event_t *e, kl_span_t s, const char *key) {
        const char *k = kl_find(s, key);
        uint64_t v;
        const char *q;
        if (!k || !(q = kl_hex(s, k + strlen(key), &v)))
                return;
        e->have_gfp = true;
        e->gfp_mask = (uint32_t)v;
        if (q < s.p + s.n && *q == '(') {
                const char *close = memchr(q, ')', (size_t)(s.p + s.n - q));
                if (close)
                        kl_copy(e->gfp_flags, sizeof(e->gfp_flags), q + 1, (size_t)(close - q - 1));
        }
}

static void parse_mems(mg_kl_event_t *e, kl_span_t s) {
        kl_span_t v;
        if (!e->cpuset[0] && kl_list_value(s, "cpuset=", &v)) {
                /* "comm cpuset=NAME mems_allowed=LIST" (3.10-4.18): NAME ends at " mems_allowed=" */
                const char *m = kl_find(v, " mems_allowed=");
                copy_span(e->cpuset, sizeof(e->cpuset), m ? (kl_span_t){v.p, (size_t)(m - v.p)} : v);
        }
        if (!e->mems_allowed[0] && kl_list_value(s, "mems_allowed=", &v))
                copy_span(e->mems_allowed, sizeof(e->mems_allowed), v);
}

static mg_kl_constraint_t constraint_of(kl_span_t v) {
        static const struct {
                const char *name;
                mg_kl_constraint_t c;
        } names[] = {
                {"CONSTRAINT_NONE", MG_KL_CONSTRAINT_NONE},
                {"CONSTRAINT_CPUSET", MG_KL_CONSTRAINT_CPUSET},
                {"CONSTRAINT_MEMORY_POLICY", MG_KL_CONSTRAINT_MEMORY_POLICY},
                {"CONSTRAINT_MEMCG", MG_KL_CONSTRAINT_MEMCG},
        };
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
                if (v.n == strlen(names[i].name) && !memcmp(v.p, names[i].name, v.n))
                        return names[i].c;
        return MG_KL_CONSTRAINT_OTHER;
}

/* A number in a list value, after the spaces of a "%5d" (4.19). */
static void list_i64(kl_span_t v, int64_t *ret) {
        const char *q = v.p;
        int64_t n;
        while (q < v.p + v.n && *q == ' ')
                q++;
        if (kl_i64(v, q, &n))
                *ret = n;
}

static void on_summary(mg_kl_event_t *e, kl_span_t s) {
        kl_span_t v;
        if (kl_list_value(s, "constraint=", &v)) {
                e->constraint = constraint_of(v);
                copy_span(e->constraint_name, sizeof(e->constraint_name), v);
                if (e->constraint == MG_KL_CONSTRAINT_MEMCG)
                        e->memcg_oom = true;
        }
        if (kl_list_value(s, "nodemask=", &v))
                copy_span(e->nodemask, sizeof(e->nodemask), v);
        parse_mems(e, s);
        if (kl_list_value(s, "oom_memcg=", &v)) {
                copy_span(e->oom_memcg, sizeof(e->oom_memcg), v);
                e->memcg_oom = true;
        }
        if (kl_find(s, ",global_oom"))
                e->global_oom = true;
        if (kl_list_value(s, "task_memcg=", &v))
                copy_span(e->task_memcg, sizeof(e->task_memcg), v);
        if (kl_list_value(s, "task=", &v))
                copy_span(e->task, sizeof(e->task), v);
        if (kl_list_value(s, "pid=", &v))
                list_i64(v, &e->pid);
        if (kl_list_value(s, "uid=", &v))
                list_i64(v, &e->uid);
}

/* "Killed process N (comm) total-vm:..." and the 2.6.32/RHEL 6 "Killed process N, UID U, (comm) ..." */
static void on_killed(mg_kl_event_t *e, kl_span_t s, const char *k) {
        kl_span_t rest = kl_from(s, k + strlen("Killed process "));
        int64_t pid;
        const char *q = kl_i64(rest, rest.p, &pid);
        if (q)
                e->pid = pid;
        const char *open = kl_find(rest, "(");
        const char *tvm = kl_find(rest, ") total-vm:");
        const char *close = tvm ? tvm : kl_find_last(rest, ")");
        if (open && close && close > open)
                kl_copy(e->task, sizeof(e->task), open + 1, (size_t)(close - open - 1));
        kl_span_t tail = tvm ? kl_from(s, tvm) : rest;
        kl_key_u64(tail, "total-vm:", &e->total_vm_kb);
        kl_key_u64(tail, "anon-rss:", &e->anon_rss_kb);
        kl_key_u64(tail, "file-rss:", &e->file_rss_kb);
        kl_key_u64(tail, "shmem-rss:", &e->shmem_rss_kb);
        int64_t uid;
        if (kl_key_i64(tail, "UID:", &uid) || kl_key_i64(rest, "UID ", &uid))
                e->uid = uid;
        int64_t adj;
        if (kl_key_i64(tail, "oom_score_adj:", &adj) && !e->have_oom_score_adj) {
                e->have_oom_score_adj = true;
                e->oom_score_adj = (int)adj;
        }
        e->end_seen = true;
}

/* "Node N ZONE free:..." and "Node N ZONE: a*4kB ..." */
static bool on_node(mg_kl_parser_t *p, kl_span_t s, const char *k) {
        kl_span_t rest = kl_from(s, k + 5);
        uint64_t node;
        const char *q = kl_u64(rest, rest.p, &node);
        if (!q || node > 4095 || q >= s.p + s.n || *q != ' ')
                return false;
        const char *name = q + 1, *end = s.p + s.n, *ne = name;
        while (ne < end && ne - name < 15 && ((*ne >= 'A' && *ne <= 'Z') || (*ne >= 'a' && *ne <= 'z') ||
                                              (*ne >= '0' && *ne <= '9')))
                ne++;
        if (ne == name || ne >= end)
                return false;
        bool zone_line = end - ne > 6 && !memcmp(ne, " free:", 6);
        bool list_line = end - ne > 2 && ne[0] == ':' && ne[1] == ' ';
        if (!zone_line && !list_line)
                return false;
        int slot = find_open(p, ALLOC_MASK);
        if (slot < 0)
                return false;
        mg_kl_event_t *e = &p->open[slot];
        mg_kl_zone_t *z = NULL;
        for (size_t i = 0; i < e->nzones && !z; i++)
                if (e->zones[i].node == (int)node && strlen(e->zones[i].name) == (size_t)(ne - name) &&
                    !memcmp(e->zones[i].name, name, (size_t)(ne - name)))
                        z = &e->zones[i];
        if (!z) {
                if (e->nzones >= MG_KL_ZONES_MAX)
                        return true;
                z = &e->zones[e->nzones++];
                memset(z, 0, sizeof(*z));
                z->node = (int)node;
                kl_copy(z->name, sizeof(z->name), name, (size_t)(ne - name));
                z->free_kb = z->min_kb = z->low_kb = z->high_kb = MG_KL_U64_UNSET;
        }
        kl_span_t tail = kl_from(s, ne);
        if (zone_line) {
                kl_key_u64(tail, " free:", &z->free_kb);
                kl_key_u64(tail, " min:", &z->min_kb);
                kl_key_u64(tail, " low:", &z->low_kb);
                kl_key_u64(tail, " high:", &z->high_kb);
        } else {
                /* a*SIZEkB entries, smallest order first; the first size is order 0 */
                uint64_t size0 = 0;
                const char *c = ne + 2;
                z->norders = 0;
                while (c < end && z->norders < MG_KL_ORDERS) {
                        uint64_t cnt, size;
                        const char *star = kl_u64(tail, c, &cnt);
                        if (!star || star >= end || *star != '*')
                                break;
                        const char *kb = kl_u64(tail, star + 1, &size);
                        if (!kb || size == 0)
                                break;
                        if (!size0)
                                size0 = size;
                        if (size != size0 << z->norders)
                                break;
                        z->blocks[z->norders++] = cnt;
                        c = kb;
                        while (c < end && *c != ' ')
                                c++; /* "kB" */
                        while (c < end && *c == ' ')
                                c++;
                        if (c < end && *c == '(') { /* migrate types "(UME)" */
                                while (c < end && *c != ')')
                                        c++;
                                c++;
                                while (c < end && *c == ' ')
                                        c++;
                        }
                }
                z->have_lists = z->norders > 0;
        }
        e->last_line = p->lineno;
        e->lines++;
        p->idle[slot] = 0;
        return true;
}

static void on_text(mg_kl_parser_t *p, kl_span_t s, const mg_kl_time_t *t) {
        const char *k;
        int slot = -1;
        mg_kl_event_t *e = NULL;

        if ((k = kl_find(s, " invoked oom-killer: "))) {
                close_kind(p, MG_KL_OOM); /* oom_lock: a new report means the last one is over */
                slot = new_event(p, MG_KL_OOM, true, t);
                e = &p->open[slot];
                comm_before(e->invoker, sizeof(e->invoker), s, k);
                kl_span_t tail = kl_from(s, k);
                parse_gfp(e, tail, "gfp_mask=");
                kl_span_t v;
                if (kl_list_value(tail, "nodemask=", &v)) {
                        const char *c = kl_find(v, ", order=");
                        copy_span(e->nodemask, sizeof(e->nodemask), c ? (kl_span_t){v.p, (size_t)(c - v.p)} : v);
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
                comm_before(e->invoker, sizeof(e->invoker), s, k);
                kl_span_t tail = kl_from(s, k);
                int64_t n;
                if (kl_key_i64(tail, "order:", &n) && n >= 0 && n < 64)
                        e->order = (int)n;
                parse_gfp(e, tail, "mode:");
                kl_span_t v;
                if (kl_list_value(tail, "nodemask=", &v))
                        copy_span(e->nodemask, sizeof(e->nodemask), v);
                parse_mems(e, tail);
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
                on_summary(e, kl_from(s, k));
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
                                copy_span(e->oom_memcg, sizeof(e->oom_memcg), lim);
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
                on_killed(e, s, k);
        } else if ((k = kl_find(s, "out of memory: Kill process ")) || (k = kl_find(s, "Out of memory: Kill process "))) {
                /* 3.10-4.18: "<message>: Kill process N (comm) score S or sacrifice child" */
                e = oom_event(p, t, &slot);
                if (kl_find(s, "Memory cgroup out of memory"))
                        e->memcg_oom = true;
                else
                        e->global_oom = true;
                kl_span_t rest = kl_from(s, k + strlen("out of memory: Kill process "));
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
                        parse_mems(e, s);
                }
        } else if ((k = kl_find(s, "Node ")) && on_node(p, s, k)) {
                return;
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
