#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# memgate-runtime as a Docker runtime ("runtimes" in daemon.json), through a real dockerd and
# containerd of the test's own (tests/e2e/engines-lib.sh): a healthy start runs and is annotated,
# a warned start runs with the warning kept out of the container's own output, and refusals (a
# JVM heap above the memory limit; a host with MemAvailable 0) reach the user in `docker run`'s
# own error, exit status 125, with memgate's line exactly as memgate-runtime words it. Last, the
# strict-overcommit field case of issue 12 on a fixture host (this host's vm.* are not changed).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/engines-lib.sh"

need_engines docker
need_env MEMGATE_BUILD MEMGATE_FIXTURES MG_IMAGE

tmp=$(mktemp -d)
trap 'mg_engines_stop' EXIT
MG_ENG_DIR=$tmp
stage_install "$tmp/stage"
wrapper=$MG_STAGE_BIN/memgate-runtime
fx=$MEMGATE_FIXTURES/procfs/host-4g-minfree-2g
mg_fixture_runtime "$tmp/memgate-fixture" "$wrapper" "$fx"
# The field case, scaled to the overcommit_memory=2 fixture (CommitLimit 1991680 kB): Committed_AS
# as memgate sees it at runc create (the new shim's 120-140 MiB already in it). 146 MiB left: the
# sixth start of the field case, which died of runc's "out of memory"; 296 MiB: the fifth, which
# ran and left no room for another (the field's 276 MiB is below what runc 1.1.5 needed in the
# kernel lab, where starts failed at up to 260 MiB: memgate asks runc's 232 MiB + the shim's
# 16 MiB + the 43 MiB user reserve, 291 MiB).
strict=$MEMGATE_FIXTURES/procfs/host-4g-overcommit2-exhausted
for left in 146 296; do
        mkdir -p "$tmp/strict-$left"
        cp -r "$strict/proc" "$strict/sys" "$tmp/strict-$left/"
        sed -i "s/^Committed_AS: .*/Committed_AS:    $((1991680 - left * 1024)) kB/" "$tmp/strict-$left/proc/meminfo"
        mg_fixture_runtime "$tmp/memgate-strict-$left" "$wrapper" "$tmp/strict-$left"
done
printf 'engine = docker\n' >"$tmp/docker.conf"
# exec on a starved host, where runc then dies: memgate-runtime sees the MemAvailable-0 fixture
# only for exec, and "runc" is false(1), which fails without a word, as a runc killed by Go's
# "fatal error: runtime: out of memory" leaves nothing in the log.
cat >"$tmp/memgate-starved-exec" <<EOF
#!/bin/sh
case " \$* " in
*" exec "*) MEMGATE_PROCFS=$fx/proc exec $wrapper --memgate-runtime=$(command -v false) "\$@" ;;
esac
exec $wrapper "\$@"
EOF
chmod 755 "$tmp/memgate-starved-exec"
export MG_ENG_IMAGE=$MG_IMAGE

mg_containerd_start "$tmp"
mg_dockerd_start "$tmp" memgate="$wrapper" memgate-fixture="$tmp/memgate-fixture" \
        memgate-strict-146="$tmp/memgate-strict-146" memgate-strict-296="$tmp/memgate-strict-296" \
        memgate-starved-exec="$tmp/memgate-starved-exec"
mg_docker_image "$MG_IMAGE"
run=("${DOCKER[@]}" run --network none)
tasks=$tmp/ctrd/state/io.containerd.runtime.v2.task/moby

# bundle_of NAME: the container's bundle directory under our containerd's state.
bundle_of() {
        local id
        id=$("${DOCKER[@]}" inspect --format '{{.Id}}' "$1")
        [ -d "$tasks/$id" ] || fail "no bundle $tasks/$id for container $1"
        printf '%s\n' "$tasks/$id"
}

# wait_logs NAME TEXT: up to 30 s for the container's output to show TEXT.
wait_logs() {
        local i
        for i in $(seq 1 300); do
                "${DOCKER[@]}" logs "$1" 2>&1 | grep -F "$2" >/dev/null && return 0
                sleep 0.1
        done
        fail "container $1 never printed $2: $("${DOCKER[@]}" logs "$1" 2>&1)"
}

