#!/usr/bin/env bash
# Installs what memgate needs to build (and, with --tests, to run its whole test suite) from
# Debian 12's archive. Idempotent; needs root.
set -euo pipefail

build_pkgs=(build-essential cmake pkg-config libyajl-dev libseccomp-dev libcgroup-dev)
test_pkgs=(libcriterion-dev podman runc busybox-static uidmap strace clang libclang-rt-14-dev
           openjdk-17-jdk-headless golang-go python3 procps time valgrind)

pkgs=("${build_pkgs[@]}")
[[ "${1:-}" == "--tests" ]] && pkgs+=("${test_pkgs[@]}")
# Node.js for the calibration harness: any packaged node will do; skip it when one is installed.
[[ "${1:-}" == "--tests" ]] && ! command -v node >/dev/null && pkgs+=(nodejs)

missing=()
for p in "${pkgs[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep "install ok installed" >/dev/null || missing+=("$p")
done
if ((${#missing[@]})); then
        if [[ $(id -u) -ne 0 ]]; then
                echo "install-deps: need root to install: ${missing[*]}" >&2
                exit 1
        fi
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -q
        apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
