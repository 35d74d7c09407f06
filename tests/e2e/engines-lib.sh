# SPDX-License-Identifier: Apache-2.0
# Shared by the Docker, ctr and CRI end-to-end tests: a private containerd (with its CRI plugin)
# and a private dockerd, started and stopped by the test itself. Nothing system-wide is used or
# touched: every root, state directory, socket, pid file, runc root and cgroup parent lives under
# the test's own directory or carries the test's own name, and mg_engines_stop (run from the
# test's EXIT trap) removes containers, images, daemons, mounts and cgroups it made.
# Sourced after lib.sh, not executed.

MG_DOCKER_CLI=/usr/bin/docker   # /usr/local/bin/docker may be an unrelated client

need_engines() {
        need_root
        need_cmd containerd ctr containerd-shim-runc-v2 runc busybox jq cmake
        if [ "${1:-}" = docker ]; then
                need_cmd dockerd
                [ -x "$MG_DOCKER_CLI" ] || skip "$MG_DOCKER_CLI is missing (tests/e2e/install-deps.sh installs docker.io)"
        fi
}

# A name unique to this run: cgroup parents, namespaces, container ids.
MG_ENG_TAG=memgate-e2e-$$
MG_ENG_DIR=
MG_ENG_CGROUP=/$MG_ENG_TAG          # cgroupfs parent of every container these daemons start
MG_CTRD_PID=
MG_DOCKERD_PID=
MG_ENG_SHIM_DIRS=()                # system directories the daemons create that we made (removed if empty)
MG_ENG_LEFTOVER_FILES=()           # system files the daemons create that were not there before

# wait_for_socket SOCKET PID WHAT LOG: up to 60 s for a daemon to listen.
wait_for_socket() {
        local sock=$1 pid=$2 what=$3 logf=$4 i
        for i in $(seq 1 600); do
                [ -S "$sock" ] && return 0
                kill -0 "$pid" 2>/dev/null || { tail -n 30 "$logf" >&2; fail "$what exited while starting"; }
                sleep 0.1
        done
        tail -n 30 "$logf" >&2
        fail "$what did not create $sock within 60 s"
}

# The containerd shim puts its sockets below /run/containerd/s whatever the daemon's root is,
# ctr its FIFOs below /run/containerd/fifo, and umount (libmount) may make /run/mount.
note_shim_dirs() {
        local d
        for d in /run/containerd /run/containerd/s /run/containerd/fifo /run/mount; do
                [ -e "$d" ] || MG_ENG_SHIM_DIRS+=("$d")
        done
}

# mg_containerd_start DIR [HANDLER=BINARY...]: a containerd of our own in DIR. Each HANDLER
# becomes a CRI RuntimeClass handler whose runc binary is BINARY (containerd 1.6's
# runtimes.<name>.options.BinaryName). Sets CTR (the ctr command line) and MG_CTRD_SOCK.
mg_containerd_start() {
        local dir=$1
        shift
        MG_ENG_DIR=$dir
        mkdir -p "$dir/ctrd/root" "$dir/ctrd/state" "$dir/ctrd/runc" "$dir/ctrd/cni-conf" "$dir/ctrd/cni-bin"
        MG_CTRD_SOCK=$dir/ctrd/containerd.sock
        note_shim_dirs
        cat >"$dir/ctrd/config.toml" <<EOF
version = 2
root = "$dir/ctrd/root"
state = "$dir/ctrd/state"
oom_score = 0
disabled_plugins = ["io.containerd.internal.v1.opt", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.snapshotter.v1.aufs", "io.containerd.tracing.processor.v1.otlp"]

[grpc]
  address = "$MG_CTRD_SOCK"
[ttrpc]
  address = "$MG_CTRD_SOCK.ttrpc"
[debug]
  address = "$dir/ctrd/debug.sock"
  level = "info"
[metrics]
  address = ""

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "${MG_ENG_IMAGE:-none}"
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  enable_selinux = false
  disable_apparmor = true
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".cni]
    conf_dir = "$dir/ctrd/cni-conf"
    bin_dir = "$dir/ctrd/cni-bin"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    default_runtime_name = "runc"
    snapshotter = "overlayfs"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        Root = "$dir/ctrd/runc"
        SystemdCgroup = false
EOF
        local h
        for h in "$@"; do
                cat >>"$dir/ctrd/config.toml" <<EOF
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.${h%%=*}]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.${h%%=*}.options]
        BinaryName = "${h#*=}"
        Root = "$dir/ctrd/runc"
        SystemdCgroup = false
