#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""What memgate costs on every container start, side by side with what any hook costs.

    tests/bench/bench.py --build BUILD_DIR [--runs N] [--runc-runs M] [--out FILE]
    tests/bench/bench.py --build BUILD_DIR --smoke      (a few runs of everything: does it run?)

One run reports, per start, on podman's 1 GiB JVM config and the same state, every memgate run on
a bundle as a runtime hands it on a first start (no memgate.json yet; a restart is a row of its own):
  - memgate hook against the floor of any hook (tests/bench/floor.c: reads the state, config.json
    and /proc/meminfo, exits) and against a shell+jq hook doing two of the checks
    (tests/bench/hook-jq.sh); variants in rotation, median of N runs each;
  - `runc run` of a busybox container with and without memgate as a createRuntime hook, and
    `memgate-runtime create` against `runc create` and against the floor of any runtime wrapper
    (floor.c --wrap: reads config.json and /proc/meminfo, executes runc), and `exec` through each into a running
    container (needs root and runc; skipped loudly otherwise); memgate-runtime create with /bin/true
    as the runtime against /bin/true alone and the floor wrapper (its own cost, without runc's noise);
  - what each safety property costs: the floor, then memgate's watchdog (fork/wait), its seccomp
    filter, the atomic memgate.json with and without fsync, a syslog line, each with memgate's own
    code (tests/bench/props.c, bench_props.py), in one rotation with memgate hook;
  - per variant: wall time, user+system time, page faults and peak RSS (wait4), system calls
    (strace -f -c) and user-space instructions (tests/bench/steps.c single-steps the command and
    every process it forks, with the seccomp filter really loaded: this VM has no hardware counters
    for `perf stat -e instructions`, and valgrind does not run seccomp(2));
  - scaling with config.json size (10 kB, 1 MB, 10 MB) and with /proc/zoneinfo (a 192-CPU, 8-node
    host written by tests/bench/gen-big-host.py).
A benchmark, not a test: it asserts nothing about the figures. Everything it creates (a temp dir,
a memory cgroup holding one sleeping process, runc containers) is removed on exit."""
import argparse
import glob
import json
import os
import platform
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_props  # noqa: E402  (the property and exec tables)

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
PEER = os.path.join(SRC, "tests", "fixtures", "peer")
JVM_CONFIG = os.path.join(PEER, "generated", "podman-4.3.1-memory-1g-java-env-config.json")
SMALL_CONFIG = os.path.join(PEER, "generated", "runc-1.1.5-spec.json")
HOST_TREE = os.path.join(SRC, "tests", "fixtures", "procfs", "host-4g-default")
TOOLS = ("floor", "run", "steps")
BUILT_ONLY = ("props",)  # linked with memgate's library: only CMake builds them


def log(msg):
    print(msg, file=sys.stderr, flush=True)


class Bench:
    def __init__(self, a):
        self.a = a
        self.tmp = tempfile.mkdtemp(prefix="memgate-bench-")
        self.cgroup = None
        self.sleeper = None
        self.containers = []
        self.lines = []

    # ---- setup -------------------------------------------------------------------------------

    def tools(self):
        """The bench's C helpers: from the build tree (CMake builds them), else compiled here."""
        self.tool = {}
        for t in TOOLS:
            built = os.path.join(self.a.build, "tests", "bench", f"mg-bench-{t}")
            if os.path.exists(built):
                self.tool[t] = built
                continue
            out = os.path.join(self.tmp, f"mg-bench-{t}")
            subprocess.run(["cc", "-O2", "-fPIE", "-pie", "-Wl,-z,relro,-z,now", "-o", out,
                            os.path.join(HERE, f"{t}.c")], check=True)
            self.tool[t] = out
        for t in BUILT_ONLY:
            built = os.path.join(self.a.build, "tests", "bench", f"mg-bench-{t}")
            if os.path.exists(built):
                self.tool[t] = built
        self.memgate = os.path.join(self.a.build, "memgate")
        self.runtime = os.path.join(self.a.build, "memgate-runtime")
        for b in (self.memgate, self.runtime):
            if not os.access(b, os.X_OK):
                sys.exit(f"bench.py: {b} is not built")

    def make_cgroup(self):
        """A v1 memory cgroup with a 1 GiB limit holding one sleeping process: the state's pid, so
        memgate looks the container's cgroup up as it does under runc. Falls back to this process."""
        base = "/sys/fs/cgroup/memory"
        # A bench that was SIGKILLed (a CTest timeout) could not remove its cgroup: remove those
        # whose bench is gone and that hold no process (rmdir refuses one that does).
        for old in glob.glob(os.path.join(base, "memgate-bench-*")):
            pid = old.rsplit("-", 1)[-1]
            if pid.isdigit() and not os.path.exists(f"/proc/{pid}"):
                try:
                    os.rmdir(old)
                except OSError:
                    pass
        path = os.path.join(base, f"memgate-bench-{os.getpid()}")
        try:
            os.mkdir(path)
            self.cgroup = path
            with open(os.path.join(path, "memory.limit_in_bytes"), "w") as f:
                f.write("1073741824")
            self.sleeper = subprocess.Popen(["sh", "-c", f"echo $$ > {path}/cgroup.procs && exec sleep 3600"])
            for _ in range(100):
                with open(os.path.join(path, "cgroup.procs")) as f:
                    if str(self.sleeper.pid) in f.read().split():
                        return self.sleeper.pid, f"pid {self.sleeper.pid} in {path} (limit 1 GiB)"
                time.sleep(0.01)
        except OSError as e:
            log(f"bench.py: no memory cgroup of our own ({e}); the state's pid is this process")
        return os.getpid(), f"pid {os.getpid()} (this process, in its own cgroup)"

    def bundle(self, name, config, pid):
        b = os.path.join(self.tmp, name)
        os.mkdir(b)
        shutil.copy(config, os.path.join(b, "config.json"))
        state = os.path.join(self.tmp, f"{name}.state.json")
        with open(state, "w") as f:
            json.dump({"ociVersion": "1.0.2", "id": f"bench-{name}", "status": "creating", "pid": pid,
                       "bundle": b}, f)
        return b, state

    def cleanup(self):
        for cid in self.containers:
            subprocess.run(["runc", "delete", "-f", cid], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if self.sleeper:
            self.sleeper.send_signal(signal.SIGKILL)
            self.sleeper.wait()
        if self.cgroup:
            for _ in range(50):
                try:
                    os.rmdir(self.cgroup)
                    break
                except OSError:
                    time.sleep(0.05)
        shutil.rmtree(self.tmp, ignore_errors=True)

    # ---- measuring ---------------------------------------------------------------------------

    def rotate(self, variants, rounds, warmup=2):
        """variants: [(name, stdin, post, argv)]. Returns {name: [run dicts]}."""
        cmd = [self.tool["run"], "-n", str(rounds), "-w", str(warmup)]
        for i, (name, stdin, post, argv) in enumerate(variants):
            if i:
                cmd.append("::")
            cmd += [name, stdin or "-", post or "-"] + list(argv)
        out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True).stdout
        res = {v[0]: [] for v in variants}
        for line in out.splitlines():
            n, _, wall, ut, st, minf, majf, rss, status = line.split()
            res[variants[int(n)][0]].append(dict(wall=int(wall) / 1e6, cpu=(int(ut) + int(st)) / 1e3, faults=int(minf) + int(majf),
                               rss=int(rss), status=int(status)))
        return res

    def killed(self, stdin, argv):
        """One run with stderr kept: did memgate report its confined child killed (a filter gap
        that fails open with exit 0 and would make every figure here a lie)?"""
        # stderr into a file, not a pipe: a created container's init keeps the stdio it inherited.
        errpath = os.path.join(self.tmp, "probe.err")
        with open(stdin or "/dev/null") as f, open(errpath, "wb") as e:
            subprocess.run(list(argv), stdin=f, stdout=subprocess.DEVNULL, stderr=e)
        with open(errpath, "rb") as e:
            err = e.read()
        if b"killed by signal" in err:
            log(f"bench.py: WARNING: {argv[0]}'s evaluation was killed: {err.decode(errors='replace').strip()}")
            return True
        return False

    def syscalls(self, stdin, argv):
        out = os.path.join(self.tmp, "strace.txt")
        with open(stdin or "/dev/null") as f:
            subprocess.run(["strace", "-f", "-c", "-o", out, "--"] + list(argv), stdin=f,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for line in open(out):
            t = line.split()
            if t and t[-1] == "total":
                return int(t[3])
        return None

    def steps(self, stdin, argv, until_exec=False):
        # Single-stepped, memgate runs hundreds of times slower: past memgate.conf's 2 s deadline its
        # watchdog would kill the confined child and fail open, and the count would be of a cut
        # run. A deadline long enough for the whole run is given for the count only.
        conf = os.path.join(self.tmp, "steps.conf")
        with open(conf, "w") as f:
            f.write("deadline = 300s\n")
        argv = list(argv)
        if argv[0] == self.memgate:
            argv[2:2] = ["--config", conf]
        elif argv[0] == self.runtime:
            argv[1:1] = [f"--memgate-config={conf}"]
        cmd = [self.tool["steps"]] + (["--until-exec"] if until_exec else []) + [stdin or "-"] + argv
        t0 = time.monotonic()
        out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True).stdout.split()
        log(f"  {int(out[0]) / 1e6:.2f} M instructions in {out[1]} process(es), exit {out[2]}: "
            f"{os.path.basename(argv[0])} ({time.monotonic() - t0:.0f} s of single-stepping)")
        return int(out[0])

    # ---- reporting ---------------------------------------------------------------------------

    def out(self, s=""):
        self.lines.append(s)
        print(s, flush=True)

    @staticmethod
    def med(runs, k):
        return statistics.median(r[k] for r in runs)

    @staticmethod
    def p90(runs):
        w = sorted(r["wall"] for r in runs)
        return w[min(len(w) - 1, int(0.9 * len(w)))]

    @staticmethod
    def statuses(runs):
        return ",".join(str(s) for s in sorted({r["status"] for r in runs}))

    # ---- sections ----------------------------------------------------------------------------

    @staticmethod
    def no_report(bundle):
        """The POST command that removes the memgate.json a run left in bundle (untimed)."""
        return "rm -f " + shlex.quote(os.path.join(bundle, "memgate.json"))

    @staticmethod
    def first_start(state):
        """no_report for state's bundle: each run finds it as a runtime hands it on a container's
        first start."""
        with open(state) as f:
            return Bench.no_report(json.load(f)["bundle"])

    def per_start(self, state, restart_state):
        a = self.a
        variants = [("floor", state, None, [self.tool["floor"]]),
                    ("memgate hook", state, self.first_start(state), [self.memgate, "hook"]),
                    ("memgate hook, restart (replaces memgate.json)", restart_state, None, [self.memgate, "hook"]),
                    ("shell+jq hook", state, None, ["sh", os.path.join(HERE, "hook-jq.sh")])]
        log(f"per start: {len(variants)} variants in rotation, {a.runs} runs each")
        broken = {name for name, stdin, _, argv in variants if self.killed(stdin, argv)}
        res = self.rotate(variants, a.runs)
        floor = self.med(res["floor"], "wall")
        counts = {}
        for name, stdin, post, argv in variants:
            if post:
                subprocess.run(post, shell=True, check=True)
            sc = self.syscalls(stdin, argv) if shutil.which("strace") else None
            if post:
                subprocess.run(post, shell=True, check=True)
            ins = None
            if name == "floor" or (name == "memgate hook" and not a.smoke) or (a.all_instructions and not a.smoke):
                if not a.no_instructions:
                    ins = self.steps(stdin, argv)
            counts[name] = (sc, ins)
        self.out(f"### Per start: the hook alone ({a.runs} runs each, in rotation)")
        self.out()
        self.out("| variant | wall median | wall p90 | x floor | user+sys | page faults | peak RSS | syscalls "
                 "| instructions | exit |")
        self.out("|---|---|---|---|---|---|---|---|---|---|")
        for name, *_ in variants:
            r = res[name]
            sc, ins = counts[name]
            self.out(f"| {name} | {self.med(r, 'wall'):.2f} ms | {self.p90(r):.2f} ms | "
                     f"{self.med(r, 'wall') / floor:.2f} | {self.med(r, 'cpu'):.2f} ms | {self.med(r, 'faults'):.0f} | "
                     f"{max(x['rss'] for x in r) / 1024:.2f} MiB | {sc if sc is not None else '-'} | "
                     f"{f'{ins / 1e6:.2f} M' if ins else 'not counted'} | {self.statuses(r)}"
                     f"{' (EVALUATION KILLED: figures invalid)' if name in broken else ''} |")
        self.out()
        self.out("memgate hook: each run finds the bundle as a runtime hands it on a container's first start, "
                 "without memgate.json (the previous run's removed, untimed); restart: a bundle of its own whose "
                 "memgate.json each run replaces, as on a restart of the same container.")
        self.out()

    def runc_bundle(self):
        root = os.path.join(self.tmp, "busybox")
        rootfs = os.path.join(root, "rootfs")
        for d in ("bin", "proc", "dev", "sys", "tmp"):
            os.makedirs(os.path.join(rootfs, d))
        busybox = "/bin/busybox"
        shutil.copy(busybox, os.path.join(rootfs, "bin", "busybox"))
        subprocess.run(["runc", "spec", "--bundle", root], check=True)
        with open(os.path.join(root, "config.json")) as f:
            spec = json.load(f)
        spec["process"]["terminal"] = False
        spec["process"]["args"] = ["/bin/busybox", "true"]
        spec["root"] = {"path": rootfs, "readonly": True}
        spec["linux"].setdefault("resources", {})["memory"] = {"limit": 1073741824}
        plain = os.path.join(self.tmp, "runc-plain")
        hooked = os.path.join(self.tmp, "runc-hooked")
        # memgate-runtime's own: it annotates its config.json, which runc create must not read.
        wrapped = os.path.join(self.tmp, "runc-wrapped")
        self.runc_spec = spec
        for b, hooks in ((plain, None), (hooked, {"createRuntime": [{"path": self.memgate,
                                                                       "args": ["memgate", "hook"]}]}),
                         (wrapped, None)):
            os.mkdir(b)
            s = dict(spec)
            if hooks:
                s["hooks"] = hooks
            self.write_spec(b, s)
        self.write_spec(self.tmp, spec)  # the original, for fresh_spec
        return plain, hooked, wrapped

    @staticmethod
    def fresh_spec(bundle, config):
        """The POST command that hands bundle over as an engine does before a create: a new
        config.json, a copy of config (the old one removed first, as podman's saveSpec removes it:
        copied over the annotated file, the truncation would make ext4's auto_da_alloc give it
        real blocks, and the next run's unlink of it would free them, +0.7 ms no engine's create
        pays), and no memgate.json."""
        cfg = shlex.quote(os.path.join(bundle, "config.json"))
        return f"{Bench.no_report(bundle)} {cfg} && cp {shlex.quote(config)} {cfg}"

    @staticmethod
    def write_spec(bundle, spec):
        with open(os.path.join(bundle, "config.json"), "w") as f:
            json.dump(spec, f)

    def runc(self):
        a = self.a
        if os.geteuid() != 0 or not shutil.which("runc") or not os.path.exists("/bin/busybox"):
            self.out("### Container start: SKIPPED (needs root, runc and /bin/busybox from busybox-static)")
            self.out()
            log("bench.py: SKIPPING the runc figures: needs root, runc and busybox-static")
            return
        plain, hooked, wrapped = self.runc_bundle()
        runc = shutil.which("runc")
        ver = subprocess.run([runc, "--version"], stdout=subprocess.PIPE, text=True).stdout.split("\n")[0]
        pid = os.getpid()
        ids = [f"mgb-{pid}-{k}" for k in ("run", "runh", "cr", "crm", "crf")]
        self.containers += ids
        variants = [
            ("runc run", None, None, [runc, "run", "--bundle", plain, ids[0]]),
            ("runc run + memgate hook", None, self.no_report(hooked), [runc, "run", "--bundle", hooked, ids[1]]),
            ("runc create", None, f"{runc} delete -f {ids[2]}", [runc, "create", "--bundle", plain, ids[2]]),
            ("memgate-runtime create", None,
             f"{runc} delete -f {ids[3]} && {self.fresh_spec(wrapped, os.path.join(self.tmp, 'config.json'))}",
             [self.runtime, f"--memgate-runtime={runc}", "create", "--bundle", wrapped, ids[3]]),
            ("floor wrapper create", None, f"{runc} delete -f {ids[4]}",
             [self.tool["floor"], "--wrap", runc, "create", "--bundle", plain, ids[4]]),
        ]
        broken = self.killed(None, variants[3][3])
        subprocess.run([runc, "delete", "-f", ids[3]], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        log(f"container start: {len(variants)} variants in rotation, {a.runc_runs} runs each")
        res = self.rotate(variants, a.runc_runs, warmup=1)
        ins = None
        if not a.smoke and not a.no_instructions:
            ins = self.steps(None, variants[3][3], until_exec=True)
            subprocess.run([runc, "delete", "-f", ids[3]], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.out(f"### Container start: busybox under {ver} ({a.runc_runs} runs each, in rotation)")
        self.out()
        # user+sys too: on a shared host the wall time of a ~40 ms, many-process start moves by
        # milliseconds with the load; the CPU a start adds is the steadier figure.
        self.out("| variant | wall median | wall p90 | added | user+sys | added CPU | exit |")
        self.out("|---|---|---|---|---|---|---|")
        base = {"runc run + memgate hook": "runc run", "memgate-runtime create": "runc create",
                "floor wrapper create": "runc create"}
        for name, *_ in variants:
            r = res[name]
            added = added_cpu = ""
            if name in base:
                added = f"{self.med(r, 'wall') - self.med(res[base[name]], 'wall'):+.2f} ms"
                added_cpu = f"{self.med(r, 'cpu') - self.med(res[base[name]], 'cpu'):+.2f} ms"
            bad = " (EVALUATION KILLED: figures invalid)" if broken and name == "memgate-runtime create" else ""
            self.out(f"| {name} | {self.med(r, 'wall'):.2f} ms | {self.p90(r):.2f} ms | {added} | "
                     f"{self.med(r, 'cpu'):.2f} ms | {added_cpu} | {self.statuses(r)}{bad} |")
        self.out()
        self.out("floor wrapper: any runtime wrapper's least, mg-bench-floor --wrap (reads the bundle's config.json "
                 "and /proc/meminfo, executes runc); memgate-runtime above it: "
                 f"{self.med(res['memgate-runtime create'], 'wall') - self.med(res['floor wrapper create'], 'wall'):+.2f} ms "
                 f"wall, {self.med(res['memgate-runtime create'], 'cpu') - self.med(res['floor wrapper create'], 'cpu'):+.2f} ms CPU.")
        if ins:
            self.out()
            self.out(f"memgate-runtime's own part of a create (until it executes runc): {ins / 1e6:.2f} M instructions.")
        self.out()
        bench_props.runtime_exec(self, runc, self.runc_spec, self.write_spec)

    def padded_config(self, size):
        """The runc spec with a 1 GiB limit and a JVM heap, grown to `size` bytes with env entries."""
        with open(SMALL_CONFIG) as f:
            spec = json.load(f)
        spec["linux"].setdefault("resources", {})["memory"] = {"limit": 1073741824}
        env = spec["process"].setdefault("env", [])
        env.append("JAVA_TOOL_OPTIONS=-Xmx800m")
        base = len(json.dumps(spec))
        i = 0
        while base < size:
            e = f"BENCH_PAD_{i:07d}=" + "x" * 80
            env.append(e)
            base += len(e) + 4
            i += 1
        path = os.path.join(self.tmp, f"config-{size}.json")
        with open(path, "w") as f:
            json.dump(spec, f)
        return path, os.path.getsize(path)

    def scaling(self, pid):
        a = self.a
        sizes = [10_000, 1_000_000, 10_000_000]
        rounds = {10_000: a.runs // 2, 1_000_000: max(3, a.runs // 10), 10_000_000: max(3, a.runs // 40)}
        self.out("### Scaling with config.json size (env entries; memgate hook and floor in rotation)")
        self.out()
        self.out("| config.json | runs | memgate hook | floor | x floor | memgate peak RSS | exit |")
        self.out("|---|---|---|---|---|---|---|")
        for size in sizes:
            cfg, real = self.padded_config(size)
            _, state = self.bundle(f"size{size}", cfg, pid)
            n = rounds[size] if not a.smoke else 2
            log(f"scaling: config of {real} bytes, {n} runs each")
            res = self.rotate([("memgate", state, self.first_start(state), [self.memgate, "hook"]),
                               ("floor", state, None, [self.tool["floor"]])], n, warmup=1)
            m, fl = self.med(res["memgate"], "wall"), self.med(res["floor"], "wall")
            self.out(f"| {real / 1000:,.0f} kB | {n} | {m:.2f} ms | {fl:.2f} ms | {m / fl:.2f} | "
                     f"{max(x['rss'] for x in res['memgate']) / 1024:.2f} MiB | {self.statuses(res['memgate'])} |")
        self.out()
        big = os.path.join(self.tmp, "big-host")
        subprocess.run([sys.executable, os.path.join(HERE, "gen-big-host.py"), big], check=True)
        _, state = self.bundle("zone", JVM_CONFIG, pid)
        # Without memgate.json: its fsyncs would bury the reading of zoneinfo in disk noise.
        conf = os.path.join(self.tmp, "no-report.conf")
        with open(conf, "w") as f:
            f.write("write_report = no\n")
        variants = []
        for label, tree in (("4 GB host, 1 node (tests/fixtures/procfs/host-4g-default)", HOST_TREE),
                            ("192 CPUs, 8 nodes (gen-big-host.py)", big)):
            variants.append((label, state, None, [self.memgate, "hook", "--config", conf,
                                                  "--procfs", os.path.join(tree, "proc"),
                                                  "--sysfs", os.path.join(tree, "sys")]))
        n = a.runs // 2 if not a.smoke else 2
        log(f"scaling: zoneinfo, {n} runs each")
        res = self.rotate(variants, n)
        self.out(f"### Scaling with /proc/zoneinfo (memgate hook --procfs/--sysfs, write_report = no, {n} runs each, in rotation)")
        self.out()
        self.out("| host tree | zoneinfo | memgate hook | peak RSS | exit |")
        self.out("|---|---|---|---|---|")
        walls = []
        for (label, _, _, argv), tree in zip(variants, (HOST_TREE, big)):
            r = res[label]
            kb = os.path.getsize(os.path.join(tree, "proc", "zoneinfo")) / 1000
            walls.append((kb, self.med(r, "wall")))
            self.out(f"| {label} | {kb:,.1f} kB | {self.med(r, 'wall'):.2f} ms | "
                     f"{max(x['rss'] for x in r) / 1024:.2f} MiB | {self.statuses(r)} |")
        (k0, w0), (k1, w1) = walls
        self.out()
        self.out(f"zoneinfo: {(w1 - w0) * 1000 / (k1 - k0):.1f} us per kB more.")
        self.out()

    def run(self):
        a = self.a
        self.tools()
        pid, pid_note = self.make_cgroup()
        b, state = self.bundle("jvm", JVM_CONFIG, pid)
        _, restart_state = self.bundle("restart", JVM_CONFIG, pid)
        commit = subprocess.run(["git", "-C", SRC, "rev-parse", "--short", "HEAD"], stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, text=True).stdout.strip() or "?"
        build = os.path.abspath(a.build)
        shown = os.path.relpath(build, SRC) if build.startswith(SRC + os.sep) else os.path.basename(os.path.normpath(build))
        self.out(f"## memgate bench: commit {commit}, build {shown}")
        self.out()
        self.out("Command: `tests/bench/bench.py " + " ".join(sys.argv[1:]) + "`")
        self.out()
        self.out(f"Kernel {platform.release()}, {os.cpu_count()} CPUs, load average "
                 f"{' '.join(f'{x:.1f}' for x in os.getloadavg())} at the start. Bundle: "
                 f"{os.path.basename(JVM_CONFIG)} ({os.path.getsize(JVM_CONFIG) / 1000:.1f} kB); state: {pid_note}. "
                 "Wall time from fork to wait4, the state written into a pipe on stdin; page faults and peak RSS "
                 "from wait4 (the command and the children it reaped); syscalls from strace -f -c; "
                 "instructions: user-space instructions single-stepped under ptrace, seccomp filter loaded.")
        self.out()
        self.per_start(state, restart_state)
        if "props" in self.tool:
            bench_props.properties(self, state)
        else:
            self.out("### What each safety property costs: SKIPPED (mg-bench-props is not built)")
            self.out()
            log("bench.py: SKIPPING the property table: build the mg-bench-props target")
        wb, _ = self.bundle("wrap", JVM_CONFIG, pid)
        bench_props.wrapper_own(self, wb, JVM_CONFIG)
        self.runc()
        if not a.no_scaling:
            self.scaling(pid)
        self.out(f"Load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}.")
        if a.out:
            with open(a.out, "w") as f:
                f.write("\n".join(self.lines) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", required=True, help="the CMake build directory (memgate, memgate-runtime)")
    ap.add_argument("--runs", type=int, default=200, help="runs of each per-start variant (default 200)")
    ap.add_argument("--runc-runs", type=int, default=40, help="runs of each container-start variant (default 40)")
    ap.add_argument("--smoke", action="store_true", help="a few runs of everything, instructions of the floor only")
    ap.add_argument("--no-instructions", action="store_true", help="skip the single-stepped instruction counts")
    ap.add_argument("--all-instructions", action="store_true", help="count the shell+jq hook's too (minutes)")
    ap.add_argument("--no-scaling", action="store_true", help="skip the config-size and zoneinfo scaling")
    ap.add_argument("--out", help="also write the tables (Markdown) to this file")
    a = ap.parse_args()
    a.build = os.path.abspath(a.build)
    if a.smoke:
        a.runs, a.runc_runs = 3, 2
    b = Bench(a)
    # A runtime's or CI's SIGTERM still removes the cgroup, the containers and the temp dir.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        b.run()
    finally:
        b.cleanup()


if __name__ == "__main__":
    main()
