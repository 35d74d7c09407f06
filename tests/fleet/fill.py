#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Moves itself into a v1 memory cgroup and touches memory, a MiB at a time, until the cgroup's
# working set (usage minus total_inactive_file) is above FRACTION of its effective limit
# (hierarchical_memory_limit), or allocates past the limit with --oom. Prints "ready" and
# sleeps until killed. Usage: fill.py CGROUP_DIR FRACTION [--oom]
import os, sys, time

cg, frac = sys.argv[1], float(sys.argv[2])
oom = "--oom" in sys.argv[3:]

def stat(key):
    with open(os.path.join(cg, "memory.stat")) as f:
        for line in f:
            k, v = line.split()
            if k == key:
                return int(v)
    raise KeyError(key)

with open(os.path.join(cg, "cgroup.procs"), "w") as f:
    f.write(str(os.getpid()))
limit = stat("hierarchical_memory_limit")
chunks = []
while True:
    with open(os.path.join(cg, "memory.usage_in_bytes")) as f:
        usage = int(f.read())
    ws = usage - stat("total_inactive_file")
    if not oom and ws > frac * limit:
        break
    chunks.append(bytearray(b"\x01" * (1 << 20)))  # written, so charged
print("ready", flush=True)
while True:
    time.sleep(60)
