/* SPDX-License-Identifier: Apache-2.0 */
/* The memory picture beyond the container's own limit: an ancestor cgroup's smaller limit, NUMA
 * nodes the container is pinned to running short, free memory too fragmented for order-3
 * allocations, and unreclaimable slab growing like a leak. Pure: mg_input_t in, findings out. */
#define _GNU_SOURCE
#include <inttypes.h>
#include <string.h>

#include "memgate/cgroup.h"
#include "memgate/heap.h"

#define FMT(v, buf) mg_fmt_bytes((v), (buf), sizeof(buf))

uint64_t mg_node_available_kb(const mg_node_t *n) {
        return mg_sat_add(n->mem_free_kb, mg_sat_add(n->file_pages_kb / 2, n->sreclaimable_kb / 2));
}

/* A node is low below max(5% of its memory, 256 MiB) of available memory. */
static uint64_t node_low_kb(const mg_node_t *n) {
        uint64_t pct = n->mem_total_kb / 100 * MG_NUMA_LOW_PERCENT +
                       n->mem_total_kb % 100 * MG_NUMA_LOW_PERCENT / 100;
        return pct > MG_NUMA_LOW_FLOOR ? pct : MG_NUMA_LOW_FLOOR;
}

/* ---- the nodes a container may allocate from ----------------------------------------------- */

typedef struct allowed {
        bool restricted;      /* a node list applies; false: every node */
        mg_nodemask_t mask;
        char source[160];     /* "linux.resources.cpu.mems \"0-1\"", ... */
} allowed_t;

static void allowed_nodes(const mg_input_t *in, allowed_t *a) {
        const mg_cgroup_t *cg = in->cgroup;
        mg_nodemask_t spec, eff;
        bool have_spec = false, have_eff = false;

        *a = (allowed_t){0};
        if (!in->container)
                return;
        if (in->container->cpuset_mems && *in->container->cpuset_mems &&
            mg_parse_node_list(in->container->cpuset_mems, &spec) == 0 && mg_nodemask_count(&spec) > 0)
                have_spec = true;
        if (cg && cg->have_mems && mg_parse_node_list(cg->mems, &eff) == 0 && mg_nodemask_count(&eff) > 0)
                have_eff = true;

        if (have_spec && have_eff) {
                /* The kernel confines a cpuset to its parent's effective nodes. */
                mg_nodemask_t both;
                for (size_t i = 0; i < ELEMENTSOF(both.bits); i++)
                        both.bits[i] = spec.bits[i] & eff.bits[i];
                if (mg_nodemask_count(&both) > 0) {
                        a->mask = both;
                        snprintf(a->source, sizeof(a->source), "linux.resources.cpu.mems \"%.24s\" within cpuset %.32s",
                                 in->container->cpuset_mems, cg->mems);
                } else {
                        a->mask = spec;
                        snprintf(a->source, sizeof(a->source), "linux.resources.cpu.mems \"%.24s\"",
                                 in->container->cpuset_mems);
                }
        } else if (have_spec) {
                a->mask = spec;
                snprintf(a->source, sizeof(a->source), "linux.resources.cpu.mems \"%.40s\"", in->container->cpuset_mems);
        } else if (have_eff) {
                a->mask = eff;
                snprintf(a->source, sizeof(a->source), "the cpuset of %.40s (%.32s)", cg->mems_path, cg->mems);
        } else
                return;
        a->restricted = true;
}

static bool node_allowed(const allowed_t *a, int node) {
        return !a->restricted || mg_nodemask_test(&a->mask, node);
}

/* ---- parent-limit -------------------------------------------------------------------------- */

/* The container's heap plus what its runtime needs beyond it, under limit; 0 when unknown. */
static uint64_t heap_need(const mg_input_t *in, uint64_t limit, uint64_t *ret_heap, uint64_t *ret_offheap) {
        const mg_container_t *c = in->container;
        mg_offheap_params_t p;
        mg_offheap_t est;
        mg_heap_t found;
        const mg_heap_t *h = in->heap;
        uint64_t heap;

        *ret_heap = *ret_offheap = 0;
        if (!h) {
                mg_heap_detect(c->args, c->nargs, c->env, c->nenv, &found);
                h = &found;
        }
        if (h->runtime == MG_RT_NONE)
                return 0;
        heap = mg_heap_effective(h, limit);
        if (!heap)
                return 0;
        /* Bad hints are reported once, by offheap-margin. */
        mg_offheap_params_for(in, NULL, &p);
        mg_offheap_estimate(h, heap, &p, &est);
        *ret_heap = heap;
        *ret_offheap = est.total_bytes;
        return mg_sat_add(heap, est.total_bytes);
}