# 1. Healthy: runs, its output is its own, memgate judged it (memgate.json in the bundle, the
#    annotations in config.json) and named the engine; docker exec works through the wrapper.
out=$("${run[@]}" --rm --runtime memgate "$MG_IMAGE" echo HEALTHY-RAN 2>&1) || fail "healthy docker run failed: $out"
[ "$out" = HEALTHY-RAN ] || fail "healthy docker run: output is not the container's alone: $out"
"${run[@]}" -d --name healthy --runtime memgate -m 512m "$MG_IMAGE" sleep 600 >/dev/null
b=$(bundle_of healthy)
[ -f "$b/memgate.json" ] || fail "healthy: memgate-runtime left no memgate.json in the bundle $b"
log "healthy: memgate.json $(jq -c '{verdict, engine}' "$b/memgate.json")"
[ "$(jq -r .verdict "$b/memgate.json")" = allow ] || fail "healthy: verdict is not allow: $(cat "$b/memgate.json")"
[ "$(jq -r .engine "$b/memgate.json")" = docker ] || fail "healthy: memgate.json does not name the engine docker"
[ "$(jq -r '.annotations["io.memgate.verdict"]' "$b/config.json")" = allow ] ||
        fail "healthy: config.json lacks io.memgate.verdict=allow"
out=$("${DOCKER[@]}" exec healthy echo EXEC-RAN 2>&1) || fail "docker exec through memgate-runtime failed: $out"
[ "$out" = EXEC-RAN ] || fail "docker exec: output is not the command's alone: $out"
"${DOCKER[@]}" rm -f healthy >/dev/null

# 2. Warned: -m 1g with a 900 MiB heap. The container runs; the warning is not in its output
#    (docker logs: stdout and stderr each exactly the application's); it is in the runtime's
#    log in the bundle (level warning) and in memgate.json, with Docker's fix hint.
"${run[@]}" -d --name warned --runtime memgate -m 1g -e JAVA_TOOL_OPTIONS=-Xmx900m "$MG_IMAGE" \
        sh -c 'echo APP-OUT; echo APP-ERR >&2; exec sleep 600' >/dev/null
wait_logs warned APP-ERR
wait_logs warned APP-OUT
"${DOCKER[@]}" logs warned >"$tmp/logs.out" 2>"$tmp/logs.err"
[ "$(cat "$tmp/logs.out")" = APP-OUT ] || fail "warned: docker logs stdout is not the application's alone: $(cat "$tmp/logs.out")"
[ "$(cat "$tmp/logs.err")" = APP-ERR ] || fail "warned: docker logs stderr is not the application's alone: $(cat "$tmp/logs.err")"
b=$(bundle_of warned)
[ "$(jq -r .verdict "$b/memgate.json")" = warn ] || fail "warned: verdict is not warn"
jq -e '[.findings[].code] | index("offheap-margin")' "$b/memgate.json" >/dev/null ||
        fail "warned: memgate.json lacks offheap-margin"
expect=$(mg_memgate_lines "$wrapper" "$tmp/docker.conf" 1073741824 JAVA_TOOL_OPTIONS=-Xmx900m | grep '(offheap-margin)')
log "warned: memgate-runtime's line: $expect"
assert_contains "$expect" "docker run -m 1156m" "the offheap-margin fix is phrased for Docker"
assert_not_contains "$expect" "podman run" "the offheap-margin fix under Docker"
jq -e --arg m "$expect" 'select(.level == "warning" and .msg == $m)' "$b/log.json" >/dev/null ||
        fail "warned: the runtime log $b/log.json lacks the warning: $(cat "$b/log.json")"
"${DOCKER[@]}" rm -f warned >/dev/null

# refused WHAT RUNTIME EXPECTED-LINE ARGS...: docker run must exit 125 with memgate's line in its
# error exactly where containerd puts the runtime's error, and the container must not run.
refused() {
        local what=$1 runtime=$2 line=$3 rc=0
        shift 3
        "${run[@]}" --rm --runtime "$runtime" "$@" "$MG_IMAGE" echo CONTAINER-RAN >"$tmp/out" 2>"$tmp/err" || rc=$?
        log "$what: docker run exit $rc; stderr:"
        log "$(cat "$tmp/err")"
        [ "$rc" -eq 125 ] || fail "$what: docker run exited $rc, not 125"
        assert_not_contains "$(cat "$tmp/out")" CONTAINER-RAN "$what: the container's process must not run"
        local want="docker: Error response from daemon: failed to create shim task: OCI runtime create failed: $line: unknown."
        grep -qxF -- "$want" "$tmp/err" || fail "$what: docker's error is not exactly: $want"
}

