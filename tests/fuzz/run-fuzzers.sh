#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Runs every fuzz-* target for SECONDS each and fails on the first crash, leak or sanitizer
# report. The corpus lives in the build directory (fuzz-corpus/<target>), seeded at run time from
# tests/fixtures (the real peer documents in tests/fixtures/peer included) and a few inline strings.
# Crash inputs are kept as fuzz-corpus/crashes/<target>-crash-*.
#
# usage: tests/fuzz/run-fuzzers.sh SECONDS [BUILD_DIR] [TARGET...]
#   BUILD_DIR: a build configured with -DCMAKE_C_COMPILER=clang -DMEMGATE_FUZZ=ON (default
#   build-fuzz). MEMGATE_PEER overrides the peer directory.
set -eu
secs=${1:?usage: run-fuzzers.sh SECONDS [BUILD_DIR] [TARGET...]}
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${2:-$src/build-fuzz}
[ $# -ge 2 ] && shift 2 || shift $#
targets=${*:-state config conf meminfo zoneinfo buddyinfo cgroup heap shell kernlog}
peer=${MEMGATE_PEER:-$src/tests/fixtures/peer}
fix=$src/tests/fixtures
corpus=$build/fuzz-corpus
mkdir -p "$corpus/crashes"

sh "$src/tests/fuzz/seeds.sh" "$corpus" "$fix" "$peer"

status=0
for t in $targets; do
        bin=$build/tests/fuzz/fuzz-$t
        if [ ! -x "$bin" ]; then
                echo "FAIL: $bin is missing (configure with -DCMAKE_C_COMPILER=clang -DMEMGATE_FUZZ=ON)" >&2
                status=1
                continue
        fi
        log=$corpus/fuzz-$t.log
        # -rss_limit_mb: the parsers must stay small; -max_len: room for deep and long documents.
        if "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=512 -max_len=1048576 -print_final_stats=1 \
                -artifact_prefix="$corpus/crashes/$t-" "$corpus/$t" >"$log" 2>&1; then
                execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
                cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || echo '?')
                ft=$(grep -oE 'ft: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || echo '?')
                n=$(find "$corpus/$t" -type f | wc -l)
                echo "ok: fuzz-$t ${secs}s: $execs executions, cov $cov, ft $ft, corpus $n"
        else
                echo "FAIL: fuzz-$t crashed; the report (see $log):" >&2
                grep -E 'ERROR|SUMMARY|runtime error|Test unit written|#[0-9]+ 0x' "$log" | head -30 >&2
                status=1
        fi
done
exit "$status"
