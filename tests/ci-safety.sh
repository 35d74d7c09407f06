#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The safety part of CI (issue 5), called by tests/run.sh after the main build:
#   1. the Sanitize build (ASan + UBSan, -fno-sanitize-recover=all) with warnings as errors, and
#      the whole CTest suite under it (every suite, the malformed inputs, the hook runs);
#   2. the hardening check (readelf: PIE, full RELRO, stack protector, _FORTIFY_SOURCE=3) on a
#      RelWithDebInfo build of the shipped binaries;
#   3. the libFuzzer build with clang and a brief run of every fuzz-* target, then every input the
#      fuzzers grew through the real confined memgate (tests/hostile/sweep.py --corpus).
# About 8-10 minutes on 2 cores. Knobs: MEMGATE_FUZZ_SECONDS (default 10 per target),
# MEMGATE_CI_DIR (build directories, default <src>/build-ci-*).
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
base=${MEMGATE_CI_DIR:-$src}
fuzz_secs=${MEMGATE_FUZZ_SECONDS:-10}
jobs=$(nproc)
((jobs > 2)) && jobs=2

# What these steps need beyond the ordinary build dependencies, on a fresh Debian 12.
need=()
command -v clang >/dev/null || need+=(clang)
command -v strace >/dev/null || need+=(strace)
command -v readelf >/dev/null || need+=(binutils)
dpkg-query -W -f='${Status}' libclang-rt-14-dev 2>/dev/null | grep "install ok installed" >/dev/null ||
        need+=(libclang-rt-14-dev)
if ((${#need[@]})); then
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -q
        apt-get install -y -q --no-install-recommends "${need[@]}"
fi

step() { printf '\n==== %s (%s)\n' "$1" "$(date +%T)"; }

step "Sanitize build (ASan+UBSan), warnings as errors"
san=$base/build-ci-sanitize
cmake -S "$src" -B "$san" -DCMAKE_BUILD_TYPE=Sanitize -DCMAKE_COMPILE_WARNING_AS_ERROR=ON
cmake --build "$san" -j"$jobs"
step "the whole suite under ASan+UBSan (but the kernel lab and the bench)"
# halt_on_error and abort make any report a failed test; detect_leaks is ASan's default.
# The kernel lab's short run (label kernellab) judges verdicts against real kernels under qemu:
# it runs once, in the release build of tests/run.sh; under ASan it would take another 8-9
# minutes of TCG and prove nothing about memory safety the other tests do not. The bench's smoke
# run (label bench) also runs in the release build only: it single-steps programs under ptrace,
# and an ASan binary's start-up alone takes minutes of that; its figures would mean nothing.
ASAN_OPTIONS=halt_on_error=1:abort_on_error=1:detect_stack_use_after_return=1 \
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
        ctest --test-dir "$san" --output-on-failure -LE 'kernellab|bench'

step "hardening of the shipped binaries (RelWithDebInfo)"
rel=$base/build-ci-hardening
cmake -S "$src" -B "$rel" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_COMPILE_WARNING_AS_ERROR=ON
cmake --build "$rel" -j"$jobs" --target memgate memgate-runtime mg_fortify_probe
ctest --test-dir "$rel" --output-on-failure -R '^safety_hardening$'

step "libFuzzer build (clang) and ${fuzz_secs}s per target"
fz=$base/build-ci-fuzz
CC=clang cmake -S "$src" -B "$fz" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DMEMGATE_FUZZ=ON -DMEMGATE_TESTS=OFF
cmake --build "$fz" -j"$jobs"
bash "$src/tests/fuzz/run-fuzzers.sh" "$fuzz_secs" "$fz"

step "every input the fuzzers grew, through the real confined hook, precreate and memgate-runtime"
# tests/hostile/sweep.py: the fixture matrix and the seeds (as in ctest), plus fuzz-corpus/<target>/*.
python3 "$src/tests/hostile/sweep.py" "$rel/memgate" "$rel/memgate-runtime" "$src" --corpus "$fz/fuzz-corpus"

step "safety checks passed"
