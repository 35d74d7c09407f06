# Scenario watermark: a 4 GiB guest in three states (kernel defaults; vm.min_free_kbytes 2 GiB;
# after a process touched 1 GiB in that state). In each: memgate's model of MemAvailable beside the
# kernel's, memgate's verdict on the host and on a bundle, and a real runc start.

wm_state() {        # wm_state STATE
        mg_json host
        _host=$MG _hrc=$MGRC
        mg_json check --bundle /bundles/true
        _chk=$MG _crc=$MGRC
        run_ctr runc true 120
        emit "{\"scenario\":\"watermark\",\"step\":\"$1\"${EXTRA:-},\"min_free_kbytes\":$(cat /proc/sys/vm/min_free_kbytes),\"memfree_kb\":$(mi MemFree),\"memavailable_kb\":$(mi MemAvailable),\"host\":$_host,\"host_rc\":$_hrc,\"check\":$_chk,\"check_rc\":$_crc,\"real\":{\"runtime\":\"runc\",\"outcome\":\"$(outcome)\",\"rc\":$RC,\"out\":\"$OUT\"}}"
        klog "$1"
        note "$1: MemAvailable $(mi MemAvailable) kB, runc: $(outcome)"
}

dmesg -c >/dev/null
wm_state defaults
sysctl -qw vm.min_free_kbytes=2097152
sleep 2
wm_state min_free_2g
# memory use: a process touches 1 GiB and exits; freed pages go to the per-CPU lists
mg-mem touch 1024 >/dev/null
sleep 1
wm_state after_use
# memory held: a process the OOM killer may not choose (oom_score_adj -1000) touches memory until
# MemFree is within LEFT MiB of the zones' min watermarks, and holds it; then a start needs memory
# the kernel grants only by reclaim it cannot do (no page cache, no swap)
# (Not closer: filling to 32 MiB above the min watermarks panicked the guest, "System is
# deadlocked on memory": the holder is exempt and nothing else is large enough to kill.)
[ "$MODE" = full ] && HOLDS="128 96 64" || HOLDS=96
mkfifo /run/fill
for left in $HOLDS; do
        echo -1000 > /proc/self/oom_score_adj
        mg-mem fill $left > /run/fill & _hp=$!
        echo 0 > /proc/self/oom_score_adj
        read -r _line < /run/fill
        _held=$(echo "$_line" | awk '{print $3}')
        note "$_line"
        EXTRA=",\"held_mib\":${_held:-0},\"left_mib\":$left" wm_state held
        kill $_hp 2>/dev/null; wait $_hp 2>/dev/null
        sleep 1
done
rm -f /run/fill
sysctl -qw vm.min_free_kbytes=67584
