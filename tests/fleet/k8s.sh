#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# contrib/kubernetes, offline:
# 1. every manifest (the installer's DaemonSet among them, the RuntimeClasses, the PrometheusRule)
#    validates against the Kubernetes schemas (npm kubernetes-models, installed into the build
#    directory) and has no unknown field (python3-kubernetes models); a broken DaemonSet fails both.
# 2. memgate-node-install, the DaemonSet's entry point, on fake node roots for each runtime: what it
#    installs, whether it restarts the runtime (only when containerd's config changed), that the
#    installed hook runs through its bundled loader, the metrics file, and that SIGTERM leaves the
#    node's files exactly as they were.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
need_cmd node
need_cmd npm
SRC=${MEMGATE_SRC:?}
BUILD=${MEMGATE_BUILD:?}
MG=${MEMGATE_BIN:?}
PY=/usr/bin/python3
$PY -c 'import kubernetes, yaml' 2>/dev/null || skip "needs Debian's python3-kubernetes and python3-yaml"
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d)
PIDS=()
cleanup() {
        for p in "${PIDS[@]}"; do
                pkill -9 -P "$p" 2>/dev/null || true # its sleep
                kill -9 "$p" 2>/dev/null || true
                wait "$p" 2>/dev/null || true
        done
        rm -rf "$WORK"
}
trap cleanup EXIT

# ---- 1. the manifests
NPM="$BUILD/fleet-npm"
if ! cmp -s "$HERE/k8s/package.json" "$NPM/package.json" || [ ! -d "$NPM/node_modules/kubernetes-models" ]; then
        rm -rf "$NPM"
        mkdir -p "$NPM"
        cp "$HERE/k8s/package.json" "$NPM/"
        (cd "$NPM" && npm install --no-audit --no-fund --loglevel=error > npm.log 2>&1) ||
                skip "npm install of the Kubernetes schemas failed (no npm registry?): $(tail -3 "$NPM/npm.log")"
