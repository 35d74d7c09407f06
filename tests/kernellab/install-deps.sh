#!/usr/bin/env bash
# What the kernel lab needs on the host, from Debian's archive: qemu (TCG needs nothing else),
# gcc for the static helpers, python3 for the evaluation, runc (copied into the guest). Go is
# optional (the Go hello measurement). The kernel, busybox-static and crun are not installed:
# fetch.sh downloads and unpacks them into the lab's cache.
set -euo pipefail
need=()
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
command -v gcc >/dev/null || need+=(gcc libc6-dev)
command -v python3 >/dev/null || need+=(python3)
[[ -x /usr/sbin/runc ]] || need+=(runc)
command -v go >/dev/null || need+=(golang-go)
if [[ ${#need[@]} -gt 0 ]]; then
        echo "kernellab: installing ${need[*]}"
        [[ -n $(find /var/lib/apt/lists -name '*Packages*' -print -quit 2>/dev/null) ]] || apt-get update
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${need[@]}"
fi
