#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# CTest fixture cleanup: removes the test image and any container a failed test left behind.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || exit 0
command -v podman >/dev/null 2>&1 || exit 0
# Only containers of this run's image: another build tree's run may be going on beside us.
for c in $(podman ps -a --filter ancestor="$MG_IMAGE" --format '{{.ID}}' 2>/dev/null); do
        podman rm -f "$c" >/dev/null 2>&1 || true
done
podman rmi -f "$MG_IMAGE" >/dev/null 2>&1 || true
if podman image exists "$MG_IMAGE"; then
        fail "could not remove $MG_IMAGE"
fi
log "removed $MG_IMAGE"
. "$(dirname "$0")/podman-cgroups.sh"
if [ "$(cat "$MEMGATE_BUILD/e2e-libpod-parent" 2>/dev/null)" = absent ]; then
        mg_libpod_parent_remove
        mg_libpod_parent_existed && log "warning: podman's $MG_LIBPOD_PARENT cgroup is still in use; left"
fi
rm -f "$MEMGATE_BUILD/e2e-libpod-parent"
