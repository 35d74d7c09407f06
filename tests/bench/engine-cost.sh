#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# What memgate-runtime adds to a start and to an exec under Docker, against plain runc, on
# private daemons (tests/e2e/engines-lib.sh): N interleaved `docker run --rm IMAGE true` with
# --runtime memgate and --runtime plain (runc itself), then N interleaved `docker exec` into a
# container of each. Prints min and median wall-clock milliseconds; asserts nothing.
#   sudo MEMGATE_RUNTIME_BIN=build/memgate-runtime tests/bench/engine-cost.sh [N]
set -euo pipefail
here=$(cd "$(dirname "$0")/../e2e" && pwd)
. "$here/lib.sh"
. "$here/engines-lib.sh"
need_engines docker
need_env MEMGATE_RUNTIME_BIN
N=${1:-20}
tmp=$(mktemp -d)
trap 'mg_engines_stop' EXIT
MG_ENG_DIR=$tmp
img=localhost/memgate-bench-busybox:1
export MG_ENG_IMAGE=$img
wrapper=$(readlink -f "$MEMGATE_RUNTIME_BIN")
mg_containerd_start "$tmp"
mg_dockerd_start "$tmp" memgate="$wrapper" plain="$(command -v runc)"
mg_docker_image "$img"

ms() { echo $(( $(date +%s%N) / 1000000 )); }
stats() { sort -n | awk '{a[NR] = $1} END {printf "min %d ms, median %d ms (n=%d)", a[1], a[int((NR + 1) / 2)], NR}'; }

for rt in memgate plain; do "${DOCKER[@]}" run --rm --network none --runtime "$rt" "$img" true; done # warm up
: >"$tmp/run.memgate"; : >"$tmp/run.plain"
for i in $(seq 1 "$N"); do
        for rt in memgate plain; do
                t=$(ms); "${DOCKER[@]}" run --rm --network none --runtime "$rt" "$img" true; echo $(( $(ms) - t )) >>"$tmp/run.$rt"
        done
done
echo "docker run --rm true, --runtime memgate: $(stats <"$tmp/run.memgate")"
echo "docker run --rm true, --runtime plain:   $(stats <"$tmp/run.plain")"

for rt in memgate plain; do "${DOCKER[@]}" run -d --name "ex-$rt" --network none --runtime "$rt" "$img" sleep 600 >/dev/null; done
: >"$tmp/exec.memgate"; : >"$tmp/exec.plain"
for i in $(seq 1 "$N"); do
        for rt in memgate plain; do
                t=$(ms); "${DOCKER[@]}" exec "ex-$rt" true; echo $(( $(ms) - t )) >>"$tmp/exec.$rt"
        done
done
echo "docker exec true, --runtime memgate: $(stats <"$tmp/exec.memgate")"
echo "docker exec true, --runtime plain:   $(stats <"$tmp/exec.plain")"

# The same without an engine: memgate-runtime vs runc on one bundle, create (+ delete) and exec.
b=$tmp/bundle
root=$tmp/runc-root
mkdir -p "$b/rootfs/bin" "$b/rootfs/proc" "$b/rootfs/dev" "$b/rootfs/sys"
cp "$(command -v busybox)" "$b/rootfs/bin/busybox"
for a in sleep true; do ln -s busybox "$b/rootfs/bin/$a"; done
(cd "$b" && runc spec)
jq --arg cg "$MG_ENG_CGROUP/bench" '.process.terminal = false | .process.args = ["sleep", "600"] | .linux.cgroupsPath = $cg' \
        "$b/config.json" >"$b/c.new" && mv "$b/c.new" "$b/config.json"
: >"$tmp/create.memgate"; : >"$tmp/create.plain"
for i in $(seq 1 "$N"); do
        for rt in memgate plain; do
                bin=$(command -v runc); [ "$rt" = memgate ] && bin=$wrapper
                t=$(ms); "$bin" --root "$root" create --bundle "$b" "c-$rt" </dev/null >/dev/null 2>&1
                echo $(( $(ms) - t )) >>"$tmp/create.$rt"
                runc --root "$root" delete -f "c-$rt" >/dev/null 2>&1
        done
done
echo "create (runc root of our own), memgate-runtime: $(stats <"$tmp/create.memgate")"
echo "create (runc root of our own), runc:           $(stats <"$tmp/create.plain")"
runc --root "$root" run -d --bundle "$b" c-exec </dev/null >/dev/null 2>&1
: >"$tmp/rexec.memgate"; : >"$tmp/rexec.plain"
for i in $(seq 1 "$N"); do
        for rt in memgate plain; do
                bin=$(command -v runc); [ "$rt" = memgate ] && bin=$wrapper
                t=$(ms); "$bin" --root "$root" exec c-exec true; echo $(( $(ms) - t )) >>"$tmp/rexec.$rt"
        done
done
runc --root "$root" delete -f c-exec >/dev/null 2>&1
echo "exec true, memgate-runtime: $(stats <"$tmp/rexec.memgate")"
echo "exec true, runc:           $(stats <"$tmp/rexec.plain")"