# 3. Refused: a 2 GiB heap in a 1 GiB limit.
expect=$(mg_memgate_lines "$wrapper" "$tmp/docker.conf" 1073741824 JAVA_TOOL_OPTIONS=-Xmx2g | grep '^memgate: refused')
[ -n "$expect" ] && [ "$(wc -l <<<"$expect")" -eq 1 ] || fail "expected one refusal by hand, got: $expect"
assert_contains "$expect" "memgate: refused (offheap-margin)" "the heap refusal's code"
assert_contains "$expect" "docker run -m" "the heap refusal's fix is phrased for Docker"
refused "heap above the limit" memgate "$expect" -m 1g -e JAVA_TOOL_OPTIONS=-Xmx2g

# 4. Refused: the host fixture with MemAvailable 0 (min_free_kbytes 2 GiB of 4 GiB).
expect=$(mg_memgate_lines "$wrapper" "$tmp/docker.conf" 1073741824 X=1 "$fx" | grep '^memgate: refused')
assert_contains "$expect" "memgate: refused (memavailable-zero): MemAvailable is 0 kB while MemFree is 2.9 GiB" \
        "the fixture host's refusal"
refused "MemAvailable 0 host" memgate-fixture "$expect"

# 5. The field case: with 146 MiB left runc (232 MiB) and the shim's growth cannot be committed.
expect=$(mg_memgate_lines "$wrapper" "$tmp/docker.conf" 536870912 X=1 "$tmp/strict-146" | grep '^memgate: refused')
assert_contains "$expect" "memgate: refused (commit-exhausted): vm.overcommit_memory=2: Committed_AS is" "field case"
assert_contains "$expect" "container runtime 232 MiB + the shim's growth 16 MiB" "field case: the shim is counted"
refused "strict overcommit, 146 MiB left" memgate-strict-146 "$expect" -m 512m
#    With 296 MiB left this start fits and runs, warned that no further start will.
"${run[@]}" -d --name strict --runtime memgate-strict-296 -m 512m "$MG_IMAGE" sleep 600 >/dev/null ||
        fail "strict overcommit, 296 MiB left: the start was refused"
b=$(bundle_of strict)
log "strict overcommit, 296 MiB left: $(jq -c '[.findings[] | {code, message}]' "$b/memgate.json")"
jq -e '.findings[] | select(.code == "commit-few-starts" and
        (.message | contains("room for 0 more container starts")) and
        (.message | contains("a containerd-shim-runc-v2 per container of about 136 MiB")))' "$b/memgate.json" >/dev/null ||
        fail "strict overcommit, 296 MiB left: no commit-few-starts saying no further start fits"
"${DOCKER[@]}" rm -f strict >/dev/null

# 6. docker exec on a host with MemAvailable 0 whose runc then dies: the user reads why.
"${run[@]}" -d --name starved --runtime memgate-starved-exec "$MG_IMAGE" sleep 600 >/dev/null ||
        fail "starved-exec: the start failed"
rc=0
"${DOCKER[@]}" exec starved echo EXEC-RAN >"$tmp/out" 2>"$tmp/err" || rc=$?
log "docker exec on a MemAvailable-0 host: exit $rc: $(cat "$tmp/out" "$tmp/err")"
[ "$rc" -ne 0 ] || fail "starved-exec: the exec succeeded although its runtime failed"
# (docker 20.10's exec prints the daemon's error on stdout)
cat "$tmp/out" "$tmp/err" | grep '^OCI runtime exec failed: memgate: warning (memavailable-zero): MemAvailable is 0 kB while MemFree is 2.9 GiB: runc exec may die of memory now' >/dev/null ||
        fail "starved-exec: docker exec's error does not carry memgate's cause"
"${DOCKER[@]}" rm -f starved >/dev/null

[ -z "$("${DOCKER[@]}" ps -aq)" ] || fail "containers left after --rm runs: $("${DOCKER[@]}" ps -a)"
log "docker: healthy, warned and refused starts behave as expected"