EOF
        done
        containerd --config "$dir/ctrd/config.toml" >"$dir/ctrd/log" 2>&1 &
        MG_CTRD_PID=$!
        wait_for_socket "$MG_CTRD_SOCK" "$MG_CTRD_PID" containerd "$dir/ctrd/log"
        CTR=(ctr --address "$MG_CTRD_SOCK")
        local i
        for i in $(seq 1 100); do
                "${CTR[@]}" version >/dev/null 2>&1 && break
                sleep 0.1
        done
        "${CTR[@]}" version >/dev/null || { tail -n 30 "$dir/ctrd/log" >&2; fail "containerd does not answer"; }
        log "containerd $(containerd --version | awk '{print $3}') running as pid $MG_CTRD_PID on $MG_CTRD_SOCK"
}

# mg_dockerd_start DIR RUNTIME-NAME=PATH...: a dockerd of our own on our containerd (started
# first), with each named runtime registered in its daemon.json. Sets DOCKER.
mg_dockerd_start() {
        local dir=$1
        shift
        mkdir -p "$dir/dockerd/data" "$dir/dockerd/exec" "$dir/dockerd/cli"
        local runtimes='{}' kv
        for kv in "$@"; do
                runtimes=$(jq --arg n "${kv%%=*}" --arg p "${kv#*=}" '. + {($n): {path: $p}}' <<<"$runtimes")
        done
        jq -n --argjson r "$runtimes" '{runtimes: $r}' >"$dir/dockerd/daemon.json"
        local sock=$dir/dockerd/docker.sock
        # dockerd 20.10 writes a trust key to /etc/docker/key.json and makes /run/docker/plugins
        # whatever its roots are: remember what was not there, to remove it afterwards.
        [ -e /etc/docker/key.json ] || MG_ENG_LEFTOVER_FILES+=(/etc/docker/key.json)
        [ -e /etc/docker ] || MG_ENG_SHIM_DIRS+=(/etc/docker)
        [ -e /run/docker ] || MG_ENG_SHIM_DIRS+=(/run/docker)
        [ -e /run/docker/plugins ] || MG_ENG_SHIM_DIRS+=(/run/docker/plugins)
        dockerd --config-file "$dir/dockerd/daemon.json" \
                --data-root "$dir/dockerd/data" --exec-root "$dir/dockerd/exec" \
                --pidfile "$dir/dockerd/docker.pid" -H "unix://$sock" \
                --containerd "$MG_CTRD_SOCK" --containerd-namespace moby --containerd-plugins-namespace moby-plugins \
                --iptables=false --ip6tables=false --ip-forward=false --ip-masq=false --bridge=none \
                --userland-proxy=false --storage-driver overlay2 \
                --exec-opt native.cgroupdriver=cgroupfs --cgroup-parent "$MG_ENG_CGROUP" --log-level warn \
                >"$dir/dockerd/log" 2>&1 &
        MG_DOCKERD_PID=$!
        wait_for_socket "$sock" "$MG_DOCKERD_PID" dockerd "$dir/dockerd/log"
        export DOCKER_CONFIG=$dir/dockerd/cli
        DOCKER=("$MG_DOCKER_CLI" -H "unix://$sock")
        local i
        for i in $(seq 1 100); do
                "${DOCKER[@]}" info >/dev/null 2>&1 && break
                sleep 0.1
        done
        "${DOCKER[@]}" info >/dev/null 2>&1 || { tail -n 30 "$dir/dockerd/log" >&2; fail "dockerd does not answer"; }
        log "dockerd $("${DOCKER[@]}" version --format '{{.Server.Version}}') running as pid $MG_DOCKERD_PID on $sock"
}

