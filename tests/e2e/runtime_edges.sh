#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# memgate-runtime with real runc, the edges of issues 10 and 12:
# - two copies installed as "runc" on PATH (and MEMGATE_RUNTIME naming a copy) stop with an error
#   instead of executing each other forever;
# - a relative --memgate-runtime is refused (it would resolve against the bundle);
# - the runtime's --log gets the refusal as a JSON line containerd's shim reads, in the
#   --log-format asked for, and stderr stays quiet when the caller is a containerd shim
#   (tested in docker_runtime.sh); here: json and text formats by hand;
# - exec on a host that cannot run runc now (a MemAvailable-0 fixture): the cause goes to the
#   log before runc runs, runc still runs by default, and exec_check = refuse stops it.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

need_root
need_cmd runc busybox jq cmake
need_env MEMGATE_BUILD MEMGATE_FIXTURES

tmp=$(mktemp -d)
root=$tmp/runc-state
id=memgate-e2e-edges-$$
cleanup() {
        runc --root "$root" delete -f "$id" >/dev/null 2>&1 || true
        rm -rf "$tmp"
}
trap cleanup EXIT
stage_install "$tmp/stage"
wrapper=$MG_STAGE_BIN/memgate-runtime
fx=$MEMGATE_FIXTURES/procfs/host-4g-minfree-2g

b=$tmp/bundle
mkdir -p "$b/rootfs/bin" "$b/rootfs/proc" "$b/rootfs/dev" "$b/rootfs/sys"
cp "$(command -v busybox)" "$b/rootfs/bin/busybox"
for a in sh sleep true echo; do ln -s busybox "$b/rootfs/bin/$a"; done
(cd "$b" && runc spec)
jq '.process.terminal = false | .process.args = ["sleep", "60"]' "$b/config.json" >"$b/c.new" && mv "$b/c.new" "$b/config.json"

# 1. Re-entry: two copies of the wrapper named runc, both on PATH ahead of the real one.
mkdir -p "$tmp/a" "$tmp/b"
cp "$wrapper" "$tmp/a/runc"
cp "$wrapper" "$tmp/b/runc"
rc=0
timeout 20 env PATH="$tmp/a:$tmp/b:$PATH" "$tmp/a/runc" --root "$root" state nothing >"$tmp/out" 2>"$tmp/err" || rc=$?
log "two copies on PATH: exit $rc: $(cat "$tmp/err")"
[ "$rc" -ne 124 ] || fail "two copies of memgate-runtime on PATH ran until timeout(1) stopped them"
[ "$rc" -eq 127 ] || fail "re-entry: expected exit 127, got $rc"
assert_contains "$(cat "$tmp/err")" "memgate-runtime: re-entry: another memgate-runtime executed this one" \
        "the re-entry error"
assert_contains "$(cat "$tmp/err")" "\"$tmp/b/runc\"" "the re-entry error names the copy"
# MEMGATE_RUNTIME naming a copy of the wrapper
rc=0
timeout 20 env MEMGATE_RUNTIME="$tmp/b/runc" "$wrapper" --root "$root" state nothing >/dev/null 2>"$tmp/err" || rc=$?
[ "$rc" -eq 127 ] || fail "MEMGATE_RUNTIME naming a copy: expected exit 127, got $rc: $(cat "$tmp/err")"
assert_contains "$(cat "$tmp/err")" "re-entry" "MEMGATE_RUNTIME naming a copy"
# and the real runc is still found through a copy installed as runc
out=$(env PATH="$tmp/a:$PATH" "$tmp/a/runc" --version) || fail "a single copy named runc cannot find the real runc"
assert_contains "$out" "runc version" "the real runc answers through the copy"

# 2. A relative --memgate-runtime resolves against the bundle under containerd: refused.
rc=0
(cd "$b" && "$wrapper" --memgate-runtime=rootfs/bin/true --root "$root" state nothing) >/dev/null 2>"$tmp/err" || rc=$?
[ "$rc" -eq 127 ] || fail "relative --memgate-runtime: expected 127, got $rc"
assert_contains "$(cat "$tmp/err")" "is a relative path" "relative --memgate-runtime"

