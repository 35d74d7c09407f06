#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Hostile inputs against the real memgate (issue 10, sections 1, 7 and 8), each class with
variants beyond the reproducers.

    hostile.py MEMGATE MEMGATE_RUNTIME SRC

1. A container cannot switch memgate off. On a host that refuses every start (the fixture
   host-4g-minfree-2g: MemAvailable 0), every variant of config, state and environment below must
   be refused by the confined `memgate hook`, `memgate precreate` and `memgate-runtime create`
   (which must not execute the runtime); on a quiet host (host-4g-default) the same variants are
   allowed, precreate hands back the input or valid JSON, and the runtime is executed. Variants:
   annotation counts around glibc qsort's 128-element threshold and far beyond, duplicate,
   non-ASCII, invalid UTF-8, long keys and values; huge environments and argument lists; nesting
   and size just inside and beyond memgate's limits; hostile cgroupsPath; state annotations;
   the time zone and locale of memgate's own environment.
7. precreate passes the config through unchanged when it is larger than memgate reads or memory
   runs out (RLIMIT_AS at many sizes), refuses instead under fail_closed, and says "out of memory"
   rather than a JSON error. In a sanitizer build the RLIMIT_AS cases are skipped, loudly: ASan
   reserves terabytes of address space and cannot run under a small RLIMIT_AS.
8. 8,000 bare shell assignments against a 200,000-entry process.env: the heap setting behind them
   is still found (the linear lookup; the timing is a benchmark, tests/hostile/README.md).
