/* SPDX-License-Identifier: Apache-2.0 */
/* `memgate host`: the per-node table (total, free, free %, available, highest free order per zone). */
#include "memgate/outputs/host_text.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "memgate/checks/cgroup_owner.h"
#include "memgate/checks/thresholds.h"
#include "memgate/inputs/nodemask.h"
#include "memgate/models/kernel.h"
#include "memgate/util/cleanup.h"
#include "memgate/util/number.h"

#define FMT(v, buf) mg_fmt_bytes((v), (buf), sizeof(buf))
#define FMT_KB(kb, buf) mg_fmt_kb((kb), (buf), sizeof(buf))

int mg_buddy_highest_order(const mg_buddy_t *b) {
        for (size_t o = b->norders < MG_ORDERS_MAX ? b->norders : MG_ORDERS_MAX; o-- > 0;)
                if (b->free[o])
                        return (int)o;
        return -1;
}

void mg_host_nodes_text(const mg_host_t *h, mg_buf_t *out) {
        /* The nodes with a meminfo file, then those only buddyinfo names, each once. */
        _cleanup_free_ int *ids = malloc((h->nnodes + h->nbuddy + 1) * sizeof(int));
        mg_nodemask_t seen = {0};
        size_t nids = 0;
        char a[32], b[32], c[32];
        uint64_t total = 0, sun = 0;

        if (!ids) {
                mg_buf_printf(out, "NUMA nodes: out of memory\n");
                return;
        }
        for (size_t i = 0; i < h->nnodes; i++)
                if (!mg_nodemask_test(&seen, h->nodes[i].id)) {
                        mg_nodemask_set(&seen, h->nodes[i].id);
                        ids[nids++] = h->nodes[i].id;
                }
        for (size_t i = 0; i < h->nbuddy; i++)
                if (!mg_nodemask_test(&seen, h->buddy[i].node)) {
                        mg_nodemask_set(&seen, h->buddy[i].node);
                        ids[nids++] = h->buddy[i].node;
                }
        if (nids == 0)
                return;

        mg_buf_printf(out, "NUMA nodes\n");
        mg_buf_printf(out, "  %-5s %11s %11s %6s %11s  %s\n", "node", "total", "free", "free%", "available",
                      "highest free order per zone");
        for (size_t k = 0; k < nids; k++) {
                const mg_node_t *nd = NULL;
                for (size_t i = 0; i < h->nnodes; i++)
                        if (h->nodes[i].id == ids[k])
                                nd = &h->nodes[i];
                if (nd) {
                        char pct[16];
                        if (nd->mem_total_kb)
                                snprintf(pct, sizeof(pct), "%.1f%%",
                                         (double)nd->mem_free_kb * 100.0 / (double)nd->mem_total_kb);
                        else
                                snprintf(pct, sizeof(pct), "-");
                        mg_buf_printf(out, "  %-5d %11s %11s %6s %11s ", ids[k], FMT_KB(nd->mem_total_kb, a),
                                      FMT_KB(nd->mem_free_kb, b), pct, FMT_KB(mg_node_available_kb(nd), c));
                } else
                        mg_buf_printf(out, "  %-5d %11s %11s %6s %11s ", ids[k], "-", "-", "-", "-");
                bool any = false;
                for (size_t i = 0; i < h->nbuddy; i++) {
                        const mg_buddy_t *bd = &h->buddy[i];
                        if (bd->node != ids[k])
                                continue;
                        int ho = mg_buddy_highest_order(bd);
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
                              FMT_KB(sun, a), (double)sun * 100.0 / (double)total, MG_SLAB_PERCENT);
}

void mg_host_containers_text(const mg_containers_t *c, const char *error, mg_buf_t *out) {
        char a[32], b[32];
        if (!c) {
                if (error)
                        mg_buf_printf(out, "Running containers: not listed: %s\n", error);
                return;
        }
        mg_buf_printf(out, "Running containers: %zu memory cgroup%s of containers and pods (cgroup v%d, %s), %zu "
                           "with a working set above %u%% of the effective limit\n",
                      c->matched, c->matched == 1 ? "" : "s", c->version, c->mount, c->near, c->share_percent);
        if (!c->nkept)
                return;
        mg_buf_printf(out, "  %11s %11s %6s %9s  %s\n", "working set", "limit", "used", "oom kills", "container, cgroup");
        for (size_t i = 0; i < c->nkept; i++) {
                const mg_cg_usage_t *u = &c->kept[i];
                mg_cg_owner_t ow;
                char who[128], pct[16], kills[24];
                mg_cg_owner_decode(u->path, &ow);
                mg_cg_owner_describe(&ow, who, sizeof(who));
                snprintf(pct, sizeof(pct), "%.1f%%", (double)u->working_set_bytes * 100.0 / (double)u->limit_bytes);
                if (u->have_oom_kills)
                        snprintf(kills, sizeof(kills), "%" PRIu64, u->oom_kills);
                else
                        snprintf(kills, sizeof(kills), "-");
                mg_buf_printf(out, "  %11s %11s %6s %9s  %s%s\n  %41s %s\n",
                              mg_fmt_bytes(u->working_set_bytes, a, sizeof(a)), mg_fmt_bytes(u->limit_bytes, b, sizeof(b)),
                              pct, kills, who[0] ? who : "-", u->own_limit ? "" : " (an ancestor's limit)", "", u->path);
        }
        if (c->near > c->nkept)
                mg_buf_printf(out, "  (%zu more not shown: memgate keeps %d)\n", c->near - c->nkept, MG_CONTAINERS_KEPT_MAX);
        if (c->cut)
                mg_buf_printf(out, "  (the walk stopped after %d cgroups)\n", MG_CONTAINERS_WALK_MAX);
}
