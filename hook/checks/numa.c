/* SPDX-License-Identifier: Apache-2.0 */
/* numa-node-low: the nodes a container may use are short while other nodes have memory. */
#define _GNU_SOURCE
#include "numa.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "memgate/util/buf.h"
#include "memgate/util/number.h"

#include "memgate/models/kernel.h"

#define FMT(v, buf) mg_fmt_bytes((v), (buf), sizeof(buf))
#define FMT_KB(kb, buf) mg_fmt_kb((kb), (buf), sizeof(buf))

/* ---- numa-node-low ------------------------------------------------------------------------- */

/* "node 0: 180 MiB free, 410 MiB available of 32.0 GiB; " for each node matching want. */
static void describe_nodes(const mg_host_t *h, const mg_allowed_t *a, bool inside, bool only_low, char *buf, size_t n) {
        size_t o = 0;
        buf[0] = '\0';
        for (size_t i = 0; i < h->nnodes && o + 1 < n; i++) {
                const mg_node_t *nd = &h->nodes[i];
                char x[32], y[32], z[32];
                if (mg_node_allowed(a, nd->id) != inside || (only_low && mg_node_available_kb(nd) >= mg_node_low_kb(nd)))
                        continue;
                int w = snprintf(buf + o, n - o, "%snode %d: %s free, %s available of %s", o ? "; " : "", nd->id,
                                 FMT_KB(nd->mem_free_kb, x), FMT_KB(mg_node_available_kb(nd), y),
                                 FMT_KB(nd->mem_total_kb, z));
                if (w < 0)
                        break;
                o += (size_t)w < n - o ? (size_t)w : n - o - 1;
        }
}

static void node_ids(const mg_host_t *h, const mg_allowed_t *a, bool inside, bool only_low, char *buf, size_t n) {
        size_t o = 0;
        buf[0] = '\0';
        for (size_t i = 0; i < h->nnodes && o + 1 < n; i++) {
                const mg_node_t *nd = &h->nodes[i];
                if (mg_node_allowed(a, nd->id) != inside || (only_low && mg_node_available_kb(nd) >= mg_node_low_kb(nd)))
                        continue;
                int w = snprintf(buf + o, n - o, "%s%d", o ? "," : "", nd->id);
                if (w < 0)
                        break;
                o += (size_t)w < n - o ? (size_t)w : n - o - 1;
        }
}

void mg_check_numa(const mg_input_t *in, const mg_allowed_t *a, mg_report_t *r) {
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
                uint64_t av = mg_node_available_kb(nd), lo = mg_node_low_kb(nd);
                if (av < lo)
                        n_low++;
                if (mg_node_allowed(a, nd->id)) {
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
                ids, a->source, FMT_KB(in_avail, x),
                need_kb > in_low ? ", less than its memory limit of " : " (below the low mark of 5% or 256 MiB per node)",
                need_kb > in_low ? mg_fmt_kb(need_kb, y, sizeof(y)) : "", desc, others, odesc);
        if (!f)
                return;
        /* docker and podman take --cpuset-mems; ctr and a pod spec have no such flag. */
        mg_cengine_t e = in->conf ? in->conf->engine : MG_CENGINE_UNKNOWN;
        const char *cli = e == MG_CENGINE_DOCKER ? "docker" : e == MG_CENGINE_PODMAN || e == MG_CENGINE_UNKNOWN ? "podman"
                                                                                                                 : NULL;
        if (cli)
                mg_finding_fix(f, "allow more nodes in linux.resources.cpu.mems (e.g. %s run --cpuset-mems=%s,%s), "
                                  "or free memory on node(s) %s (numastat -m shows what holds it)",
                               cli, ids, others, ids);
        else
                mg_finding_fix(f, "allow more nodes in linux.resources.cpu.mems (nodes %s,%s), or free memory on "
                                  "node(s) %s (numastat -m shows what holds it)",
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

