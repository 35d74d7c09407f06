#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Real v1 memory cgroups near their limits, listed by `memgate host` (text, JSON, prometheus)
# through the libcgroup walk of the live host. Every cgroup and process is removed on exit, also
# on failure.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
need_root "it creates memory cgroups"
need_cmd python3
MG=${MEMGATE_BIN:?}
V1=/sys/fs/cgroup/memory
[ -f "$V1/memory.limit_in_bytes" ] || skip "no cgroup v1 memory hierarchy at $V1"

TOP="$V1/memgate-fleet-$$"
WORK=$(mktemp -d)
PIDS=()
cleanup() {
        for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
        for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
        # Deepest first; a cgroup empties once its processes are reaped.
        if [ -d "$TOP" ]; then
                find "$TOP" -depth -type d -exec rmdir {} \; 2>/dev/null || sleep 1
                find "$TOP" -depth -type d -exec rmdir {} \; 2>/dev/null || true
        fi
        rm -rf "$WORK"
        [ ! -d "$TOP" ] || echo "warning: $TOP could not be removed" >&2
}
trap cleanup EXIT

hex() { python3 -c "import sys; print((sys.argv[1] * 64)[:64])" "$1"; }
DOCKER_ID=$(hex 0123456789abcdef)
KUBE_ID=$(hex fedcba9876543210)
LOW_ID=$(hex 0a0b0c0d)
OOM_ID=$(hex 1d2e3f40)
POD_UID=11112222-3333-4444-5555-666677778888

MB=$((1 << 20))
PODMAN_ID=$(hex 5eed5eed)
mkdir -p "$TOP/docker/$DOCKER_ID" "$TOP/docker/$LOW_ID" "$TOP/docker/$OOM_ID" "$TOP/libpod-$PODMAN_ID.scope/container" \
        "$TOP/kubepods/burstable/pod$POD_UID/$KUBE_ID" "$TOP/plain"
echo $((64 * MB)) > "$TOP/docker/$DOCKER_ID/memory.limit_in_bytes"    # own limit, filled to 93%
echo $((256 * MB)) > "$TOP/docker/$LOW_ID/memory.limit_in_bytes"      # filled to 20%: not near
echo $((32 * MB)) > "$TOP/docker/$OOM_ID/memory.limit_in_bytes"       # one OOM kill, then 93%
echo $((64 * MB)) > "$TOP/kubepods/burstable/pod$POD_UID/memory.limit_in_bytes" # the pod's limit caps it
echo $((64 * MB)) > "$TOP/plain/memory.limit_in_bytes"                 # no container: not listed
echo $((64 * MB)) > "$TOP/libpod-$PODMAN_ID.scope/memory.limit_in_bytes" # podman's systemd form: listed once

start_fill() { # DIR FRACTION [--oom]
        local fifo="$WORK/fifo.$RANDOM"
        mkfifo "$fifo"
        python3 "$(dirname "$0")/fill.py" "$@" > "$fifo" &
        local pid=$!
        PIDS+=("$pid")
        if [ "${3:-}" = --oom ]; then
                cat "$fifo" > /dev/null || true
                wait "$pid" 2>/dev/null && fail "the filler in $1 was not OOM-killed" || true
        else
                read -r line < "$fifo"
                [ "$line" = ready ] || fail "filler in $1 did not get ready"
        fi
        rm -f "$fifo"
}
start_fill "$TOP/docker/$DOCKER_ID" 0.93
start_fill "$TOP/docker/$LOW_ID" 0.20
start_fill "$TOP/docker/$OOM_ID" 0 --oom
grep -q '^oom_kill 1$' "$TOP/docker/$OOM_ID/memory.oom_control" || fail "the kernel counted no OOM kill in $OOM_ID"
start_fill "$TOP/docker/$OOM_ID" 0.93
start_fill "$TOP/kubepods/burstable/pod$POD_UID/$KUBE_ID" 0.93
start_fill "$TOP/plain" 0.93
start_fill "$TOP/libpod-$PODMAN_ID.scope/container" 0.93

