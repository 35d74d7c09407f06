#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Measures what each running container keeps committed under Docker, ctr and CRI (the
# containerd-shim-runc-v2 per container or per pod) on private
# daemons (tests/e2e/engines-lib.sh). Per process: the sum of its private writable mappings
# (what the kernel charges to Committed_AS); per engine: Committed_AS before and after starting
# N idle containers; and the shim's commit at each runc command it runs (a recording runtime
# between shim and runc), to see what the shim still commits after `runc create`. Not a test:
# prints figures, asserts nothing.
#   sudo MEMGATE_FIXTURES=tests/fixtures tests/bench/engine-commit.sh [N]
set -euo pipefail
here=$(cd "$(dirname "$0")/../e2e" && pwd)
. "$here/lib.sh"
. "$here/engines-lib.sh"
need_engines docker
N=${1:-5}
tmp=$(mktemp -d)
trap 'mg_engines_stop' EXIT
MG_ENG_DIR=$tmp
img=localhost/memgate-bench-busybox:1
export MG_ENG_IMAGE=$img

# commit_kb PID: private writable mappings of PID, in kB.
commit_kb() {
        local range perms rest lo hi sum=0
        while read -r range perms rest; do
                [[ $perms == rw?p ]] || continue
                lo=${range%-*} hi=${range#*-}
                sum=$((sum + (16#$hi - 16#$lo) / 1024))
        done <"/proc/$1/maps"
        echo "$sum"
}
committed_as() { awk '/^Committed_AS:/ {print $2}' /proc/meminfo; }
shims() { pgrep -f "containerd-shim-runc-v2 .*-address $MG_CTRD_SOCK" || true; }
report_shims() {
        local p
        for p in $(shims); do
                printf '  shim pid %s: commit %s kB, threads %s, VmData %s\n' "$p" "$(commit_kb "$p")" \
                        "$(awk '/^Threads:/ {print $2}' "/proc/$p/status")" "$(awk '/^VmData:/ {print $2, $3}' "/proc/$p/status")"
        done
}

# The recorder: the calling shim's commit (same sum as commit_kb) and thread count, then runc.
cat >"$tmp/rec-runtime" <<EOF
#!/bin/bash
p=\$PPID s=0
while read -r range perms rest; do
        [[ \$perms == rw?p ]] || continue
        s=\$((s + (16#\${range#*-} - 16#\${range%-*}) / 1024))
done </proc/\$p/maps
cmd=
for a in "\$@"; do case \$a in create|start|exec|delete|kill|state) cmd=\$a; break ;; esac; done
echo "\$cmd shim \$p: commit \${s} kB, threads \$(awk '/^Threads:/ {print \$2}' /proc/\$p/status)" >>"$tmp/rec.log"
exec $(command -v runc) "\$@"
EOF
chmod 755 "$tmp/rec-runtime"

mg_containerd_start "$tmp"
mg_dockerd_start "$tmp" rec="$tmp/rec-runtime"
mg_docker_image "$img"
sleep 2
before=$(committed_as)
for i in $(seq 1 "$N"); do "${DOCKER[@]}" run -d --network none "$img" sleep 600 >/dev/null; done
sleep 3
after=$(committed_as)
echo "docker: $N idle containers raised Committed_AS by $(((after - before) / 1024)) MiB ($(((after - before) / N)) kB each)"
report_shims
for c in $("${DOCKER[@]}" ps -q); do "${DOCKER[@]}" rm -f "$c" >/dev/null; done
sleep 2

mg_ctr_image default "$img"
before=$(committed_as)
for i in $(seq 1 "$N"); do
        "${CTR[@]}" run -d --null-io --runc-root "$tmp/ctrd/runc" --cgroup "$MG_ENG_CGROUP/b$i" "$img" "b$i" sleep 600 >/dev/null
done
sleep 3
after=$(committed_as)
echo "ctr: $N idle containers raised Committed_AS by $(((after - before) / 1024)) MiB ($(((after - before) / N)) kB each)"
report_shims

: >"$tmp/rec.log"
for i in 1 2 3; do "${DOCKER[@]}" run -d --network none --runtime rec "$img" sleep 600 >/dev/null; done
sleep 3
echo "the shim's commit at each runc command (docker run -d, 3 containers):"
sed 's/^/  /' "$tmp/rec.log"
