#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# memgate-runtime with real runc: `memgate-runtime create --bundle B ID` annotates B/config.json
# and runc state shows the annotations; a MemAvailable-0 host is refused before runc runs;
# other subcommands pass through; installed as "runc" ahead of the real one it finds the real one.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

need_root
need_cmd runc busybox jq cmake
need_env MEMGATE_BUILD MEMGATE_FIXTURES

tmp=$(mktemp -d)
root=$tmp/runc-state   # a runc --root of our own: nothing else on the host is touched
id=memgate-e2e-wrap-$$
id2=memgate-e2e-refused-$$
cleanup() {
        runc --root "$root" delete -f "$id" >/dev/null 2>&1 || true
        runc --root "$root" delete -f "$id2" >/dev/null 2>&1 || true
        rm -rf "$tmp"
}
trap cleanup EXIT
stage_install "$tmp/stage"
wrapper=$MG_STAGE_BIN/memgate-runtime
[ -x "$wrapper" ] || fail "no staged $wrapper"

# A bundle as `runc spec` makes it, with a busybox rootfs, a 1 GiB limit and a JVM heap that
# leaves too little off-heap room: a warning, not a refusal.
make_bundle() {
        local b=$1
        mkdir -p "$b/rootfs/bin" "$b/rootfs/proc" "$b/rootfs/dev" "$b/rootfs/sys" "$b/rootfs/tmp"
        cp "$(command -v busybox)" "$b/rootfs/bin/busybox"
        ln -s busybox "$b/rootfs/bin/sh"
        ln -s busybox "$b/rootfs/bin/sleep"
        ln -s busybox "$b/rootfs/bin/true"
        (cd "$b" && runc spec)
        jq '.process.terminal = false | .process.args = ["sleep", "30"]
            | .process.env += ["JAVA_TOOL_OPTIONS=-Xmx900m"]
            | .linux.resources.memory = {limit: 1073741824}' "$b/config.json" >"$b/config.json.new"
        mv "$b/config.json.new" "$b/config.json"
}
b=$tmp/bundle
make_bundle "$b"
cp "$b/config.json" "$tmp/original.json"

# 1. create through the wrapper, global options first as containerd passes them.
rc=0
"$wrapper" --root "$root" --log "$tmp/runc.log" --log-format json create --bundle "$b" "$id" \
        </dev/null >"$tmp/create.out" 2>"$tmp/create.err" || rc=$?
log "memgate-runtime create: exit $rc; stderr: $(cat "$tmp/create.err")"
[ "$rc" -eq 0 ] || { cat "$tmp/runc.log" 2>/dev/null; fail "memgate-runtime create failed"; }
assert_contains "$(cat "$tmp/create.err")" "memgate: warning (offheap-margin)" "the warning is printed"

state=$(runc --root "$root" state "$id")
log "runc state: $(jq -c '{status, annotations}' <<<"$state")"
[ "$(jq -r .status <<<"$state")" = created ] || fail "container is not in state created"
[ "$(jq -r '.annotations["io.memgate.verdict"]' <<<"$state")" = warn ] || fail "runc state lacks io.memgate.verdict=warn"
case ",$(jq -r '.annotations["io.memgate.findings"]' <<<"$state")," in
*,offheap-margin,*) ;;
*) fail "runc state's io.memgate.findings lacks offheap-margin" ;;
esac
# config.json: the same document plus annotations, rewritten as a regular file in place.
[ -f "$b/config.json" ] && [ ! -L "$b/config.json" ] || fail "config.json is no longer a regular file"
diff <(jq -S 'del(.annotations)' "$tmp/original.json") <(jq -S 'del(.annotations)' "$b/config.json") >"$tmp/diff" ||
        { cat "$tmp/diff"; fail "memgate-runtime changed config.json beyond the annotations"; }
extra=$(ls -A "$b" | grep -vxE 'config.json|rootfs|memgate.json' || true)
[ -z "$extra" ] || fail "memgate-runtime left files in the bundle: $extra"

# 2. Other subcommands pass straight through (and read no bundle): state, start, delete.
"$wrapper" --root "$root" state "$id" | jq -e '.id' >/dev/null || fail "state through the wrapper"
"$wrapper" --root "$root" delete -f "$id" || fail "delete -f through the wrapper"
runc --root "$root" state "$id" >/dev/null 2>&1 && fail "container still exists after delete"

# run (create + start + wait) goes through the same evaluation; --keep leaves the state to read.
jq '.process.args = ["true"]' "$b/config.json" >"$b/config.json.new" && mv "$b/config.json.new" "$b/config.json"
rc=0
"$wrapper" --root "$root" run --keep --bundle "$b" "$id" </dev/null >/dev/null 2>"$tmp/run.err" || rc=$?
[ "$rc" -eq 0 ] || fail "memgate-runtime run failed ($rc): $(cat "$tmp/run.err")"
assert_contains "$(cat "$tmp/run.err")" "memgate: warning (offheap-margin)" "run prints the warning"
[ "$(runc --root "$root" state "$id" | jq -r '.annotations["io.memgate.verdict"]')" = warn ] ||
        fail "runc state after run lacks the annotation"
