#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# A healthy start goes through podman --runtime runc with the staged createRuntime hook, the
# report lands in the bundle, and the hook's cost is measured (printed, not asserted).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

need_root
need_cmd podman runc jq cmake
need_env MEMGATE_BUILD
need_image

tmp=$(mktemp -d)
name=memgate-e2e-healthy-$$
cleanup() {
        podman rm -f "$name" >/dev/null 2>&1 || true
        rm -rf "$tmp"
}
trap cleanup EXIT
stage_install "$tmp/stage"

# 1. One start, kept (no --rm) so its bundle can be inspected, then removed by the trap.
mg_podman --hooks-dir "$MG_STAGE_HOOKS" run --name "$name" --label io.memgate.e2e=1 "${MG_ULIMITS[@]}" \
        "$MG_IMAGE" sh -c 'echo started' >"$tmp/out" 2>"$tmp/err" ||
        { cat "$tmp/out" "$tmp/err"; fail "healthy start failed (exit $?)"; }
assert_contains "$(cat "$tmp/out")" started "the container ran"
bundle=$(podman inspect --format '{{.StaticDir}}' "$name")
[ -f "$bundle/config.json" ] || fail "no config.json in podman's bundle $bundle"
jq -e --arg p "$MG_STAGE_BIN/memgate" '.hooks.createRuntime | any(.path == $p)' "$bundle/config.json" >/dev/null ||
        fail "podman did not inject the staged hook ($MG_STAGE_BIN/memgate) into createRuntime"
[ -f "$bundle/memgate.json" ] || fail "the hook ran but wrote no $bundle/memgate.json"
verdict=$(jq -r .verdict "$bundle/memgate.json")
case "$verdict" in
allow | warn) ;;
*) fail "verdict on a healthy start: $verdict ($(jq -c '[.findings[].code]' "$bundle/memgate.json"))" ;;
esac
engine=$(jq -r .engine "$bundle/memgate.json")
[ "$engine" = podman ] || fail "the hook under podman (runc's parent conmon, podman's --exit-command) says engine '$engine'"
log "healthy start: exit 0, verdict $verdict, findings $(jq -c '[.findings[].code]' "$bundle/memgate.json")"
log "report: $bundle/memgate.json (mode $(jq -r .mode "$bundle/memgate.json"))"

# 2. The hook alone, on this container's real bundle, with a state as runc writes it.
jq -n --arg b "$bundle" --arg id "$name" --argjson pid $$ \
        '{ociVersion: "1.0.2-dev", id: $id, status: "creating", pid: $pid, bundle: $b, annotations: {}}' >"$tmp/state.json"
# Wall time depends on what else the host runs; the CPU time (user+sys of memgate and its
# sandboxed child, from bash's `times`) hardly does, so both are printed.
n_hook=50
t0=$(date +%s%N)
cpu=$(
        for _ in $(seq $n_hook); do
                "$MG_STAGE_BIN/memgate" hook <"$tmp/state.json" >/dev/null 2>&1 || exit 1
        done
        times
) || fail "memgate hook failed on the real bundle"
cpu=$(tail -1 <<<"$cpu") # the second line: children of that subshell, i.e. the memgate runs
t1=$(date +%s%N)
hook_us=$(((t1 - t0) / n_hook / 1000))
cpu_us=$(awk -v n=$n_hook '{ s = 0; for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); s += a[1] * 60 + a[2] } printf "%d", s * 1e6 / n }' <<<"$cpu")

# 3. Whole starts with and without the hook, interleaved so drift hits both alike.
mkdir "$tmp/nohooks"
n=${MEMGATE_E2E_STARTS:-10}
with=0
without=0
for i in $(seq "$n"); do
        for mode in with without; do
                dir=$MG_STAGE_HOOKS
                [ $mode = with ] || dir=$tmp/nohooks
                t0=$(date +%s%N)
                mg_podman --hooks-dir "$dir" run --rm --label io.memgate.e2e=1 "${MG_ULIMITS[@]}" "$MG_IMAGE" true \
                        >/dev/null 2>"$tmp/err" || { cat "$tmp/err"; fail "start $i ($mode hook) failed"; }
                t1=$(date +%s%N)
                if [ $mode = with ]; then with=$((with + t1 - t0)); else without=$((without + t1 - t0)); fi
        done
done
with_ms=$((with / n / 1000000))
without_ms=$((without / n / 1000000))
log ""
log "MEASURED: memgate hook alone (real bundle, createRuntime state): ${hook_us} us wall, ${cpu_us} us CPU" \
        "(user+sys), mean over $n_hook runs; load average $(cut -d' ' -f1 /proc/loadavg)"
log "MEASURED: podman run --rm true: ${with_ms} ms with the hook, ${without_ms} ms without," \
        "difference $((with_ms - without_ms)) ms (mean of $n starts each, interleaved)"
