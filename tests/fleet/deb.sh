#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The Debian package: built with CPack from this build tree, lintian clean (no error or warning),
# installed with dpkg -i, exercised by podman through the hooks.d file it installs (a healthy
# container runs, a JVM whose heap fills its limit is refused by the hook), then removed and
# purged: nothing it installed is left, and any file it replaced is put back as it was.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
need_root "dpkg -i"
need_cmd dpkg
need_cmd cpack
need_cmd lintian
need_cmd podman
need_cmd runc
BUILD=${MEMGATE_BUILD:?}
BB=$(command -v busybox) || skip "needs busybox-static (tests/e2e/install-deps.sh)"
if dpkg-query -W -f='${Status}' memgate 2>/dev/null | grep installed >/dev/null; then
        skip "a memgate package is installed on this host; not touching it"
fi

WORK=$(mktemp -d)
IMAGE=localhost/memgate-fleet-deb:$$
NAME=memgate-fleet-deb-$$
INSTALLED=
. "$(dirname "$0")/../e2e/podman-cgroups.sh"
LIBPOD_PARENT_BEFORE=absent
mg_libpod_parent_existed && LIBPOD_PARENT_BEFORE=existed
cleanup() {
        podman rm -f "$NAME" >/dev/null 2>&1 || true
        podman rmi -f "$IMAGE" >/dev/null 2>&1 || true
        [ "$LIBPOD_PARENT_BEFORE" = existed ] || mg_libpod_parent_remove
        if [ -n "$INSTALLED" ]; then dpkg_retry --purge memgate >/dev/null 2>&1 || true; fi
        # Put back what the package replaced (it owns no file another package owns: dpkg refuses that).
        if [ -s "$WORK/replaced.list" ]; then
                while IFS= read -r f; do cp -a "$WORK/backup$f" "$f"; done < "$WORK/replaced.list"
        fi
        rm -rf "$WORK"
}
trap cleanup EXIT

# dpkg takes its lock without waiting; another apt or dpkg on the host is no failure of ours.
dpkg_retry() {
        local i
        for i in $(seq 1 60); do
                if dpkg "$@" 2> "$WORK/dpkg.err"; then return 0; fi
                grep -q 'lock' "$WORK/dpkg.err" || { cat "$WORK/dpkg.err" >&2; return 1; }
                sleep 2
        done
        cat "$WORK/dpkg.err" >&2
        return 1
}

cpack -G DEB -B "$WORK/pkg" --config "$BUILD/CPackConfig.cmake" > "$WORK/cpack.log" 2>&1 ||
        { cat "$WORK/cpack.log" >&2; fail "cpack -G DEB"; }
DEB=$(ls "$WORK"/pkg/memgate_*.deb)
lintian --fail-on error,warning "$DEB" 2>&1 | grep -v 'root privileges' || true
lintian --fail-on error,warning "$DEB" > /dev/null 2>&1 || fail "lintian reports errors or warnings"

# What the package holds, and which of its files already exist here (to restore them).
dpkg-deb -c "$DEB" | awk '{print $6}' | sed 's|^\.||; s|/$||' | grep -v '^$' > "$WORK/contents"
: > "$WORK/replaced.list"
: > "$WORK/existed.list"
while IFS= read -r p; do
        if [ -e "$p" ] || [ -L "$p" ]; then
                echo "$p" >> "$WORK/existed.list"
                if [ ! -d "$p" ]; then
                        mkdir -p "$WORK/backup$(dirname "$p")"
                        cp -a "$p" "$WORK/backup$p"
                        echo "$p" >> "$WORK/replaced.list"
                fi
        fi
done < "$WORK/contents"
for f in /usr/bin/memgate /usr/share/containers/oci/hooks.d/memgate.json /usr/share/man/man5/memgate.conf.5.gz \
        /usr/lib/systemd/system/memgate-textfile.timer; do
        grep -qx "$f" "$WORK/contents" || fail "the package lacks $f"
done

INSTALLED=1
dpkg_retry -i "$DEB" || fail "dpkg -i"
dpkg-query -W -f='${Status}' memgate | grep 'install ok installed' >/dev/null || fail "dpkg says memgate is not installed"
/usr/bin/memgate --version | grep "memgate " >/dev/null || fail "the installed memgate does not run"
man -w memgate.conf > /dev/null 2>&1 || fail "man cannot find memgate.conf(5)"
hookbin=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["hook"]["path"])' \
        /usr/share/containers/oci/hooks.d/memgate.json)
[ "$hookbin" = /usr/bin/memgate ] || fail "the hooks.d file names $hookbin"

# A busybox image of our own (no registry), removed on exit.
mkdir -p "$WORK/rootfs/bin"
cp "$BB" "$WORK/rootfs/bin/busybox"
ln -s busybox "$WORK/rootfs/bin/sh"
ln -s busybox "$WORK/rootfs/bin/echo"
tar -C "$WORK/rootfs" -cf "$WORK/rootfs.tar" .
podman import --change 'ENV=PATH=/bin' "$WORK/rootfs.tar" "$IMAGE" > /dev/null 2>&1 || fail "podman import"
U=(--ulimit nofile=1024:1024 --ulimit nproc=1024:1024)
out=$(podman --runtime runc run --rm --network=none --pull=never --name "$NAME" "${U[@]}" "$IMAGE" sh -c 'echo CONTAINER-RAN' 2>&1) ||
        fail "a healthy container did not start with the packaged hook: $out"
case "$out" in *CONTAINER-RAN*) ;; *) fail "the container did not run: $out" ;; esac
rc=0
out=$(podman --runtime runc run --rm --network=none --pull=never --name "$NAME" "${U[@]}" --memory 64m "$IMAGE" \
        sh -c 'echo CONTAINER-RAN; exec java -Xmx64m -jar app.jar' 2>&1) || rc=$?
[ "$rc" -ne 0 ] || fail "the packaged hook let a JVM whose heap fills its 64 MiB limit start: $out"
case "$out" in *CONTAINER-RAN*) fail "the refused container ran: $out" ;; esac
case "$out" in *"memgate: refused (offheap-margin)"*) ;; *) fail "podman's error does not carry memgate's refusal: $out" ;; esac
echo "podman ran the packaged hook: healthy start allowed, offheap-margin refused"

dpkg_retry -r memgate || fail "dpkg -r"
dpkg_retry --purge memgate || fail "dpkg --purge"
INSTALLED=
dpkg-query -W -f='${Status}' memgate 2>/dev/null | grep 'installed' >/dev/null && fail "memgate still installed after purge"
left=()
while IFS= read -r p; do
        grep -qx "$p" "$WORK/existed.list" && continue
        if [ -e "$p" ] || [ -L "$p" ]; then left+=("$p"); fi
done < "$WORK/contents"
[ ${#left[@]} -eq 0 ] || fail "purge left behind: ${left[*]}"
[ ! -e /etc/memgate ] || grep -qx /etc/memgate "$WORK/existed.list" || fail "purge left /etc/memgate"
echo "PASS: lintian clean; dpkg -i, podman through the hook, dpkg -r and --purge leave nothing behind"