static void check_parent_limit(const mg_input_t *in, mg_report_t *r) {
        const mg_cgroup_t *cg = in->cgroup;
        const mg_container_t *c = in->container;
        const mg_cgroup_level_t *anc = NULL;
        uint64_t own, need, heap, offheap;
        char a[32], b[32], d[32], e[32], o[32], why[200];
        const char *file = cg->version == 1 ? "memory.limit_in_bytes" : "memory.max";

        /* levels[0] is the container's own cgroup; the ancestors are above it. */
        for (size_t i = 1; i < cg->nlevels && i < MG_CGROUP_DEPTH_MAX; i++) {
                const mg_cgroup_level_t *l = &cg->levels[i];
                if (l->exists && l->applies && l->have_limit && (!anc || l->limit_bytes < anc->limit_bytes))
                        anc = l;
        }
        if (!anc)
                return;

        own = c->have_limit ? c->limit_bytes : mg_cgroup_own_limit(cg);
        need = heap_need(in, own ? own : anc->limit_bytes, &heap, &offheap);

        if (own && anc->limit_bytes < own) {
                if (need)
                        snprintf(why, sizeof(why), "; the container's heap and off-heap need %s (heap %s + off-heap %s)",
                                 FMT(need, d), FMT(heap, e), FMT(offheap, o));
                else
                        why[0] = '\0';
                mg_finding_t *f = mg_report_add(
                        r, "parent-limit", MG_SEV_WARN,
                        "the parent cgroup %s caps memory at %s, below the container's own limit of %s%s: "
                        "the kernel reclaims and OOM-kills inside the container at %s, not at its limit",
                        anc->path, FMT(anc->limit_bytes, a), FMT(own, b), why, FMT(anc->limit_bytes, e));
                if (!f)
                        return;
                mg_finding_fix(f,
                               "raise the parent's limit to at least %s (%s%s/%s) or lower the container's limit "
                               "to fit under %s (e.g. podman run -m %" PRIu64 "m)",
                               FMT(need > own ? need : own, b), cg->mount, anc->path, file, FMT(anc->limit_bytes, a),
                               anc->limit_bytes / MG_MIB);
                mg_ev_str(f, "reason", "below-container-limit");
                mg_ev_str(f, "ancestor", anc->path);
                mg_ev_u64(f, "ancestor_limit_bytes", anc->limit_bytes);
                mg_ev_u64(f, "container_limit_bytes", own);
                if (need) {
                        mg_ev_u64(f, "heap_bytes", heap);
                        mg_ev_u64(f, "offheap_bytes", offheap);
                        mg_ev_u64(f, "need_bytes", need);
                }
                mg_ev_str(f, "hierarchy", cg->mount);
                mg_ev_i64(f, "cgroup_version", cg->version);
                return;
        }
        if (need && anc->limit_bytes < need) {
                mg_finding_t *f = mg_report_add(
                        r, "parent-limit", MG_SEV_WARN,
                        "the parent cgroup %s caps memory at %s, below the container's heap and off-heap need of %s "
                        "(heap %s + off-heap %s)%s",
                        anc->path, FMT(anc->limit_bytes, a), FMT(need, b), FMT(heap, d), FMT(offheap, e),
                        own ? "" : "; the container has no limit of its own");
                if (!f)
                        return;
                mg_finding_fix(f,
                               "raise the parent's limit to at least %s (%s%s/%s) or lower the heap so that heap "
                               "and off-heap fit under %s",
                               FMT(need, b), cg->mount, anc->path, file, FMT(anc->limit_bytes, a));
                mg_ev_str(f, "reason", "below-heap-need");
                mg_ev_str(f, "ancestor", anc->path);
                mg_ev_u64(f, "ancestor_limit_bytes", anc->limit_bytes);
                mg_ev_u64(f, "container_limit_bytes", own);
                mg_ev_u64(f, "heap_bytes", heap);
                mg_ev_u64(f, "offheap_bytes", offheap);
                mg_ev_u64(f, "need_bytes", need);
                mg_ev_str(f, "hierarchy", cg->mount);
                mg_ev_i64(f, "cgroup_version", cg->version);
        }
}

