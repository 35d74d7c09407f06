#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# contrib/kubernetes/Containerfile, for real: a Debian 12 base made with debootstrap (no registry),
# the .deb from this build, `podman build`; then the image runs as the DaemonSet's pod would, with a
# fake node root at /host, installs memgate for CRI-O, the installed hook runs on this host through
# the libraries and loader it brought, and `podman stop` (SIGTERM) leaves the node root as it was.
# Images and containers are removed on exit; the base tarball is cached in the build directory.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
need_root "podman build"
need_cmd podman
need_cmd runc
need_cmd cpack
need_cmd debootstrap
SRC=${MEMGATE_SRC:?}
BUILD=${MEMGATE_BUILD:?}
WORK=$(mktemp -d)
TAG=$$
BASE=localhost/memgate-fleet-debian:$TAG
IMAGE=localhost/memgate-installer:fleet-$TAG
NAME=memgate-fleet-installer-$TAG
U=(--runtime runc --ulimit nofile=1024:1024 --ulimit nproc=1024:1024)
. "$(dirname "$0")/../e2e/podman-cgroups.sh"
LIBPOD_PARENT_BEFORE=absent
mg_libpod_parent_existed && LIBPOD_PARENT_BEFORE=existed
cleanup() {
        podman rm -f "$NAME" > /dev/null 2>&1 || true
        podman rmi -f "$IMAGE" "$BASE" > /dev/null 2>&1 || true
        [ "$LIBPOD_PARENT_BEFORE" = existed ] || mg_libpod_parent_remove
        rm -rf "$WORK"
}
trap cleanup EXIT

TARBALL="$BUILD/fleet-debian-12-minbase.tar"
if [ ! -s "$TARBALL" ]; then
        debootstrap --variant=minbase bookworm "$WORK/rootfs" http://deb.debian.org/debian > "$WORK/debootstrap.log" 2>&1 ||
                skip "debootstrap could not reach the Debian archive: $(tail -2 "$WORK/debootstrap.log")"
        rm -f "$WORK"/rootfs/var/cache/apt/archives/*.deb
        tar -C "$WORK/rootfs" -cf "$TARBALL.tmp" . && mv "$TARBALL.tmp" "$TARBALL"
        rm -rf "$WORK/rootfs"
fi
podman import "$TARBALL" "$BASE" > /dev/null 2>&1 || fail "podman import of the base"

mkdir "$WORK/ctx"
cpack -G DEB -B "$WORK/pkg" --config "$BUILD/CPackConfig.cmake" > "$WORK/cpack.log" 2>&1 || fail "cpack: $(tail "$WORK/cpack.log")"
cp "$WORK"/pkg/memgate_*_amd64.deb "$SRC/contrib/kubernetes/Containerfile" "$WORK/ctx/"
podman build --pull=never --network=host "${U[@]:0:2}" --from "$BASE" -t "$IMAGE" -f "$WORK/ctx/Containerfile" \
        "$WORK/ctx" > "$WORK/build.log" 2>&1 || fail "podman build: $(tail -5 "$WORK/build.log")"

R="$WORK/node"
mkdir -p "$R/etc" "$R/opt" "$R/var/lib/prometheus/node-exporter"
before=$(cd "$R" && find . | sort)
podman run -d --name "$NAME" --network=none "${U[@]}" --pull=never -v "$R:/host" -e MEMGATE_RUNTIME=cri-o://1.28.1 \
        -e MEMGATE_RESTART=true -e MEMGATE_INTERVAL=3600 "$IMAGE" > /dev/null || fail "podman run"
for i in $(seq 1 600); do # until installed and the first metrics are written (bounded)
        [ -f "$R/var/lib/prometheus/node-exporter/memgate.prom" ] && [ -f "$R/etc/containers/oci/hooks.d/memgate.json" ] && break
        [ "$(podman inspect -f '{{.State.Running}}' "$NAME")" = true ] || fail "installer exited: $(podman logs "$NAME" 2>&1)"
        sleep 0.1
done
[ -f "$R/etc/containers/oci/hooks.d/memgate.json" ] || fail "no hooks.d file: $(podman logs "$NAME" 2>&1)"
grep -q '^memgate_memtotal_bytes ' "$R/var/lib/prometheus/node-exporter/memgate.prom" || fail "no metrics from the pod"
# The hook as runc on this host would run it: the image's loader and libraries, from the node root.
/usr/bin/python3 - "$R" <<'PY'
import json, subprocess, sys
root = sys.argv[1]
h = json.load(open(root + "/etc/containers/oci/hooks.d/memgate.json"))["hook"]
args = [a.replace("/opt/memgate", root + "/opt/memgate") for a in h["args"]]
out = subprocess.run([root + h["path"]] + args[1:-1] + ["--version"], capture_output=True, text=True)
assert out.returncode == 0 and out.stdout.startswith("memgate "), (out.returncode, out.stdout, out.stderr)
print("installed hook runs:", out.stdout.strip())
PY
podman stop -t 60 "$NAME" > /dev/null || fail "podman stop"
podman logs "$NAME" 2>&1 | grep 'uninstalled' >/dev/null || fail "no uninstall on SIGTERM: $(podman logs "$NAME" 2>&1)"
after=$(cd "$R" && find . | sort)
[ "$after" = "$before" ] || { diff <(echo "$before") <(echo "$after") >&2; fail "SIGTERM left the node root changed"; }
echo "PASS: the Containerfile builds from the .deb; its pod installs for CRI-O and undoes it on SIGTERM"