"""
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

from annotated import annotated_from

HANG = 120  # a run that takes this long is hung; no run comes near it
MIB = 1 << 20

BASE = {"ociVersion": "1.0.2",
        "process": {"args": ["java", "-Xmx600m", "-jar", "app.jar"], "env": ["PATH=/usr/bin"]},
        "root": {"path": "rootfs"}, "linux": {"resources": {"memory": {"limit": 1073741824}}}}


def cfg(**kw):
    d = json.loads(json.dumps(BASE))
    for k, v in kw.items():
        if k == "args":
            d["process"]["args"] = v
        elif k == "env":
            d["process"]["env"] = v
        elif k == "cgroupsPath":
            d["linux"]["cgroupsPath"] = v
        else:
            d[k] = v
    return json.dumps(d, ensure_ascii=False).encode("utf-8", "surrogateescape")


def nested(depth):
    d = json.loads(json.dumps(BASE))
    return json.dumps(d)[:-1].encode() + b', "x": ' + b"[" * depth + b"]" * depth + b"}"


def with_raw_annotations(body):
    """BASE with an annotations object written by hand (duplicate keys, invalid UTF-8)."""
    return json.dumps(BASE)[:-1].encode() + b', "annotations": {' + body + b"}}"


# In a sanitizer build the largest documents shrink twentyfold (never below qsort's 128): ASan's realloc always copies, and
# yajl's tree grows each array and object one element at a time, so a 200,000-entry array costs
# 200,000 copies of itself there (glibc grows it in place). The normal build runs full size.
SCALE = 20 if os.environ.get("MEMGATE_SANITIZED") == "1" else 1


def big(n):
    return max(n // SCALE, 200)


def variants():
    """(name, config bytes, state annotations or None)."""
    v = []
    for n in (0, 127, 128, 129, 200, 1000, big(5000), big(100000)):
        v.append(("%d annotations" % n, cfg(annotations={"a%06d" % i: "v" for i in range(n)}), None))
    v.append(("300000 annotations (beyond the value limit)", cfg(annotations={"k%d" % i: "" for i in range(300000)}), None))
    v.append(("%d annotations in reverse order" % big(5000),
              cfg(annotations={"z%06d" % (big(5000) - i): "v" for i in range(big(5000))}), None))
    v.append(("%d copies of one annotation key" % big(5000),
              with_raw_annotations(b",".join(b'"dup": "%d"' % i for i in range(big(5000)))), None))
    v.append(("annotations with non-ASCII keys and values",
              cfg(annotations={"ключ-%d-\u00e9\u4e2d\U0001F600" % i: "значение \u202e\u0007\x1b[31m" for i in range(300)}), None))
    v.append(("annotations with invalid UTF-8",
              with_raw_annotations(b",".join(b'"k\xff\xfe%d": "v\xc0\xaf%d"' % (i, i) for i in range(300))), None))
    v.append(("a 64 KiB annotation key and a 4 MiB value", cfg(annotations={"k" * 65536: "v" * (4 * MIB)}), None))
    v.append(("io.memgate.policy=off without allow_opt_out", cfg(annotations={"io.memgate.policy": "off"}), None))
    v.append(("io.memgate.* annotations that are nonsense",
              cfg(annotations={"io.memgate.jvm.classes": "-1", "io.memgate.jvm.direct": "9" * 400,
                               "io.memgate.jvm.threads": "\u0663\u0664"}), None))
    v.append(("%d env entries" % big(100000), cfg(env=["V%d=x" % i for i in range(big(100000))]), None))
    v.append(("%d env entries with duplicates" % big(200000),
              cfg(env=["V%d=x" % (i % 1000) for i in range(big(200000))]), None))
    v.append(("300000 env entries (beyond the value limit)", cfg(env=["V%d=" % i for i in range(300000)]), None))
    v.append(("locale, time zone and malloc variables in process.env",
              cfg(env=["LANG=de_DE.UTF-8", "LC_ALL=tr_TR.UTF-8", "LOCPATH=/nonexistent", "TZ=:/dev/zero",
                       "GCONV_PATH=/tmp", "MALLOC_ARENA_MAX=1", "GLIBC_TUNABLES=glibc.malloc.hugetlb=1",
                       "JAVA_TOOL_OPTIONS=-Xmx800m"]), None))
    v.append(("%d arguments" % big(100000),
              cfg(args=["java"] + ["-Dp%d=1" % i for i in range(big(100000))] + ["-jar", "a.jar"]), None))
    v.append(("a 4 MiB argument", cfg(args=["java", "-D" + "x" * (4 * MIB), "-Xmx600m", "-jar", "a.jar"]), None))
    v.append(("sh -c nested 10 deep", cfg(args=["sh", "-c", "sh -c " * 10 + "'exec java -Xmx600m -jar a.jar'"]), None))
    v.append(("nested 63 deep", nested(63), None))
    v.append(("nested 65 deep (beyond the depth limit)", nested(65), None))
    v.append(("nested 300000 deep", nested(300000), None))
    v.append(("a config of 15.9 MiB (inside the size limit)", cfg(annotations={"big": "x" * (16 * MIB - 100 * 1024)}), None))
    v.append(("a config of 17 MiB (beyond the size limit)", cfg(annotations={"big": "x" * (17 * MIB)}), None))
    for p in ("../../../../../../etc", "/" + "a/" * 2000, "x" * 8192, "/machine.slice/\u00e9\u4e2d\n\x1b", ":::", "/.."):
        v.append(("cgroupsPath %r" % p[:20], cfg(cgroupsPath=p), None))
    v.append(("state with 200 annotations", cfg(), {"a%d" % i: "v" for i in range(200)}))
    v.append(("state with %d annotations" % big(5000), cfg(), {"a%d" % i: "v" for i in range(big(5000))}))
    v.append(("state of 2 MiB (beyond the state limit)", cfg(), {"big": "x" * (2 * MIB)}))
    return v


class Runner:
    def __init__(self, memgate, runtime, src, work):
        self.memgate, self.runtime, self.work = memgate, runtime, work
        self.fix = os.path.join(src, "tests", "fixtures")
        self.failures = []
        self.runs = 0
        self.stub = os.path.join(work, "stub-runtime")
        with open(self.stub, "w") as f:
            f.write('#!/bin/sh\n: >"$MEMGATE_STUB_MARK"\nexit 0\n')
        os.chmod(self.stub, 0o755)
        self.conf = self.write_conf("empty.conf", "")
        self.n = 0

    def write_conf(self, name, text):
        p = os.path.join(self.work, name)
        with open(p, "w") as f:
            f.write(text)
        return p

    def host(self, name):
        t = os.path.join(self.fix, "procfs", name)
        return os.path.join(t, "proc"), os.path.join(t, "sys")

    def fail(self, text):
        self.failures.append(text)
        print("FAIL: " + text, flush=True)

    def run(self, argv, stdin=b"", env=None, limit_as=None):
        self.runs += 1
        pre = None
        if limit_as:
            def pre():
                resource.setrlimit(resource.RLIMIT_AS, (limit_as, limit_as))
        try:
            return subprocess.run(argv, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                                  timeout=HANG, preexec_fn=pre)
        except subprocess.TimeoutExpired:
            return subprocess.CompletedProcess(argv, None, b"", b"HANG: no end after %ds" % HANG)

    def bundle(self, config):
        self.n += 1
        b = os.path.join(self.work, "b%d" % self.n)
        os.makedirs(os.path.join(b, "rootfs"))
        with open(os.path.join(b, "config.json"), "wb") as f:
            f.write(config)
        return b

    def judged(self, what, r, expect_rc):
        err = r.stderr.decode("utf-8", "replace")
        bad = [s for s in ("killed by signal", "HANG", "error, allowing", "error, refusing", "internal-error",
                           "without memgate's check") if s in err]
        if r.returncode != expect_rc or bad:
            self.fail("%s: exit %s, expected %d%s\n  stderr: %s" % (what, r.returncode, expect_rc,
                                                                   " (%s)" % ", ".join(bad) if bad else "",
                                                                   err[-1500:]))
            return False
        return True

    def all_front_ends(self, name, config, state_annotations, hostname, expect_rc, env_extra=None):
        procfs, sysfs = self.host(hostname)
        args = ["--procfs", procfs, "--sysfs", sysfs, "--config", self.conf]
        env = dict(os.environ, **(env_extra or {}))
        what = "%s on %s" % (name, hostname)
        b = self.bundle(config)
        state = {"ociVersion": "1.0.2", "id": "hostile-%d" % self.n, "pid": os.getpid(), "status": "creating",
                 "bundle": b}
        if state_annotations is not None:
            state["annotations"] = state_annotations
        self.judged("hook: " + what, self.run([self.memgate, "hook"] + args, json.dumps(state).encode(), env), expect_rc)
        if state_annotations is None:
            r = self.run([self.memgate, "precreate"] + args, config, env)
            if self.judged("precreate: " + what, r, expect_rc):
                if expect_rc == 1 and r.stdout:
                    self.fail("precreate: %s: refused but wrote %d bytes on stdout" % (what, len(r.stdout)))
                if expect_rc == 0 and r.stdout != config and not annotated_from(config, r.stdout):
                    self.fail("precreate: %s: allowed but stdout is neither the input nor it annotated" % what)
            rb = self.bundle(config)
            mark = os.path.join(rb, "executed")
            renv = dict(env, MEMGATE_RUNTIME=self.stub, MEMGATE_PROCFS=procfs, MEMGATE_SYSFS=sysfs,
                        MEMGATE_CONFIG=self.conf, MEMGATE_STUB_MARK=mark)
            r = self.run([self.runtime, "create", "--bundle", rb, "hostile-%d" % self.n], env=renv)
            if self.judged("memgate-runtime create: " + what, r, expect_rc) and os.path.exists(mark) != (expect_rc == 0):
                self.fail("memgate-runtime create: %s: exit %d but the runtime was %sexecuted" %
                          (what, r.returncode, "" if os.path.exists(mark) else "not "))
            shutil.rmtree(rb)
        shutil.rmtree(b)

    # ---- section 1 ----
    def section1(self):
        for name, config, st_ann in variants():
            self.all_front_ends(name, config, st_ann, "host-4g-minfree-2g", 1)
            self.all_front_ends(name, config, st_ann, "host-4g-default", 0)
        # memgate's own environment (the engine's, not the container's): time zone and locale
        for env in ({"TZ": "America/New_York"}, {"TZ": ":/etc/localtime"}, {"TZ": "Nowhere/Garbage"},
                    {"TZ": "EST5EDT,M3.2.0,M11.1.0"}, {"LANG": "de_DE.UTF-8", "LC_ALL": "de_DE.UTF-8"}):
            self.all_front_ends("memgate run with %s" % env, cfg(annotations={"a%d" % i: "" for i in range(500)}),
                                None, "host-4g-minfree-2g", 1, env_extra=env)

    # ---- section 7 ----
    def section7(self, sanitized):
        procfs, sysfs = self.host("host-4g-default")
        args = ["--procfs", procfs, "--sysfs", sysfs]
        closed = self.write_conf("closed.conf", "fail_closed = yes\n")
        big = cfg(annotations={"big": "x" * (17 * MIB)})
        # over 16 MiB on a quiet host: through unchanged, also under fail_closed (it is no failure)
        for conf in (self.conf, closed):
            r = self.run([self.memgate, "precreate"] + args + ["--config", conf], big)
            if r.returncode != 0 or r.stdout != big:
                self.fail("precreate, 17 MiB config, %s: exit %s, stdout %d bytes, not the input: %s" %
                          (os.path.basename(conf), r.returncode, len(r.stdout), r.stderr[-500:]))
        # bytes that are no JSON at all (a NUL, invalid UTF-8, nothing): through unchanged
        for raw in (b'{"ociVersion": "1.0.2", "x": "\x00"}', b"\xff\xfe\xfd", b"", b"{" * 10):
            r = self.run([self.memgate, "precreate"] + args + ["--config", self.conf], raw)
            if r.returncode != 0 or r.stdout != raw:
                self.fail("precreate, input %r...: exit %s, stdout not the input" % (raw[:20], r.returncode))
            r = self.run([self.memgate, "precreate"] + args + ["--config", closed], raw)
            if r.returncode != 1 or r.stdout:
                self.fail("precreate fail_closed, input %r...: exit %s, %d bytes on stdout" % (raw[:20], r.returncode,
                                                                                             len(r.stdout)))
        if sanitized:
            print("SKIP: the RLIMIT_AS cases of section 7 (out of memory) do not run in a sanitizer build: ASan "
                  "cannot start under a small address-space limit; the normal build runs them", flush=True)
            return
        # out of memory at many points: pass through (or valid JSON), never a JSON error, never a crash
        configs = [("120000 annotations", cfg(annotations={"k%d" % i: "v" * 20 for i in range(120000)})),
                   ("100000 env entries", cfg(env=["V%d=%d" % (i, i) for i in range(100000)])),
                   # yajl decodes escaped strings into a buffer it never checks: the memory probe's case
                   ("a 6 MiB string of escapes", cfg(annotations={"esc": "a\n" * (3 * MIB)}))]
        saw_oom = 0
        for name, config in configs:
            b = self.bundle(config)
            state = json.dumps({"ociVersion": "1.0.2", "id": "oom", "pid": os.getpid(), "status": "creating",
                                "bundle": b}).encode()
            for mb in range(10, 80, 6):
                lim = mb * MIB
                for conf in (self.conf, closed):
                    r = self.run([self.memgate, "precreate"] + args + ["--config", conf], config, limit_as=lim)
                    err = r.stderr.decode("utf-8", "replace")
                    what = "precreate, %s, RLIMIT_AS %d MiB, %s" % (name, mb, os.path.basename(conf))
                    for s in ("not valid JSON", "(null)", "client cancelled", "killed by signal", "HANG"):
                        if s in err:
                            self.fail("%s: stderr says %r: %s" % (what, s, err[-600:]))
                    failed = "error, " in err
                    if failed:
                        saw_oom += 1
                        if "out of memory" not in err:
                            self.fail("%s: an internal error that is not 'out of memory': %s" % (what, err[-600:]))
                    if conf == closed and failed:
                        if r.returncode != 1 or r.stdout:
                            self.fail("%s: fail_closed, exit %s, %d bytes on stdout" % (what, r.returncode, len(r.stdout)))
                        continue
                    if r.returncode != 0:
                        self.fail("%s: exit %s: %s" % (what, r.returncode, err[-600:]))
                    elif r.stdout != config and not annotated_from(config, r.stdout):
                        self.fail("%s: stdout (%d bytes) is neither the input nor it annotated" % (what, len(r.stdout)))
                r = self.run([self.memgate, "hook"] + args + ["--config", self.conf], state, limit_as=lim)
                err = r.stderr.decode("utf-8", "replace")
                for s in ("not valid JSON", "(null)", "client cancelled", "killed by signal", "HANG"):
                    if s in err:
                        self.fail("hook, %s, RLIMIT_AS %d MiB: stderr says %r: %s" % (name, mb, s, err[-600:]))
                if "error, " in err and "out of memory" not in err:
                    self.fail("hook, %s, RLIMIT_AS %d MiB: an error that is not 'out of memory': %s" % (name, mb, err[-600:]))
            shutil.rmtree(b)
        if saw_oom == 0:
            self.fail("no RLIMIT_AS size made memgate run out of memory: the out-of-memory cases tested nothing")

    # ---- section 8 ----
    def section8(self):
        env = ["V%d=x" % i for i in range(big(200000))] + ["JAVA_OPTS=-Xmx900m"]
        # one name reassigned 4,000 times (each assignment looks its name up in process.env), then
        # 4,000 names the env has (which exports them)
        script = (" ".join("X=%d" % i for i in range(4000)) + "; " + " ".join("V%d=y" % (i * 50 // SCALE) for i in range(4000)) +
                  "; exec java $JAVA_OPTS -jar app.jar")
        config = cfg(args=["sh", "-c", script], env=env)
        procfs, sysfs = self.host("host-4g-default")
        b = self.bundle(config)
        r = self.run([self.memgate, "check", "--bundle", b, "--procfs", procfs, "--sysfs", sysfs, "--config", self.conf,
                      "--format", "json"])
        try:
            rep = json.loads(r.stdout)
            heap = " ".join(f.get("message", "") for f in rep.get("findings", []))
            codes = [f["code"] for f in rep.get("findings", [])]
        except ValueError:
            heap, codes = "", []
        if r.returncode != 0 or "offheap-margin" not in codes or "-Xmx900m" not in heap:
            self.fail("8000 assignments x 200000 env entries: the -Xmx900m behind $JAVA_OPTS was not judged "
                      "(exit %s, findings %s): %s" % (r.returncode, codes, r.stderr[-500:]))
        shutil.rmtree(b)


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    memgate, runtime, src = sys.argv[1:]
    sanitized = os.environ.get("MEMGATE_SANITIZED") == "1"
    shm = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
    work = tempfile.mkdtemp(prefix="memgate-hostile-", dir=shm)
    try:
        t = Runner(memgate, runtime, src, work)
        for name, f in (("1", t.section1), ("7", lambda: t.section7(sanitized)), ("8", t.section8)):
            start, runs = time.monotonic(), t.runs
            f()
            print("section %s: %d runs in %.1f s" % (name, t.runs - runs, time.monotonic() - start), flush=True)
        print("hostile: %d runs, %s" % (t.runs, "%d FAILED" % len(t.failures) if t.failures else "all held"))
        return 1 if t.failures else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
