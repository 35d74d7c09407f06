#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# tests/layering.py must fail on what it exists to catch: a copy of the tree with one include
# against the stage order, one include cycle, yajl outside oci/, and a file over 500 lines.
set -eu
src=${MEMGATE_SRC:?}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0

fresh() {
        rm -rf "$tmp/t"
        mkdir -p "$tmp/t"
        cp -r "$src/hook" "$src/oci" "$src/include" "$tmp/t/"
}

expect_fail() { # what, pattern
        if out=$(python3 "$src/tests/layering.py" "$tmp/t" 2>&1); then
                echo "FAIL: layering.py passed a tree with $1"
                fails=$((fails + 1))
        elif ! printf '%s\n' "$out" | grep "$2" >/dev/null; then
                echo "FAIL: layering.py failed on $1 without saying '$2':"
                printf '%s\n' "$out"
                fails=$((fails + 1))
        else
                echo "ok: $1 is caught"
        fi
}

fresh
python3 "$src/tests/layering.py" "$tmp/t" >/dev/null || { echo "FAIL: the unchanged tree does not pass"; exit 1; }

fresh # a check that reaches up into the command line
sed -i '0,/^#include "memgate/s//#include "memgate\/cli\/options.h"\n#include "memgate/' "$tmp/t/hook/checks/slab.c"
expect_fail "checks including cli" "against the stage order"

fresh # a reader that includes the evaluation
sed -i '0,/^#include "memgate/s//#include "memgate\/evaluate\/evaluate.h"\n#include "memgate/' "$tmp/t/hook/inputs/meminfo.c"
expect_fail "inputs including evaluate" "against the stage order"

fresh # two modules of one stage including each other
printf '#include "memgate/models/kernel.h"\n' >>"$tmp/t/include/memgate/models/offheap.h"
printf '#include "memgate/models/offheap.h"\n' >>"$tmp/t/hook/models/kernel.c"
expect_fail "a cycle models/kernel <-> models/offheap" "include cycle"

fresh
printf '#include <yajl/yajl_tree.h>\n' >>"$tmp/t/hook/outputs/text.c"
expect_fail "yajl outside oci/" "yajl is known only in oci"

fresh
awk 'NR == 1 { print } END { for (i = 0; i < 600; i++) print "/* padding */" }' "$src/hook/util/io.c" >>"$tmp/t/hook/util/io.c"
expect_fail "a 600-line file" "over 500"

[ "$fails" -eq 0 ]
