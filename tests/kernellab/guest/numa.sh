# Scenario numa: two nodes (3 GiB + 1 GiB); a container pinned to node 1 (cpu.mems "1") with a
# memory limit of 2 GiB touches 1.5 GiB: memgate's numa-node-low beforehand (check, and the hook's
# <bundle>/memgate.json), then the real kill with constraint=CONSTRAINT_CPUSET. The control
# touches 256 MiB under 512 MiB on the same node.
dmesg -c >/dev/null
mkdir -p /sys/fs/cgroup/lab
echo "+memory +cpuset +pids" > /sys/fs/cgroup/lab/cgroup.subtree_control
for b in numa-small numa-touch-hook; do
        _free=$(awk '/MemFree/ {print $4}' /sys/devices/system/node/node1/meminfo)
        mg_json check --bundle /bundles/$b
        _chk=$MG _crc=$MGRC
        rm -f /bundles/$b/memgate.json
        run_ctr runc $b 300
        _hk=$(tr -d '\n' < /bundles/$b/memgate.json 2>/dev/null); [ -n "$_hk" ] || _hk=null
        _step=${b%-hook}
        emit "{\"scenario\":\"numa\",\"step\":\"$_step\",\"node1_free_kb\":$_free,\"limit\":\"$(sed -n 's/.*"limit": *\([0-9]*\).*/\1/p' /bundles/$b/config.json)\",\"check\":$_chk,\"check_rc\":$_crc,\"hook_report\":$_hk,\"real\":{\"outcome\":\"$(outcome)\",\"rc\":$RC,\"out\":\"$OUT\"}}"
        klog $_step
        note "$_step: $(outcome)"
done
rmdir /sys/fs/cgroup/lab/numa 2>/dev/null
