#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# What `cmake --install` puts where: with DESTDIR staging (the paths inside the files are the
# final ones, DESTDIR never leaks into them) and with an install-time --prefix (the files name
# binaries under that prefix, which is what the other e2e tests register).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

need_env MEMGATE_BUILD
need_cmd cmake jq
need_writable_build

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# 1. A package build: prefix /usr, staged under DESTDIR.
DESTDIR=$tmp/root cmake --install "$MEMGATE_BUILD" --prefix /usr >"$tmp/destdir.log" 2>&1 ||
        { cat "$tmp/destdir.log"; fail "DESTDIR install failed"; }
r=$tmp/root
for f in usr/bin/memgate usr/bin/memgate-runtime usr/share/man/man1/memgate.1 usr/share/man/man1/memgate-runtime.1 \
        usr/share/containers/oci/hooks.d/memgate.json usr/share/memgate/precreate.d/memgate-precreate.json \
        usr/share/memgate/podman/containers.conf.d/memgate.conf usr/share/memgate/crio/crio.conf.d/memgate.conf \
        usr/share/memgate/docker/daemon.json usr/share/memgate/containerd/memgate-runtime.toml \
        usr/share/memgate/containerd/memgate-runtime-v3.toml usr/share/memgate/containerd/base-runtime-spec.toml \
        usr/share/memgate/containerd/base-runtime-spec-hooks.json usr/share/memgate/kubernetes/runtimeclass.yaml \
        usr/share/memgate/README.md; do
        [ -f "$r/$f" ] || fail "cmake --install did not install /$f"
done
[ -x "$r/usr/bin/memgate" ] && [ -x "$r/usr/bin/memgate-runtime" ] || fail "binaries not executable"
if grep -rl -- "$tmp" "$r" >/dev/null; then
        fail "DESTDIR leaked into installed files: $(grep -rl -- "$tmp" "$r" | tr '\n' ' ')"
fi

hook=$r/usr/share/containers/oci/hooks.d/memgate.json
jq -e '.version == "1.0.0" and .hook.path == "/usr/bin/memgate" and .hook.args == ["memgate","hook"]
       and (.hook.timeout | type == "number" and . > 0) and .when.always == true
       and .stages == ["createRuntime"]' "$hook" >/dev/null || fail "unexpected hooks.d JSON: $(cat "$hook")"
pre=$r/usr/share/memgate/precreate.d/memgate-precreate.json
jq -e '.version == "1.0.0" and .hook.path == "/usr/bin/memgate" and .hook.args == ["memgate","precreate"]
       and .stages == ["precreate"]' "$pre" >/dev/null || fail "unexpected precreate JSON: $(cat "$pre")"
[ "$(basename "$hook")" != "$(basename "$pre")" ] || fail "hook files must have distinct names (a name masks)"
jq -e '.runtimes.memgate.path == "/usr/bin/memgate-runtime"' "$r/usr/share/memgate/docker/daemon.json" >/dev/null ||
        fail "daemon.json does not name /usr/bin/memgate-runtime"
jq -e '.hooks.createRuntime[0].path == "/usr/bin/memgate"' \
        "$r/usr/share/memgate/containerd/base-runtime-spec-hooks.json" >/dev/null || fail "base spec hooks"

# The TOML drop-ins parse, and list the right directories.
if command -v python3 >/dev/null && python3 -c 'import tomllib' 2>/dev/null; then
        python3 - "$r" <<'PY' || fail "TOML drop-ins are wrong"
import sys, tomllib
r = sys.argv[1]
def load(p):
    with open(r + p, "rb") as f:
        return tomllib.load(f)
podman = load("/usr/share/memgate/podman/containers.conf.d/memgate.conf")["engine"]["hooks_dir"]
assert podman == ["/usr/share/containers/oci/hooks.d", "/etc/containers/oci/hooks.d",
                  "/usr/share/memgate/precreate.d"], podman
crio = load("/usr/share/memgate/crio/crio.conf.d/memgate.conf")["crio"]["runtime"]["hooks_dir"]
assert crio == ["/usr/share/containers/oci/hooks.d", "/etc/containers/oci/hooks.d"], crio
assert not any("precreate" in d for d in crio), "CRI-O must not read the precreate directory"
ctd = load("/usr/share/memgate/containerd/memgate-runtime.toml")
h = ctd["plugins"]["io.containerd.grpc.v1.cri"]["containerd"]["runtimes"]["memgate"]
assert h["runtime_type"] == "io.containerd.runc.v2" and h["options"]["BinaryName"] == "/usr/bin/memgate-runtime", h
ctd3 = load("/usr/share/memgate/containerd/memgate-runtime-v3.toml")
h3 = ctd3["plugins"]["io.containerd.cri.v1.runtime"]["containerd"]["runtimes"]["memgate"]
assert h3["options"]["BinaryName"] == "/usr/bin/memgate-runtime", h3
print("TOML drop-ins parse and list the expected directories")
PY
else
        log "note: python3 tomllib missing, TOML drop-ins not parsed"
fi

# The man pages render without warnings.
if command -v man >/dev/null; then
        for m in memgate memgate-runtime; do
                w=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$r/usr/share/man/man1/$m.1" 2>&1 >/dev/null || true)
                [ -z "$w" ] || fail "man page $m.1 has warnings: $w"
        done
fi

# 2. An install-time prefix: the files name binaries that exist under it.
cmake --install "$MEMGATE_BUILD" --prefix "$tmp/usr" >"$tmp/prefix.log" 2>&1 ||
        { cat "$tmp/prefix.log"; fail "--prefix install failed"; }
p=$(jq -r .hook.path "$tmp/usr/share/containers/oci/hooks.d/memgate.json")
[ "$p" = "$tmp/usr/bin/memgate" ] || fail "hooks.d JSON names $p, expected $tmp/usr/bin/memgate"
[ -x "$p" ] || fail "$p is not an executable"
"$p" --help >/dev/null 2>&1 || "$p" host --procfs "$MEMGATE_SRC/tests/fixtures/procfs/host-4g-default/proc" \
        --sysfs "$MEMGATE_SRC/tests/fixtures/procfs/host-4g-default/sys" >/dev/null ||
        fail "the installed memgate does not run"
grep -q "$tmp/usr/share/memgate/precreate.d" "$tmp/usr/share/memgate/podman/containers.conf.d/memgate.conf" ||
        fail "podman drop-in does not list the installed precreate directory"
grep -q "install_manifest" <<<"$(ls "$MEMGATE_BUILD")" &&
        grep -q "hooks.d/memgate.json" "$MEMGATE_BUILD/install_manifest.txt" ||
        fail "the generated hook files are not in install_manifest.txt"
log "install layout: DESTDIR and --prefix installs are correct"
