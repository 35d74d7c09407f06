# Scenario frag: try to leave the zone kernel allocations use first (Normal) without free blocks
# of order 3 or more: proactive compaction off, memory filled to near the min watermarks, then
# every other page given back. memgate's fragmentation finding beside /proc/buddyinfo and a real
# runc start (kernel allocations of higher order still succeed by compaction: the pages are
# movable).
dmesg -c >/dev/null
sysctl -qw vm.compaction_proactiveness=0 2>/dev/null
mkfifo /run/frag
echo -1000 > /proc/self/oom_score_adj
mg-mem frag 128 > /run/frag & _fp=$!
echo 0 > /proc/self/oom_score_adj
read -r _line < /run/frag
note "$_line"
_bi=$(js "$(grep Normal /proc/buddyinfo)")
mg_json host
_host=$MG
run_ctr runc true 120
emit "{\"scenario\":\"frag\",\"step\":\"every-other-page\",\"buddyinfo_normal\":\"$_bi\",\"host\":$_host,\"real\":{\"outcome\":\"$(outcome)\",\"rc\":$RC,\"out\":\"$OUT\"},\"buddyinfo_after\":\"$(js "$(grep Normal /proc/buddyinfo)")\"}"
kill $_fp 2>/dev/null; wait $_fp 2>/dev/null
rm -f /run/frag
klog every-other-page
