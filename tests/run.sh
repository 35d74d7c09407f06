#!/usr/bin/env bash
# The whole test suite: install what it needs, build with warnings as errors, run every CTest
# test (Criterion suites, end-to-end runs with podman and runc, the short calibration, the
# hardening check), then the sanitizer build and the brief fuzz runs.
#   tests/run.sh            (as root on Debian 12)
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${MEMGATE_TEST_BUILD:-$src/build-test}
jobs=$(nproc)

bash "$src/contrib/install-deps.sh" --tests
[[ -x "$src/tests/e2e/install-deps.sh" ]] && bash "$src/tests/e2e/install-deps.sh"

log=$(mktemp)
trap 'rm -f "$log"' EXIT

cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_COMPILE_WARNING_AS_ERROR=ON
cmake --build "$build" -j"$jobs"
ctest --test-dir "$build" --output-on-failure | tee -a "$log"

if [[ -f "$src/tests/ci-safety.sh" ]]; then
        bash "$src/tests/ci-safety.sh" | tee -a "$log"
fi

# One closing line for every ctest run above (release suite, sanitizer suite, hardening).
awk '/tests passed, [0-9]+ tests failed out of/ { f += $4; t += $NF }
     END { printf "summary: %d passed, %d failed\n", t - f, f }' "$log"
