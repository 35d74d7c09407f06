#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# memgate-runtime as podman's runtime (podman --runtime PATH): conmon is its parent, so the engine
# is podman, the lines go to stderr (podman shows a failed runtime's stderr) and the fix hints say
# podman run -m.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

need_root
need_cmd podman runc conmon jq cmake
need_env MEMGATE_BUILD
need_image

tmp=$(mktemp -d)
name=memgate-e2e-podrt-$$
cleanup() {
        podman rm -f "$name" >/dev/null 2>&1 || true
        rm -rf "$tmp"
}
trap cleanup EXIT
stage_install "$tmp/stage"
wrapper=$MG_STAGE_BIN/memgate-runtime

podman --runtime "$wrapper" run -d --name "$name" --network none "${MG_ULIMITS[@]}" "$MG_IMAGE" sleep 100 >/dev/null ||
        fail "podman --runtime memgate-runtime could not start a healthy container"
id=$(podman inspect --format '{{.Id}}' "$name")
report=$(find "/var/lib/containers/storage/overlay-containers/$id" "/run/containers/storage/overlay-containers/$id" \
        -name memgate.json 2>/dev/null | head -n 1)
[ -n "$report" ] || fail "no memgate.json in the container's bundle"
log "healthy: $(jq -c '{verdict, engine}' "$report")"
[ "$(jq -r .engine "$report")" = podman ] || fail "memgate.json does not name the engine podman"
podman rm -f "$name" >/dev/null

rc=0
podman --runtime "$wrapper" run --rm --network none -m 1g -e JAVA_TOOL_OPTIONS=-Xmx2g "${MG_ULIMITS[@]}" "$MG_IMAGE" \
        echo CONTAINER-RAN >"$tmp/out" 2>"$tmp/err" || rc=$?
log "refused: podman exit $rc: $(cat "$tmp/err")"
[ "$rc" -ne 0 ] || fail "podman started a container whose heap is above its limit"
assert_not_contains "$(cat "$tmp/out")" CONTAINER-RAN "the refused container must not run"
assert_contains "$(cat "$tmp/err")" "Error: OCI runtime error: $wrapper: memgate: refused (offheap-margin): " \
        "podman shows memgate's refusal"
assert_contains "$(cat "$tmp/err")" "(e.g. podman run -m 2361m)" "the fix is phrased for podman"
log "podman with memgate-runtime: engine podman, refusal in podman's error"
