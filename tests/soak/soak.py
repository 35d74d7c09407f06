#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The soak: memgate killed at random points, and many memgate runs on one bundle at once.

    tests/soak/soak.py --memgate BIN --runtime BIN --fixtures tests/fixtures [--kills 1000]
                       [--concurrent 200] [--seed N]

1. Killed runs (--kills, default 1,000, spread over --lanes processes with a bundle each). Each is a
   real `memgate hook` (a state on stdin, a real bundle) stopped after a random delay (0 to 1.5
   times a measured run) the ways runs die:
     - SIGTERM to memgate (a runtime's hook timeout, systemd stopping a unit),
     - SIGKILL to memgate (runc's and podman's hook timeouts kill the process they started),
     - SIGKILL to memgate's whole process group (a cgroup or OOM kill: the confined child too).
   Hosts, memgate.conf policies and container configs rotate, so each run has a known verdict.
2. Concurrent runs (--concurrent, default 200) on one bundle, started together: `memgate hook`
   writing memgate.json and `memgate-runtime create` rewriting config.json (a stub runtime), while
   a reader keeps parsing both files.
3. A final clean run of each.

It fails on:
  litter    a `.memgate.json.XXXXXX` or `.config.json.XXXXXX` left in the bundle by a run killed
            with SIGTERM or SIGKILL to memgate (its confined child lives on and removes its own), or
            left at all after the final clean runs (the group kills' litter is swept by later
            writes; none at all having been left by group kills would leave the sweep unproven);
  torn      memgate.json or config.json that does not parse, at any point (config.json must also
            keep everything of the original but the io.memgate.* annotations);
  hang      a run (memgate, or its orphaned confined child) still alive `deadline` + 20 s after it
            was started, killed or not;
  policy    a run that finished (no signal) with an exit status other than its verdict, unless it
            printed the documented failure line of its policy (fail open: exit 0, "error, allowing
            (fail open)"; fail closed: exit 1, "error, refusing (fail closed)"); and any run that
            says a write failed ("cannot write", "cannot annotate"): concurrency must never make
            one writer fail another.
Exit 0 when all held; the last line sums up what ran.
"""
import argparse
import ctypes
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

DEADLINE_S = 2.0  # memgate.conf's default `deadline`; the confs below keep it
SLACK_S = 20.0  # a hang is forever; this only has to outlast a loaded host (ASan at load 20: runs of 0.3 s)
PR_SET_CHILD_SUBREAPER = 36


class Failure(Exception):
    pass


def subreaper():
    """Orphaned confined children are reparented to us, so their end can be waited for."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise Failure("prctl(PR_SET_CHILD_SUBREAPER): errno %d" % ctypes.get_errno())


def reap_orphans(block_until=None):
    """Reaps reparented grandchildren; with block_until, until none is left or that time passes.
    Returns how many are still alive (0 when all ended)."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return 0
        if pid != 0:
            continue
        if block_until is None or time.monotonic() > block_until:
            return 1
        time.sleep(0.005)


class Soak:
    def __init__(self, args, lane=None):
        self.a = args
        self.rng = random.Random(args.seed if lane is None else args.seed * 31 + lane)
        self.tmp = tempfile.mkdtemp(prefix="memgate-soak-")
        self.bundle = os.path.join(self.tmp, "bundle")
        os.mkdir(self.bundle)
        fx = args.fixtures
        self.hosts = {
            # name: (procfs, sysfs, verdict exit code with the runc config)
            "healthy": (fx + "/peer/procfs/vm-6.18-24g-default/proc", fx + "/peer/procfs/vm-6.18-24g-default/sys", 0),
            "memavailable-0": (fx + "/procfs/host-4g-minfree-2g/proc", fx + "/procfs/host-4g-minfree-2g/sys", 1),
        }
        self.original = open(fx + "/peer/generated/runc-1.1.5-spec.json", "rb").read()
        self.config = os.path.join(self.bundle, "config.json")
        with open(self.config, "wb") as f:
            f.write(self.original)
        self.confs = {}
        # fsync = yes (not the default): the write of memgate.json then lasts long enough for the
        # kills to land inside it, which is what the litter and sweep checks are about; without
        # it the temp file lives a few microseconds and no kill would prove the sweep.
        for name, text in (("open", "fail_closed = no\nfsync = yes\n"), ("closed", "fail_closed = yes\nfsync = yes\n")):
            p = os.path.join(self.tmp, name + ".conf")
            with open(p, "w") as f:
                f.write(text)
            self.confs[name] = p
        self.stub = os.path.join(self.tmp, "runc-stub")
        with open(self.stub, "w") as f:
            f.write("#!/bin/sh\nexit 0\n")
        os.chmod(self.stub, 0o755)
        self.state = json.dumps({"ociVersion": "1.0.2", "id": "soak", "status": "creating", "pid": os.getpid(),
                                 "bundle": self.bundle}).encode()
        self.counts = {}

    def count(self, key, n=1):
        self.counts[key] = self.counts.get(key, 0) + n

    # ---- one run -----------------------------------------------------------------------------

    def hook_cmd(self, host, conf):
        procfs, sysfs, _ = self.hosts[host]
        return [self.a.memgate, "hook", "--procfs", procfs, "--sysfs", sysfs, "--config", self.confs[conf]]

    def runtime_cmd(self, host, conf, cid):
        procfs, sysfs, _ = self.hosts[host]
        env = dict(os.environ, MEMGATE_RUNTIME=self.stub, MEMGATE_PROCFS=procfs, MEMGATE_SYSFS=sysfs,
                   MEMGATE_CONFIG=self.confs[conf])
        return [self.a.runtime, "create", "--bundle", self.bundle, cid], env

    def start(self, cmd, env=None, stdin=None):
        p = subprocess.Popen(cmd, env=env, stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, process_group=0)
        p.started = time.monotonic()
        if stdin is not None:
            try:
                p.stdin.write(stdin)
                p.stdin.close()
            except BrokenPipeError:
                pass
            p.stdin = None
        return p

    def finish(self, p, what):
        """Waits for p within the hang bound; returns (returncode, stderr)."""
        left = p.started + DEADLINE_S + SLACK_S - time.monotonic()
        try:
            _, err = p.communicate(timeout=max(left, 0.01))
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.communicate()
            raise Failure("hang: %s (or a child holding its stderr) still running %.1f s after it started" % (
                what, DEADLINE_S + SLACK_S))
        return p.returncode, err.decode(errors="replace")

    def judge(self, rc, err, verdict, conf, what, phase):
        """A finished run: its verdict, or its policy's documented failure line."""
        for bad in ("cannot write", "cannot annotate"):
            if bad in err:
                raise Failure("policy: %s: a write failed: %s" % (what, err.strip()))
        if rc == verdict:
            self.count(phase + ": finished with its verdict")
            return
        failed = {"open": (0, "error, allowing (fail open)"), "closed": (1, "error, refusing (fail closed)")}[conf]
        if rc == failed[0] and failed[1] in err:
            self.count(phase + ": finished with the failure policy")
            return
        if rc == failed[0] and conf == "open" and "starting the container without memgate's check" in err:
            self.count(phase + ": finished with the failure policy")
            return
        raise Failure("policy: %s exited %d, verdict %d, conf %s; stderr: %s" % (what, rc, verdict, conf,
                                                                               err.strip()[:600]))

    # ---- the files ---------------------------------------------------------------------------

    def temps(self):
        return sorted(n for n in os.listdir(self.bundle) if n.startswith((".memgate.json.", ".config.json.")))

    def check_files(self, where):
        report = os.path.join(self.bundle, "memgate.json")
        if os.path.exists(report):
            with open(report, "rb") as f:
                data = f.read()
            try:
                json.loads(data)
            except ValueError as e:
                raise Failure("torn: memgate.json does not parse %s (%d bytes): %s" % (where, len(data), e))
        with open(self.config, "rb") as f:
            data = f.read()
        try:
            cfg = json.loads(data)
        except ValueError as e:
            raise Failure("torn: config.json does not parse %s (%d bytes): %s" % (where, len(data), e))
        orig = json.loads(self.original)
        ann = cfg.get("annotations", {})
        cfg["annotations"] = {k: v for k, v in ann.items() if not k.startswith("io.memgate.")}
        if not cfg["annotations"] and "annotations" not in orig:
            del cfg["annotations"]
        if cfg != orig:
            raise Failure("torn: config.json %s lost or changed something beyond the io.memgate.* annotations" % where)

    # ---- the phases --------------------------------------------------------------------------

    def measure(self):
        """Median duration of an unkilled run, to aim the kills inside runs."""
        times = []
        for i in range(15):
            p = self.start(self.hook_cmd("healthy", "open"), stdin=self.state)
            rc, err = self.finish(p, "a measuring run")
            self.judge(rc, err, 0, "open", "a measuring run", "unkilled")
            times.append(time.monotonic() - p.started)
        times.sort()
        return times[len(times) // 2]

    def killed_runs(self, n):
        median = self.measure()
        ways = ("SIGTERM to memgate", "SIGKILL to memgate", "SIGKILL to its process group")
        for i in range(n):
            host = self.rng.choice(list(self.hosts))
            conf = self.rng.choice(list(self.confs))
            way = ways[i % 3]
            what = "killed run %d (%s, %s host, fail %s)" % (i, way, host, conf)
            before = set(self.temps())
            p = self.start(self.hook_cmd(host, conf), stdin=self.state)
            time.sleep(self.rng.uniform(0, 1.5 * median))
            try:
                if way == ways[0]:
                    p.send_signal(signal.SIGTERM)
                elif way == ways[1]:
                    p.send_signal(signal.SIGKILL)
                else:
                    os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            rc, err = self.finish(p, what)
            if rc < 0:
                self.count("killed runs: " + way)
            else:
                self.judge(rc, err, self.hosts[host][2], conf, what, "killed runs")
            # The orphaned child (parent SIGKILLed) gets SIGTERM and must leave within the bound too.
            if reap_orphans(block_until=p.started + DEADLINE_S + SLACK_S):
                raise Failure("hang: the confined child of %s outlived the bound" % what)
            self.check_files("after " + what)
            left = set(self.temps()) - before
            if left and way != ways[2]:
                raise Failure("litter: %s left %s: a killed memgate whose child lived must leave nothing; "
                              "stderr: %s" % (what, sorted(left), err.strip()[:400]))
            self.count("temp files left by group kills (swept later)", len(left))
        return median

    def concurrent_runs(self, n):
        stop = threading.Event()
        torn = []

        def reader():
            while not stop.is_set():
                try:
                    self.check_files("while %d runs were writing" % n)
                    self.count("reads while writing")
                except Failure as e:
                    torn.append(str(e))
                    return

        t = threading.Thread(target=reader)
        t.start()
        runs = []
        try:
            for i in range(n):
                host = "healthy" if i % 2 else "memavailable-0"
                conf = "closed" if i % 4 == 3 else "open"
                if i % 4 == 0:
                    cmd, env = self.runtime_cmd(host, conf, "soak-%d" % i)
                    runs.append((self.start(cmd, env=env), host, conf, "memgate-runtime create %d" % i))
                else:
                    runs.append((self.start(self.hook_cmd(host, conf), stdin=self.state), host, conf,
                                 "concurrent hook %d" % i))
            for p, host, conf, what in runs:
                rc, err = self.finish(p, what)
                if rc < 0:
                    raise Failure("policy: %s died of signal %d; stderr: %s" % (what, -rc, err.strip()[:300]))
                self.judge(rc, err, self.hosts[host][2], conf, what, "concurrent")
        finally:
            stop.set()
            t.join()
        if torn:
            raise Failure(torn[0])
        if reap_orphans(block_until=time.monotonic() + SLACK_S):
            raise Failure("hang: a confined child of the concurrent runs outlived the bound")
        self.check_files("after %d concurrent runs" % n)

    def final_runs(self):
        for host in self.hosts:
            p = self.start(self.hook_cmd(host, "open"), stdin=self.state)
            rc, err = self.finish(p, "the final hook run")
            self.judge(rc, err, self.hosts[host][2], "open", "the final hook run", "unkilled")
        cmd, env = self.runtime_cmd("healthy", "open", "soak-final")
        p = self.start(cmd, env=env)
        rc, err = self.finish(p, "the final memgate-runtime run")
        self.judge(rc, err, 0, "open", "the final memgate-runtime run", "unkilled")
        self.check_files("after the final runs")
        cfg = json.load(open(self.config))
        if cfg.get("annotations", {}).get("io.memgate.verdict") != "allow":
            raise Failure("the final memgate-runtime run did not annotate config.json")
        return self.temps()

    def lanes(self):
        """The killed runs, in --lanes processes of their own (each its own bundle and subreaper,
        so every orphan is waited for by the lane that made it); returns the median run time."""
        n = self.a.lanes
        procs = []
        for i in range(n):
            share = self.a.kills // n + (1 if i < self.a.kills % n else 0)
            cmd = [sys.executable, os.path.abspath(__file__), "--memgate", self.a.memgate, "--runtime", self.a.runtime,
                   "--fixtures", self.a.fixtures, "--seed", str(self.a.seed), "--lane", str(i), "--kills", str(share)]
            procs.append(subprocess.Popen(cmd, stdout=subprocess.PIPE))
        medians, failures = [], []
        for p in procs:
            out, _ = p.communicate()
            try:
                res = json.loads(out.decode().strip().splitlines()[-1])
            except (ValueError, IndexError):
                res = {"failure": "a lane died (exit %d): %s" % (p.returncode, out.decode()[-300:])}
            if "failure" in res:
                failures.append(res["failure"])
                continue
            medians.append(res["median"])
            for k, v in res["counts"].items():
                self.count(k, v)
        if failures:
            raise Failure(failures[0])
        return sorted(medians)[len(medians) // 2]

    def lane(self):
        try:
            median = self.killed_runs(self.a.kills)
            print(json.dumps({"median": median, "counts": self.counts}))
        except Failure as e:
            print(json.dumps({"failure": str(e)}))

    def run(self):
        t0 = time.monotonic()
        median = self.lanes()
        self.concurrent_runs(self.a.concurrent)
        after = self.final_runs()
        if after:
            raise Failure("litter: %d temp files left after the final clean runs: %s" % (len(after), after[:5]))
        swept = self.counts.get("temp files left by group kills (swept later)", 0)
        if self.a.kills >= 300 and not swept:
            raise Failure("no group kill left a temp file: the sweep went unproven (aim the kills later?)")
        print("soak: %d killed runs in %d lanes (median run %.1f ms), %d concurrent, 3 final; %s; nothing left; "
              "%.1f s" % (self.a.kills, self.a.lanes, median * 1000, self.a.concurrent,
            ", ".join("%s: %d" % kv for kv in sorted(self.counts.items())), time.monotonic() - t0))

    def close(self):
        shutil.rmtree(self.tmp, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--memgate", required=True)
    ap.add_argument("--runtime", required=True)
    ap.add_argument("--fixtures", required=True)
    ap.add_argument("--kills", type=int, default=1000)
    ap.add_argument("--concurrent", type=int, default=200)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--lanes", type=int, default=4, help="processes the killed runs are spread over")
    ap.add_argument("--lane", type=int, default=None, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.seed is None:
        a.seed = random.randrange(1 << 30)
    subreaper()
    if a.lane is not None:
        s = Soak(a, a.lane)
        try:
            s.lane()
        finally:
            s.close()
        return 0
    print("soak: seed %d (rerun with --seed %d)" % (a.seed, a.seed), flush=True)
    s = Soak(a)
    try:
        s.run()
    except Failure as e:
        print("soak: FAILED: %s" % e)
        return 1
    finally:
        s.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
