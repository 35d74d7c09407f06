#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Installs what the end-to-end tests need, from Debian's archive. Idempotent: packages already
# present are left alone, and apt-get update runs only when something is missing.
set -euo pipefail

# crun is left out on purpose: installing it would change podman's default runtime on the host,
# and the tests only read its state format from a file.
# docker.io and containerd for the Docker, ctr and CRI tests (their daemons are started by the
# tests themselves, with private roots; installing them starts nothing without systemd, and the
# tests never use a system-wide daemon). The CRI client runs on Node with packages from npm.
pkgs=(podman runc busybox-static uidmap jq conmon docker.io containerd)
# fleet (tests/fleet): promtool, node_exporter 1.5, lintian, YAML and the Kubernetes models for the
# rule and manifest checks, debootstrap for the installer image's base (node and npm: below).
pkgs+=(prometheus prometheus-node-exporter lintian python3-yaml python3-kubernetes man-db debootstrap)
missing=()
for p in "${pkgs[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep 'install ok installed' >/dev/null || missing+=("$p")
done
# Any node and npm will do (a host may have them from elsewhere); else Debian's.
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ ${#missing[@]} -eq 0 ]; then
        echo "e2e dependencies present: ${pkgs[*]}"
        exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
        echo "install-deps.sh: need root to install: ${missing[*]}" >&2
        exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
echo "installed: ${missing[*]}"
