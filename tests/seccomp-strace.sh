#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Proof that a real `memgate hook` run loads its seccomp filter before it reads (let alone
# parses) the OCI state on stdin or config.json: strace -f of the run, then the order of the
# seccomp(SECCOMP_SET_MODE_FILTER) call and the first read of stdin / open of config.json in the
# same process. Exit 77 (CTest: skipped) when strace or ptrace is not available.
set -eu
: "${MEMGATE_BIN:?run through ctest}" "${MEMGATE_FIXTURES:?run through ctest}"

if ! command -v strace >/dev/null 2>&1; then
        echo "SKIP: strace is not installed (apt-get install strace); the seccomp order was not checked" >&2
        exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if ! strace -o /dev/null true 2>/dev/null; then
        echo "SKIP: ptrace is not permitted here; the seccomp order was not checked" >&2
        exit 77
fi

mkdir -p "$work/bundle/rootfs"
: >"$work/memgate.conf"
cat >"$work/bundle/config.json" <<'JSON'
{"ociVersion": "1.0.2", "process": {"args": ["java", "-Xmx600m", "-jar", "app.jar"], "env": []},
 "root": {"path": "rootfs"}, "linux": {"resources": {"memory": {"limit": 1073741824}}}}
JSON
printf '{"ociVersion":"1.0.2","id":"strace-test","pid":%d,"status":"creating","bundle":"%s/bundle"}' \
        $$ "$work" >"$work/state.json"
host="$MEMGATE_FIXTURES/procfs/host-4g-default"

rc=0
# LeakSanitizer cannot run under ptrace; in a Sanitize build the leak check is the unit suites' job.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
strace -f -o "$work/trace" -e trace=seccomp,prctl,read,openat,clone,fork,vfork \
        "$MEMGATE_BIN" hook --procfs "$host/proc" --sysfs "$host/sys" --config "$work/memgate.conf" \
        <"$work/state.json" >"$work/out" 2>"$work/err" || rc=$?
if [ "$rc" -ne 0 ] || grep -q 'error' "$work/err"; then
        echo "FAIL: memgate hook exited $rc under strace" >&2
        cat "$work/err" >&2
        exit 1
fi

# The process that loaded the filter, and the line where it did.
load=$(grep -m1 -n 'seccomp(SECCOMP_SET_MODE_FILTER, 0, {len=[0-9]*, filter=.*}) = 0' "$work/trace")
if [ -z "$load" ]; then
        echo "FAIL: no seccomp filter was loaded; the trace:" >&2
        cat "$work/trace" >&2
        exit 1
fi
load_line=${load%%:*}
pid=$(printf '%s\n' "$load" | cut -d: -f2 | awk '{print $1}')
nnp=$(grep -m1 -n "^$pid  *prctl(PR_SET_NO_NEW_PRIVS, 1" "$work/trace" | cut -d: -f1)
stdin_line=$(grep -m1 -n "^$pid  *read(0," "$work/trace" | cut -d: -f1)
config_line=$(grep -m1 -n "^$pid  *openat(.*\"config.json\"" "$work/trace" | cut -d: -f1)
meminfo_line=$(grep -m1 -n "^$pid  *openat(.*\"meminfo\"" "$work/trace" | cut -d: -f1)

fail=0
check() { # what line
        if [ -z "$2" ]; then
                echo "FAIL: process $pid never did: $1" >&2
                fail=1
        elif [ "$2" -le "$load_line" ]; then
                echo "FAIL: $1 (trace line $2) happened before the seccomp filter (line $load_line)" >&2
                fail=1
        else
                echo "ok: $1 at trace line $2, after the filter at line $load_line"
        fi
}
if [ -z "$nnp" ] || [ "$nnp" -gt "$load_line" ]; then
        echo "FAIL: PR_SET_NO_NEW_PRIVS not set before the filter" >&2
        fail=1
fi
check "read of the state on stdin" "$stdin_line"
check "open of config.json" "$config_line"
check "open of meminfo" "$meminfo_line"
if [ ! -s "$work/bundle/memgate.json" ]; then
        echo "FAIL: memgate.json was not written under the filter" >&2
        fail=1
fi
if grep -q 'SIGSYS' "$work/trace"; then
        echo "FAIL: a system call outside the allowlist killed the run:" >&2
        grep SIGSYS "$work/trace" >&2
        fail=1
fi
[ "$fail" -eq 0 ] || { cat "$work/trace" >&2; exit 1; }
echo "seccomp filter loaded by pid $pid at trace line $load_line, before any untrusted input was read"
