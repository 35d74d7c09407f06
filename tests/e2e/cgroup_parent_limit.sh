#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# A real parent memory cgroup caps a container below its own limit: a parent with a 256 MiB limit,
# a child under it with none, and a bundle asking for 1 GiB with java -Xmx600m placed in the child.
# `memgate check` on the live host (no --sysfs: libcgroup finds the hierarchy) must report
# parent-limit naming the parent; so must `memgate hook` for a process already in the child,
# found through its pid. The cgroups are removed on exit, children first.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

need_root
need_cmd jq
need_env MEMGATE_BIN MEMGATE_PEER
memgate=$MEMGATE_BIN

# The memory hierarchy: v1 beside a v2 "unified" mount on these hosts, or a v2 root.
if [ -f /sys/fs/cgroup/memory/memory.limit_in_bytes ]; then
        hier=/sys/fs/cgroup/memory
        limit_file=memory.limit_in_bytes
elif grep -qw memory /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
        hier=/sys/fs/cgroup
        limit_file=memory.max
else
        skip "no memory cgroup hierarchy under /sys/fs/cgroup"
fi

name=memgate-test-$$-$RANDOM
parent=$hier/$name
child=$parent/child
tmp=$(mktemp -d)
sleeper=

cleanup() {
        local rc=$?
        if [ -n "$sleeper" ]; then
                kill "$sleeper" 2>/dev/null || true
                wait "$sleeper" 2>/dev/null || true
        fi
        # rmdir children first; a cgroup with a live process cannot go, so wait for the kill.
        for d in "$child" "$parent"; do
                for _ in 1 2 3 4 5 6 7 8 9 10; do
                        [ -d "$d" ] || break
                        rmdir "$d" 2>/dev/null && break
                        sleep 0.2
                done
                [ ! -d "$d" ] || printf 'WARNING: could not remove %s\n' "$d" >&2
        done
        rm -rf "$tmp"
        exit "$rc"
}
trap cleanup EXIT

mkdir "$parent" || skip "cannot create a memory cgroup under $hier (read-only or delegated elsewhere)"
if [ "$hier" = /sys/fs/cgroup ]; then
        # v2: the parent must hand the memory controller to its children.
        echo +memory >"$parent/cgroup.subtree_control"
fi
echo $((256 * 1024 * 1024)) >"$parent/$limit_file"
mkdir "$child"
log "parent $parent: $limit_file $(cat "$parent/$limit_file"); child $child: $(cat "$child/$limit_file")"

# A bundle from runc's own spec: 1 GiB limit, java -Xmx600m, cgroupsPath to the child.
spec=$MEMGATE_PEER/generated/runc-1.1.5-spec.json
[ -f "$spec" ] || fail "missing $spec"
b=$tmp/bundle
mkdir -p "$b/rootfs"
jq --arg cg "/$name/child" '.linux.cgroupsPath = $cg
        | .linux.resources.memory = {limit: 1073741824}
        | .process.args = ["java", "-Xmx600m", "-jar", "/app.jar"]' "$spec" >"$b/config.json"

# ---- check mode: cgroupsPath ----
rc=0
"$memgate" check --bundle "$b" --format json >"$tmp/check.json" 2>"$tmp/check.err" || rc=$?
log "memgate check: exit $rc; stderr: $(cat "$tmp/check.err")"
log "findings: $(jq -c '[.findings[] | {code, message}]' "$tmp/check.json")"
# 1 is right too: offheap-margin judges -Xmx600m against the 256 MiB that really applies and refuses.
[ "$rc" -le 1 ] || fail "memgate check exited $rc"
jq -e --arg p "/$name" 'any(.findings[]; .code == "parent-limit" and .severity == "warn"
        and .evidence.ancestor == $p and .evidence.ancestor_limit_bytes == 268435456
        and .evidence.container_limit_bytes == 1073741824)' "$tmp/check.json" >/dev/null ||
        fail "check: no parent-limit naming /$name with 256 MiB against 1 GiB"
msg=$(jq -r '.findings[] | select(.code == "parent-limit") | .message' "$tmp/check.json")
assert_contains "$msg" "256 MiB" "parent-limit message"
assert_contains "$msg" "1.0 GiB" "parent-limit message"

# The same bundle moved under a parent without a limit: no parent-limit.
jq '.linux.cgroupsPath = "/memgate-test-absent/child"' "$b/config.json" >"$tmp/c2.json"
mkdir -p "$tmp/b2/rootfs"
cp "$tmp/c2.json" "$tmp/b2/config.json"
"$memgate" check --bundle "$tmp/b2" --format json >"$tmp/check2.json" 2>/dev/null || true
if jq -e 'any(.findings[]; .code == "parent-limit")' "$tmp/check2.json" >/dev/null; then
        # Only if the root itself (or our own test harness cgroup) is not limited below 1 GiB.
        fail "parent-limit reported for a cgroup path with no limited ancestor: $(jq -c .findings "$tmp/check2.json")"
fi

# systemd notation is parsed too (the slice does not exist: only the root is read, no finding).
jq '.linux.cgroupsPath = "memgate-test.slice:libpod:abc"' "$b/config.json" >"$tmp/b2/config.json"
rc=0
"$memgate" check --bundle "$tmp/b2" --format json >"$tmp/check3.json" 2>"$tmp/check3.err" || rc=$?
[ "$rc" -le 1 ] || fail "systemd cgroupsPath: exit $rc: $(cat "$tmp/check3.err")"
jq -e 'any(.findings[]; .code == "parent-limit") | not' "$tmp/check3.json" >/dev/null ||
        fail "systemd cgroupsPath under no limited slice reported parent-limit"

# ---- hook mode: the pid of a process already in the child ----
sleep 300 &
sleeper=$!
echo "$sleeper" >"$child/cgroup.procs"
grep -q "$name/child" "/proc/$sleeper/cgroup" || fail "the sleeper did not move into $child"
hb=$tmp/hookbundle
mkdir -p "$hb/rootfs"
# A cgroupsPath that does not exist: only the pid can lead memgate to the parent.
jq '.linux.cgroupsPath = "/memgate-test-absent/ctr"' "$b/config.json" >"$hb/config.json"
jq -n --arg b "$hb" --argjson pid "$sleeper" \
        '{ociVersion: "1.0.2", id: "memgate-cgroup-test", status: "creating", pid: $pid, bundle: $b}' \
        >"$tmp/state.json"
rc=0
"$memgate" hook --format json <"$tmp/state.json" >"$tmp/hook.json" 2>"$tmp/hook.err" || rc=$?
log "memgate hook: exit $rc; stderr: $(cat "$tmp/hook.err")"
[ "$rc" -le 1 ] || fail "memgate hook exited $rc"
report=$tmp/hook.json
[ -s "$report" ] || report=$hb/memgate.json
jq -e --arg p "/$name" 'any(.findings[]; .code == "parent-limit" and .evidence.ancestor == $p)' "$report" \
        >/dev/null || fail "hook: no parent-limit through the pid: $(jq -c '[.findings[].code]' "$report")"

log "PASS: parent-limit reported for /$name in check (cgroupsPath) and hook (pid) modes"