runc --root "$root" delete -f "$id"
jq '.process.args = ["sleep", "30"]' "$b/config.json" >"$b/config.json.new" && mv "$b/config.json.new" "$b/config.json"

# The wrapper's cost on create, against plain runc create on the same bundle (printed only).
n=${MEMGATE_E2E_STARTS:-10}
wrap_ns=0
runc_ns=0
for i in $(seq "$n"); do
        for how in wrapper runc; do
                bin=$wrapper
                [ $how = wrapper ] || bin=runc
                t0=$(date +%s%N)
                "$bin" --root "$root" create --bundle "$b" "$id" </dev/null >/dev/null 2>&1 || fail "$how create $i failed"
                t1=$(date +%s%N)
                runc --root "$root" delete -f "$id" || fail "delete after $how create $i"
                if [ $how = wrapper ]; then wrap_ns=$((wrap_ns + t1 - t0)); else runc_ns=$((runc_ns + t1 - t0)); fi
        done
done
log "MEASURED: create: memgate-runtime $((wrap_ns / n / 1000)) us, runc alone $((runc_ns / n / 1000)) us," \
        "difference $(((wrap_ns - runc_ns) / n / 1000)) us (mean of $n each, interleaved)"

# 3. A host with MemAvailable 0: refused with exit 1, runc never creates the container.
fx=$MEMGATE_FIXTURES/procfs/host-4g-minfree-2g
b2=$tmp/bundle2
make_bundle "$b2"
cp "$b2/config.json" "$tmp/original2.json"
rc=0
MEMGATE_PROCFS=$fx/proc MEMGATE_SYSFS=$fx/sys "$wrapper" --root "$root" create -b "$b2" "$id2" \
        </dev/null >/dev/null 2>"$tmp/refuse.err" || rc=$?
log "refused create: exit $rc; stderr: $(cat "$tmp/refuse.err")"
[ "$rc" -eq 1 ] || fail "expected exit 1 on a MemAvailable-0 host, got $rc"
assert_contains "$(cat "$tmp/refuse.err")" "memgate: refused (memavailable-zero)" "refusal line"
runc --root "$root" state "$id2" >/dev/null 2>&1 && fail "runc created the refused container"
cmp -s "$tmp/original2.json" "$b2/config.json" || fail "a refused bundle's config.json was modified"

# 4. Fail open: an unreadable bundle is a warning, and runc gets to report its own error.
rc=0
"$wrapper" --root "$root" create --bundle "$tmp/no-such-bundle" "$id2" </dev/null >/dev/null 2>"$tmp/open.err" || rc=$?
assert_contains "$(cat "$tmp/open.err")" "memgate: warning" "fail-open warning"
[ "$rc" -ne 0 ] || fail "runc should still fail on a missing bundle"

# ... unless the site set fail_closed: then the same failure refuses, before runc runs.
printf 'fail_closed = true\n' >"$tmp/closed.conf"
rc=0
"$wrapper" --memgate-config="$tmp/closed.conf" --root "$root" create --bundle "$tmp/no-such-bundle" "$id2" \
        </dev/null >/dev/null 2>"$tmp/closed.err" || rc=$?
[ "$rc" -eq 1 ] || fail "fail_closed: expected exit 1, got $rc: $(cat "$tmp/closed.err")"
assert_contains "$(cat "$tmp/closed.err")" "memgate: refused (internal-error)" "fail-closed refusal"
assert_not_contains "$(cat "$tmp/closed.err")" "runc" "runc must not have run"
# A memgate.conf that cannot be parsed fails open (its fail_closed cannot be known).
printf 'no_such_key = 1\n' >"$tmp/bad.conf"
rc=0
MEMGATE_CONFIG=$tmp/bad.conf "$wrapper" --root "$root" create --bundle "$b" "$id" </dev/null >/dev/null \
        2>"$tmp/bad.err" || rc=$?
[ "$rc" -eq 0 ] || fail "a bad memgate.conf must fail open, got exit $rc: $(cat "$tmp/bad.err")"
assert_contains "$(cat "$tmp/bad.err")" "no_such_key" "the bad key is named"
runc --root "$root" delete -f "$id"

# 5. Installed as "runc" earlier on PATH, it executes the real runc, not itself.
mkdir "$tmp/shadow"
ln -s "$wrapper" "$tmp/shadow/runc"
v=$(PATH=$tmp/shadow:$PATH timeout 10 "$tmp/shadow/runc" --version) || fail "wrapper named runc failed"
assert_contains "$v" "runc version" "the real runc answered"
rc=0
MEMGATE_RUNTIME=$tmp/shadow/runc timeout 10 "$wrapper" --version >/dev/null 2>"$tmp/loop.err" || rc=$?
[ "$rc" -eq 127 ] || fail "MEMGATE_RUNTIME naming the wrapper itself must be refused (exit $rc)"
assert_contains "$(cat "$tmp/loop.err")" "itself" "the loop is explained"
log "memgate-runtime: create annotates, runc state shows it, refusal stops runc, pass-through works"
