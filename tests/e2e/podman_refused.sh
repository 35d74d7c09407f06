#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# A host with MemAvailable 0 (the 4 GiB / min_free_kbytes=2 GiB fixture, handed to the hook
# through the hooks.d "args") is refused: the container never runs and podman's own error
# output carries the finding code.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

need_root
need_cmd podman runc jq cmake
need_env MEMGATE_BUILD MEMGATE_FIXTURES
need_image

fx=$MEMGATE_FIXTURES/procfs/host-4g-minfree-2g
[ -d "$fx/proc" ] && [ -d "$fx/sys" ] || fail "fixture tree $fx is missing"

tmp=$(mktemp -d)
name=memgate-e2e-refused-$$
cleanup() {
        podman rm -f "$name" >/dev/null 2>&1 || true
        rm -rf "$tmp"
}
trap cleanup EXIT
stage_install "$tmp/stage"

# The staged hook file, with only the fixture roots appended to its args.
mkdir "$tmp/hooks"
jq --arg p "$fx/proc" --arg s "$fx/sys" '.hook.args += ["--procfs", $p, "--sysfs", $s]' \
        "$MG_STAGE_HOOKS/memgate.json" >"$tmp/hooks/memgate.json"
log "hook: $(jq -c .hook "$tmp/hooks/memgate.json")"

rc=0
mg_podman --hooks-dir "$tmp/hooks" run --rm --name "$name" --label io.memgate.e2e=1 "${MG_ULIMITS[@]}" \
        "$MG_IMAGE" sh -c 'echo CONTAINER-RAN' >"$tmp/out" 2>"$tmp/err" || rc=$?
out=$(cat "$tmp/out")
err=$(cat "$tmp/err")
log "podman exit $rc; stderr:"
log "$err"
[ "$rc" -ne 0 ] || fail "podman started the container on a host with MemAvailable 0"
assert_not_contains "$out" CONTAINER-RAN "the container's process must not run"
assert_contains "$err" "memavailable-zero" "podman's error output names the finding code"
assert_contains "$err" "memgate: refused (memavailable-zero)" "the hook's refusal line reaches the user"
assert_contains "$err" "min_free_kbytes" "the refusal names the cause"
if podman container exists "$name"; then
        state=$(podman inspect --format '{{.State.Status}}' "$name")
        [ "$state" != running ] || fail "container is running after a refusal"
fi
log "refused as expected (createRuntime)"

# The same file with the deprecated prestart stage, as sites on older podman/CRI-O register it:
# runc runs it at the same point of create, and memgate refuses the same way.
mkdir "$tmp/hooks-prestart"
jq '.stages = ["prestart"]' "$tmp/hooks/memgate.json" >"$tmp/hooks-prestart/memgate.json"
rc=0
mg_podman --hooks-dir "$tmp/hooks-prestart" run --rm --name "$name" --label io.memgate.e2e=1 "${MG_ULIMITS[@]}" \
        "$MG_IMAGE" sh -c 'echo CONTAINER-RAN' >"$tmp/out" 2>"$tmp/err" || rc=$?
[ "$rc" -ne 0 ] || fail "prestart stage: podman started the container on a host with MemAvailable 0"
assert_not_contains "$(cat "$tmp/out")" CONTAINER-RAN "prestart stage: the container's process must not run"
assert_contains "$(cat "$tmp/err")" "memgate: refused (memavailable-zero)" "prestart stage: refusal line"
log "refused as expected (prestart)"
