#!/usr/bin/env bash
# The kernel lab: boots a real Debian kernel under qemu with a busybox initramfs carrying memgate,
# memgate-runtime, runc (and crun), and lets memgate's verdicts meet the real failures.
#
#   tests/kernellab/lab.sh [--short|--full] [--out DIR] [BOOT...]
#
# BOOT is one of: watermark commit v2 v1 (default: all). --short (the CTest run) does few steps
# per scenario; --full scans finely and repeats. Results: DIR/results.jsonl (one JSON line per
# step, memgate's verdict beside the real outcome), DIR/table.md, DIR/<boot>.console (the kernel
# console), DIR/<boot>.data (the guest's data channel), DIR/captures/ (kernel OOM and commit lines).
# Exit: 0 every verdict agrees with the real outcome, 1 a disagreement, 77 cannot run here (not
# root, no qemu: said loudly).
#
# Environment: MEMGATE_BIN, MEMGATE_RUNTIME_BIN (default: build/ in the source tree), KERNEL (a
# kernel image to boot instead of Debian's 6.1), MG_LAB_CACHE (default /var/cache/memgate-kernellab),
# MG_LAB_ACCEL (kvm|tcg; default: KVM when it can boot a stock kernel, else TCG), MG_LAB_TIMEOUT
# (seconds per boot, default 420; --full 2400).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
mode=short out= boots=()
while [[ $# -gt 0 ]]; do
        case $1 in
        --short) mode=short ;;
        --full) mode=full ;;
        --out) out=$2; shift ;;
        -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
        *) boots+=("$1") ;;
        esac
        shift
