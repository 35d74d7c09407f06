/* SPDX-License-Identifier: Apache-2.0 */
/* One class per kernel log event, and the cause and fix with the event's numbers.
 *
 * The order of the decisions, and why:
 *  1. a commit refusal (__vm_enough_memory) is its own class: no kill, no page allocator involved;
 *  2. a memory cgroup OOM (CONSTRAINT_MEMCG, oom_memcg=, "Task in A ... limit of B", "Memory cgroup
 *     out of memory", "memory: usage") is cgroup-limit when the limited cgroup is the task's own and
 *     parent-limit when it is a proper ancestor: the two need fixes in different places;
 *  3. otherwise the page allocator ran out: numa-node when the task may use only some nodes
 *     (CONSTRAINT_CPUSET / CONSTRAINT_MEMORY_POLICY, or on kernels before 4.19, which print no
 *     constraint, mems_allowed/nodemask narrower than the nodes printed while an excluded node had
 *     free above min); fragmentation when the request was of order 1 or more and every zone with
 *     free above min had no free block of that order or larger (__zone_watermark_ok fails then
 *     even though free is above min); host-memory for an OOM otherwise, and for a page allocation
 *     failure when every zone was below min; alloc-failure for the other allocation failures.
 * The DMA zone is left out of the zone reasoning: lowmem_reserve keeps it from ordinary
 * allocations, so its free pages and free blocks say nothing about the request. */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "memgate/checks/explain.h"
#include "memgate/inputs/nodemask.h"
#include "memgate/util/cleanup.h"

const char *mg_xclass_code(mg_xclass_t c) {
        static const char *const codes[] = {
                [MG_X_CGROUP_LIMIT] = "cgroup-limit",   [MG_X_PARENT_LIMIT] = "parent-limit",
                [MG_X_HOST_MEMORY] = "host-memory",     [MG_X_NUMA_NODE] = "numa-node",
                [MG_X_FRAGMENTATION] = "fragmentation", [MG_X_COMMIT_REFUSED] = "commit-refused",
                [MG_X_ALLOC_FAILURE] = "alloc-failure", [MG_X_UNKNOWN] = "unknown",
        };
        return (unsigned)c < sizeof(codes) / sizeof(codes[0]) ? codes[c] : "unknown";
}

