#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# CTest's bench_smoke: bench.py --smoke runs every part a few times; this checks that each table
# was printed with a row for every variant. It checks no figure: speed is never asserted.
set -eu
py=$1 bench=$2 build=$3
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$py" "$bench" --build "$build" --smoke --out "$out" >/dev/null
fail=0
need() {
        if ! grep -q -- "$1" "$out"; then
                echo "bench_smoke: no line matching \"$1\" in the tables" >&2
                fail=1
        fi
}
need '^| floor | [0-9.]* ms |.* M | 0 |$'
need '^| memgate hook | [0-9.]* ms |.*| 0 |$'
need '^| memgate hook, restart (replaces memgate.json) | [0-9.]* ms |.*| 0 |$'
need '^| shell+jq hook | [0-9.]* ms |'
need '^| + fork/wait | [0-9.]* ms |.*| 0 |$'
need '^| + seccomp | [0-9.]* ms |.*| 0 |$'
need '^| + fsync | [0-9.]* ms |.*| 0 |$'
need '^| + syslog line | [0-9.]* ms |.*| 0 |$'
need '^| 10 kB | '
need '^| 1,000 kB | '
need '^| 10,000 kB | '
need '^| 192 CPUs, 8 nodes'
if [ "$(id -u)" = 0 ] && command -v runc >/dev/null && [ -x /bin/busybox ]; then
        need '^| runc run | [0-9.]* ms |'
        need '^| runc run + memgate hook | [0-9.]* ms |.*| 0 |$'
        need '^| memgate-runtime create | [0-9.]* ms |.*| 0 |$'
        need '^| memgate-runtime exec | [0-9.]* ms |.*| 0 |$'
else
        echo "bench_smoke: NOT ROOT or no runc/busybox-static: the container-start part was skipped" >&2
        need 'Container start: SKIPPED'
fi
[ $fail = 0 ] || { cat "$out" >&2; exit 1; }
cat "$out"
