#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Every man page in man/ renders without a warning from man and groff (`man --warnings`), and names
# only sections it has. Any stderr output is a failure.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
need_cmd man
SRC=${MEMGATE_SRC:?}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
n=0
for page in "$SRC"/man/*.[1-8]; do
        LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$page" > "$WORK/out" 2> "$WORK/err" || fail "$page: man failed"
        [ ! -s "$WORK/err" ] || fail "$page: $(cat "$WORK/err")"
        [ -s "$WORK/out" ] || fail "$page: rendered nothing"
        n=$((n + 1))
done
[ "$n" -ge 3 ] || fail "only $n man pages found"
# The option memgate takes is the one memgate(1) documents.
"${MEMGATE_BIN:?}" --help | grep 'text|json|prometheus' >/dev/null || fail "memgate --help does not name prometheus"
LC_ALL=C.UTF-8 man -l "$SRC/man/memgate.1" 2>/dev/null | grep 'text|json|prometheus' >/dev/null || fail "memgate(1) does not document --format prometheus"
# memgate.conf(5) documents every key memgate.conf takes (the key table of hook/inputs/conf.c).
LC_ALL=C.UTF-8 MANWIDTH=200 man -l "$SRC/man/memgate.conf.5" 2>/dev/null > "$WORK/conf5"
keys=$(sed -n '/^} keys\[\] = {/,/^};/p' "$SRC/hook/inputs/conf.c" | grep -o '{"[a-z_]*"' | tr -d '{"')
[ -n "$keys" ] || fail "no keys found in hook/inputs/conf.c"
for k in $keys; do
        grep -Eq "(^|[^a-z_])$k([^a-z_]|\$)" "$WORK/conf5" || fail "memgate.conf(5) does not document $k"
done
echo "PASS: $n man pages render without warnings; memgate.conf(5) has all $(echo "$keys" | wc -w) keys"
