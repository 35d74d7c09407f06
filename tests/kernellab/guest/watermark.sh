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
# memory held: a process the OOM killer may not choose (oom_score_adj -1000) holds what is free
# above the zones' min watermarks but 96 MiB; then the start needs memory the kernel grants only
# by reclaim it cannot do (no page cache, no swap)
_min=$(awk '$1 == "min" {s += $2} END {print s * 4}' /proc/zoneinfo)
_held=$(( ($(mi MemFree) - _min) / 1024 - 96 ))
echo -1000 > /proc/self/oom_score_adj
mg-mem touch $_held hold >/dev/null & _hp=$!
echo 0 > /proc/self/oom_score_adj
_i=0
while [ $_i -lt 600 ] && kill -0 $_hp 2>/dev/null &&
      [ "$(awk '/^VmRSS/ {print int($2/1024)}' /proc/$_hp/status 2>/dev/null)" -lt $((_held - 8)) ]; do
        _i=$((_i + 1)); usleep 200000
done
note "holding $_held MiB (min watermarks $_min kB)"
EXTRA=",\"held_mib\":$_held" wm_state held
kill $_hp 2>/dev/null; wait $_hp 2>/dev/null
sysctl -qw vm.min_free_kbytes=67584