/* ---- numa-node-low ------------------------------------------------------------------------- */

/* "node 0: 180 MiB free, 410 MiB available of 32.0 GiB; " for each node matching want. */
static void describe_nodes(const mg_host_t *h, const allowed_t *a, bool inside, bool only_low, char *buf, size_t n) {
        size_t o = 0;
        buf[0] = '\0';
        for (size_t i = 0; i < h->nnodes && o + 1 < n; i++) {
                const mg_node_t *nd = &h->nodes[i];
                char x[32], y[32], z[32];
                if (node_allowed(a, nd->id) != inside || (only_low && mg_node_available_kb(nd) >= node_low_kb(nd)))
                        continue;
                int w = snprintf(buf + o, n - o, "%snode %d: %s free, %s available of %s", o ? "; " : "", nd->id,
                                 FMT(nd->mem_free_kb * 1024, x), FMT(mg_node_available_kb(nd) * 1024, y),
                                 FMT(nd->mem_total_kb * 1024, z));
                if (w < 0)
                        break;
                o += (size_t)w < n - o ? (size_t)w : n - o - 1;
        }
}

static void node_ids(const mg_host_t *h, const allowed_t *a, bool inside, bool only_low, char *buf, size_t n) {
        size_t o = 0;
        buf[0] = '\0';
        for (size_t i = 0; i < h->nnodes && o + 1 < n; i++) {
                const mg_node_t *nd = &h->nodes[i];
                if (node_allowed(a, nd->id) != inside || (only_low && mg_node_available_kb(nd) >= node_low_kb(nd)))
                        continue;
                int w = snprintf(buf + o, n - o, "%s%d", o ? "," : "", nd->id);
                if (w < 0)
                        break;
                o += (size_t)w < n - o ? (size_t)w : n - o - 1;
        }
}