done
[[ ${#boots[@]} -gt 0 ]] || boots=(watermark commit v2 v1)
out=${out:-$PWD/kernellab-$mode}

skip() { echo "SKIP: kernellab: $*" >&2; exit 77; }
[[ $(id -u) = 0 ]] || skip "needs root (apt-get download, the cache in /var/cache)"
if ! command -v qemu-system-x86_64 >/dev/null && command -v apt-get >/dev/null; then
        "$here/install-deps.sh" >&2 || true
fi
command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 missing (apt-get install qemu-system-x86; tests/e2e/install-deps.sh)"
command -v gcc >/dev/null || skip "gcc missing"
MEMGATE_BIN=${MEMGATE_BIN:-$src/build/memgate}
MEMGATE_RUNTIME_BIN=${MEMGATE_RUNTIME_BIN:-$(dirname "$MEMGATE_BIN")/memgate-runtime}
[[ -x $MEMGATE_BIN && -x $MEMGATE_RUNTIME_BIN ]] || skip "no memgate build at $MEMGATE_BIN (set MEMGATE_BIN)"
RUNC=${RUNC:-/usr/sbin/runc}
[[ -x $RUNC ]] || skip "runc missing at $RUNC (apt-get install runc)"

mkdir -p "$out"
work=$(mktemp -d "${TMPDIR:-/tmp}/kernellab.XXXXXX")
qpids=()
cleanup() {
        for p in "${qpids[@]}"; do kill "$p" 2>/dev/null || true; done
        rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 143' TERM INT

eval "$("$here/fetch.sh")"
echo "kernellab: kernel $KERNEL_IMAGE ($KERNEL_PACKAGE), mode $mode, out $out"

# ---- accelerator: KVM only where it boots a stock kernel. kvm_pvm (a PVM host module) boots only
# ---- PVM guest kernels: a stock kernel hangs after "Probing EDD".
accel=${MG_LAB_ACCEL:-}
if [[ -z $accel ]]; then
        accel=tcg
        if [[ -w /dev/kvm && ! -d /sys/module/kvm_pvm ]] && { [[ -d /sys/module/kvm_intel ]] || [[ -d /sys/module/kvm_amd ]]; }; then
                accel=kvm
        fi
fi
case $accel in
kvm) accel_args=(-accel kvm -cpu host) ;;
*) accel=tcg; accel_args=(-accel tcg,thread=multi) ;;
esac
echo "kernellab: accelerator $accel$([[ -d /sys/module/kvm_pvm ]] && echo ' (/dev/kvm is kvm_pvm: stock kernels hang there)')"

# ---- the initramfs: busybox, the helpers, memgate, runc (crun), their libraries, the bundles
root=$work/root
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,lab,bundles,rootfs/bin,proc,sys,dev,run,tmp,etc}
cp "$BUSYBOX" "$root/bin/busybox"
for a in $("$BUSYBOX" --list); do [[ -e $root/bin/$a ]] || ln -s busybox "$root/bin/$a"; done
gcc -O2 -Wall -Wextra -static -o "$root/bin/mg-mem" "$here/helpers/mg-mem.c"
hello=
if command -v go >/dev/null; then
        mkdir -p "$work/go" && cp "$here/helpers/hello.go" "$work/go/"
        if (cd "$work/go" && HOME=$work GOCACHE=$work/gocache GO111MODULE=off CGO_ENABLED=0 go build -o "$root/bin/hello" hello.go); then
                hello=yes
        fi
fi
# copy_bin FILE DEST: a dynamic executable and the shared libraries ldd names, at their paths
copy_bin() {
        install -D -m 0755 "$1" "$root$2"
        ldd "$1" | awk '/=> \// {print $3} /^\t\/lib/ {print $1}' | while read -r lib; do
                [[ -e $root$lib ]] || install -D -m 0755 "$(readlink -f "$lib")" "$root$lib"
        done
}
copy_bin "$MEMGATE_BIN" /usr/bin/memgate
copy_bin "$MEMGATE_RUNTIME_BIN" /usr/bin/memgate-runtime
copy_bin "$RUNC" /usr/sbin/runc
[[ -n ${CRUN:-} && -x $CRUN ]] && copy_bin "$CRUN" /usr/bin/crun
# the container's root: busybox, the workload, the JVM stand-in, the Go hello
cp "$BUSYBOX" "$root/rootfs/bin/busybox"
for a in sh true sleep cat; do ln -s busybox "$root/rootfs/bin/$a"; done
cp "$root/bin/mg-mem" "$root/rootfs/bin/mg-mem"
ln "$root/rootfs/bin/mg-mem" "$root/rootfs/bin/java"
[[ -n $hello ]] && cp "$root/bin/hello" "$root/rootfs/bin/hello"
python3 "$here/mkbundles.py" "$root/bundles"
cp "$here/guest/init" "$root/init" && chmod 0755 "$root/init"
cp "$here"/guest/*.sh "$here"/guest/crun.conf "$root/lab/"
echo "root:x:0:0::/:/bin/sh" > "$root/etc/passwd"
(cd "$root" && find . | "$BUSYBOX" cpio -o -H newc 2>/dev/null | gzip -1 > "$work/initrd.gz")
echo "kernellab: initramfs $(du -h "$work/initrd.gz" | cut -f1)"

# ---- one boot: machine shape and the scenario scripts it runs
boot_args() {
        case $1 in
        watermark) echo "-m 4096 -smp 2 | watermark,frag" ;;
        commit) echo "-m 4096 -smp 2 | commit,mode0" ;;
        v2) echo "-m 4096 -smp 2 -object memory-backend-ram,id=m0,size=3G -object memory-backend-ram,id=m1,size=1G -numa node,nodeid=0,cpus=0,memdev=m0 -numa node,nodeid=1,cpus=1,memdev=m1 | numa,parent2,floor" ;;
        v1) echo "-m 4096 -smp 2 | parent1" ;;
        *) echo "kernellab: unknown boot $1" >&2; return 1 ;;
        esac
}
timeout_s=${MG_LAB_TIMEOUT:-$([[ $mode = full ]] && echo 2400 || echo 420)}
boot() {
        local name=$1 try=$2 spec machine scen
        spec=$(boot_args "$name")
        machine=${spec%%|*} scen=${spec##*| }
        rm -f "$out/$name.console" "$out/$name.data"
        # shellcheck disable=SC2086
        timeout --foreground -k 5 "$timeout_s" qemu-system-x86_64 "${accel_args[@]}" $machine \
                -kernel "$KERNEL_IMAGE" -initrd "$work/initrd.gz" -nographic -no-reboot -nodefaults \
                -serial "file:$out/$name.console" -serial "file:$out/$name.data" -monitor none \
                -append "console=ttyS0 loglevel=4 softlockup_panic=1 panic=-1 rcupdate.rcu_cpu_stall_timeout=60 lab=$scen labmode=$mode" \
                </dev/null >/dev/null 2>"$out/$name.qemu.err" &
        qpids=($!)
        local t0=$SECONDS
        wait "${qpids[0]}" || true
        qpids=()
        echo "kernellab: boot $name (try $try): $((SECONDS - t0)) s, $(grep -c '^@@JSON' "$out/$name.data" 2>/dev/null || echo 0) results"
        grep -q '^@@DONE' "$out/$name.data" 2>/dev/null
}
start=$SECONDS
for b in "${boots[@]}"; do
        boot_args "$b" >/dev/null
        if ! boot "$b" 1; then
                echo "kernellab: boot $b did not finish; console tail:" >&2
                tail -n 15 "$out/$b.console" >&2 || true
                mv "$out/$b.console" "$out/$b.console.try1"; mv "$out/$b.data" "$out/$b.data.try1" 2>/dev/null || true
                boot "$b" 2 || { echo "kernellab: boot $b failed twice" >&2; tail -n 30 "$out/$b.console" >&2; }
        fi
done
echo "kernellab: all boots $((SECONDS - start)) s"
datas=()
for b in "${boots[@]}"; do datas+=("$out/$b.data"); done
python3 "$here/evaluate.py" --out "$out" --kernel "$KERNEL_PACKAGE" --accel "$accel" --mode "$mode" "${datas[@]}"
