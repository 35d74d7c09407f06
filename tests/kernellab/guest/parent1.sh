# Scenario parent1 (cgroup v1, in a boot of its own: mounting v1 memory blocks v2 +memory): the
# same parent limit as parent2, with memory.limit_in_bytes on /lab/parent in the memory hierarchy.
dmesg -c >/dev/null
mount -t tmpfs -o mode=755 cgroup /sys/fs/cgroup
for c in cpuset cpu,cpuacct memory devices freezer pids blkio; do
        mkdir -p /sys/fs/cgroup/$c
        mount -t cgroup -o $c cgroup /sys/fs/cgroup/$c || note "cannot mount v1 $c"
done
P=/sys/fs/cgroup/memory/lab/parent
mkdir -p $P
echo 268435456 > $P/memory.limit_in_bytes
for b in parent-small parent-touch; do
        mg_json check --bundle /bundles/$b
        _chk=$MG _crc=$MGRC
        rm -f /bundles/$b/memgate.json
        run_ctr runc $b 300
        _hk=$(tr -d '\n' < /bundles/$b/memgate.json 2>/dev/null); [ -n "$_hk" ] || _hk=null
        emit "{\"scenario\":\"parent1\",\"step\":\"$b\",\"parent_max\":\"$(cat $P/memory.limit_in_bytes)\",\"limit\":\"1073741824\",\"check\":$_chk,\"check_rc\":$_crc,\"hook_report\":$_hk,\"real\":{\"outcome\":\"$(outcome)\",\"rc\":$RC,\"out\":\"$OUT\"}}"
        klog $b
        note "$b: $(outcome)"
done