static void check_numa(const mg_input_t *in, const allowed_t *a, mg_report_t *r) {
        const mg_host_t *h = in->host;
        uint64_t in_avail = 0, in_low = 0, in_free = 0, need_kb = 0;
        size_t n_in = 0, n_out_ok = 0, n_low = 0;
        char ids[128], others[128], desc[300], odesc[200], x[32], y[32];

        if (h->nnodes < 2)
                return; /* one node: a shortage is the host's, judged by memavailable-zero */
        if (in->container && !a->restricted)
                return; /* the container may allocate on every node */

        for (size_t i = 0; i < h->nnodes; i++) {
                const mg_node_t *nd = &h->nodes[i];
                uint64_t av = mg_node_available_kb(nd), lo = node_low_kb(nd);
                if (av < lo)
                        n_low++;
                if (node_allowed(a, nd->id)) {
                        n_in++;
                        in_avail = mg_sat_add(in_avail, av);
                        in_free = mg_sat_add(in_free, nd->mem_free_kb);
                        in_low = mg_sat_add(in_low, lo);
                } else if (av >= lo)
                        n_out_ok++;
        }

        if (!a->restricted) {
                /* Host mode: some nodes short while others have memory; whatever is bound to the
                 * short nodes, or allocates there first, reclaims while memory sits elsewhere. */
                if (n_low == 0 || n_low == h->nnodes)
                        return;
                node_ids(h, a, true, true, ids, sizeof(ids));
                describe_nodes(h, a, true, true, desc, sizeof(desc));
                mg_finding_t *f = mg_report_add(r, "numa-node-low", MG_SEV_WARN,
                                                "NUMA node%s %s %s short of memory while other nodes have it (%s); "
                                                "processes bound to %s reclaim or are OOM-killed with memory free elsewhere",
                                                n_low > 1 ? "s" : "", ids, n_low > 1 ? "are" : "is", desc,
                                                n_low > 1 ? "them" : "it");
                if (!f)
                        return;
                mg_finding_fix(f, "find what fills the node (numastat -m; numastat -p PID), spread it with numactl "
                                  "--interleave=all or rebalance cpuset.mems");
                mg_ev_str(f, "low_nodes", ids);
                mg_ev_u64(f, "low_nodes_count", n_low);
                mg_ev_u64(f, "nodes", h->nnodes);
                return;
        }

        if (n_in == 0 || n_out_ok == 0)
                return; /* nodes the host lacks (the runtime refuses those), or nothing better elsewhere */
        if (in->effective_limit_bytes)
                need_kb = in->effective_limit_bytes / 1024;
        else if (in->container && in->container->have_limit)
                need_kb = in->container->limit_bytes / 1024;
        if (in_avail >= (need_kb > in_low ? need_kb : in_low))
                return;

        node_ids(h, a, true, false, ids, sizeof(ids));
        node_ids(h, a, false, false, others, sizeof(others));
        describe_nodes(h, a, true, false, desc, sizeof(desc));
        describe_nodes(h, a, false, false, odesc, sizeof(odesc));
        mg_finding_t *f = mg_report_add(
                r, "numa-node-low", MG_SEV_WARN,
                "the container may only allocate on NUMA node(s) %s (%s), which have %s available%s%s: %s; "
                "node(s) %s have memory: %s",
                ids, a->source, FMT(in_avail * 1024, x),
                need_kb > in_low ? ", less than its memory limit of " : " (below the low mark of 5% or 256 MiB per node)",
                need_kb > in_low ? mg_fmt_bytes(need_kb * 1024, y, sizeof(y)) : "", desc, others, odesc);
        if (!f)
                return;
        mg_finding_fix(f, "allow more nodes in linux.resources.cpu.mems (e.g. podman run --cpuset-mems=%s,%s), "
                          "or free memory on node(s) %s (numastat -m shows what holds it)",
                       ids, others, ids);
        mg_ev_str(f, "allowed_nodes", ids);
        mg_ev_str(f, "source", a->source);
        mg_ev_u64(f, "allowed_free_kb", in_free);
        mg_ev_u64(f, "allowed_available_kb", in_avail);
        mg_ev_u64(f, "allowed_low_kb", in_low);
        if (need_kb)
                mg_ev_u64(f, "limit_kb", need_kb);
        mg_ev_str(f, "other_nodes", others);
}

/* ---- fragmentation ------------------------------------------------------------------------- */

static uint64_t blocks_from(const mg_buddy_t *b, size_t order) {
        uint64_t s = 0;
        for (size_t o = order; o < b->norders && o < MG_ORDERS_MAX; o++)
                s = mg_sat_add(s, b->free[o]);
        return s;
}

/* The zone kernel allocations on a node land in first: Normal, or DMA32 on a host without one.
 * DMA32's free blocks are mostly out of a Normal request's reach (lowmem_reserve), so a node
 * with a fragmented Normal zone is fragmented whatever DMA32 holds. */
static const mg_buddy_t *primary_zone(const mg_host_t *h, int node) {
        const mg_buddy_t *dma32 = NULL;
        for (size_t i = 0; i < h->nbuddy && i < MG_ZONES_MAX; i++) {
                const mg_buddy_t *b = &h->buddy[i];
                if (b->node != node)
                        continue;
                if (strcmp(b->zone, "Normal") == 0)
                        return b;
                if (strcmp(b->zone, "DMA32") == 0)
                        dma32 = b;
        }
        return dma32;
}

/* Host mode reports every node whose first zone is fragmented; a container is warned only when
 * every node it may use is, since the page allocator falls back to the next node. */