"$MG" host --format json > "$WORK/host.json" || [ $? -eq 1 ]
"$MG" host --format text > "$WORK/host.txt" || [ $? -eq 1 ]
"$MG" host --format prometheus > "$WORK/host.prom" || [ $? -eq 1 ]

# What the kernel says now, for the comparison: usage minus total_inactive_file, per cgroup.
python3 - "$WORK/host.json" "$TOP" "$V1" "$DOCKER_ID" "$KUBE_ID" "$LOW_ID" "$OOM_ID" "$POD_UID" "$PODMAN_ID" <<'PY'
import json, os, sys
path, top, v1, docker_id, kube_id, low_id, oom_id, pod_uid, podman_id = sys.argv[1:]
rel = "/" + os.path.relpath(top, v1)
rc = json.load(open(path))["running_containers"]
assert rc["cgroup_version"] == 1 and rc["backend"] == "libcgroup", rc
near = {c["cgroup"]: c for c in rc["near"] if c["cgroup"].startswith(rel + "/")}

def kernel_ws(cg):
    d = v1 + cg
    usage = int(open(d + "/memory.usage_in_bytes").read())
    st = dict(l.split() for l in open(d + "/memory.stat"))
    return usage - int(st["total_inactive_file"]), int(st["hierarchical_memory_limit"])

def check(cg, engine, cid, own, limit, kills):
    c = near.get(cg)
    assert c, "%s not listed near its limit: %s" % (cg, sorted(near))
    ws, lim = kernel_ws(cg)
    assert c["engine"] == engine and c["container_id"] == cid, c
    assert c["limit_bytes"] == lim == limit, (c, lim)
    assert c["own_limit"] is own, c
    assert c["working_set_bytes"] > 0.9 * limit, c
    assert abs(c["working_set_bytes"] - ws) < (1 << 20), (c, ws)
    assert c["oom_kills"] == kills, c

MB = 1 << 20
check(rel + "/docker/" + docker_id, "docker", docker_id, True, 64 * MB, 0)
check(rel + "/docker/" + oom_id, "docker", oom_id, True, 32 * MB, 1)
kube = rel + "/kubepods/burstable/pod" + pod_uid + "/" + kube_id
check(kube, "cri", kube_id, False, 64 * MB, 0)
assert near[kube]["pod_uid"] == pod_uid and near[kube]["qos"] == "burstable", near[kube]
assert rel + "/docker/" + low_id not in near, "a container at 20% of its limit was listed"
assert rel + "/plain" not in near, "a cgroup of no container was listed"
check(rel + "/libpod-" + podman_id + ".scope", "podman", podman_id, True, 64 * MB, 0)
assert rel + "/libpod-" + podman_id + ".scope/container" not in near, "podman's container listed twice"
assert rc["near_limit"] >= 5 and rc["containers"] >= 6, rc
print("json: %d near their limit, ours as expected" % rc["near_limit"])
PY

grep -q "docker container ${DOCKER_ID:0:12}$" "$WORK/host.txt" || fail "text: docker container not named"
grep -q "container ${KUBE_ID:0:12} in pod $POD_UID (burstable) .*(an ancestor's limit)" "$WORK/host.txt" ||
        fail "text: the kubepods container and its pod not named"
grep -q "memgate_container_oom_kills{cgroup=\"/memgate-fleet-$$/docker/$OOM_ID\",engine=\"docker\",container_id=\"$OOM_ID\",pod_uid=\"\"} 1" \
        "$WORK/host.prom" || fail "prometheus: the OOM kill counter is missing"
grep -q "memgate_container_memory_limit_bytes{cgroup=\"/memgate-fleet-$$/kubepods/burstable/pod$POD_UID/$KUBE_ID\",engine=\"cri\",container_id=\"$KUBE_ID\",pod_uid=\"$POD_UID\"} $((64 * MB))" \
        "$WORK/host.prom" || fail "prometheus: the pod's limit is not the container's"
if command -v promtool >/dev/null; then
        promtool check metrics < "$WORK/host.prom" || fail "promtool check metrics"
fi
echo "PASS: real v1 memory cgroups near their limits listed, named and counted"
