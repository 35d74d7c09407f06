#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# A real container OOM kill, then `memgate explain`: podman (runc) runs the test image with
# --memory 24m and a dd that needs 64 MiB. explain, on /dev/kmsg, must report cgroup-limit for the
# killed dd with the container's own cgroup as the limited one, the engine podman, the container's
# full id, and a fix naming podman's --memory. The container is removed on exit.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

need_root
need_cmd podman runc jq
need_env MEMGATE_BIN
need_image
[ -r /dev/kmsg ] || skip "/dev/kmsg is not readable"

tmp=$(mktemp -d)
name=memgate-e2e-explain-$$
cleanup() {
        podman rm -f "$name" >/dev/null 2>&1 || true
        rm -rf "$tmp"
}
trap cleanup EXIT

mkdir "$tmp/nohooks" # only this test's container, without any hook installed on the host
rc=0
mg_podman --hooks-dir "$tmp/nohooks" run --name "$name" --pull=never --memory 24m "${MG_ULIMITS[@]}" \
        "$MG_IMAGE" dd if=/dev/zero of=/dev/null bs=64M count=1 >"$tmp/out" 2>"$tmp/err" || rc=$?
[ "$rc" -eq 137 ] || fail "the container was to be OOM-killed (exit 137), it exited $rc: $(cat "$tmp/err")"
id=$(podman inspect --format '{{.Id}}' "$name")
[ "$(podman inspect --format '{{.State.OOMKilled}}' "$name")" = true ] || log "note: podman did not record OOMKilled"

"$MEMGATE_BIN" explain --format json >"$tmp/ex.json"
ev=$(jq -c --arg id "$id" '[.events[] | select(.container.id == $id)] | last' "$tmp/ex.json")
[ "$ev" != null ] || fail "no event for container $id: $(jq -c '[.events[] | {class, cg: .memcg.task}]' "$tmp/ex.json")"
[ "$(jq -r .class <<<"$ev")" = cgroup-limit ] || fail "class $(jq -r .class <<<"$ev"), expected cgroup-limit: $ev"
[ "$(jq -r .container.engine <<<"$ev")" = podman ] || fail "engine $(jq -r .container.engine <<<"$ev"), expected podman"
[ "$(jq -r .task.comm <<<"$ev")" = dd ] || fail "task $(jq -r .task.comm <<<"$ev"), expected dd"
[ "$(jq -r .memcg.limited <<<"$ev")" = "$(jq -r .memcg.task <<<"$ev")" ] || fail "limited cgroup is not the task's: $ev"
[ "$(jq -r .memcg.limit_kb <<<"$ev")" = 24576 ] || fail "limit $(jq -r .memcg.limit_kb <<<"$ev") kB, expected 24576"
assert_contains "$(jq -r .fix <<<"$ev")" "podman run --memory" "the fix"
log "ok: memgate explain named podman container ${id:0:12}: $(jq -r .cause <<<"$ev")"