static void check_fragmentation(const mg_input_t *in, const allowed_t *a, mg_report_t *r) {
        const mg_host_t *h = in->host;
        char zones[160];
        size_t zo = 0, nzones = 0, nok = 0;
        int seen[MG_ZONES_MAX];
        size_t nseen = 0;
        uint64_t small = 0, dma32_high = 0;

        if (!h->have_buddyinfo || h->nbuddy == 0)
                return;
        zones[0] = '\0';
        for (size_t i = 0; i < h->nbuddy && i < MG_ZONES_MAX; i++) {
                int node = h->buddy[i].node;
                bool dup = false;
                for (size_t k = 0; k < nseen; k++)
                        dup |= seen[k] == node;
                if (dup || !node_allowed(a, node))
                        continue;
                seen[nseen++] = node;

                const mg_buddy_t *b = primary_zone(h, node);
                if (!b)
                        continue;
                if (b->norders <= MG_FRAG_MIN_ORDER || blocks_from(b, MG_FRAG_MIN_ORDER) > 0) {
                        nok++; /* this node still has order-3 blocks */
                        continue;
                }
                nzones++;
                for (size_t o = 0; o < MG_FRAG_MIN_ORDER && o < b->norders; o++)
                        small = mg_sat_add(small, b->free[o]);
                if (zo + 1 < sizeof(zones)) {
                        int w = snprintf(zones + zo, sizeof(zones) - zo, "%snode %d %s", zo ? ", " : "", node, b->zone);
                        if (w > 0)
                                zo += (size_t)w < sizeof(zones) - zo ? (size_t)w : sizeof(zones) - zo - 1;
                }
                if (strcmp(b->zone, "Normal") == 0)
                        for (size_t k = 0; k < h->nbuddy && k < MG_ZONES_MAX; k++)
                                if (h->buddy[k].node == node && strcmp(h->buddy[k].zone, "DMA32") == 0)
                                        dma32_high = mg_sat_add(dma32_high, blocks_from(&h->buddy[k], MG_FRAG_MIN_ORDER));
        }
        if (nzones == 0 || (in->container && nok > 0))
                return;

        mg_finding_t *f = mg_report_add(
                r, "fragmentation", MG_SEV_WARN,
                "free memory is fragmented: %s %s no free blocks of order %d or higher (%" PRIu64
                " kB contiguous), only %" PRIu64 " smaller blocks; kernel stacks, network buffers and many drivers "
                "need them, so allocations stall in direct compaction or fail%s",
                zones, nzones > 1 ? "have" : "has", MG_FRAG_MIN_ORDER, (h->page_kb ? h->page_kb : 4) << MG_FRAG_MIN_ORDER,
                small, dma32_high ? " (DMA32's blocks are held back from Normal allocations by lowmem_reserve)" : "");
        if (!f)
                return;
        mg_finding_fix(f, "echo 1 > /proc/sys/vm/compact_memory (and consider sysctl -w vm.compaction_proactiveness=20 "
                          "to keep compacting)");
        mg_ev_str(f, "zones", zones);
        mg_ev_u64(f, "min_order", MG_FRAG_MIN_ORDER);
        mg_ev_u64(f, "high_order_blocks", 0);
        mg_ev_u64(f, "low_order_blocks", small);
        mg_ev_u64(f, "dma32_high_order_blocks", dma32_high);
        mg_ev_u64(f, "nodes_with_high_order_blocks", nok);
        if (a->restricted)
                mg_ev_str(f, "source", a->source);
}

/* ---- slab-unreclaimable -------------------------------------------------------------------- */

static void check_slab(const mg_input_t *in, mg_report_t *r) {
        const mg_meminfo_t *mi = &in->host->meminfo;
        uint64_t total, sun;
        char a[32], b[32];

        if (mg_meminfo_get(mi, "MemTotal", &total) < 0 || mg_meminfo_get(mi, "SUnreclaim", &sun) < 0 || total == 0)
                return;
        /* sun / total > 10%, without overflow: both are kB and far below 2^57. */
        if (mg_sat_mul(sun, 100) <= mg_sat_mul(total, MG_SLAB_PERCENT))
                return;
        double pct = (double)sun * 100.0 / (double)total;
        mg_finding_t *f = mg_report_add(r, "slab-unreclaimable", MG_SEV_WARN,
                                        "unreclaimable kernel slab (SUnreclaim) is %s, %.1f%% of MemTotal %s: the "
                                        "kernel cannot give it back under pressure; this much usually means a leak "
                                        "in the kernel, a driver or a module",
                                        FMT(sun * 1024, a), pct, FMT(total * 1024, b));
        if (!f)
                return;
        mg_finding_fix(f, "find the growing cache: slabtop -o -s c | head -20 (or sort /proc/slabinfo by "
                          "num_objs x objsize); the fix is usually a kernel or driver update, a reboot frees it");
        mg_ev_u64(f, "sunreclaim_kb", sun);
        mg_ev_u64(f, "memtotal_kb", total);
        mg_ev_u64(f, "threshold_percent", MG_SLAB_PERCENT);
}

