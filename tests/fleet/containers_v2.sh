#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The cgroup v2 side of the running-containers list, on a --sysfs tree (this host's memory
# controller is on v1): the direct walk, memory.current/memory.max/memory.events, effective limits
# from ancestors, the systemd forms of Docker, containerd (CRI), CRI-O and kubepods, and a symlink
# in the tree that must not be followed. tests/fixtures/cgroup/README.md describes the tree.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
need_cmd python3
MG=${MEMGATE_BIN:?}
FIX=${MEMGATE_FIXTURES:?}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

"$MG" host --procfs "$FIX/procfs/host-4g-default/proc" --sysfs "$FIX/cgroup/v2-running/sys" --format json \
        > "$WORK/host.json" || [ $? -eq 1 ]
python3 - "$WORK/host.json" "$FIX/cgroup/v2-running/sys/fs/cgroup" <<'PY'
import json, sys
rc = json.load(open(sys.argv[1]))["running_containers"]
root = sys.argv[2]
assert rc["cgroup_version"] == 2 and rc["backend"] == "sysfs", rc
# 11 directories; following kubepods.slice/link-to-root would walk the whole filesystem.
assert rc["cgroups_walked"] == 11, rc["cgroups_walked"]
assert rc["containers"] == 5 and rc["near_limit"] == 3, rc
near = {c["cgroup"]: c for c in rc["near"]}

def kernel(cg):  # the figures as the files say, for the comparison
    d = root + cg
    cur = int(open(d + "/memory.current").read())
    st = dict(l.split() for l in open(d + "/memory.stat"))
    ev = dict(l.split() for l in open(d + "/memory.events"))
    return cur - int(st["inactive_file"]), int(ev["oom_kill"])

for cg, c in near.items():
    ws, kills = kernel(cg)
    assert c["working_set_bytes"] == ws and c["oom_kills"] == kills, (cg, c, ws, kills)
    assert c["working_set_bytes"] * 100 > 90 * c["limit_bytes"], c

d = [c for c in near.values() if c.get("engine") == "docker"]
assert len(d) == 1 and d[0]["container_id"] == "3f" * 32 and d[0]["own_limit"] and d[0]["oom_kills"] == 2, d
k = [c for c in near.values() if c.get("engine") == "containerd"]
assert len(k) == 1 and k[0]["pod_uid"] == "8c6f3e0a-1b2c-4d5e-9f80-a1b2c3d4e5f6" and k[0]["qos"] == "burstable", k
assert k[0]["limit_bytes"] == 536870912 and not k[0]["own_limit"], k  # kubepods-burstable.slice's
assert not [c for c in near.values() if c.get("engine") == "cri-o"], "the CRI-O container at 28% was listed"
assert not [c for c in near if "cron.service" in c], "a service cgroup was listed as a container"
print("PASS: v2 tree: %d walked, %d containers, %d near their limit" % (rc["cgroups_walked"], rc["containers"], rc["near_limit"]))
PY
