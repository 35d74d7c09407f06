#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# CTest fixture setup: builds the small busybox image the e2e tests run, from Debian's
# busybox-static with `podman import` (no registry, no network).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

need_root
need_cmd podman runc busybox
bb=$(command -v busybox)
ldd_out=$(ldd "$bb" 2>&1 || true)
case "$ldd_out" in *"not a dynamic executable"*) ;; *) false ;; esac ||
        skip "$bb is not statically linked: install busybox-static"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/rootfs/bin" "$work/rootfs/etc" "$work/rootfs/tmp" "$work/rootfs/proc" "$work/rootfs/sys" \
        "$work/rootfs/dev"
cp "$bb" "$work/rootfs/bin/busybox"
for applet in $("$bb" --list); do
        [ "$applet" = busybox ] || ln -sf busybox "$work/rootfs/bin/$applet"
done
printf 'root:x:0:0:root:/:/bin/sh\n' >"$work/rootfs/etc/passwd"
printf 'root:x:0:\n' >"$work/rootfs/etc/group"
tar -C "$work/rootfs" -cf "$work/rootfs.tar" .

. "$(dirname "$0")/podman-cgroups.sh"
# Whether podman's parent cgroup was there before this suite, for cleanup-image.sh.
if mg_libpod_parent_existed; then echo existed; else echo absent; fi >"$MEMGATE_BUILD/e2e-libpod-parent"

podman rmi -f "$MG_IMAGE" >/dev/null 2>&1 || true
podman import --change 'CMD=["/bin/sh"]' --change 'ENV=PATH=/bin' "$work/rootfs.tar" "$MG_IMAGE" \
        >"$work/import.log" 2>&1 || { cat "$work/import.log" >&2; fail "podman import failed"; }
podman image exists "$MG_IMAGE" || fail "podman import did not create $MG_IMAGE"
log "built $MG_IMAGE from $bb ($(podman image inspect --format '{{.Size}}' "$MG_IMAGE") bytes)"
