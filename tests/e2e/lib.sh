# SPDX-License-Identifier: Apache-2.0
# Shared by the end-to-end tests: skip rules, the test image, the staged install, assertions.
# Sourced, not executed. Every test runs with `set -euo pipefail` and cleans up after itself.

MG_IMAGE=${MG_IMAGE:-localhost/memgate-busybox:test}
# podman on these hosts cannot raise RLIMIT_NOFILE/NPROC past the hard limit it inherited.
MG_ULIMITS=(--ulimit nofile=1024:1024 --ulimit nproc=1024:1024)
MG_SKIP=77

log() { printf '%s\n' "$*"; }

skip() {
        printf '\n*** SKIP: %s ***\n\n' "$*" >&2
        exit "$MG_SKIP"
}

fail() {
        printf 'FAIL: %s\n' "$*" >&2
        exit 1
}

need_root() {
        [ "$(id -u)" -eq 0 ] || skip "end-to-end tests need root (podman --runtime runc with real cgroups); uid is $(id -u)"
}

need_cmd() {
        local c
        for c in "$@"; do
                command -v "$c" >/dev/null 2>&1 ||
                        skip "'$c' is not installed (tests/e2e/install-deps.sh installs podman, runc, busybox-static, jq)"
        done
}

need_image() {
        podman image exists "$MG_IMAGE" ||
                skip "image $MG_IMAGE is missing: the e2e_setup_image fixture did not run or failed"
}

need_env() {
        local v
        for v in "$@"; do
                [ -n "${!v:-}" ] || skip "environment variable $v is not set (run through ctest)"
        done
}

# The podman every test uses: runc, and no network (podman's default network would create the
# cni-podman0 bridge on the host and leave it there). The ulimits are MG_ULIMITS, passed by callers.
mg_podman() {
        local pre=()
        while [ $# -gt 0 ] && [ "$1" != run ] && [ "$1" != create ]; do
                pre+=("$1")
                shift
        done
        [ $# -gt 0 ] && { pre+=("$1" --network=none); shift; }
        podman --runtime runc "${pre[@]}" "$@"
}

# assert_contains HAYSTACK NEEDLE WHAT
assert_contains() {
        case "$1" in
        *"$2"*) ;;
        *) fail "$3: expected to find '$2' in: $1" ;;
        esac
}

assert_not_contains() {
        case "$1" in
        *"$2"*) fail "$3: did not expect '$2' in: $1" ;;
        *) ;;
        esac
}

# cmake --install writes install_manifest.txt into the build directory.
need_writable_build() {
        [ -w "$MEMGATE_BUILD" ] || skip "build directory $MEMGATE_BUILD is not writable by uid $(id -u):" \
                "cmake --install writes install_manifest.txt there"
}

# stage_install DIR: installs the build (MEMGATE_BUILD) with cmake --install --prefix DIR/usr,
# so the hooks.d JSON it writes names DIR/usr/bin/memgate, a path that exists. Prints nothing.
stage_install() {
        local dir=$1
        need_writable_build
        mkdir -p "$dir"
        cmake --install "$MEMGATE_BUILD" --prefix "$dir/usr" >"$dir/install.log" 2>&1 ||
                { cat "$dir/install.log" >&2; fail "cmake --install into $dir failed"; }
        MG_STAGE_BIN=$dir/usr/bin
        MG_STAGE_HOOKS=$dir/usr/share/containers/oci/hooks.d
        MG_STAGE_PRECREATE=$dir/usr/share/memgate/precreate.d
        [ -x "$MG_STAGE_BIN/memgate" ] || fail "staged install has no $MG_STAGE_BIN/memgate"
        [ -f "$MG_STAGE_HOOKS/memgate.json" ] || fail "staged install has no $MG_STAGE_HOOKS/memgate.json"
}
