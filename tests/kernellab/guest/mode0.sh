# Scenario mode0: vm.overcommit_memory=0 on a 5.2+ kernel: only a single request above RAM + swap
# fails. A JVM stand-in committing -Xms8g (above 4 GiB RAM, no swap) and -Xms2g (below).
sysctl -qw vm.overcommit_memory=0
dmesg -c >/dev/null
for b in java-xms-8g java-xms-2g; do
        mg_json check --bundle /bundles/$b
        _chk=$MG _crc=$MGRC
        run_ctr runc $b 60
        _o=$(outcome) _rc=$RC _out=$OUT
        run_ctr runc $b-hook 60
        emit "{\"scenario\":\"mode0\",\"step\":\"$b\",\"check\":$_chk,\"check_rc\":$_crc,\"real\":{\"outcome\":\"$_o\",\"rc\":$_rc,\"out\":\"$_out\"},\"hook\":{\"outcome\":\"$(outcome)\",\"rc\":$RC,\"out\":\"$OUT\"}}"
        klog $b
done
