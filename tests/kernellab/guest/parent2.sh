# Scenario parent2 (cgroup v2): the parent /lab/parent has memory.max 256M; the containers under it
# (cgroupsPath /lab/parent/c1, c2) have their own limit 1 GiB. parent-limit from `memgate check`
# (it reads cgroupsPath) and from the hook (the pid's real /proc/<pid>/cgroup); the container
# touching 512 MiB is killed by the parent's limit, the one touching 128 MiB runs.
dmesg -c >/dev/null
P=/sys/fs/cgroup/lab/parent
mkdir -p $P
echo "+memory +cpuset +pids" > /sys/fs/cgroup/lab/cgroup.subtree_control
echo "+memory +pids" > $P/cgroup.subtree_control
echo 268435456 > $P/memory.max
for b in parent-small parent-touch; do
        mg_json check --bundle /bundles/$b
        _chk=$MG _crc=$MGRC
        rm -f /bundles/$b/memgate.json
        run_ctr runc $b 300
        _hk=$(tr -d '\n' < /bundles/$b/memgate.json 2>/dev/null); [ -n "$_hk" ] || _hk=null
        emit "{\"scenario\":\"parent2\",\"step\":\"$b\",\"parent_max\":\"$(cat $P/memory.max)\",\"limit\":\"1073741824\",\"check\":$_chk,\"check_rc\":$_crc,\"hook_report\":$_hk,\"real\":{\"outcome\":\"$(outcome)\",\"rc\":$RC,\"out\":\"$OUT\"}}"
        klog $b
        note "$b: $(outcome)"
done
# the container's own limit: 128 MiB touched under memory.max 64M (cgroupsPath /lab/memcg)
mg_json check --bundle /bundles/memcg-touch
_chk=$MG _crc=$MGRC
run_ctr runc memcg-touch 300
emit "{\"scenario\":\"memcg\",\"step\":\"memcg-touch\",\"limit\":\"67108864\",\"check\":$_chk,\"check_rc\":$_crc,\"real\":{\"outcome\":\"$(outcome)\",\"rc\":$RC,\"out\":\"$OUT\"}}"
SCEN=memcg; klog memcg-touch; SCEN=parent2
rmdir $P/c1 $P/c2 /sys/fs/cgroup/lab/memcg 2>/dev/null
rmdir $P 2>/dev/null