# mg_busybox_tar OUT: a root file system tar of Debian's busybox-static, CMD-less.
mg_busybox_tar() {
        local out=$1 bb rootfs
        bb=$(command -v busybox)
        case "$(ldd "$bb" 2>&1 || true)" in
        *"not a dynamic executable"*) ;;
        *) skip "$bb is not statically linked: install busybox-static" ;;
        esac
        rootfs=$(mktemp -d "$MG_ENG_DIR/rootfs.XXXXXX")
        mkdir -p "$rootfs/bin" "$rootfs/etc" "$rootfs/tmp" "$rootfs/proc" "$rootfs/sys" "$rootfs/dev"
        cp "$bb" "$rootfs/bin/busybox"
        local applet
        for applet in $("$bb" --list); do
                [ "$applet" = busybox ] || ln -sf busybox "$rootfs/bin/$applet"
        done
        printf 'root:x:0:0:root:/:/bin/sh\n' >"$rootfs/etc/passwd"
        printf 'root:x:0:\n' >"$rootfs/etc/group"
        tar -C "$rootfs" -cf "$out" .
        rm -rf "$rootfs"
}

# mg_docker_image NAME: imports the busybox tree into our dockerd as NAME. Its default command
# sleeps, so the same image serves as the CRI sandbox ("pause") image.
mg_docker_image() {
        local name=$1
        mg_busybox_tar "$MG_ENG_DIR/busybox.tar"
        "${DOCKER[@]}" import --change 'CMD ["/bin/sleep", "2147483647"]' --change 'ENV PATH=/bin' \
                "$MG_ENG_DIR/busybox.tar" "$name" >/dev/null || fail "docker import failed"
}

# mg_ctr_image NAMESPACE NAME: the same image in containerd's NAMESPACE, through docker save
# when a dockerd runs (the image Docker made), else from an OCI archive we write ourselves.
mg_ctr_image() {
        local ns=$1 name=$2
        if [ -n "$MG_DOCKERD_PID" ]; then
                "${DOCKER[@]}" save -o "$MG_ENG_DIR/image.tar" "$name" || fail "docker save failed"
        else
                mg_oci_archive "$name" "$MG_ENG_DIR/image.tar"
        fi
        "${CTR[@]}" -n "$ns" image import "$MG_ENG_DIR/image.tar" >"$MG_ENG_DIR/import.log" 2>&1 ||
                { cat "$MG_ENG_DIR/import.log" >&2; fail "ctr image import into $ns failed"; }
        "${CTR[@]}" -n "$ns" image ls -q | grep -xF "$name" >/dev/null ||
                fail "ctr image import did not create $name in namespace $ns: $("${CTR[@]}" -n "$ns" image ls -q)"
}

