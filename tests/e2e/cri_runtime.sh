#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# memgate-runtime as a Kubernetes RuntimeClass handler: containerd 1.6's CRI plugin with
# runtimes.memgate.options.BinaryName, driven by a small CRI client of ours (tests/e2e/cri, Node
# and @grpc/grpc-js from npm; crictl is not in Debian) the way kubelet drives it: RunPodSandbox
# with the handler, CreateContainer, StartContainer, ExecSync. Healthy and warned containers run
# with their logs their own; refusals reach StartContainer's (and RunPodSandbox's) error, which
# kubelet shows in the pod's events, with memgate's line exactly as memgate-runtime words it.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/engines-lib.sh"

need_engines
need_cmd node npm
need_env MEMGATE_BUILD MEMGATE_FIXTURES MG_IMAGE

tmp=$(mktemp -d)
trap 'mg_engines_stop' EXIT
MG_ENG_DIR=$tmp
stage_install "$tmp/stage"
wrapper=$MG_STAGE_BIN/memgate-runtime
fx=$MEMGATE_FIXTURES/procfs/host-4g-minfree-2g
mg_fixture_runtime "$tmp/memgate-fixture" "$wrapper" "$fx"
printf 'engine = cri\n' >"$tmp/cri.conf"

# The client, with the exact dependency tree of package-lock.json.
cp -r "$(dirname "$0")/cri" "$tmp/cri"
rm -rf "$tmp/cri/node_modules"
(cd "$tmp/cri" && npm ci --no-audit --no-fund --loglevel=error >"$tmp/npm.log" 2>&1) ||
        { cat "$tmp/npm.log" >&2; skip "npm ci could not install @grpc/grpc-js (no npm registry reachable?)"; }

export MG_ENG_IMAGE=$MG_IMAGE   # the sandbox ("pause") image: our busybox, whose command sleeps
mg_containerd_start "$tmp" memgate="$wrapper" memgate-fixture="$tmp/memgate-fixture"
mg_ctr_image k8s.io "$MG_IMAGE"
tasks=$tmp/ctrd/state/io.containerd.runtime.v2.task/k8s.io
mkdir -p "$tmp/pods"

cri() { node "$tmp/cri/cri-client.js" "$MG_CTRD_SOCK" "$@"; }
cri Version '{}' | jq -e '.runtime_api_version == "v1"' >/dev/null || fail "the CRI plugin does not answer v1"

# pod NAME HANDLER: a sandbox config (host network: no CNI here) as JSON.
pod() {
        jq -cn --arg n "$1" --arg cg "$MG_ENG_CGROUP/$1" --arg logs "$tmp/pods/$1" '{
                metadata: {name: $n, uid: ("uid-" + $n), namespace: "memgate-e2e", attempt: 0},
                log_directory: $logs,
                linux: {cgroup_parent: $cg,
                        security_context: {namespace_options: {network: "NODE", pid: "CONTAINER", ipc: "POD"}}}}'
}
# run_pod NAME HANDLER: prints the sandbox id.
run_pod() {
        mkdir -p "$tmp/pods/$1"
        cri RunPodSandbox "$(jq -cn --argjson c "$(pod "$1")" --arg h "$2" '{config: $c, runtime_handler: $h}')" |
                jq -r .pod_sandbox_id
}
# create POD-ID POD-NAME NAME LIMIT ENV CMD: prints the container id.
create() {
        cri CreateContainer "$(jq -cn --arg p "$1" --argjson sc "$(pod "$2")" --arg n "$3" --arg img "$MG_IMAGE" \
                --argjson l "$4" --arg e "$5" --arg cmd "$6" '{pod_sandbox_id: $p, sandbox_config: $sc,
                config: {metadata: {name: $n}, image: {image: $img}, command: ["sh", "-c", $cmd],
                         envs: [{key: ($e | split("=")[0]), value: ($e | split("=")[1:] | join("="))}],
                         log_path: ($n + ".log"), linux: {resources: {memory_limit_in_bytes: $l}}}}')" |
                jq -r .container_id
}
start() { cri StartContainer "$(jq -cn --arg c "$1" '{container_id: $c}')"; }
status() { cri ContainerStatus "$(jq -cn --arg c "$1" '{container_id: $c}')"; }
wait_log() {
        local i
        for i in $(seq 1 300); do
                grep -qF "$2" "$1" 2>/dev/null && return 0
                sleep 0.1
        done
        fail "$1 never showed $2: $(cat "$1" 2>&1)"
}

# 1. Healthy and warned containers in one pod run through the handler.
p=$(run_pod app memgate)
[ -n "$p" ] && [ "$p" != null ] || fail "RunPodSandbox with handler memgate failed"
[ "$(jq -r .engine "$tasks/$p/memgate.json")" = cri ] || fail "the sandbox's memgate.json does not name the engine cri"
c=$(create "$p" app healthy 536870912 X=1 'echo HEALTHY-OUT; exec sleep 600')
start "$c" >/dev/null || fail "StartContainer (healthy) failed"
[ "$(status "$c" | jq -r .status.state)" = CONTAINER_RUNNING ] || fail "healthy container is not running: $(status "$c")"
b=$tasks/$c
log "healthy: memgate.json $(jq -c '{verdict, engine}' "$b/memgate.json")"
[ "$(jq -r .verdict "$b/memgate.json")" = allow ] || fail "healthy: verdict is not allow"
[ "$(jq -r .engine "$b/memgate.json")" = cri ] || fail "healthy: memgate.json does not name the engine cri"
ex=$(cri ExecSync "$(jq -cn --arg c "$c" '{container_id: $c, cmd: ["echo", "EXEC-RAN"], timeout: 30}')")
[ "$(jq -r .stdout <<<"$ex")" = "EXEC-RAN" ] && [ "$(jq -r .exit_code <<<"$ex")" = 0 ] ||
        fail "ExecSync through memgate-runtime: $ex"