static void say(char *dst, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(char *dst, size_t n, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(dst, n, fmt, ap);
        va_end(ap);
}

/* kB for people: "20.0 MiB", "1.2 GiB", "512 kB". */
static const char *kb(uint64_t v, char *buf, size_t n) {
        if (v == MG_KL_U64_UNSET)
                snprintf(buf, n, "?");
        else if (v >= 1024ull * 1024)
                snprintf(buf, n, "%.1f GiB", (double)v / (1024.0 * 1024.0));
        else if (v >= 1024)
                snprintf(buf, n, "%.1f MiB", (double)v / 1024.0);
        else
                snprintf(buf, n, "%" PRIu64 " kB", v);
        return buf;
}

/* A node list as printed ("0-1,3"); "(null)" and empty mean none was given. */
static bool nodelist(const char *s, mg_nodemask_t *ret) {
        if (!s || !*s || !strcmp(s, "(null)"))
                return false;
        return mg_parse_node_list(s, ret) == 0 && mg_nodemask_count(ret) > 0;
}

static bool zone_counts(const mg_kl_zone_t *z) {
        return strcmp(z->name, "DMA") != 0 && z->free_kb != MG_KL_U64_UNSET && z->min_kb != MG_KL_U64_UNSET;
}
static bool zone_short(const mg_kl_zone_t *z) { return z->free_kb < z->min_kb; }

/* The request's largest free block check: no free block of order >= order in the zone's lists. */
static bool zone_no_block(const mg_kl_zone_t *z, int order) {
        if (!z->have_lists || order <= 0 || (unsigned)order >= z->norders + 1)
                return false;
        for (unsigned o = (unsigned)order; o < z->norders; o++)
                if (z->blocks[o])
                        return false;
        return true;
}

static bool is_ancestor(const char *anc, const char *path) {
        size_t n = strlen(anc);
        if (!strcmp(anc, "/"))
                return strcmp(path, "/") != 0 && path[0] == '/';
        return !strncmp(anc, path, n) && path[n] == '/';
}

static void owner_text(const mg_cg_owner_t *o, char *buf, size_t n) {
        char d[160];
        mg_cg_owner_describe(o, d, sizeof(d));
        if (d[0])
                snprintf(buf, n, " (%s)", d);
        else
                buf[0] = '\0';
}

static void victim_text(const mg_kl_event_t *e, char *buf, size_t n) {
        char a[32];
        if (e->kind == MG_KL_ALLOC_FAIL) {
                snprintf(buf, n, "%s", e->invoker[0] ? e->invoker : "a task the log does not name");
                return;
        }
        if (!e->task[0] && e->pid < 0) {
                snprintf(buf, n, "%s", e->no_killable ? "no process (none was killable)" : "a process the log does not name");
                return;
        }
        if (e->anon_rss_kb != MG_KL_U64_UNSET)
                snprintf(buf, n, "%s (pid %" PRId64 ", %s anonymous)", e->task[0] ? e->task : "?", e->pid,
                         kb(e->anon_rss_kb, a, sizeof(a)));
        else
                snprintf(buf, n, "%s (pid %" PRId64 ")", e->task[0] ? e->task : "?", e->pid);
}

static void explain_memcg(const mg_kl_event_t *e, mg_explanation_t *x) {
        char u[32], l[32], vic[160], own[180], lown[180];
        const char *limited = e->oom_memcg[0] ? e->oom_memcg : e->stats_memcg;
        victim_text(e, vic, sizeof(vic));
        if (limited[0] && !e->task_memcg[0] && e->no_killable) {
                /* no victim, so no oom-kill: line to name the task's cgroup: the limit is the one
                 * the kernel printed, held by what cannot be killed (tmpfs, kernel memory) */
                x->cls = MG_X_CGROUP_LIMIT;
                mg_cg_owner_decode(limited, &x->limit_owner);
                owner_text(&x->limit_owner, lown, sizeof(lown));
                say(x->reason, sizeof(x->reason), "the limit of %s, with no process left to kill", limited);
                say(x->cause, sizeof(x->cause), "The memory cgroup %s%s reached its limit of %s (usage %s) and "
                    "had no process the OOM killer could kill: what fills it is not process memory (tmpfs "
                    "files, kernel memory) or its tasks are exempt (oom_score_adj -1000).", limited, lown,
                    kb(e->limit_kb, l, sizeof(l)), kb(e->usage_kb, u, sizeof(u)));
                say(x->fix, sizeof(x->fix), "Raise the limit of %s above %s, or free what it holds outside "
                    "processes (files in its tmpfs mounts, /dev/shm).", limited, l);
                return;
        }
        if (!limited[0] || !e->task_memcg[0]) {
                x->cls = MG_X_UNKNOWN;
                say(x->reason, sizeof(x->reason), "a memory cgroup OOM, but the lines naming %s were lost%s",
                    limited[0] ? "the task's cgroup" : "the cgroups",
                    e->start_seen ? "" : " (the event starts cut off)");
                say(x->cause, sizeof(x->cause), "A memory cgroup reached its limit%s%s%s and the kernel killed %s.",
                    limited[0] ? " (" : "", limited, limited[0] ? ")" : "", vic);
                say(x->fix, sizeof(x->fix), "Find the cgroup in the full log (the oom-kill: or \"Task in\" line) to "
                    "tell the container's own limit from a parent's.");
                return;
        }
        mg_cg_owner_decode(e->task_memcg, &x->task_owner);
        mg_cg_owner_decode(limited, &x->limit_owner);
        owner_text(&x->task_owner, own, sizeof(own));
        owner_text(&x->limit_owner, lown, sizeof(lown));
        kb(e->usage_kb, u, sizeof(u));
        kb(e->limit_kb, l, sizeof(l));
        char fc[48] = "";
        if (e->failcnt != MG_KL_U64_UNSET)
                snprintf(fc, sizeof(fc), ", failcnt %" PRIu64, e->failcnt);

        if (!strcmp(limited, e->task_memcg)) {
                x->cls = MG_X_CGROUP_LIMIT;
                say(x->reason, sizeof(x->reason), "the limited cgroup is the task's own (%s)", limited);
                say(x->cause, sizeof(x->cause), "The memory cgroup %s%s reached its own limit of %s (usage %s%s); "
                    "the kernel killed %s.", limited, own, l, u, fc, vic);
                const mg_cg_owner_t *o = &x->limit_owner;
                const char *knob = o->pod_uid[0] && o->id[0] ? "the container's resources.limits.memory"
                                   : o->pod_uid[0]           ? "the pod's memory limits"
                                   : !strcmp(o->engine, "docker") ? "the container's memory limit (docker run -m)"
                                   : !strcmp(o->engine, "podman") ? "the container's memory limit (podman run --memory)"
                                   : o->id[0]                ? "the container's memory limit"
                                                             : NULL;
                if (knob)
                        say(x->fix, sizeof(x->fix), "Raise %s above its %s, or find what grows in %s: at %s it has no "
                            "room left.", knob, l, e->task[0] ? e->task : "the workload", l);
                else
                        say(x->fix, sizeof(x->fix), "Raise the limit of %s above %s, or find what grows in %s: at %s "
                            "it has no room left.", limited, l, e->task[0] ? e->task : "the workload", l);
        } else if (is_ancestor(limited, e->task_memcg)) {
                x->cls = MG_X_PARENT_LIMIT;
                say(x->reason, sizeof(x->reason), "the limit hit is of %s, an ancestor of the task's cgroup %s",
                    limited, e->task_memcg);
                say(x->cause, sizeof(x->cause), "The ancestor cgroup %s%s reached its limit of %s (usage %s%s), so "
                    "%s in %s%s was killed although its own cgroup's limit was not the one hit.", limited, lown, l,
                    u, fc, vic, e->task_memcg, own);
                say(x->fix, sizeof(x->fix), "Raise the limit of %s (%s) above %s or move load out of it; raising "
                    "the limit of %s alone will not help.", limited,
                    x->limit_owner.pod_uid[0] && !x->limit_owner.id[0] ? "the pod" : "the parent", l, e->task_memcg);
        } else {
                x->cls = MG_X_UNKNOWN;
                say(x->reason, sizeof(x->reason), "the limited cgroup %s is neither the task's cgroup %s nor an "
                    "ancestor of it", limited, e->task_memcg);
                say(x->cause, sizeof(x->cause), "The memory cgroup %s reached its limit of %s and the kernel killed "
                    "%s in %s.", limited, l, vic, e->task_memcg);
                say(x->fix, sizeof(x->fix), "Check how %s and %s are related (a v1 hierarchy with "
                    "use_hierarchy=0, a moved task).", limited, e->task_memcg);
        }
}

/* The nodes the request could use: mems_allowed for a cpuset, the nodemask for a mempolicy. */
static bool allowed_nodes(const mg_kl_event_t *e, mg_nodemask_t *ret) {
        mg_nodemask_t a, b;
        bool ha = nodelist(e->mems_allowed, &a), hb = nodelist(e->nodemask, &b);
        if (ha && hb) {
                for (size_t i = 0; i < ELEMENTSOF(a.bits); i++)
                        a.bits[i] &= b.bits[i];
                *ret = a;
        } else if (ha)
                *ret = a;
        else if (hb)
                *ret = b;
        else
                return false;
        return mg_nodemask_count(ret) > 0;
}

/* Sums free above min over zones inside/outside the allowed nodes. */
typedef struct zsum {
        uint64_t in_free, out_free, out_spare;
        int in_short, in_n, out_ok;
        const mg_kl_zone_t *worst; /* an allowed zone below min, the one furthest below */
} zsum_t;

static zsum_t zone_sums(const mg_kl_event_t *e, const mg_nodemask_t *allowed) {
        zsum_t s = {0};
        for (size_t i = 0; i < e->nzones; i++) {
                const mg_kl_zone_t *z = &e->zones[i];
                if (!zone_counts(z))
                        continue;
                bool in = mg_nodemask_test(allowed, z->node);
                if (in) {
                        s.in_n++;
                        s.in_free += z->free_kb;
                        if (zone_short(z)) {
                                s.in_short++;
                                if (!s.worst || z->min_kb - z->free_kb > s.worst->min_kb - s.worst->free_kb)
                                        s.worst = z;
                        }
                } else {
                        s.out_free += z->free_kb;
                        if (!zone_short(z)) {
                                s.out_ok++;
                                s.out_spare += z->free_kb - z->min_kb;
                        }
                }
        }
        return s;
}

static bool explain_numa(const mg_kl_event_t *e, mg_explanation_t *x, const char *vic) {
        mg_nodemask_t allowed;
        bool have_allowed = allowed_nodes(e, &allowed);
        bool by_constraint = e->constraint == MG_KL_CONSTRAINT_CPUSET || e->constraint == MG_KL_CONSTRAINT_MEMORY_POLICY;
        zsum_t s = have_allowed ? zone_sums(e, &allowed) : (zsum_t){0};
        bool by_zones = have_allowed && s.out_ok > 0 && (s.in_short > 0 || e->kind == MG_KL_OOM);
        if (!by_constraint && !(e->constraint == MG_KL_CONSTRAINT_UNSEEN && by_zones))
                return false;
        char f[32], m[32], o[32];
        const char *nodes = e->mems_allowed[0] ? e->mems_allowed : e->nodemask;
        x->cls = MG_X_NUMA_NODE;
        if (by_constraint)
                say(x->reason, sizeof(x->reason), "%s: the task may use node(s) %s only", e->constraint_name,
                    nodes[0] ? nodes : "?");
        else
                say(x->reason, sizeof(x->reason), "mems_allowed/nodemask %s is narrower than the nodes printed, and "
                    "%d zone(s) outside it had free above min", nodes, s.out_ok);
        char zone[160] = "";
        if (s.worst)
                snprintf(zone, sizeof(zone), " (node %d %s free %s, below its min of %s)", s.worst->node,
                         s.worst->name, kb(s.worst->free_kb, f, sizeof(f)), kb(s.worst->min_kb, m, sizeof(m)));
        char other[96] = "";
        if (s.out_ok)
                snprintf(other, sizeof(other), " while the other nodes had %s free above their min",
                         kb(s.out_spare, o, sizeof(o)));
        say(x->cause, sizeof(x->cause), "The task could allocate only on node(s) %s%s, which ran short%s%s; the "
            "kernel %s %s.", nodes[0] ? nodes : "?", e->cpuset[0] && strcmp(e->cpuset, "/") ? " (its cpuset)" : "",
            zone, other, e->kind == MG_KL_OOM ? "killed" : "failed the allocation of", vic);
        say(x->fix, sizeof(x->fix), "Widen cpuset.mems%s%s (or the memory policy) to more nodes, or size the work "
            "to node(s) %s.", e->cpuset[0] ? " of " : "", e->cpuset, nodes[0] ? nodes : "?");
        return true;
}

static bool explain_frag(const mg_kl_event_t *e, mg_explanation_t *x, const char *vic) {
        if (e->order <= 0)
                return false;
        const mg_kl_zone_t *z0 = NULL;
        int ok_zones = 0;
        for (size_t i = 0; i < e->nzones; i++) {
                const mg_kl_zone_t *z = &e->zones[i];
                if (!zone_counts(z) || zone_short(z))
                        continue;
                if (!z->have_lists || !zone_no_block(z, e->order))
                        return false;
                ok_zones++;
                if (!z0 || z->free_kb > z0->free_kb)
                        z0 = z;
        }
        if (!z0)
                return false;
        char f[32], m[32], sz[32];
        x->cls = MG_X_FRAGMENTATION;
        say(x->reason, sizeof(x->reason), "order %d: %d zone(s) above min with no free block of order %d or more",
            e->order, ok_zones, e->order);
        say(x->cause, sizeof(x->cause), "An order-%d request (%s contiguous%s%s%s) failed: node %d %s had %s free, "
            "above its min of %s, but no free block of order %d or larger; %s %s.", e->order,
            kb(4ull << e->order, sz, sizeof(sz)), e->gfp_flags[0] ? ", " : "", e->gfp_flags, "", z0->node, z0->name,
            kb(z0->free_kb, f, sizeof(f)), kb(z0->min_kb, m, sizeof(m)), e->order,
            e->kind == MG_KL_OOM ? "the kernel killed" : "the allocation failed for", vic);
        say(x->fix, sizeof(x->fix), "Memory is fragmented, not short: compact it (echo 1 > /proc/sys/vm/compact_memory), "
            "keep more free (vm.min_free_kbytes), or avoid order-%d allocations (the driver's or the "
            "program's larger-page setting).", e->order);
        return true;
}

static void explain_host(const mg_kl_event_t *e, mg_explanation_t *x, const char *vic) {
        char f[32], m[32];
        const mg_kl_zone_t *worst = NULL;
        for (size_t i = 0; i < e->nzones; i++) {
                const mg_kl_zone_t *z = &e->zones[i];
                if (zone_counts(z) && zone_short(z) && (!worst || z->free_kb < worst->free_kb))
                        worst = z;
        }
        char zone[200] = "";
        if (x->zones_considered)
                snprintf(zone, sizeof(zone), ": %d of %d zones had free below min%s", x->short_zones,
                         x->zones_considered, worst ? "" : " (none printed below min)");
        if (worst) {
                size_t w = strlen(zone);
                snprintf(zone + w, sizeof(zone) - w, " (node %d %s free %s < min %s)", worst->node, worst->name,
                         kb(worst->free_kb, f, sizeof(f)), kb(worst->min_kb, m, sizeof(m)));
        }
        x->cls = MG_X_HOST_MEMORY;
        if (e->kind == MG_KL_OOM) {
                say(x->reason, sizeof(x->reason), "a system-wide OOM%s%s", e->constraint_name[0] ? " (" : "",
                    e->constraint_name[0] ? e->constraint_name : "");
                if (e->constraint_name[0])
                        strncat(x->reason, ")", sizeof(x->reason) - strlen(x->reason) - 1);
                say(x->cause, sizeof(x->cause), "The whole host ran out of memory%s; the kernel killed %s.", zone, vic);
        } else {
                say(x->reason, sizeof(x->reason), "every zone printed was below min");
                say(x->cause, sizeof(x->cause), "An order-%d allocation by %s failed because the host was out of "
                    "memory%s.", e->order, e->invoker[0] ? e->invoker : "a task", zone);
        }
        say(x->fix, sizeof(x->fix), "Add memory or swap, run less on this host, or give containers memory limits "
            "that add up to less than the host has, so one workload cannot take it all.");
}

static void explain_alloc(const mg_kl_event_t *e, mg_explanation_t *x) {
        bool atomic = strstr(e->gfp_flags, "GFP_ATOMIC") || strstr(e->gfp_flags, "GFP_NOWAIT") ||
                      (e->gfp_flags[0] && !strstr(e->gfp_flags, "DIRECT_RECLAIM") && !strstr(e->gfp_flags, "GFP_KERNEL") &&
                       !strstr(e->gfp_flags, "GFP_USER") && !strstr(e->gfp_flags, "GFP_HIGHUSER"));
        x->cls = MG_X_ALLOC_FAILURE;
        say(x->reason, sizeof(x->reason), "a page allocation failure%s%s", atomic ? " that could not wait for reclaim" : "",
            x->zones_considered ? " with zones above min" : " (no zone figures printed)");
        say(x->cause, sizeof(x->cause), "An order-%d allocation (mode %#x%s%s%s) by %s failed without an OOM kill%s.",
            e->order, e->gfp_mask, e->gfp_flags[0] ? " " : "", e->gfp_flags, "", e->invoker[0] ? e->invoker : "a task",
            atomic ? ": it may not sleep, so it gets only what is free at that instant" : "");
        say(x->fix, sizeof(x->fix), "%s", atomic ? "If it repeats, raise vm.min_free_kbytes so atomic allocations "
            "find free pages; a single failure is often retried by the caller." : "If it repeats, look at the caller "
            "(the stack in the log) and the memory it asks for; the kernel did not find it free or reclaimable.");
}

void mg_explain_event(const mg_kl_event_t *e, mg_explanation_t *x) {
        char vic[160];
        memset(x, 0, sizeof(*x));
        for (size_t i = 0; i < e->nzones; i++)
                if (zone_counts(&e->zones[i])) {
                        x->zones_considered++;
                        x->short_zones += zone_short(&e->zones[i]);
                }
        victim_text(e, vic, sizeof(vic));

        if (e->kind == MG_KL_COMMIT) {
                char b[64] = "an allocation", h[32];
                if (e->commit_bytes != MG_KL_U64_UNSET)
                        snprintf(b, sizeof(b), "%" PRIu64 " bytes (%s)", e->commit_bytes,
                                 kb(e->commit_bytes / 1024, h, sizeof(h)));
                x->cls = MG_X_COMMIT_REFUSED;
                say(x->reason, sizeof(x->reason), "__vm_enough_memory refused the commit");
                say(x->cause, sizeof(x->cause), "The kernel refused to commit %s for %s (pid %" PRId64 "): under "
                    "strict overcommit (vm.overcommit_memory=2) Committed_AS would have passed CommitLimit (in "
                    "mode 0, the request alone was larger than RAM + swap). Nothing was killed; the allocation "
                    "failed with ENOMEM.", b, e->task[0] ? e->task : "?", e->pid);
                say(x->fix, sizeof(x->fix), "Raise the commit limit (vm.overcommit_ratio or vm.overcommit_kbytes, or "
                    "add swap), or reserve less: fewer or smaller thread stacks, heaps and arenas.");
                return;
        }
        if (e->kind == MG_KL_OOM && e->memcg_oom) {
                explain_memcg(e, x);
                return;
        }
        if (e->kind == MG_KL_OOM && !e->global_oom && e->constraint == MG_KL_CONSTRAINT_UNSEEN && !e->end_seen &&
            !e->nzones) {
                x->cls = MG_X_UNKNOWN;
                say(x->reason, sizeof(x->reason), "%s", e->start_seen ? "the log ends before the OOM killer's report"
                    : "only a fragment of the OOM report is in the log");
                say(x->cause, sizeof(x->cause), "The OOM killer ran (invoked by %s, order %d), but the lines that "
                    "would say which limit was hit are not in the log.", e->invoker[0] ? e->invoker : "?", e->order);
                say(x->fix, sizeof(x->fix), "Read the rest of the report (a larger ring buffer, the journal or "
                    "/var/log/kern.log).");
                return;
        }
        if (explain_numa(e, x, vic) || explain_frag(e, x, vic))
                return;
        if (e->kind == MG_KL_OOM || (x->zones_considered && x->short_zones == x->zones_considered)) {
                explain_host(e, x, vic);
                return;
        }
        explain_alloc(e, x);
}
