# SPDX-License-Identifier: Apache-2.0
# Shared by the fleet tests: a loud skip (exit 77, which CTest reports as skipped) and a failure.
skip() {
        echo "SKIP: $*" >&2
        exit 77
}
fail() {
        echo "FAIL: $*" >&2
        exit 1
}
need_root() {
        [ "$(id -u)" -eq 0 ] || skip "needs root ($1); CI runs it as root"
}
need_cmd() {
        command -v "$1" >/dev/null 2>&1 || skip "needs $1 (tests/e2e/install-deps.sh installs it)"
}