# 3. A refusal in the runtime log, in both formats, with nothing else in it from memgate.
for format in json text; do
        rm -f "$tmp/log"
        rc=0
        MEMGATE_PROCFS=$fx/proc MEMGATE_SYSFS=$fx/sys "$wrapper" --root "$root" --log "$tmp/log" --log-format "$format" \
                create --bundle "$b" "$id" </dev/null >/dev/null 2>"$tmp/err" || rc=$?
        [ "$rc" -eq 1 ] || fail "$format: a MemAvailable-0 host must be refused (exit $rc)"
        line=$(grep '^memgate: refused (memavailable-zero)' "$tmp/err") || fail "$format: no refusal on stderr by hand"
        log "$format log: $(cat "$tmp/log")"
        if [ "$format" = json ]; then
                # what containerd's shim does: the last "error" entry's msg
                got=$(jq -rs '[.[] | select(.level == "error")] | last | .msg' "$tmp/log")
                [ "$got" = "$line" ] || fail "json: the log's last error is not memgate's line: $got"
                jq -e 'select(.time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$"))' "$tmp/log" >/dev/null ||
                        fail "json: a record without an RFC 3339 time (containerd's decoder needs one)"
        else
                grep -q '^time="[0-9T:.Z-]*" level=error msg="memgate: refused (memavailable-zero): ' "$tmp/log" ||
                        fail "text: no logrus-style error record"
        fi
        runc --root "$root" state "$id" >/dev/null 2>&1 && fail "$format: runc created the refused container"
done

# 4. exec on a host that cannot run runc now: warned in the log (level error, so containerd
#    shows it if runc then dies), and runc runs.
runc --root "$root" run -d --bundle "$b" "$id" </dev/null >/dev/null 2>&1 || fail "runc run -d failed"
rm -f "$tmp/log"
out=$(MEMGATE_PROCFS=$fx/proc "$wrapper" --root "$root" --log "$tmp/log" --log-format json exec "$id" echo EXEC-RAN \
        2>"$tmp/err") || fail "exec through the wrapper failed: $(cat "$tmp/err")"
[ "$out" = EXEC-RAN ] || fail "exec output is not the command's alone: $out"
msg=$(jq -rs '[.[] | select(.level == "error")] | last | .msg' "$tmp/log")
log "exec on a MemAvailable-0 host: $msg"
assert_contains "$msg" "memgate: warning (memavailable-zero): MemAvailable is 0 kB while MemFree is 2.9 GiB: runc exec may die" \
        "the exec warning in the runtime log"
assert_contains "$(cat "$tmp/err")" "memgate: warning (memavailable-zero)" "by hand the exec warning is on stderr too"
# On the real host nothing is said.
rm -f "$tmp/log"
"$wrapper" --root "$root" --log "$tmp/log" --log-format json exec "$id" true 2>"$tmp/err" || fail "plain exec failed"
[ ! -s "$tmp/log" ] || {
        # a host really short of memory would say so; then this assertion does not apply
        grep -q 'memgate: warning' "$tmp/log" && log "note: this host itself is short of memory: $(cat "$tmp/log")"
}
# exec_check = refuse: runc is not run.
printf 'exec_check = refuse\n' >"$tmp/refuse.conf"
rc=0
MEMGATE_PROCFS=$fx/proc "$wrapper" "--memgate-config=$tmp/refuse.conf" --root "$root" exec "$id" echo EXEC-RAN \
        >"$tmp/out" 2>"$tmp/err" || rc=$?
[ "$rc" -eq 1 ] || fail "exec_check = refuse: expected exit 1, got $rc"
assert_not_contains "$(cat "$tmp/out")" EXEC-RAN "exec_check = refuse: runc exec must not run"
assert_contains "$(cat "$tmp/err")" "memgate: refused (memavailable-zero)" "exec_check = refuse says so"
# ... but never kill or delete, which are how memory is freed.
rc=0
MEMGATE_PROCFS=$fx/proc "$wrapper" "--memgate-config=$tmp/refuse.conf" --root "$root" kill "$id" KILL 2>"$tmp/err" || rc=$?
[ "$rc" -eq 0 ] || fail "exec_check = refuse must not refuse kill (exit $rc): $(cat "$tmp/err")"
assert_contains "$(cat "$tmp/err")" "memgate: warning (memavailable-zero)" "kill under exec_check = refuse is warned"
log "re-entry, relative runtime, runtime log and exec budget behave as expected"
