#!/usr/bin/env bash
# The one set-up command: install the build dependencies, build memgate, and run it on this host.
#   contrib/setup.sh            (as root on Debian 12)
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${MEMGATE_BUILD:-$src/build}
bash "$src/contrib/install-deps.sh"
cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMEMGATE_TESTS=OFF
cmake --build "$build" -j"$(nproc)"
"$build/memgate" host
