#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# memgate-runtime under plain containerd: `ctr run --runc-binary memgate-runtime`, against a
# containerd of the test's own (tests/e2e/engines-lib.sh). Healthy and warned starts run with
# the container's output its own; refusals (a JVM heap above the limit, a host with MemAvailable
# 0) show in ctr's error exactly as memgate-runtime words them, and the task never runs.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/engines-lib.sh"

need_engines
need_env MEMGATE_BUILD MEMGATE_FIXTURES MG_IMAGE

tmp=$(mktemp -d)
trap 'mg_engines_stop' EXIT
MG_ENG_DIR=$tmp
stage_install "$tmp/stage"
wrapper=$MG_STAGE_BIN/memgate-runtime
fx=$MEMGATE_FIXTURES/procfs/host-4g-minfree-2g
mg_fixture_runtime "$tmp/memgate-fixture" "$wrapper" "$fx"
printf 'engine = containerd\n' >"$tmp/containerd.conf"

mg_containerd_start "$tmp"
ns=default
mg_ctr_image "$ns" "$MG_IMAGE"
tasks=$tmp/ctrd/state/io.containerd.runtime.v2.task/$ns
n=0
# ctr_run RUNTIME-BINARY ARGS... -- CMD...: ctr run in our namespace, runc root and cgroup parent.
ctr_run() {
        local bin=$1 id
        shift
        n=$((n + 1))
        id=$MG_ENG_TAG-$n
        local opts=()
        while [ "$1" != -- ]; do opts+=("$1"); shift; done
        shift
        "${CTR[@]}" -n "$ns" run --runc-binary "$bin" --runc-root "$tmp/ctrd/runc" --cgroup "$MG_ENG_CGROUP/$id" \
                "${opts[@]}" "$MG_IMAGE" "$id" "$@"
}

# 1. Healthy, in the foreground: exactly the container's output.
out=$(ctr_run "$wrapper" --rm -- echo HEALTHY-RAN 2>&1) || fail "healthy ctr run failed: $out"
[ "$out" = HEALTHY-RAN ] || fail "healthy ctr run: output is not the container's alone: $out"
# Detached: memgate.json in the bundle names the engine; ctr task exec runs through the wrapper.
ctr_run "$wrapper" -d --null-io -- sleep 600 >/dev/null
id=$MG_ENG_TAG-$n
b=$tasks/$id
[ -f "$b/memgate.json" ] || fail "healthy: no memgate.json in the bundle $b"
log "healthy: memgate.json $(jq -c '{verdict, engine}' "$b/memgate.json")"
[ "$(jq -r .verdict "$b/memgate.json")" = allow ] || fail "healthy: verdict is not allow"
[ "$(jq -r .engine "$b/memgate.json")" = containerd ] || fail "healthy: memgate.json does not name the engine containerd"
out=$("${CTR[@]}" -n "$ns" task exec --exec-id e1 "$id" echo EXEC-RAN 2>&1) || fail "ctr task exec failed: $out"
[ "$out" = EXEC-RAN ] || fail "ctr task exec: output is not the command's alone: $out"
"${CTR[@]}" -n "$ns" task kill -s KILL "$id" >/dev/null
"${CTR[@]}" -n "$ns" task delete -f "$id" >/dev/null 2>&1 || true
"${CTR[@]}" -n "$ns" container delete "$id" >/dev/null

# 2. Warned: the container's stdout and stderr are its own; the warning is in the runtime log.
warn_opts=(--memory-limit 1073741824 --env JAVA_TOOL_OPTIONS=-Xmx900m)
ctr_run "$wrapper" --rm "${warn_opts[@]}" -- sh -c 'echo APP-OUT; echo APP-ERR >&2' >"$tmp/w.out" 2>"$tmp/w.err" ||
        fail "warned ctr run failed: $(cat "$tmp/w.err")"
[ "$(cat "$tmp/w.out")" = APP-OUT ] || fail "warned: stdout is not the application's alone: $(cat "$tmp/w.out")"
[ "$(cat "$tmp/w.err")" = APP-ERR ] || fail "warned: stderr is not the application's alone: $(cat "$tmp/w.err")"
ctr_run "$wrapper" -d --null-io "${warn_opts[@]}" -- sleep 600 >/dev/null
b=$tasks/$MG_ENG_TAG-$n
expect=$(mg_memgate_lines "$wrapper" "$tmp/containerd.conf" 1073741824 JAVA_TOOL_OPTIONS=-Xmx900m | grep '(offheap-margin)')
log "warned: memgate-runtime's line: $expect"
assert_contains "$expect" "ctr run --memory-limit" "the offheap-margin fix is phrased for ctr"
[ "$(jq -r .verdict "$b/memgate.json")" = warn ] || fail "warned: verdict is not warn"
jq -e --arg m "$expect" 'select(.level == "warning" and .msg == $m)' "$b/log.json" >/dev/null ||
        fail "warned: the runtime log lacks the warning: $(cat "$b/log.json")"
"${CTR[@]}" -n "$ns" task kill -s KILL "$MG_ENG_TAG-$n" >/dev/null
"${CTR[@]}" -n "$ns" task delete -f "$MG_ENG_TAG-$n" >/dev/null 2>&1 || true
"${CTR[@]}" -n "$ns" container delete "$MG_ENG_TAG-$n" >/dev/null

# refused WHAT BINARY LINE OPTS...: ctr run fails with memgate's line as containerd's error.
refused() {
        local what=$1 bin=$2 line=$3 rc=0
        shift 3
        ctr_run "$bin" --rm "$@" -- echo CONTAINER-RAN >"$tmp/out" 2>"$tmp/err" || rc=$?
        log "$what: ctr run exit $rc; stderr:"
        log "$(cat "$tmp/err")"
        [ "$rc" -ne 0 ] || fail "$what: ctr run succeeded"
        assert_not_contains "$(cat "$tmp/out")" CONTAINER-RAN "$what: the container's process must not run"
        local want="ctr: failed to create shim task: OCI runtime create failed: $line: unknown"
        grep -qxF -- "$want" "$tmp/err" || fail "$what: ctr's error is not exactly: $want"
}

expect=$(mg_memgate_lines "$wrapper" "$tmp/containerd.conf" 1073741824 JAVA_TOOL_OPTIONS=-Xmx2g | grep '^memgate: refused')
assert_contains "$expect" "memgate: refused (offheap-margin)" "the heap refusal's code"
refused "heap above the limit" "$wrapper" "$expect" --memory-limit 1073741824 --env JAVA_TOOL_OPTIONS=-Xmx2g

expect=$(mg_memgate_lines "$wrapper" "$tmp/containerd.conf" 1073741824 X=1 "$fx" | grep '^memgate: refused')
assert_contains "$expect" "memgate: refused (memavailable-zero)" "the fixture host's refusal"
refused "MemAvailable 0 host" "$tmp/memgate-fixture" "$expect"

left=$("${CTR[@]}" -n "$ns" container ls -q)
[ -z "$left" ] || fail "containers left after --rm runs: $left"
log "ctr: healthy, warned and refused starts behave as expected"
