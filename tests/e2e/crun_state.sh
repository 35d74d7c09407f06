#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# crun's state flavour, from a file (crun 1.8.1 cannot run containers on this host's hybrid
# cgroup layout): status "created" plus crun's extra "root" field, fed to `memgate hook` for a
# bundle whose config.json is crun's own spec with a relative root.path.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

need_cmd jq cmake
need_env MEMGATE_BUILD MEMGATE_PEER MEMGATE_FIXTURES

tmp=$(mktemp -d)
sleep 60 &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$tmp"' EXIT
stage_install "$tmp/stage"
memgate=$MG_STAGE_BIN/memgate

spec=$MEMGATE_PEER/generated/crun-1.8.1-spec.json
[ -f "$spec" ] || fail "missing $spec"
b=$tmp/bundle
mkdir -p "$b/rootfs"
jq '.linux.resources.memory = {limit: 1073741824} | .process.env += ["JAVA_TOOL_OPTIONS=-Xmx900m"]' "$spec" \
        >"$b/config.json"
[ "$(jq -r .root.path "$b/config.json")" = rootfs ] || fail "crun's spec was expected to have root.path rootfs"

# The state crun writes for a hook: status created, plus rootfs/root/created/owner.
jq --arg b "$b" --argjson pid "$pid" '.bundle = $b | .pid = $pid | .rootfs = ($b + "/rootfs")' \
        "$MEMGATE_FIXTURES/oci/crun-state.json" >"$tmp/state.json"
log "state: $(cat "$tmp/state.json")"

rc=0
"$memgate" hook <"$tmp/state.json" >"$tmp/out" 2>"$tmp/err" || rc=$?
log "memgate hook (crun state): exit $rc; stderr: $(cat "$tmp/err")"
[ "$rc" -eq 0 ] || fail "memgate hook refused crun's state"
jq -e '.verdict == "warn" and any(.findings[]; .code == "offheap-margin")' "$b/memgate.json" >/dev/null ||
        fail "memgate.json: $(jq -c '{verdict, findings: [.findings[].code]}' "$b/memgate.json")"

# The same state on a MemAvailable-0 host: refused with the code on stderr.
fx=$MEMGATE_FIXTURES/procfs/host-4g-minfree-2g
rc=0
"$memgate" hook --procfs "$fx/proc" --sysfs "$fx/sys" <"$tmp/state.json" >/dev/null 2>"$tmp/err" || rc=$?
[ "$rc" -eq 1 ] || fail "expected a refusal (exit 1), got $rc: $(cat "$tmp/err")"
assert_contains "$(cat "$tmp/err")" "memgate: refused (memavailable-zero)" "refusal on crun state"

# runc's flavour of the same, for contrast: status creating, no root field.
jq --arg b "$b" --argjson pid "$pid" '.bundle = $b | .pid = $pid' \
        "$MEMGATE_PEER/generated/runc-1.1.5-createRuntime-state.json" >"$tmp/runc-state.json"
"$memgate" hook <"$tmp/runc-state.json" >/dev/null 2>&1 || fail "memgate hook refused runc's state"
log "crun and runc state flavours both accepted"