# mg_oci_archive NAME OUT: an OCI image layout tar (one layer: the busybox tree) named NAME.
mg_oci_archive() {
        local name=$1 out=$2 lay=$MG_ENG_DIR/oci-layout
        rm -rf "$lay"
        mkdir -p "$lay/blobs/sha256"
        mg_busybox_tar "$MG_ENG_DIR/layer.tar"
        gzip -n -c "$MG_ENG_DIR/layer.tar" >"$MG_ENG_DIR/layer.tar.gz"
        local diff_id layer_digest layer_size cfg cfg_digest man man_digest
        diff_id=$(sha256sum "$MG_ENG_DIR/layer.tar" | cut -d' ' -f1)
        layer_digest=$(sha256sum "$MG_ENG_DIR/layer.tar.gz" | cut -d' ' -f1)
        layer_size=$(stat -c %s "$MG_ENG_DIR/layer.tar.gz")
        mv "$MG_ENG_DIR/layer.tar.gz" "$lay/blobs/sha256/$layer_digest"
        cfg=$(jq -cn --arg d "sha256:$diff_id" '{architecture: "amd64", os: "linux",
                config: {Env: ["PATH=/bin"], Cmd: ["/bin/sleep", "2147483647"]},
                rootfs: {type: "layers", diff_ids: [$d]}}')
        printf '%s' "$cfg" >"$MG_ENG_DIR/cfg.json"
        cfg_digest=$(sha256sum "$MG_ENG_DIR/cfg.json" | cut -d' ' -f1)
        mv "$MG_ENG_DIR/cfg.json" "$lay/blobs/sha256/$cfg_digest"
        man=$(jq -cn --arg c "sha256:$cfg_digest" --argjson cs "${#cfg}" --arg l "sha256:$layer_digest" \
                --argjson ls "$layer_size" '{schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
                config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $c, size: $cs},
                layers: [{mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: $l, size: $ls}]}')
        printf '%s' "$man" >"$MG_ENG_DIR/man.json"
        man_digest=$(sha256sum "$MG_ENG_DIR/man.json" | cut -d' ' -f1)
        mv "$MG_ENG_DIR/man.json" "$lay/blobs/sha256/$man_digest"
        printf '{"imageLayoutVersion":"1.0.0"}' >"$lay/oci-layout"
        jq -cn --arg m "sha256:$man_digest" --argjson s "${#man}" --arg n "$name" \
                '{schemaVersion: 2, manifests: [{mediaType: "application/vnd.oci.image.manifest.v1+json",
                digest: $m, size: $s, annotations: {"io.containerd.image.name": $n, "org.opencontainers.image.ref.name": $n}}]}' \
                >"$lay/index.json"
        tar -C "$lay" -cf "$out" .
}

