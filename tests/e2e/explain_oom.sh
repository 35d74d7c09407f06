#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Real OOM kills, then `memgate explain` on the live kernel log: a memory cgroup with a 16 MiB
# limit and a dd that needs 64 MiB in it (cgroup-limit), then a child cgroup with its own 1 GiB
# limit under the same 16 MiB parent and the same dd in the child (parent-limit). explain, reading
# /dev/kmsg and then a saved dmesg through --file, must name the class, the cgroup whose limit was
# hit, the task's cgroup and the killed task with its pid, for both kills. The cgroups are removed
# on exit, also on failure; nothing else on the host is changed.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

need_root
need_cmd jq dd dmesg
need_env MEMGATE_BIN
memgate=$MEMGATE_BIN

if [ -f /sys/fs/cgroup/memory/memory.limit_in_bytes ]; then
        hier=/sys/fs/cgroup/memory
        limit_file=memory.limit_in_bytes
elif grep -qw memory /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
        hier=/sys/fs/cgroup
        limit_file=memory.max
else
        skip "no memory cgroup hierarchy under /sys/fs/cgroup"
fi
[ -r /dev/kmsg ] || skip "/dev/kmsg is not readable"

name=memgate-explain-$$-$RANDOM
parent=$hier/$name
child=$parent/child
tmp=$(mktemp -d)

cleanup() {
        local rc=$?
        for d in "$child" "$parent"; do
                [ -d "$d" ] || continue
                while read -r p; do kill -9 "$p" 2>/dev/null || true; done <"$d/cgroup.procs"
                for _ in 1 2 3 4 5 6 7 8 9 10; do
                        rmdir "$d" 2>/dev/null && break
                        sleep 0.2
                done
                [ ! -d "$d" ] || printf 'WARNING: could not remove %s\n' "$d" >&2
        done
        rm -rf "$tmp"
        exit "$rc"
}
trap cleanup EXIT INT TERM

mkdir "$parent"
echo $((16 << 20)) >"$parent/$limit_file"
if [ "$limit_file" = memory.max ]; then
        echo +memory >"$parent/cgroup.subtree_control"
fi
mkdir "$child"
echo $((1 << 30)) >"$child/$limit_file"

# run_in CGROUP: a shell that moves itself into CGROUP, then becomes a dd that touches 64 MiB.
# Its pid is the pid the kernel kills, printed on fd 3 first.
run_in() {
        sh -c 'echo $$ >&3; echo $$ >"$1/cgroup.procs"; exec dd if=/dev/zero of=/dev/null bs=64M count=1 2>/dev/null' \
                sh "$1" 3>"$tmp/pid" || true
        cat "$tmp/pid"
}
pid_own=$(run_in "$parent")
pid_parent=$(run_in "$child")
log "killed: $pid_own in $parent, $pid_parent in $child"

rel_parent=/$name
rel_child=/$name/child

# check JSON PID CLASS TASK_CGROUP LIMIT_CGROUP: the event of that pid says what it should.
check() {
        local ev
        ev=$(jq -c --argjson pid "$2" '[.events[] | select(.task.pid == $pid)] | last' "$1")
        [ "$ev" != null ] || fail "no event for pid $2 in $1: $(jq -c '[.events[] | {class, pid: .task.pid}]' "$1")"
        [ "$(jq -r .class <<<"$ev")" = "$3" ] || fail "pid $2: class $(jq -r .class <<<"$ev"), expected $3: $ev"
        [ "$(jq -r .task.comm <<<"$ev")" = dd ] || fail "pid $2: task $(jq -r .task.comm <<<"$ev"), expected dd"
        [ "$(jq -r .memcg.task <<<"$ev")" = "$4" ] || fail "pid $2: task cgroup $(jq -r .memcg.task <<<"$ev"), expected $4"
        [ "$(jq -r .memcg.limited <<<"$ev")" = "$5" ] ||
                fail "pid $2: limited cgroup $(jq -r .memcg.limited <<<"$ev"), expected $5"
        [ "$(jq -r .memcg.limit_kb <<<"$ev")" = 16384 ] || fail "pid $2: limit $(jq -r .memcg.limit_kb <<<"$ev") kB, expected 16384"
}

# 1. the default input, /dev/kmsg: read to the end of the ring, then exit (timeout: it must not wait)
rc=0
timeout 20 "$memgate" explain --format json >"$tmp/kmsg.json" 2>"$tmp/kmsg.err" || rc=$?
[ "$rc" -eq 0 ] || fail "memgate explain exited $rc: $(cat "$tmp/kmsg.err")"
check "$tmp/kmsg.json" "$pid_own" cgroup-limit "$rel_parent" "$rel_parent"
check "$tmp/kmsg.json" "$pid_parent" parent-limit "$rel_child" "$rel_parent"

# 2. a saved dmesg through --file, and the text form names the task and the fix's place
dmesg >"$tmp/dmesg.txt"
"$memgate" explain --file "$tmp/dmesg.txt" --format json >"$tmp/file.json"
check "$tmp/file.json" "$pid_own" cgroup-limit "$rel_parent" "$rel_parent"
check "$tmp/file.json" "$pid_parent" parent-limit "$rel_child" "$rel_parent"
"$memgate" explain --file - <"$tmp/dmesg.txt" >"$tmp/text.txt"
text=$(cat "$tmp/text.txt")
assert_contains "$text" "killed     dd pid $pid_parent" "text report"
assert_contains "$text" "raising the limit of $rel_child alone will not help" "text report"

# 3. --since later than both kills leaves neither (they carry calendar times from /dev/kmsg)
"$memgate" explain --format json --since "@$(($(date +%s) + 60))" >"$tmp/late.json" 2>/dev/null || true
[ "$(jq --argjson a "$pid_own" --argjson b "$pid_parent" '[.events[] | select(.task.pid == $a or .task.pid == $b)] | length' "$tmp/late.json")" = 0 ] ||
        fail "--since in the future still reported these kills"
log "ok: memgate explain named both kills (cgroup-limit $pid_own, parent-limit $pid_parent)"