wait_log "$tmp/pods/app/healthy.log" HEALTHY-OUT

w=$(create "$p" app warned 1073741824 JAVA_TOOL_OPTIONS=-Xmx900m 'echo APP-OUT; echo APP-ERR >&2; exec sleep 600')
start "$w" >/dev/null || fail "StartContainer (warned) failed"
wait_log "$tmp/pods/app/warned.log" APP-OUT
wait_log "$tmp/pods/app/warned.log" APP-ERR
# CRI log lines: TIME STREAM TAG TEXT. Only the application's two lines, nothing of memgate's.
got=$(awk '{ $1 = ""; print substr($0, 2) }' "$tmp/pods/app/warned.log" | sort)
[ "$got" = "$(printf 'stderr F APP-ERR\nstdout F APP-OUT')" ] ||
        fail "warned: the container's log is not the application's alone: $(cat "$tmp/pods/app/warned.log")"
b=$tasks/$w
[ "$(jq -r .verdict "$b/memgate.json")" = warn ] || fail "warned: verdict is not warn"
expect=$(mg_memgate_lines "$wrapper" "$tmp/cri.conf" 1073741824 JAVA_TOOL_OPTIONS=-Xmx900m | grep '(offheap-margin)')
log "warned: memgate-runtime's line: $expect"
assert_contains "$expect" "resources.limits.memory" "the offheap-margin fix is phrased for a pod"
jq -e --arg m "$expect" 'select(.level == "warning" and .msg == $m)' "$b/log.json" >/dev/null ||
        fail "warned: the runtime log lacks the warning: $(cat "$b/log.json")"

# 2. Refused: a 2 GiB heap in a 1 GiB limit. CreateContainer succeeds (no runtime call yet);
#    StartContainer fails with memgate's line, and the status says so.
expect=$(mg_memgate_lines "$wrapper" "$tmp/cri.conf" 1073741824 JAVA_TOOL_OPTIONS=-Xmx2g | grep '^memgate: refused')
assert_contains "$expect" "memgate: refused (offheap-margin)" "the heap refusal's code"
r=$(create "$p" app refused 1073741824 JAVA_TOOL_OPTIONS=-Xmx2g 'echo CONTAINER-RAN')
rc=0
out=$(start "$r") || rc=$?
log "refused: StartContainer: $out"
[ "$rc" -ne 0 ] || fail "StartContainer succeeded for a heap above the limit"
want="failed to create containerd task: failed to create shim task: OCI runtime create failed: $expect: unknown"
[ "$(jq -r .error.details <<<"$out")" = "$want" ] || fail "StartContainer's error is not exactly: $want"
st=$(status "$r")
[ "$(jq -r .status.reason <<<"$st")" = StartError ] && [ "$(jq -r .status.message <<<"$st")" = "$want" ] ||
        fail "the refused container's status does not carry memgate's line: $st"
! grep -qF CONTAINER-RAN "$tmp/pods/app/refused.log" 2>/dev/null || fail "the refused container ran"

# 3. Refused: a pod on a host with MemAvailable 0. The sandbox itself is judged and refused.
expect=$(mg_memgate_lines "$wrapper" "$tmp/cri.conf" 1073741824 X=1 "$fx" | grep '^memgate: refused')
assert_contains "$expect" "memgate: refused (memavailable-zero)" "the fixture host's refusal"
mkdir -p "$tmp/pods/starved"
rc=0
out=$(cri RunPodSandbox "$(jq -cn --argjson c "$(pod starved)" '{config: $c, runtime_handler: "memgate-fixture"}')") || rc=$?
log "MemAvailable 0 host: RunPodSandbox: $out"
[ "$rc" -ne 0 ] || fail "RunPodSandbox succeeded on a host with MemAvailable 0"
details=$(jq -r .error.details <<<"$out")
case "$details" in
*"OCI runtime create failed: $expect: unknown") ;;
*) fail "RunPodSandbox's error does not end with memgate's line: $details" ;;
esac

for id in "$c" "$w" "$r"; do
        cri StopContainer "$(jq -cn --arg c "$id" '{container_id: $c, timeout: 0}')" >/dev/null || true
        cri RemoveContainer "$(jq -cn --arg c "$id" '{container_id: $c}')" >/dev/null || fail "RemoveContainer $id"
done
cri StopPodSandbox "$(jq -cn --arg p "$p" '{pod_sandbox_id: $p}')" >/dev/null || fail "StopPodSandbox"
cri RemovePodSandbox "$(jq -cn --arg p "$p" '{pod_sandbox_id: $p}')" >/dev/null || fail "RemovePodSandbox"
log "cri: healthy, warned and refused containers behave as expected"
