/* SPDX-License-Identifier: Apache-2.0 */
/* The fields of the kernel's memory messages into an event: the oom-kill: summary, the kill
 * line, gfp masks, cpuset and mems_allowed, and the per-zone and free-list lines. The formats,
 * with the kernel versions that print them, are listed at the top of kernlog.c. */
#define _GNU_SOURCE
#include <string.h>

#include "kernlog_fields.h"

void klf_copy_span(char *dst, size_t cap, kl_span_t v) { kl_copy(dst, cap, v.p, v.n); }

/* The comm before a marker: everything from the start of the text, or its last word when the
 * prefix was not one mg_kl_strip_prefix knows and the text is longer than a comm can be. */
void klf_comm_before(char *dst, size_t cap, kl_span_t text, const char *marker) {
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

void klf_gfp(mg_kl_event_t *e, kl_span_t s, const char *key) {
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

void klf_mems(mg_kl_event_t *e, kl_span_t s) {
        kl_span_t v;
        if (!e->cpuset[0] && kl_list_value(s, "cpuset=", &v)) {
                /* "comm cpuset=NAME mems_allowed=LIST" (3.10-4.18): NAME ends at " mems_allowed=" */
                const char *m = kl_find(v, " mems_allowed=");
                klf_copy_span(e->cpuset, sizeof(e->cpuset), m ? (kl_span_t){v.p, (size_t)(m - v.p)} : v);
        }
        if (!e->mems_allowed[0] && kl_list_value(s, "mems_allowed=", &v))
                klf_copy_span(e->mems_allowed, sizeof(e->mems_allowed), v);
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

void klf_summary(mg_kl_event_t *e, kl_span_t s) {
        kl_span_t v;
        if (kl_list_value(s, "constraint=", &v)) {
                e->constraint = constraint_of(v);
                klf_copy_span(e->constraint_name, sizeof(e->constraint_name), v);
                if (e->constraint == MG_KL_CONSTRAINT_MEMCG)
                        e->memcg_oom = true;
        }
        if (kl_list_value(s, "nodemask=", &v))
                klf_copy_span(e->nodemask, sizeof(e->nodemask), v);
        klf_mems(e, s);
        if (kl_list_value(s, "oom_memcg=", &v)) {
                klf_copy_span(e->oom_memcg, sizeof(e->oom_memcg), v);
                e->memcg_oom = true;
        }
        if (kl_find(s, ",global_oom"))
                e->global_oom = true;
        if (kl_list_value(s, "task_memcg=", &v))
                klf_copy_span(e->task_memcg, sizeof(e->task_memcg), v);
        if (kl_list_value(s, "task=", &v))
                klf_copy_span(e->task, sizeof(e->task), v);
        if (kl_list_value(s, "pid=", &v))
                list_i64(v, &e->pid);
        if (kl_list_value(s, "uid=", &v))
                list_i64(v, &e->uid);
}

/* "Killed process N (comm) total-vm:..." and the 2.6.32/RHEL 6 "Killed process N, UID U, (comm) ..." */
void klf_killed(mg_kl_event_t *e, kl_span_t s, const char *k) {
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
bool klf_node_line(mg_kl_event_t *e, kl_span_t s, const char *k) {
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
        if (!e)
                return true; /* a zone line: the caller has no event for it */
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
        return true;
}
