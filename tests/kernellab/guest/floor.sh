# Scenario floor: the runtime's own floor. busybox true under memory limits from 2 to 32 MiB, with
# runc (and crun when it runs here), REPS times each; memgate check's verdict on each limit.
dmesg -c >/dev/null
mkdir -p /sys/fs/cgroup/lab
echo "+memory +cpuset +pids" > /sys/fs/cgroup/lab/cgroup.subtree_control
if [ "$MODE" = full ]; then
        LIMITS="2048 4096 6144 8192 10240 12288 14336 16384 20480 24576 32768"; REPS=5
else
        LIMITS="4096 8192 12288 16384 24576"; REPS=2
fi
RTS=runc
command -v crun >/dev/null && RTS="runc crun"
for rt in $RTS; do
        for l in $LIMITS; do
                # memgate as configured for that runtime (crun nodes: guest/crun.conf)
                if [ $rt = crun ]; then mg_json check --bundle /bundles/floor-${l}k --config /lab/crun.conf
                else mg_json check --bundle /bundles/floor-${l}k; fi
                _chk=$MG
                r=0
                while [ $r -lt $REPS ]; do
                        r=$((r + 1))
                        run_ctr $rt floor-${l}k 60
                        emit "{\"scenario\":\"floor\",\"step\":\"limit\",\"runtime\":\"$rt\",\"limit_kb\":$l,\"check\":$_chk,\"real\":{\"outcome\":\"$(outcome)\",\"rc\":$RC,\"out\":\"$OUT\"}}"
                        _chk=null
                done
                klog $rt-${l}k
        done
        note "$rt done"
done
rmdir /sys/fs/cgroup/lab/floor 2>/dev/null
