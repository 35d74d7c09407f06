#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The hardening of the shipped binaries, read back from the ELF files with readelf:
# PIE, full RELRO (GNU_RELRO + BIND_NOW), a non-executable stack, the stack protector, fortified
# libc calls, and in optimised builds _FORTIFY_SOURCE=3 itself (via tests/fortify-probe.c). For a
# static PIE the calls are read from the core library it was linked from ($MEMGATE_CORE_LIB).
# usage: hardening.sh BUILD_TYPE FORTIFY_PROBE_OBJECT BINARY...
set -eu
[ $# -ge 3 ] || { echo "usage: $0 BUILD_TYPE PROBE_OBJECT BINARY..." >&2; exit 2; }
build_type=$1
probe=$2
shift 2
if ! command -v readelf >/dev/null 2>&1; then
        echo "SKIP: readelf (binutils) is not installed; hardening not checked" >&2
        exit 77
fi

fail=0
no() { echo "FAIL: $*" >&2; fail=1; }
for bin in "$@"; do
        name=$(basename "$bin")
        readelf -hW "$bin" | grep 'Type:[[:space:]]*DYN' >/dev/null || no "$name is not PIE (ELF type is not DYN)"
        dyn=$(readelf -dW "$bin")
        printf '%s\n' "$dyn" | grep -E '\(BIND_NOW\)|\(FLAGS\).*BIND_NOW|\(FLAGS_1\).*NOW' >/dev/null ||
                no "$name is not linked with -z now (no BIND_NOW / FLAGS_1 NOW): RELRO is only partial"
        printf '%s\n' "$dyn" | grep -E '\(FLAGS_1\).*PIE' >/dev/null || no "$name: FLAGS_1 lacks PIE"
        segs=$(readelf -lW "$bin")
        printf '%s\n' "$segs" | grep 'GNU_RELRO' >/dev/null || no "$name has no GNU_RELRO segment"
        printf '%s\n' "$segs" | grep 'GNU_STACK' | grep 'RWE' >/dev/null && no "$name has an executable stack"
        syms=$(readelf -sW --dyn-syms "$bin")
        if ! printf '%s\n' "$dyn" | grep '(NEEDED)' >/dev/null; then
                # A static PIE holds glibc's own __stack_chk_fail and __*_chk definitions whatever
                # memgate's code calls: look for the calls in the objects it was linked from.
                [ -n "${MEMGATE_CORE_LIB:-}" ] || { no "$name is static: set MEMGATE_CORE_LIB to check its objects"; continue; }
                syms=$(nm -u "$MEMGATE_CORE_LIB" 2>/dev/null)
                echo "note: $name is a static PIE; the stack protector and fortify calls are read from $(basename "$MEMGATE_CORE_LIB")"
        fi
        printf '%s\n' "$syms" | grep '__stack_chk_fail' >/dev/null ||
                no "$name does not call __stack_chk_fail: no stack protector"
        case "$build_type" in
        Release | RelWithDebInfo | MinSizeRel)
                chk=$(printf '%s\n' "$syms" | grep -oE '__[a-z0-9_]+_chk\b' | grep -v __stack_chk | sort -u | tr '\n' ' ')
                if [ -z "$chk" ]; then
                        no "$name has no fortified (__*_chk) libc calls"
                else
                        echo "ok: $name fortified calls: $chk"
                fi
                ;;
        esac
        [ "$fail" -eq 0 ] && echo "ok: $name is PIE, full RELRO, non-executable stack, stack protector"
done

case "$build_type" in
Release | RelWithDebInfo | MinSizeRel)
        if readelf -sW "$probe" | grep '__memcpy_chk' >/dev/null; then
                echo "ok: _FORTIFY_SOURCE=3 is in effect (malloc-sized memcpy became __memcpy_chk)"
        else
                no "_FORTIFY_SOURCE=3 is not in effect in a $build_type build (probe has a plain memcpy)"
        fi
        ;;
*)
        echo "note: $build_type is not an optimised build; _FORTIFY_SOURCE is off by design, not checked"
        ;;
esac
exit "$fail"
