#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# `memgate host --format prometheus` on this host and on the fixture hosts: promtool check metrics
# passes (HELP, TYPE, names, base units), and the figures are the kernel's: compared with the
# fixture's own /proc/meminfo and with the JSON report of the same tree, findings included.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
need_cmd promtool
need_cmd python3
MG=${MEMGATE_BIN:?}
FIX=${MEMGATE_FIXTURES:?}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

run() { # NAME ARGS...: writes NAME.prom and NAME.json; exit 0 or 1 (a verdict) is fine
        local name=$1
        shift
        "$MG" host "$@" --format prometheus > "$WORK/$name.prom" || [ $? -eq 1 ] || fail "$name: memgate failed"
        "$MG" host "$@" --format json > "$WORK/$name.json" || [ $? -eq 1 ] || fail "$name: memgate failed"
        promtool check metrics < "$WORK/$name.prom" || fail "$name: promtool check metrics"
}
run live
for t in host-4g-default host-4g-minfree-2g host-4g-overcommit2-exhausted host-2node-node1-low host-8g-slab-unreclaim \
        host-4g-minfree-2g-nozoneinfo; do
        run "$t" --procfs "$FIX/procfs/$t/proc" --sysfs "$FIX/procfs/$t/sys"
done
# The v2 tree's containers, which carry label values with dashes, underscores and dots.
run v2-running --procfs "$FIX/procfs/host-4g-default/proc" --sysfs "$FIX/cgroup/v2-running/sys"

python3 - "$WORK" "$FIX" <<'PY'
import json, math, os, re, sys
work, fix = sys.argv[1:]

def prom(name):
    out = {}
    for line in open(os.path.join(work, name + ".prom")):
        if line.startswith("#") or not line.strip():
            continue
        series, value = line.rsplit(" ", 1)
        out[series] = float(value)
    return out

def meminfo(tree):
    out = {}
    for line in open(os.path.join(fix, "procfs", tree, "proc/meminfo")):
        k, v = line.split(":")
        out[k] = int(v.split()[0])
    return out

for tree in ["host-4g-default", "host-4g-minfree-2g", "host-4g-overcommit2-exhausted", "host-2node-node1-low",
             "host-8g-slab-unreclaim"]:
    p, mi, js = prom(tree), meminfo(tree), json.load(open(os.path.join(work, tree + ".json")))
    m = js["host"]["model"]
    assert p["memgate_kernel_memavailable_bytes"] == mi["MemAvailable"] * 1024, tree
    assert p["memgate_memtotal_bytes"] == mi["MemTotal"] * 1024, tree
    assert p["memgate_commit_limit_bytes"] == mi["CommitLimit"] * 1024, tree
    assert p["memgate_committed_bytes"] == mi["Committed_AS"] * 1024, tree
    assert p["memgate_slab_unreclaimable_bytes"] == mi["SUnreclaim"] * 1024, tree
    assert p["memgate_watermark_reserve_bytes"] == m["totalreserve_kb"] * 1024, tree
    assert p["memgate_model_memavailable_bytes"] == m["memavailable_kb"] * 1024, tree
    # Every finding of the JSON report is a series, and nothing else is.
    fs = {(f["code"], f["severity"]) for f in js["findings"]}
    ps = {tuple(re.match(r'memgate_finding\{code="([^"]*)",severity="([^"]*)"\}', k).groups())
          for k in p if k.startswith("memgate_finding{")}
    assert fs == ps, (tree, fs, ps)
    assert p['memgate_verdict{verdict="%s"}' % js["verdict"]] == 1, tree
    assert sum(v for k, v in p.items() if k.startswith("memgate_verdict{")) == 1, tree
    nodes = {k for k in p if k.startswith("memgate_node_free_bytes{")}
    assert len(nodes) == len(js["host"].get("nodes", [])), tree

# The incident host: MemAvailable 0 refused, the reserve far above the kernel default's.
p = prom("host-4g-minfree-2g")
assert p['memgate_finding{code="memavailable-zero",severity="refuse"}'] == 1
assert p["memgate_kernel_memavailable_bytes"] == 0
assert p["memgate_watermark_reserve_bytes"] > 10 * p["memgate_default_watermark_reserve_bytes"]
# Mode 2, 24 MiB short of CommitLimit: less than one start's commit, so no start left.
p = prom("host-4g-overcommit2-exhausted")
mi = meminfo("host-4g-overcommit2-exhausted")
assert p["memgate_overcommit_mode"] == 2
assert p["memgate_commit_headroom_bytes"] < p["memgate_container_start_commit_bytes"]
assert p["memgate_container_starts_remaining"] == 0
assert p['memgate_finding{code="commit-exhausted",severity="refuse"}'] == 1
# Mode 0 since 5.2 judges each request alone.
assert math.isinf(prom("host-4g-default")["memgate_container_starts_remaining"])
# Without zoneinfo the model's figures are left out, never written as 0.
p = prom("host-4g-minfree-2g-nozoneinfo")
assert "memgate_model_memavailable_bytes" not in p and "memgate_watermark_reserve_bytes" not in p
assert "memgate_kernel_memavailable_bytes" in p
# The running containers of the v2 tree.
p = prom("v2-running")
assert p["memgate_containers"] == 5 and p["memgate_containers_near_limit"] == 3
kills = {k: v for k, v in p.items() if k.startswith("memgate_container_oom_kills{")}
assert len(kills) == 3 and sorted(kills.values()) == [0, 0, 2], kills
# On this host the live figures are there at all.
p = prom("live")
for k in ["memgate_memtotal_bytes", "memgate_kernel_memavailable_bytes", "memgate_commit_limit_bytes",
          "memgate_containers_listed"]:
    assert k in p, k
print("PASS: metrics pass promtool and match the kernel's figures")
PY

# memgate explain's counts by class, on every kernel log fixture: promtool passes, and each class's
# gauge equals the JSON report's count for the same log.
for f in "$FIX"/kernlog/*; do
        case "$f" in *README*) continue ;; esac
        n=$(basename "$f")
        "$MG" explain --file "$f" --format prometheus > "$WORK/x-$n.prom" || [ $? -eq 1 ] || fail "$n: explain failed"
        "$MG" explain --file "$f" --format json > "$WORK/x-$n.json" || [ $? -eq 1 ] || fail "$n: explain failed"
        promtool check metrics < "$WORK/x-$n.prom" || fail "$n: promtool check metrics"
done
python3 - "$WORK" <<'PY'
import glob, json, os, sys
work = sys.argv[1]
seen = 0
for pf in glob.glob(os.path.join(work, "x-*.prom")):
    counts = json.load(open(pf[:-5] + ".json"))["counts"]
    prom = {}
    for line in open(pf):
        if line.startswith("memgate_kernel_memory_events{"):
            cls = line.split('class="', 1)[1].split('"', 1)[0]
            prom[cls] = int(float(line.rsplit(" ", 1)[1]))
    assert prom == counts, (pf, prom, counts)
    seen += sum(counts.values())
assert seen > 20, seen
print("PASS: memgate explain's counts as metrics (%d events) equal its JSON counts" % seen)
PY
