/* SPDX-License-Identifier: Apache-2.0 */
/* `memgate host`: the per-node table (total, free, free %, available, highest free order per zone). */
#include "memgate/outputs/host_text.h"

#include <inttypes.h>
#include <stdio.h>

#include "memgate/checks/thresholds.h"
#include "memgate/models/kernel.h"
#include "memgate/util/number.h"

#define FMT(v, buf) mg_fmt_bytes((v), (buf), sizeof(buf))

static int highest_order(const mg_buddy_t *b) {
        for (size_t o = b->norders < MG_ORDERS_MAX ? b->norders : MG_ORDERS_MAX; o-- > 0;)
                if (b->free[o])
                        return (int)o;
        return -1;
}

void mg_host_nodes_text(const mg_host_t *h, mg_buf_t *out) {
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
