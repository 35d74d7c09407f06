#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The fuzzers' seed corpus: CORPUS/<target>/ for each fuzz-* target, from the fixture trees (the
# real peer documents included) and a few inline strings. One list for the two users:
# tests/fuzz/run-fuzzers.sh seeds libFuzzer with it, and tests/hostile/sweep.py runs every seed
# through the real confined memgate.
#
# usage: tests/fuzz/seeds.sh CORPUS FIXTURES PEER
set -eu
corpus=${1:?usage: seeds.sh CORPUS FIXTURES PEER}
fix=${2:?usage: seeds.sh CORPUS FIXTURES PEER}
peer=${3:?usage: seeds.sh CORPUS FIXTURES PEER}

seed_files() { # dir, then find(1) name patterns over the fixture and peer trees
        d=$corpus/$1
        shift
        mkdir -p "$d"
        for pat in "$@"; do
                find "$fix" "$peer" -type f -name "$pat" 2>/dev/null | while read -r f; do
                        # content-addressed, so reruns do not duplicate seeds
                        cp "$f" "$d/seed-$(sha1sum <"$f" | cut -c1-16)"
                done
        done
}
seed_text() { # dir text
        mkdir -p "$corpus/$1"
        printf '%b' "$2" >"$corpus/$1/inline-$(printf '%b' "$2" | sha1sum | cut -c1-16)"
}

seed_files state '*state*.json'
seed_files config '*.json'
seed_files meminfo meminfo osrelease
seed_files zoneinfo zoneinfo
seed_files buddyinfo buddyinfo
seed_files cgroup cgroup memory.max memory.limit_in_bytes 'cpuset.mems*' 'cpuset.effective_mems'
seed_files conf '*.conf'
seed_files kernlog '*.dmesg' '*.dmesg-T*' '*.kmsg' 'k*.log' 'lab-*.log' '*.lineno.txt'
seed_text conf 'policy = warn\nfail_closed = yes\nallow_opt_out = no\n# comment\n'
seed_text conf 'runtime_reserve = 64M\njvm_threads = 50\njvm_thread_stack = 1M\njvm_gc_percent = 5\n'
seed_text conf 'overcommit_heuristic = legacy\nwatermark_warn_percent = 25\nsyslog = off\nwrite_report = on\n'
seed_text cgroup '0::/machine.slice/libpod-abc.scope\n'
seed_text cgroup '12:memory:/docker/abc\n11:cpuset,cpu:/x\n1:name=systemd:/user.slice\n'
seed_text cgroup 'machine.slice:libpod:abc'
seed_text cgroup '0-3,8,10-11'
seed_text kernlog 'x invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=3, oom_score_adj=0\nNode 0 Normal free:9kB min:5kB\nNode 0 Normal: 1*4kB 0*8kB 0*16kB 0*32kB = 4kB\noom-kill:constraint=CONSTRAINT_CPUSET,nodemask=0-1,cpuset=/a,mems_allowed=1,global_oom,task_memcg=/a/b,task=x,y,pid=1,uid=0\nOut of memory: Killed process 1 (x) total-vm:1kB, anon-rss:1kB\n'
seed_text kernlog '6,1,2,-;Task in /kubepods/pod1/x killed as a result of limit of /kubepods/pod1\nmemory: usage 1kB, limit 1kB, failcnt 1\n__vm_enough_memory: pid: 1, comm: a, b, bytes: 9 not enough memory for the allocation\n'
seed_text heap 'java\n-Xmx800m\n-XX:MaxRAMPercentage=75\n-jar\napp.jar\n\nJAVA_TOOL_OPTIONS=-Xms64m -Xss512k\n_JAVA_OPTIONS=-Xmx1g\n'
seed_text heap 'sh\n-c\nexec java $JAVA_OPTS -Xmx${HEAP:-512m} -jar app.jar\n\nJAVA_OPTS=-XX:MaxRAM=2g\nHEAP=700m\n'
seed_text heap 'node\n--max-old-space-size=4096\nserver.js\n\nNODE_OPTIONS=--max-old-space-size=2048\n'
seed_text heap '/app/server\n\nGOMEMLIMIT=750MiB\nDOTNET_GCHeapHardLimit=0x30000000\nDOTNET_GCHeapHardLimitPercent=0x4B\n'
seed_text shell 'exec java -Xmx800m -jar "/app/my app.jar" && echo done || exit 1'
seed_text shell "FOO='a b' \"\$A\" \${OPTS:-x} \$(date) \`id\` # comment\\\\\nnext; (sub) | pipe &"
seed_text shell 'java ${OPTS} $A "${A}" ${NOPE-default words} ${NOPE:-} \\\n-Xss1m'