fi
cp "$HERE/k8s/validate.mjs" "$NPM/"
MANIFESTS=("$SRC"/contrib/kubernetes/*.yaml "$SRC/contrib/prometheus/memgate-prometheusrule.yaml")
node "$NPM/validate.mjs" "${MANIFESTS[@]}" | tee "$WORK/validate.out" || fail "a manifest does not validate"
grep -q "DaemonSet memgate: valid" "$WORK/validate.out" || fail "the DaemonSet was not validated"
$PY "$HERE/k8s/strict.py" "${MANIFESTS[@]}" || fail "a manifest has unknown fields"
# The validators can fail: a DaemonSet without its selector, and one with a misspelt field.
$PY - "$SRC/contrib/kubernetes/memgate-installer.yaml" "$WORK" <<'PY'
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d and d["kind"] == "DaemonSet"]
a = yaml.safe_load(yaml.safe_dump(docs[0])); del a["spec"]["selector"]
b = yaml.safe_load(yaml.safe_dump(docs[0])); b["spec"]["template"]["spec"]["containers"][0]["volumeMount"] = []
yaml.safe_dump(a, open(sys.argv[2] + "/no-selector.yaml", "w"))
yaml.safe_dump(b, open(sys.argv[2] + "/misspelt.yaml", "w"))
PY
node "$NPM/validate.mjs" "$WORK/no-selector.yaml" > /dev/null && fail "schema validation accepted a DaemonSet without selector"
$PY "$HERE/k8s/strict.py" "$WORK/misspelt.yaml" > /dev/null && fail "the unknown-field check accepted volumeMount"
echo "manifests valid; broken ones rejected"

# ---- 2. the installer on fake nodes
BIN="$WORK/bin"
mkdir -p "$BIN"
cp "$MG" "${MEMGATE_RUNTIME_BIN:?}" "$BIN/"
cat > "$WORK/containerd.toml" <<'TOML'
version = 2
[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"
  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
    SystemdCgroup = true
TOML

new_node() { # NAME: a node root with what a node has before memgate
        local r="$WORK/$1"
        mkdir -p "$r/etc/containerd" "$r/opt" "$r/var/lib/prometheus/node-exporter"
        cp "$WORK/containerd.toml" "$r/etc/containerd/config.toml"
        echo "$r"
}
snapshot() { # ROOT: every path with its type and content hash, the textfile directory aside
        (cd "$1" && find . -path ./var/lib/prometheus/node-exporter -prune -o -printf '%y %m %p\n' | sort &&
                find . -type f -not -path './var/lib/prometheus/*' -exec md5sum {} + | sort -k2)
}
start() { # ROOT RUNTIME [ENV...]: starts the installer in the background
        local root=$1 rt=$2
        shift 2
        env HOST_ROOT="$root" MEMGATE_RUNTIME="$rt" MEMGATE_BIN_DIR="$BIN" MEMGATE_INTERVAL=3600 \
                MEMGATE_TEXTFILE="$SRC/contrib/systemd/memgate-textfile" MEMGATE_PROC="$WORK/noproc" \
                MEMGATE_RESTART="echo \"\$1\" >> \"$root.restarts\"" MEMGATE_CONF="$WORK/site.conf" "$@" \
                bash "$SRC/contrib/kubernetes/memgate-node-install" >> "$root.log" 2>&1 &
        INST=$!
        PIDS+=("$INST")
        local i
        for i in $(seq 1 600); do # until installed and the first metrics are written (bounded)
                [ -f "$root/var/lib/memgate-installer/mode" ] && [ -f "$root/var/lib/prometheus/node-exporter/memgate.prom" ] && return 0
                kill -0 "$INST" 2>/dev/null || fail "installer died: $(cat "$root.log")"
                sleep 0.1
        done
        fail "installer never finished: $(cat "$root.log")"
}
stop() { # ROOT
        kill -TERM "$INST"
        wait "$INST" || fail "installer exited $? on SIGTERM: $(cat "$1.log")"
}
restarts() { [ -f "$1.restarts" ] && wc -l < "$1.restarts" || echo 0; }
mkdir -p "$WORK/noproc"
echo 'policy = warn' > "$WORK/site.conf"

run_hook() { # ROOT: the installed hooks.d entry, run as runc would (path, args), evaluating the host
        $PY - "$1" <<'PY'
import json, subprocess, sys
root = sys.argv[1]
h = json.load(open(root + "/etc/containers/oci/hooks.d/memgate.json"))["hook"]
args = [a.replace("/opt/memgate", root + "/opt/memgate") for a in h["args"]]
args[-1] = "host"  # the same binary and loader, on the host instead of a container's state
out = subprocess.run([root + h["path"]] + args[1:] + ["--format", "prometheus"], capture_output=True, text=True)
assert out.returncode in (0, 1) and "memgate_memtotal_bytes" in out.stdout, (out.returncode, out.stderr)
PY
}

# CRI-O: the hooks.d file, no restart; a site's memgate.conf is left alone.
R=$(new_node crio)
mkdir -p "$R/etc/memgate"
echo 'policy = enforce' > "$R/etc/memgate/memgate.conf"
before=$(snapshot "$R")
start "$R" cri-o://1.28.1
[ "$(cat "$R/var/lib/memgate-installer/mode")" = hooks.d ] || fail "cri-o: mode $(cat "$R/var/lib/memgate-installer/mode")"
run_hook "$R" || fail "cri-o: the installed hook does not run"
[ "$(restarts "$R")" -eq 0 ] || fail "cri-o: the runtime was restarted"
grep -q enforce "$R/etc/memgate/memgate.conf" || fail "cri-o: the site's memgate.conf was replaced"
grep -q '^memgate_info' "$R/var/lib/prometheus/node-exporter/memgate.prom" || fail "cri-o: no metrics"
stop "$R"
[ "$(snapshot "$R")" = "$before" ] || { diff <(echo "$before") <(snapshot "$R") >&2; fail "cri-o: SIGTERM left the node changed"; }
[ ! -e "$R/var/lib/prometheus/node-exporter/memgate.prom" ] || fail "cri-o: the metrics file was left"
echo "cri-o: hooks.d, no restart, undone"

# containerd 1.7 with NRI and the hook injector: the hooks.d file, no restart.
R=$(new_node nri)
printf '[plugins."io.containerd.nri.v1.nri"]\n  disable = false\n' >> "$R/etc/containerd/config.toml"
mkdir -p "$R/opt/nri/plugins"
touch "$R/opt/nri/plugins/10-hook-injector"
before=$(snapshot "$R")
start "$R" containerd://1.7.13
[ "$(cat "$R/var/lib/memgate-installer/mode")" = nri ] || fail "nri: mode $(cat "$R/var/lib/memgate-installer/mode")"
run_hook "$R" || fail "nri: the installed hook does not run"
grep -q policy "$R/etc/memgate/memgate.conf" || fail "nri: memgate.conf not installed"
[ "$(restarts "$R")" -eq 0 ] || fail "nri: containerd was restarted"
cmp -s "$WORK/containerd.toml" <(head -5 "$R/etc/containerd/config.toml") || fail "nri: containerd's config changed"
stop "$R"
[ "$(snapshot "$R")" = "$before" ] || { diff <(echo "$before") <(snapshot "$R") >&2; fail "nri: SIGTERM left the node changed"; }
echo "containerd+NRI: hooks.d, no restart, undone"

# containerd without NRI: the memgate handler, one restart; a pod restarted after a crash (no
# SIGTERM) finds the handler in place and does not restart again; SIGTERM restores the config.
R=$(new_node containerd)
before=$(snapshot "$R")
start "$R" containerd://1.7.13
[ "$(cat "$R/var/lib/memgate-installer/mode")" = runtime ] || fail "containerd: mode $(cat "$R/var/lib/memgate-installer/mode")"
grep -q 'BinaryName = "/opt/memgate/bin/memgate-runtime-wrapper"' "$R/etc/containerd/config.toml" ||
        fail "containerd: no memgate handler in config.toml"
grep -A8 'runtimes.memgate]' "$R/etc/containerd/config.toml" | grep 'SystemdCgroup = true' >/dev/null ||
        fail "containerd: the handler does not keep the node's SystemdCgroup"
[ "$(restarts "$R")" -eq 1 ] || fail "containerd: restarted $(restarts "$R") times, expected once"
"$R/opt/memgate/bin/memgate-runtime-wrapper" --version > /dev/null 2>&1 ||
        sed "s|/opt/memgate|$R/opt/memgate|g" "$R/opt/memgate/bin/memgate-runtime-wrapper" | sh -s -- --version > /dev/null ||
        fail "containerd: the runtime wrapper does not run"
# A crash: the installer and its sleep die without undoing anything.
pkill -9 -P "$INST" || true
kill -9 "$INST"
wait "$INST" 2>/dev/null || true
rm -f "$R/var/lib/prometheus/node-exporter/memgate.prom" "$R/var/lib/memgate-installer/mode"
start "$R" containerd://1.7.13
[ "$(restarts "$R")" -eq 1 ] || fail "containerd: restarted again although the config had not changed"
stop "$R"
[ "$(restarts "$R")" -eq 2 ] || fail "containerd: not restarted after the handler was removed"
cmp -s "$WORK/containerd.toml" "$R/etc/containerd/config.toml" || fail "containerd: config.toml not restored"
[ "$(snapshot "$R")" = "$before" ] || { diff <(echo "$before") <(snapshot "$R") >&2; fail "containerd: SIGTERM left the node changed"; }
echo "containerd: handler, restart only on change, undone"

# An unsupported runtime: metrics only, said loudly.
R=$(new_node docker)
before=$(snapshot "$R")
start "$R" docker://20.10.24
[ "$(cat "$R/var/lib/memgate-installer/mode")" = metrics ] || fail "docker: mode $(cat "$R/var/lib/memgate-installer/mode")"
grep -q 'WARNING: runtime "docker://20.10.24" is not supported' "$R.log" || fail "docker: no warning"
[ ! -e "$R/etc/containers" ] || fail "docker: a hooks.d file was installed"
stop "$R"
[ "$(snapshot "$R")" = "$before" ] || fail "docker: SIGTERM left the node changed"
echo "PASS: manifests valid offline; the installer attaches memgate per runtime and undoes it on SIGTERM"