# Removes every cgroup below our parent, deepest first, in every v1 controller and in v2.
mg_remove_cgroups() {
        local base d
        for base in /sys/fs/cgroup/* /sys/fs/cgroup/unified; do
                d=$base$MG_ENG_CGROUP
                [ -d "$d" ] || continue
                find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null || true
                [ -d "$d" ] && log "warning: could not remove cgroup $d"
        done
        return 0
}

# Kills what is left of the daemons' children: shims whose -address is our socket.
mg_kill_shims() {
        local p cmd
        [ -n "${MG_CTRD_SOCK:-}" ] || return 0
        for p in $(pgrep -x containerd-shim || true) $(pgrep -f '^/usr/bin/containerd-shim-runc-v2 ' || true); do
                cmd=$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null || true)
                case "$cmd" in *"-address $MG_CTRD_SOCK "*) kill -9 "$p" 2>/dev/null || true ;; esac
        done
}

stop_pid() {
        local pid=$1 i
        [ -n "$pid" ] || return 0
        kill -TERM "$pid" 2>/dev/null || return 0
        for i in $(seq 1 150); do
                kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
                sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
}

# The EXIT trap: containers and images first (through the daemons), then the daemons, then
# whatever a crash may have left: shims, runc state, mounts, cgroups, our directories.
mg_engines_stop() {
        set +e
        if [ -n "$MG_DOCKERD_PID" ]; then
                local c
                for c in $("${DOCKER[@]}" ps -aq 2>/dev/null); do "${DOCKER[@]}" rm -f "$c" >/dev/null 2>&1; done
                "${DOCKER[@]}" image prune -af >/dev/null 2>&1
                stop_pid "$MG_DOCKERD_PID"
        fi
        if [ -n "$MG_CTRD_PID" ]; then
                local ns t
                for ns in $("${CTR[@]}" namespaces ls -q 2>/dev/null); do
                        for t in $("${CTR[@]}" -n "$ns" task ls -q 2>/dev/null); do
                                "${CTR[@]}" -n "$ns" task kill -s KILL "$t" >/dev/null 2>&1
                                "${CTR[@]}" -n "$ns" task delete -f "$t" >/dev/null 2>&1
                        done
                        for t in $("${CTR[@]}" -n "$ns" container ls -q 2>/dev/null); do
                                "${CTR[@]}" -n "$ns" container delete "$t" >/dev/null 2>&1
                        done
                done
                stop_pid "$MG_CTRD_PID"
        fi
        mg_kill_shims
        # runc state of anything still registered under our roots
        local r id
        for r in "$MG_ENG_DIR"/ctrd/runc/* "$MG_ENG_DIR"/dockerd/exec/runtime-runc/*; do
                [ -d "$r" ] || continue
                for id in $(runc --root "$r" list -q 2>/dev/null); do runc --root "$r" delete -f "$id" >/dev/null 2>&1; done
        done
        # mounts below our directory (overlay snapshots, shm, rootfs), deepest first
        if [ -n "$MG_ENG_DIR" ]; then
                awk -v d="$MG_ENG_DIR/" 'index($5, d) == 1 {print $5}' /proc/self/mountinfo | sort -r |
                        while read -r m; do umount -l "$m" 2>/dev/null; done
        fi
        mg_remove_cgroups
        local i
        rm -f "${MG_ENG_LEFTOVER_FILES[@]}"
        for ((i = ${#MG_ENG_SHIM_DIRS[@]} - 1; i >= 0; i--)); do
                rmdir "${MG_ENG_SHIM_DIRS[$i]}" 2>/dev/null
        done
        [ -n "$MG_ENG_DIR" ] && rm -rf "$MG_ENG_DIR"
        return 0
}

# mg_fixture_runtime OUT WRAPPER FIXTURE-DIR: a runtime for the engines to call that runs
# WRAPPER on a fixture host (MEMGATE_PROCFS/MEMGATE_SYSFS, which memgate-runtime reads). It
# execs, so memgate-runtime's parent is still the engine's shim.
mg_fixture_runtime() {
        local out=$1 wrapper=$2 fx=$3
        [ -d "$fx/proc" ] && [ -d "$fx/sys" ] || fail "fixture tree $fx is missing"
        printf '#!/bin/sh\nMEMGATE_PROCFS=%s/proc MEMGATE_SYSFS=%s/sys exec %s "$@"\n' "$fx" "$fx" "$wrapper" >"$out"
        chmod 755 "$out"
}

# mg_memgate_lines WRAPPER CONF LIMIT-BYTES ENV [FIXTURE-DIR]: memgate-runtime's own lines for a
# bundle with that memory limit and process environment variable, run by hand with runc (no
# engine in between, so it prints them on stderr). What an engine shows must carry the same text.
mg_memgate_lines() {
        local wrapper=$1 conf=$2 limit=$3 env=$4 fx=${5:-} b r id=memgate-e2e-expect-$$ rc=0
        b=$(mktemp -d "$MG_ENG_DIR/expect.XXXXXX")
        r=$b.root
        mkdir -p "$b/rootfs/bin" "$b/rootfs/proc" "$b/rootfs/dev" "$b/rootfs/sys"
        cp "$(command -v busybox)" "$b/rootfs/bin/busybox"
        ln -s busybox "$b/rootfs/bin/true"
        (cd "$b" && runc spec)
        jq --arg e "$env" --argjson l "$limit" --arg cg "$MG_ENG_CGROUP/$id" \
                '.process.terminal = false | .process.args = ["true"] | .process.env += [$e]
                 | .linux.resources.memory = {limit: $l} | .linux.cgroupsPath = $cg' \
                "$b/config.json" >"$b/config.json.new"
        mv "$b/config.json.new" "$b/config.json"
        if [ -n "$fx" ]; then
                MEMGATE_PROCFS=$fx/proc MEMGATE_SYSFS=$fx/sys "$wrapper" "--memgate-config=$conf" --root "$r" \
                        create --bundle "$b" "$id" </dev/null >/dev/null 2>"$b.err" || rc=$?
        else
                "$wrapper" "--memgate-config=$conf" --root "$r" create --bundle "$b" "$id" \
                        </dev/null >/dev/null 2>"$b.err" || rc=$?
        fi
        runc --root "$r" delete -f "$id" >/dev/null 2>&1 || true
        grep '^memgate: ' "$b.err" || true
        rm -rf "$b" "$r" "$b.err"
}
