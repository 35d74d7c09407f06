#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes a --procfs/--sysfs tree of a 192-CPU, 8-node host (64 GiB a node) into DIR, for the
zoneinfo scaling figure of tests/bench/bench.py:   gen-big-host.py DIR

/proc/zoneinfo grows with CPUs x populated zones: the kernel prints a "pagesets" block for every
possible CPU in every populated zone. Lines follow the 6.18 capture in
tests/fixtures/peer/procfs/vm-6.18-24g-default/proc/zoneinfo (per-node stats in the node's first
populated zone, high_min/high_max lines, promo watermark). The watermarks, protection, meminfo
and node files come from tests/fixtures/procfs/gen-4g.py's kernel arithmetic."""
import importlib.util
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location(
    "gen4g", os.path.join(HERE, "..", "fixtures", "procfs", "gen-4g.py"))
g = importlib.util.module_from_spec(spec)
spec.loader.exec_module(g)

CPUS, NODES, NODE_PAGES = 192, 8, 64 * 262144  # 64 GiB of 4 KiB pages a node

NODE_STATS = ["nr_inactive_anon", "nr_active_anon", "nr_inactive_file", "nr_active_file", "nr_unevictable",
              "nr_slab_reclaimable", "nr_slab_unreclaimable", "nr_isolated_anon", "nr_isolated_file",
              "workingset_nodes", "workingset_refault_anon", "workingset_refault_file", "nr_anon_pages",
              "nr_mapped", "nr_file_pages", "nr_dirty", "nr_writeback", "nr_shmem", "nr_kernel_stack",
              "nr_page_table_pages", "nr_swapcached", "nr_hugetlb"]
ZONE_STATS = ["nr_zone_inactive_anon", "nr_zone_active_anon", "nr_zone_inactive_file", "nr_zone_active_file",
              "nr_zone_unevictable", "nr_zone_write_pending", "nr_mlock", "nr_zspages", "nr_free_cma",
              "numa_hit", "numa_miss", "numa_foreign", "numa_interleave", "numa_local", "numa_other"]


def zoneinfo(h):
    out, seen = [], set()
    for nid, zn, z in h.zones:
        out.append(f"Node {nid}, zone {zn:>8}")
        if z["managed"] and nid not in seen:
            seen.add(nid)
            out.append("  per-node stats")
            out += [f"      {k:<12} {1000 + i}" for i, k in enumerate(NODE_STATS)]
        out += [f"  pages free     {z['free']}", f"        boost    {z['boost']}", f"        min      {z['min']}",
                f"        low      {z['low']}", f"        high     {z['high']}",
                f"        promo    {z['high'] + z['high'] - z['low']}", f"        spanned  {z['spanned']}",
                f"        present  {z['present']}", f"        managed  {z['managed']}", "        cma      0",
                "        protection: (" + ", ".join(str(p) for p in z["protection"]) + ")"]
        if not z["managed"]:
            continue
        out += [f"      nr_free_pages {z['free']}", f"      nr_free_pages_blocks {z['free'] // 1024 * 1024}"]
        out += [f"      {k:<12} 0" for k in ZONE_STATS]
        out.append("  pagesets")
        for cpu in range(CPUS):
            out += [f"    cpu: {cpu}", f"              count:    {cpu * 37 % 2000}", "              high:     2686",
                    "              batch:    63", "              high_min: 2686", "              high_max: 48300",
                    "  vm stats threshold: 72"]
        out += ["  node_unreclaimable:  0", f"  start_pfn:           {nid * NODE_PAGES + 1}"]
    return "\n".join(out) + "\n"


def main():
    root = sys.argv[1]
    nodes = {0: {"DMA": (3840, 3998, 4095, 3800), "DMA32": (742000, 782300, 1044480, 700000),
                 "Normal": (NODE_PAGES - 786432 - 40000, NODE_PAGES - 786432, NODE_PAGES - 786432, 12000000)}}
    for nid in range(1, NODES):
        nodes[nid] = {"Normal": (NODE_PAGES - 40000, NODE_PAGES, NODE_PAGES, 13000000)}
    h = g.Host("big-192cpu-8node", "6.18.0", nodes, min_free_kbytes=2097152)
    m = {"Buffers": 204800, "Cached": 22000000, "Active(anon)": 98000000, "Inactive(anon)": 64000000,
         "Active(file)": 12000000, "Inactive(file)": 9500000, "AnonPages": 161500000, "Shmem": 500000,
         "SReclaimable": 1800000, "SUnreclaim": 1200000, "Committed_AS": 185000000, "DirectMap2M": 335462400}
    per = {nid: {"Active(file)": 1500000, "Inactive(file)": 1187500, "FilePages": 2750000, "Shmem": 62500,
                 "SReclaimable": 225000, "SUnreclaim": 150000} for nid in nodes}
    proc, sys_ = os.path.join(root, "proc"), os.path.join(root, "sys")
    g.write(proc, "meminfo", g.meminfo_text(h, m))
    g.write(proc, "zoneinfo", zoneinfo(h))
    g.write(proc, "buddyinfo", g.buddyinfo_text(h, {}))
    vm = {"min_free_kbytes": h.min_free_kbytes, "watermark_scale_factor": h.wsf, "overcommit_memory": 0,
          "overcommit_ratio": 50, "overcommit_kbytes": 0, "admin_reserve_kbytes": 8192,
          "user_reserve_kbytes": 131072, "nr_hugepages": 0, "watermark_boost_factor": 15000}
    for k, v in vm.items():
        g.write(proc, f"sys/vm/{k}", f"{v}\n")
    g.write(proc, "sys/vm/lowmem_reserve_ratio", "\t".join(str(r) for r in g.LOWMEM_RESERVE_RATIO) + "\n")
    g.write(proc, "sys/kernel/osrelease", h.release + "\n")
    g.write(sys_, "devices/system/node/online", f"0-{NODES - 1}\n")
    for nid in nodes:
        g.write(sys_, f"devices/system/node/node{nid}/meminfo", g.node_meminfo_text(nid, g.node_rows(h, nid, per[nid])))


if __name__ == "__main__":
    main()