void mg_check_picture(const mg_input_t *in, mg_report_t *r) {
        allowed_t a;

        if (!in || !in->host || !r)
                return;
        allowed_nodes(in, &a);
        if (in->container && in->cgroup)
                check_parent_limit(in, r);
        check_numa(in, &a, r);
        check_fragmentation(in, &a, r);
        check_slab(in, r);
}

/* ---- memgate host: the per-node table ------------------------------------------------------ */

static int highest_order(const mg_buddy_t *b) {
        for (size_t o = b->norders < MG_ORDERS_MAX ? b->norders : MG_ORDERS_MAX; o-- > 0;)
                if (b->free[o])
                        return (int)o;
        return -1;
}

void mg_picture_text(const mg_host_t *h, mg_buf_t *out) {
        int ids[MG_NODES_MAX + MG_ZONES_MAX];
        size_t nids = 0;
        char a[32], b[32], c[32];
        uint64_t total = 0, sun = 0;

        for (size_t i = 0; i < h->nnodes && i < MG_NODES_MAX; i++)
                ids[nids++] = h->nodes[i].id;
        for (size_t i = 0; i < h->nbuddy && i < MG_ZONES_MAX; i++) {
                bool dup = false;
                for (size_t k = 0; k < nids; k++)
                        dup |= ids[k] == h->buddy[i].node;
                if (!dup)
                        ids[nids++] = h->buddy[i].node;
        }
        if (nids == 0)
                return;

        mg_buf_printf(out, "NUMA nodes\n");
        mg_buf_printf(out, "  %-5s %11s %11s %6s %11s  %s\n", "node", "total", "free", "free%", "available",
                      "highest free order per zone");
        for (size_t k = 0; k < nids; k++) {
                const mg_node_t *nd = NULL;
                for (size_t i = 0; i < h->nnodes && i < MG_NODES_MAX; i++)
                        if (h->nodes[i].id == ids[k])
                                nd = &h->nodes[i];
                if (nd) {
                        char pct[16];
                        if (nd->mem_total_kb)
                                snprintf(pct, sizeof(pct), "%.1f%%",
                                         (double)nd->mem_free_kb * 100.0 / (double)nd->mem_total_kb);
                        else
                                snprintf(pct, sizeof(pct), "-");
                        mg_buf_printf(out, "  %-5d %11s %11s %6s %11s ", ids[k], FMT(nd->mem_total_kb * 1024, a),
                                      FMT(nd->mem_free_kb * 1024, b), pct, FMT(mg_node_available_kb(nd) * 1024, c));
                } else
                        mg_buf_printf(out, "  %-5d %11s %11s %6s %11s ", ids[k], "-", "-", "-", "-");
                bool any = false;
                for (size_t i = 0; i < h->nbuddy && i < MG_ZONES_MAX; i++) {
                        const mg_buddy_t *bd = &h->buddy[i];
                        if (bd->node != ids[k])
                                continue;
                        int ho = highest_order(bd);
                        if (ho < 0)
                                mg_buf_printf(out, " %s:none", bd->zone);
                        else
                                mg_buf_printf(out, " %s:%d", bd->zone, ho);
                        any = true;
                }
                mg_buf_printf(out, "%s\n", any ? "" : " -");
        }
        if (mg_meminfo_get(&h->meminfo, "MemTotal", &total) == 0 && mg_meminfo_get(&h->meminfo, "SUnreclaim", &sun) == 0 &&
            total > 0)
                mg_buf_printf(out, "  unreclaimable slab: %s (%.1f%% of MemTotal; warned above %d%%)\n",
                              FMT(sun * 1024, a), (double)sun * 100.0 / (double)total, MG_SLAB_PERCENT);
}
