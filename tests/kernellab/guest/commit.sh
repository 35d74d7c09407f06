# Scenario commit: vm.overcommit_memory=2 (ratio 50). A background process holds commit so that a
# chosen headroom (CommitLimit - Committed_AS) is left; at each headroom memgate check's verdict
# on the bundle beside a real runc run, a runc run with memgate as createRuntime hook, and a run
# through memgate-runtime. Also what runc, runc init and a Go hello commit.

sysctl -qw vm.overcommit_memory=2
sysctl -qw vm.overcommit_ratio=50
dmesg -c >/dev/null

# what the pieces commit (private writable mappings), with plenty of headroom
if [ -x /rootfs/bin/hello ]; then
        /rootfs/bin/hello hold >/dev/null & _p=$!
        sleep 1
        emit "{\"scenario\":\"commit\",\"step\":\"measure\",\"what\":\"go-hello\",\"charged_kb\":$(charged $_p),\"vmsize_kb\":$(awk '/^VmSize/ {print $2}' /proc/$_p/status)}"
        wait $_p
fi
# runc run and runc init, read by a createRuntime hook (runc's child, while runc init waits)
cat > /bin/measure-hook <<'H'
#!/bin/sh
pid=$(sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')
printf '@@MEASURE %s %s %s %s\n' $(mg-mem charged $PPID) $(awk '/^VmSize/ {print $2}' /proc/$PPID/status) $(mg-mem charged $pid) $(awk '/^VmSize/ {print $2}' /proc/$pid/status) > /dev/ttyS1
H
chmod +x /bin/measure-hook
mkdir -p /bundles/measure
sed 's|"hostname"|"hooks": {"createRuntime": [{"path": "/bin/measure-hook"}]}, "hostname"|' /bundles/true/config.json > /bundles/measure/config.json
run_ctr runc measure
note "measure hook: rc $RC $OUT"

# a Go hello on its own (no container): the headroom it needs, in 4 MiB steps
for h in 100 92 84 76 72 68 64 60 56 52 48 40; do
        hog_to_headroom $((h * 1024))
        _hr=$(headroom_kb)
        _o=$(/rootfs/bin/hello 2>&1 | head -c 200)
        [ "$_o" = hello ] && _ok=ran || _ok=failed
        emit "{\"scenario\":\"commit\",\"step\":\"go-alone\",\"headroom_kb\":$_hr,\"outcome\":\"$_ok\",\"out\":\"$(js "$_o")\"}"
done

# the scan: headrooms in MiB, high to low
if [ "$MODE" = full ]; then
        STEPS="400 360 330 300 280 260 250 240 230 220 210 200 190 180 170 160 150 140 120 100 80 60 40"
        REPS=3
else
        STEPS="360 290 270 260 250 240 230 210 150 60"
        REPS=1
fi
for h in $STEPS; do
        r=0
        while [ $r -lt $REPS ]; do
                r=$((r + 1))
                for how in check runc hook wrapper gocheck go; do
                        hog_to_headroom $((h * 1024))
                        _hr=$(headroom_kb)
                        case $how in
                        check) mg_json check --bundle /bundles/true
                               emit "{\"scenario\":\"commit\",\"step\":\"scan\",\"how\":\"check\",\"target_mib\":$h,\"headroom_kb\":$_hr,\"check\":$MG,\"check_rc\":$MGRC}"
                               continue ;;
                        gocheck) mg_json check --bundle /bundles/go-hello
                               emit "{\"scenario\":\"commit\",\"step\":\"scan\",\"how\":\"gocheck\",\"target_mib\":$h,\"headroom_kb\":$_hr,\"check\":$MG,\"check_rc\":$MGRC}"
                               continue ;;
                        go) run_ctr runc go-hello 60 ;;
                        runc) run_ctr runc true 60 ;;
                        hook) rm -f /bundles/true-hook/memgate.json
                              run_ctr runc true-hook 60
                              # the headroom the hook saw, from its report: what runc had committed by then
                              _hh=$(sed -n 's/.*"commit_headroom_kb": *\(-\{0,1\}[0-9]*\).*/\1/p' /bundles/true-hook/memgate.json 2>/dev/null | head -1)
                              _hv=$(sed -n 's/^ *"verdict": *"\([a-z]*\)".*/\1/p' /bundles/true-hook/memgate.json 2>/dev/null | head -1)
                              emit "{\"scenario\":\"commit\",\"step\":\"hook-saw\",\"target_mib\":$h,\"headroom_kb\":$_hr,\"hook_headroom_kb\":${_hh:-null},\"hook_verdict\":\"${_hv:-none}\"}" ;;
                        wrapper) run_ctr wrapper true 60 ;;
                        esac
                        emit "{\"scenario\":\"commit\",\"step\":\"scan\",\"how\":\"$how\",\"target_mib\":$h,\"headroom_kb\":$_hr,\"real\":{\"outcome\":\"$(outcome)\",\"rc\":$RC,\"out\":\"$OUT\"}}"
                done
        done
        note "headroom $h MiB done"
done
hog_clear
klog scan
