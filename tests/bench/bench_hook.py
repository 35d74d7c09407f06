#!/usr/bin/env python3
"""What `memgate hook` costs on every container start: wall time, CPU time and peak RSS per run,
over N runs with a real state on stdin and a real bundle (podman's 1 GiB JVM config). A benchmark,
not a test: it prints figures and asserts nothing.

    tests/bench/bench_hook.py [--runs N] [--bin build/memgate]
"""
import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import tempfile
import time

here = os.path.dirname(os.path.abspath(__file__))
src = os.path.dirname(os.path.dirname(here))
peer = os.environ.get("MEMGATE_PEER", os.path.join(src, "tests", "fixtures", "peer"))

ap = argparse.ArgumentParser()
ap.add_argument("--runs", type=int, default=200)
ap.add_argument("--bin", default=os.path.join(src, "build", "memgate"))
a = ap.parse_args()

bundle = tempfile.mkdtemp(prefix="memgate-bench-")
try:
    shutil.copy(os.path.join(peer, "generated", "podman-4.3.1-memory-1g-java-env-config.json"),
                os.path.join(bundle, "config.json"))
    state = json.dumps({"ociVersion": "1.0.2", "id": "bench", "status": "creating",
                        "pid": os.getpid(), "bundle": bundle}).encode()
    walls = []
    for _ in range(a.runs):
        t = time.perf_counter()
        subprocess.run([a.bin, "hook"], input=state, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        walls.append((time.perf_counter() - t) * 1000)
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    walls.sort()
    print(f"memgate hook, {a.runs} runs ({a.bin})")
    print(f"  wall time   median {statistics.median(walls):.2f} ms, p95 {walls[int(0.95 * len(walls)) - 1]:.2f} ms")
    print(f"  CPU time    {(ru.ru_utime + ru.ru_stime) * 1000 / a.runs:.2f} ms per run (user+sys)")
    # RUSAGE_CHILDREN would count this Python's own pages (a vfork child's high-water mark is
    # carried over exec), so peak RSS comes from GNU time, a small C parent.
    if os.path.exists("/usr/bin/time"):
        peak = 0
        for _ in range(10):
            r = subprocess.run(["/usr/bin/time", "-f", "%M", a.bin, "hook"], input=state,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            peak = max(peak, int(r.stderr.decode().strip().splitlines()[-1]))
        print(f"  peak RSS    {peak / 1024:.1f} MiB (largest of 10 runs, GNU time)")
    # Instructions do not depend on the machine's load: one run under callgrind, parent and
    # confined child together.
    if shutil.which("valgrind"):
        out = tempfile.mkdtemp(prefix="memgate-cg-")
        subprocess.run(["valgrind", "--tool=callgrind", "--trace-children=yes",
                        f"--callgrind-out-file={out}/cg.%p", a.bin, "hook"], input=state,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        total = 0
        for f in os.listdir(out):
            for line in open(os.path.join(out, f)):
                if line.startswith("totals:"):
                    total += int(line.split()[1])
        shutil.rmtree(out)
        print(f"  instructions {total / 1e6:.1f} million per run (callgrind, dynamic loader included)")
finally:
    shutil.rmtree(bundle)
