#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The confined-evaluation sweep: nothing a container controls may kill memgate's evaluation.

    sweep.py MEMGATE MEMGATE_RUNTIME SRC [--corpus DIR]

Runs the real, confined `memgate hook` (a real OCI state on stdin, a bundle directory),
`memgate precreate` (the config on stdin) and `memgate-runtime create` (with MEMGATE_RUNTIME a
stub that records it was executed) over:

  * every fixture host tree (tests/fixtures/procfs/*, the real captures in
    tests/fixtures/peer/procfs/*, and this machine's own /proc and /sys through both cgroup
    backends: /sys for libcgroup, /sys/. for the sysfs reader) crossed with every fixture bundle
    (every *.json under tests/fixtures);
  * every cgroup fixture tree (v1, v2, hybrid) with each of its processes;
  * every input the fuzzers are seeded with (tests/fuzz/seeds.sh, the same list
    tests/fuzz/run-fuzzers.sh feeds), each placed where memgate meets it: a state on stdin, a
    config.json, a memgate.conf, a /proc file, a /proc/<pid>/cgroup, a cgroup control file,
    process.args and process.env, an sh -c string; with --corpus, a grown fuzz corpus
    (DIR/<target>/*) as well.

It fails on any evaluation that was killed (the filter's SIGSYS is "killed by signal 31"; any other
signal is a crash), any exit status outside 0/1, any run that did not end (a hang), a precreate
that allowed the start without giving podman a config that is the input or valid JSON, and a
memgate-runtime whose exit status disagrees with whether it executed the runtime.
"""
import concurrent.futures
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading

from annotated import annotated_from

HANG = 60  # seconds: far above any run; only a run that never ends reaches it

PEER_STATE = {"ociVersion": "1.0.2", "status": "creating", "annotations": {}}


class Sweep:
    def __init__(self, memgate, runtime, src, work):
        self.memgate, self.runtime, self.src, self.work = memgate, runtime, src, work
        self.fix = os.path.join(src, "tests", "fixtures")
        self.failures = []
        self.runs = 0
        self.n = 0
        self.lock = threading.Lock()
        # The runs wait on fsync (memgate.json, config.json) more than they compute: a few at once.
        self.pool = concurrent.futures.ThreadPoolExecutor(max_workers=4)
        self.pending = []
        self.stub = os.path.join(work, "stub-runtime")
        with open(self.stub, "w") as f:
            f.write('#!/bin/sh\n: >"$MEMGATE_STUB_MARK"\nexit 0\n')
        os.chmod(self.stub, 0o755)
        self.empty_conf = os.path.join(work, "empty.conf")
        open(self.empty_conf, "w").close()

    # ---- host trees ----

    def merged_host(self, host, cgtree):
        """A host tree (proc, sys) with a cgroup fixture tree's proc/<pid> and sys/fs laid over it."""
        key = hashlib.sha1(("%s|%s" % (host, cgtree)).encode()).hexdigest()[:12]
        d = os.path.join(self.work, "hosts", key)
        if not os.path.isdir(d):
            shutil.copytree(host, d, symlinks=True)
            if cgtree:
                for sub in ("proc", "sys"):
                    shutil.copytree(os.path.join(cgtree, sub), os.path.join(d, sub), symlinks=True,
                                    dirs_exist_ok=True)
        return d

    def host_trees(self):
        """(name, procfs, sysfs) of every host fixture, the peer captures and the live host."""
        out = []
        for base in (os.path.join(self.fix, "procfs"), os.path.join(self.fix, "peer", "procfs")):
            for name in sorted(os.listdir(base)):
                t = os.path.join(base, name)
                if os.path.isdir(os.path.join(t, "proc")):
                    out.append((name, os.path.join(t, "proc"), os.path.join(t, "sys")))
        out.append(("live-libcgroup", "/proc", "/sys"))
        out.append(("live-sysfs", "/proc", "/sys/."))
        return out

    # ---- one run of each front end ----

    def fail(self, what, case, r):
        with self.lock:
            self.failures.append("%s [%s]: exit %s\n  stderr: %s" % (what, case, r.returncode,
                                                                 r.stderr[-2000:].decode("utf-8", "replace")))

    def fail_text(self, text):
        with self.lock:
            self.failures.append(text)

    def check_common(self, what, case, r):
        err = r.stderr.decode("utf-8", "replace")
        if r.returncode is None or r.returncode < 0 or r.returncode not in (0, 1) or "killed by signal" in err:
            self.fail(what, case, r)
            return False
        return True

    def run(self, argv, stdin=b"", env=None):
        with self.lock:
            self.runs += 1
        # Sanitizer builds: LeakSanitizer's exit-time scan doubles the cost of each of these short
        # runs; leaks are the unit suites' and hostile.py's to find, this sweep is about killed runs.
        env = dict(env or os.environ)
        env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + (":" if env.get("ASAN_OPTIONS") else "") + "detect_leaks=0"
        try:
            return subprocess.run(argv, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                                  timeout=HANG)
        except subprocess.TimeoutExpired as e:
            return subprocess.CompletedProcess(argv, None, e.stdout or b"", b"HANG: no end after %ds" % HANG)

    def fresh(self, name):
        """A new path under the work directory, unique to one case."""
        with self.lock:
            self.n += 1
            return os.path.join(self.work, name, str(self.n))

    def bundle(self, config):
        b = self.fresh("b")
        os.makedirs(os.path.join(b, "rootfs"))
        with open(os.path.join(b, "config.json"), "wb") as f:
            f.write(config)
        return b

    def case(self, *args, cleanup=None, **kw):
        """Queues one case (see one_case); cleanup runs after it."""
        def job():
            try:
                self.one_case(*args, **kw)
            finally:
                if cleanup:
                    shutil.rmtree(cleanup, ignore_errors=True)
        self.pending.append(self.pool.submit(job))

    def wait(self):
        for f in self.pending:
            f.result()
        self.pending = []

    def one_case(self, case, config, procfs, sysfs, pid=None, conf=None, state=None,
                 modes=("hook", "precreate", "runtime")):
        """Runs config on one host through every front end."""
        conf = conf or self.empty_conf
        host = ["--procfs", procfs, "--sysfs", sysfs, "--config", conf]
        if "hook" in modes:
            b = self.bundle(config)
            st = state(b) if callable(state) else state if state is not None else json.dumps(
                dict(PEER_STATE, id="sweep-" + os.path.basename(b), pid=pid or os.getpid(), bundle=b)).encode()
            r = self.run([self.memgate, "hook"] + host, stdin=st)
            self.check_common("hook", case, r)
            shutil.rmtree(b)
        if "precreate" in modes:
            r = self.run([self.memgate, "precreate"] + host, stdin=config)
            if (self.check_common("precreate", case, r) and r.returncode == 0 and r.stdout != config
                    and not annotated_from(config, r.stdout)):
                self.fail_text("precreate [%s]: allowed, but stdout is neither the input nor it annotated (%d bytes)"
                               % (case, len(r.stdout)))
        if "runtime" in modes:
            b = self.bundle(config)
            mark = os.path.join(b, "runtime-was-executed")
            env = dict(os.environ, MEMGATE_RUNTIME=self.stub, MEMGATE_PROCFS=procfs, MEMGATE_SYSFS=sysfs,
                       MEMGATE_CONFIG=conf, MEMGATE_STUB_MARK=mark)
            r = self.run([self.runtime, "create", "--bundle", b, "sweep-" + os.path.basename(b)], env=env)
            if self.check_common("memgate-runtime create", case, r):
                if (r.returncode == 0) != os.path.exists(mark):
                    self.fail_text("memgate-runtime create [%s]: exit %d but the runtime was %sexecuted" %
                                         (case, r.returncode, "" if os.path.exists(mark) else "not "))
            shutil.rmtree(b)


def files_under(d):
    out = []
    for root, _, names in os.walk(d):
        for n in sorted(names):
            out.append(os.path.join(root, n))
    return sorted(out)


def read(p):
    with open(p, "rb") as f:
        return f.read()


def heap_config(text):
    """A fuzz-heap input ("arg\\narg\\n\\nENV=v\\n...") as the config it stands for."""
    args, _, env = text.decode("utf-8", "surrogateescape").partition("\n\n")
    doc = {"ociVersion": "1.0.2", "process": {"args": args.split("\n"), "env": [e for e in env.split("\n") if e]},
           "root": {"path": "rootfs"}, "linux": {"resources": {"memory": {"limit": 1073741824}}}}
    return json.dumps(doc, ensure_ascii=False).encode("utf-8", "surrogateescape")


def shell_config(text):
    doc = {"ociVersion": "1.0.2",
           "process": {"args": ["sh", "-c", text.decode("utf-8", "surrogateescape")], "env": ["PATH=/usr/bin"]},
           "root": {"path": "rootfs"}, "linux": {"resources": {"memory": {"limit": 1073741824}}}}
    return json.dumps(doc, ensure_ascii=False).encode("utf-8", "surrogateescape")


JAVA_CONFIG = json.dumps({
    "ociVersion": "1.0.2", "process": {"args": ["java", "-Xmx900m", "-jar", "app.jar"], "env": ["PATH=/usr/bin"]},
    "root": {"path": "rootfs"},
    "linux": {"cgroupsPath": "/machine.slice/libpod-abc.scope",
              "resources": {"memory": {"limit": 1073741824}, "cpu": {"mems": "0"}}}}).encode()


def fuzz_inputs(sw, corpus_dirs):
    """Every seed input (and grown corpus) through the place memgate reads it."""
    fix = sw.fix
    base = os.path.join(fix, "procfs", "host-4g-minfree-2g")
    ok_host = os.path.join(fix, "procfs", "host-4g-default")
    v2 = os.path.join(fix, "cgroup", "v2")
    for target_dir in corpus_dirs:
        target = os.path.basename(target_dir.rstrip("/"))
        inputs = files_under(target_dir) if os.path.isdir(target_dir) else []
        for i, p in enumerate(inputs):
            data = read(p)
            host = base if i % 2 == 0 else ok_host  # a refusing and a quiet host in turn
            case = "fuzz-%s %s" % (target, os.path.relpath(p, target_dir))
            procfs, sysfs = os.path.join(host, "proc"), os.path.join(host, "sys")
            if target == "state":
                sw.case(case, JAVA_CONFIG, procfs, sysfs, state=data, modes=("hook",))
                try:
                    doc = json.loads(data)
                except ValueError:
                    doc = None
                if isinstance(doc, dict):  # the same state, pointing at a real bundle
                    sw.case(case + " (bundle set)", JAVA_CONFIG, procfs, sysfs, modes=("hook",),
                            state=lambda b, doc=doc: json.dumps(dict(doc, bundle=b)).encode())
            elif target == "config":
                sw.case(case, data, procfs, sysfs)
            elif target == "conf":
                d = sw.fresh("conf")
                os.makedirs(d)
                c = os.path.join(d, "memgate.conf")
                with open(c, "wb") as f:
                    f.write(data)
                sw.case(case, JAVA_CONFIG, procfs, sysfs, conf=c, cleanup=d)
            elif target in ("meminfo", "zoneinfo", "buddyinfo"):
                t = sw.fresh("fuzzhost")
                shutil.copytree(host, t)
                with open(os.path.join(t, "proc", target), "wb") as f:
                    f.write(data)
                sw.case(case, JAVA_CONFIG, os.path.join(t, "proc"), os.path.join(t, "sys"), cleanup=t)
            elif target == "cgroup":
                # as the container's /proc/<pid>/cgroup, and as each cgroup control file it could be
                t = sw.fresh("fuzzcg")
                shutil.copytree(sw.merged_host(host, v2), t)
                with open(os.path.join(t, "proc", "5000", "cgroup"), "wb") as f:
                    f.write(data)
                for root, _, names in os.walk(os.path.join(t, "sys", "fs", "cgroup")):
                    for n in names:
                        if n.startswith(("memory.", "cpuset.", "cgroup.controllers")):
                            with open(os.path.join(root, n), "wb") as f:
                                f.write(data)
                sw.case(case, JAVA_CONFIG, os.path.join(t, "proc"), os.path.join(t, "sys"), pid=5000, cleanup=t)
            elif target == "heap":
                sw.case(case, heap_config(data), procfs, sysfs)
            elif target == "shell":
                sw.case(case, shell_config(data), procfs, sysfs)


def seed_corpus(src, work):
    """The fuzzers' seed corpus, written by tests/fuzz/seeds.sh exactly as run-fuzzers.sh writes it."""
    corpus = os.path.join(work, "seeds")
    subprocess.run(["sh", os.path.join(src, "tests", "fuzz", "seeds.sh"), corpus, os.path.join(src, "tests", "fixtures"),
                    os.path.join(src, "tests", "fixtures", "peer")], check=True)
    return corpus


def main():
    argv = sys.argv[1:]
    extra = []
    if "--corpus" in argv:
        i = argv.index("--corpus")
        extra = [argv[i + 1]]
        del argv[i:i + 2]
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    memgate, runtime, src = argv
    # On tmpfs where there is one: fsync is still called, but costs nothing, and the sweep is about
    # which calls are made, not about the disk.
    shm = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
    work = tempfile.mkdtemp(prefix="memgate-sweep-", dir=shm)
    try:
        sw = Sweep(memgate, runtime, src, work)
        fix = sw.fix
        configs = sorted(p for p in files_under(fix) if p.endswith(".json"))

        # 1. every fixture host x every fixture bundle
        for name, procfs, sysfs in sw.host_trees():
            for c in configs:
                sw.case("host %s, bundle %s" % (name, os.path.relpath(c, fix)), read(c), procfs, sysfs)
        # 2. every cgroup fixture tree with each of its processes, on a quiet and a refusing host
        for tree in ("v1", "v2", "hybrid"):
            cg = os.path.join(fix, "cgroup", tree)
            for hostname in ("host-4g-default", "host-4g-minfree-2g"):
                h = sw.merged_host(os.path.join(fix, "procfs", hostname), cg)
                for pid in sorted(os.listdir(os.path.join(cg, "proc"))):
                    sw.case("cgroup %s pid %s on %s" % (tree, pid, hostname), JAVA_CONFIG, os.path.join(h, "proc"),
                            os.path.join(h, "sys"), pid=int(pid))
        # 3. the fuzzers' inputs, each where memgate reads it
        seeds = seed_corpus(src, work)
        dirs = [os.path.join(seeds, t) for t in sorted(os.listdir(seeds))]
        for e in extra:
            dirs += [os.path.join(e, t) for t in sorted(os.listdir(e)) if t != "crashes" and os.path.isdir(os.path.join(e, t))]
        fuzz_inputs(sw, dirs)
        sw.wait()

        for f in sw.failures[:40]:
            print("FAIL: " + f)
        print("sweep: %d confined runs (hook, precreate, memgate-runtime create), %d fixture hosts x %d bundles, "
              "%d fuzz input directories: %s" % (sw.runs, len(sw.host_trees()), len(configs), len(dirs),
                                                 "%d FAILED" % len(sw.failures) if sw.failures else "none killed"))
        return 1 if sw.failures else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
