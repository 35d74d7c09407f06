/* SPDX-License-Identifier: Apache-2.0 */
/* fragmentation: the zone kernel allocations use first has no free blocks of order 3 or more. */
#include "fragmentation.h"

#include "memgate/inputs/nodemask.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "memgate/util/buf.h"
#include "memgate/util/number.h"

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
        for (size_t i = 0; i < h->nbuddy; i++) {
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
void mg_check_fragmentation(const mg_input_t *in, const mg_allowed_t *a, mg_report_t *r) {
        const mg_host_t *h = in->host;
        char zones[160];
        size_t zo = 0, nzones = 0, nok = 0;
        mg_nodemask_t seen = {0};
        uint64_t small = 0, dma32_high = 0;

        if (!h->have_buddyinfo || h->nbuddy == 0)
                return;
        zones[0] = '\0';
        for (size_t i = 0; i < h->nbuddy; i++) {
                int node = h->buddy[i].node;
                if (mg_nodemask_test(&seen, node) || !mg_node_allowed(a, node))
                        continue;
                mg_nodemask_set(&seen, node);

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
                        for (size_t k = 0; k < h->nbuddy; k++)
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

