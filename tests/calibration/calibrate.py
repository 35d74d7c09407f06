#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""memgate calibration: real runtimes in real memory cgroups against memgate's verdict.

  calibrate.py run [--grid short|full|repro] [--runtimes jvm,node,go] [--out DIR] [--resume]
  calibrate.py report RESULTS.jsonl [...]      table and figures from recorded results

Every point starts a real runtime (JDK, Node.js, a Go program) with a workload of a given shape
inside a fresh cgroup v1 memory cgroup limited to the point's limit, records the peak usage and
whether the kernel OOM-killed it, and asks memgate for its verdict on the same configuration
(`memgate check --bundle DIR --format json` on a generated bundle with accurate io.memgate.* hints;
when the binary cannot check bundles yet, the library's estimate through predict.c).

Exit status: 0 done (and, with --strict, the acceptance figures hold), 1 figures missed under
--strict, 77 skipped (not root, no memory cgroup, a runtime missing), 2 harness error.
"""
import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import cgrun  # noqa: E402

MIB = 1 << 20
SKIP = 77
COMFORT = 0.90  # a point ran comfortably when its peak stayed at or below 90% of the limit


# ---------------------------------------------------------------------------------------------
# Grids

def jvm(limit, heap, classes=15000, threads=100, direct=32, fill=60, settle=3):
    return {"runtime": "jvm", "limit_mib": limit, "heap_mib": heap, "classes": classes,
            "threads": threads, "direct_mib": direct, "fill": fill, "settle": settle}


def node(limit, old, buffers=32, fill=85, settle=2):
    return {"runtime": "node", "limit_mib": limit, "heap_mib": old, "buffers_mib": buffers,
            "fill": fill, "settle": settle}


def go(limit, gomemlimit, live=85, settle=2):
    return {"runtime": "go", "limit_mib": limit, "heap_mib": gomemlimit, "live": live,
            "settle": settle}


def grid(name):
    pts = []
    if name == "repro":
        # The measured starting point of issue 6.
        return [jvm(1024, h) for h in (600, 700, 800, 900)]
    if name == "short":
        # Eight points well on either side of the line (from the full grid's results), under 3
        # minutes on 2 cores: each runtime once comfortable (must not be flagged) and once
        # OOM-killed (must be flagged).
        return [jvm(1024, 600), jvm(1024, 864),
                jvm(512, 200, classes=5000, threads=20, direct=0),
                jvm(512, 328, classes=15000, threads=100, direct=128),
                node(512, 256, buffers=32), node(1024, 968, buffers=128),
                go(512, 384), go(512, 560)]
    if name == "validate":
        # Out of sample: limits, shapes and heaps the defaults were not fitted to.
        for limit in (768, 1536, 3072):
            for frac in (0.50, 0.65, 0.75, 0.85):
                heap = int(limit * frac) // 8 * 8
                for c, t, d in ((10000, 200, 64), (40000, 50, 16), (20000, 500, 0)):
                    pts.append(jvm(limit, heap, classes=c, threads=t, direct=d))
        return pts
    if name != "full":
        raise SystemExit("calibration: unknown grid %r" % name)
    # JVM: per limit, heaps from 40% to 95% of the limit, for a centre shape (15k classes, 100
    # threads, 32 MiB direct), each axis varied alone, and two corners (small, large).
    shapes = [(15000, 100, 32),
              (5000, 100, 32), (30000, 100, 32),
              (15000, 20, 32), (15000, 300, 32),
              (15000, 100, 0), (15000, 100, 128),
              (5000, 20, 0), (30000, 300, 128)]
    for limit in (512, 1024, 2048):
        for frac in (0.40, 0.55, 0.65, 0.75, 0.85, 0.95):
            heap = int(limit * frac) // 8 * 8
            for c, t, d in shapes:
                pts.append(jvm(limit, heap, classes=c, threads=t, direct=d))
    # Node: old space from 50% to 95% of the limit, with 0/32/128 MiB of Buffers.
    for limit in (512, 1024):
        for frac in (0.50, 0.65, 0.75, 0.85, 0.95):
            for b in (0, 32, 128):
                pts.append(node(limit, int(limit * frac) // 8 * 8, buffers=b))
    # Go: GOMEMLIMIT from 60% to 110% of the limit, live heap 85% of GOMEMLIMIT.
    for limit in (512, 1024):
        for frac in (0.60, 0.75, 0.85, 0.90, 0.95, 1.00, 1.10):
            pts.append(go(limit, int(limit * frac) // 8 * 8))
    return pts


def key(p):
    return json.dumps(p, sort_keys=True)


# ---------------------------------------------------------------------------------------------
# Workloads

class Workloads:
    def __init__(self, tmp, runtimes):
        self.tmp = tmp
        self.java_home = None
        self.missing = {}
        if "jvm" in runtimes:
            if shutil.which("java") and shutil.which("javac"):
                d = os.path.join(tmp, "jvm")
                os.mkdir(d)
                subprocess.run(["javac", "-d", d, os.path.join(HERE, "workloads", "CalibJvm.java")],
                               check=True)
                self.jvm_dir = d
                self.java_home = os.path.dirname(os.path.dirname(os.path.realpath(shutil.which("java"))))
            else:
                self.missing["jvm"] = "java/javac not found"
        if "node" in runtimes and not shutil.which("node"):
            self.missing["node"] = "node not found"
        if "go" in runtimes:
            if shutil.which("go"):
                d = os.path.join(tmp, "go")
                os.mkdir(d)
                env = dict(os.environ, GOCACHE=os.path.join(d, "cache"), GOPATH=os.path.join(d, "gopath"),
                           GO111MODULE="off", GOFLAGS="", CGO_ENABLED="0")
                self.go_bin = os.path.join(d, "calib_go")
                subprocess.run(["go", "build", "-o", self.go_bin, os.path.join(HERE, "workloads", "calib_go.go")],
                               check=True, env=env, cwd=d)
            else:
                self.missing["go"] = "go not found"

    def command(self, p):
        """(argv to run, env to run with, bundle args, bundle env, hints)"""
        base_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C"}
        if p["runtime"] == "jvm":
            h = "-Xmx%dm" % p["heap_mib"]
            java_args = ["-Xms%dm" % p["heap_mib"], h, "-XX:+AlwaysPreTouch"]
            tail = ["CalibJvm", str(p["classes"]), str(p["threads"]), str(p["direct_mib"]),
                    str(p["fill"]), str(p["settle"])]
            argv = ["java"] + java_args + ["-cp", self.jvm_dir] + tail
            bargs = ["java"] + java_args + ["-cp", "/app"] + tail
            hints = {"io.memgate.jvm.classes": str(p["classes"]),
                     # the workload's parked threads plus the JVM's own Java threads (main,
                     # reference handler, finalizer, signal dispatcher, cleaner, notification)
                     "io.memgate.jvm.threads": str(p["threads"] + 6),
                     "io.memgate.jvm.direct": "%dMiB" % p["direct_mib"]}
            return argv, base_env, bargs, [], hints
        if p["runtime"] == "node":
            o = "--max-old-space-size=%d" % p["heap_mib"]
            tail = [str(p["heap_mib"]), str(p["buffers_mib"]), str(p["fill"]), str(p["settle"])]
            argv = ["node", o, os.path.join(HERE, "workloads", "calib_node.js")] + tail
            bargs = ["node", o, "/app/calib_node.js"] + tail
            # The accurate hint: Node's own 64 MiB beyond the young space (binary text, code
            # space, libuv) plus the Buffers the application keeps (the default, 128 MiB,
            # assumes 64 MiB of them).
            return argv, base_env, bargs, [], {"io.memgate.node.extra": "%dMiB" % (64 + p["buffers_mib"])}
        if p["runtime"] == "go":
            gml = "%dMiB" % p["heap_mib"]
            env = dict(base_env, GOMEMLIMIT=gml)
            argv = [self.go_bin, str(p["live"]), str(p["settle"])]
            bargs = ["/app/calib_go", str(p["live"]), str(p["settle"])]
            return argv, env, bargs, ["GOMEMLIMIT=" + gml], {}
        raise ValueError(p["runtime"])

    def files(self, p):
        """The runtime's own files: evicted from the page cache before a run, so the cgroup is
        charged for them as a fresh container would be (pages mapped by other live processes
        stay, a small bias downwards)."""
        if p["runtime"] == "jvm" and self.java_home:
            return [self.java_home]
        if p["runtime"] == "node":
            return [os.path.realpath(shutil.which("node"))]
        if p["runtime"] == "go":
            return [self.go_bin]
        return []


def evict(paths):
    for top in paths:
        walk = [(top, [], [os.path.basename(top)])] if os.path.isfile(top) else os.walk(top)
        for d, _, names in walk:
            for n in names:
                f = os.path.join(d if os.path.isdir(top) else os.path.dirname(top), n)
                try:
                    fd = os.open(f, os.O_RDONLY | os.O_NOFOLLOW)
                except OSError:
                    continue
                try:
                    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
                except OSError:
                    pass
                finally:
                    os.close(fd)


# ---------------------------------------------------------------------------------------------
# memgate's verdict

class Verdict:
    """Asks memgate about one configuration: `memgate check` on a bundle when the binary can,
    else the library estimate through predict.c (heap.h), else nothing."""

    def __init__(self, tmp, mode, no_hints=False):
        self.tmp = tmp
        self.bin = os.environ.get("MEMGATE_BIN") or os.path.join(os.path.dirname(os.path.dirname(HERE)),
                                                                 "build", "memgate")
        self.mode = mode
        self.no_hints = no_hints
        self.predict = None
        self.why = []
        if mode in ("auto", "check") and not self._check_works():
            if mode == "check":
                raise SystemExit("calibration: %s cannot check bundles" % self.bin)
            self.why.append("%s cannot check bundles yet" % self.bin)
            self.mode = "lib"
        elif mode == "auto":
            self.mode = "check"
        if self.mode in ("lib", "check"):
            self.predict = self._build_predict()
            if self.predict is None and self.mode == "lib":
                self.mode = "none"
        print("calibration: verdicts from %s%s" % (
            {"check": "`%s check`" % self.bin, "lib": "the library estimate (predict.c)",
             "none": "nothing (no verdicts)"}[self.mode],
            (" (" + "; ".join(self.why) + ")") if self.why else ""), flush=True)

    def _check_works(self):
        if not os.access(self.bin, os.X_OK):
            self.why.append("no memgate binary at %s" % self.bin)
            return False
        b = self.bundle({"runtime": "probe", "limit_mib": 1024}, ["java", "-Xmx100m", "X"], [], {}, "probe")
        try:
            r = subprocess.run([self.bin, "check", "--bundle", b, "--format", "json"],
                               capture_output=True, timeout=30)
            return r.returncode in (0, 1) and "verdict" in json.loads(r.stdout)
        except Exception:
            return False

    def _build_predict(self):
        lib = os.environ.get("MEMGATE_CORE_LIB") or os.path.join(os.path.dirname(self.bin), "libmemgate_core.a")
        src = os.path.dirname(os.path.dirname(HERE))
        out = os.path.join(self.tmp, "predict")
        if not os.path.exists(lib):
            self.why.append("no %s" % lib)
            return None
        r = subprocess.run(["cc", "-std=gnu11", "-O1", "-I", os.path.join(src, "include"),
                            os.path.join(HERE, "predict.c"), lib, "-lyajl", "-lseccomp", "-lcgroup",
                            "-lm", "-o", out], capture_output=True, text=True)
        if r.returncode != 0:
            self.why.append("predict.c does not link yet: " + r.stderr.strip().splitlines()[-1][:200]
                            if r.stderr.strip() else "predict.c does not build")
            return None
        return out

    def bundle(self, p, args, env, hints, name):
        d = os.path.join(self.tmp, "bundle-" + name)
        os.makedirs(os.path.join(d, "rootfs"), exist_ok=True)
        cfg = {"ociVersion": "1.0.2",
               "process": {"args": args, "env": ["PATH=/usr/local/bin:/usr/bin:/bin"] + env, "cwd": "/"},
               "root": {"path": "rootfs"},
               "annotations": hints,
               "linux": {"resources": {"memory": {"limit": p["limit_mib"] * MIB}}}}
        with open(os.path.join(d, "config.json"), "w") as f:
            json.dump(cfg, f, indent=1)
        return d

    def ask(self, p, args, env, hints, name):
        out = {"verdict_source": self.mode}
        if self.no_hints:
            hints = {}
            out["hints_used"] = False
        if self.predict:
            cmd = [self.predict, str(p["limit_mib"] * MIB)]
            for k, val in sorted(hints.items()):
                cmd += ["-a", "%s=%s" % (k, val)]
            for e in env:
                cmd += ["-e", e]
            r = subprocess.run(cmd + ["--"] + args, capture_output=True, text=True)
            if r.returncode == 0:
                est = json.loads(r.stdout)
                out.update(pred_heap=est["heap_bytes"], pred_offheap=est["offheap_bytes"],
                           pred_parts=est["parts"])
                out["pred_need"] = est["heap_bytes"] + est["offheap_bytes"]
                out["pred_margin"] = p["limit_mib"] * MIB - out["pred_need"]
                if self.mode == "lib":
                    out["flagged"] = out["pred_margin"] < 0
                    out["severity"] = ("refuse" if est["heap_bytes"] >= p["limit_mib"] * MIB else
                                       "warn" if out["flagged"] else "none")
            else:
                out["predict_error"] = r.stderr.strip()[:300]
        if self.mode == "check":
            b = self.bundle(p, args, env, hints, name)
            r = subprocess.run([self.bin, "check", "--bundle", b, "--format", "json"],
                               capture_output=True, text=True, timeout=60)
            shutil.rmtree(b, ignore_errors=True)
            try:
                rep = json.loads(r.stdout)
            except ValueError:
                out["check_error"] = (r.stderr or r.stdout).strip()[:300]
                return out
            f = [x for x in rep.get("findings", []) if x.get("code") == "offheap-margin"]
            sev = f[0].get("severity", "warn") if f else "none"
            out["severity"] = sev
            out["flagged"] = sev in ("warn", "refuse")
            out["check_exit"] = r.returncode
            if f:
                out["check_evidence"] = f[0].get("evidence", {})
                out["check_message"] = f[0].get("message", "")[:300]
        return out


# ---------------------------------------------------------------------------------------------
# Report

def fmt_mib(b):
    return "" if b is None else "%d" % round(b / MIB)


def peak_of(r):
    # What a process listing shows (VmRSS: anonymous memory plus mapped files such as libjvm, the
    # module image, node's binary), sampled every 50 ms; or the cgroup's anon + mapped file pages
    # when larger.
    return max(r.get("peak_rss_bytes") or 0, r.get("peak_resident_bytes") or 0) or r.get("max_usage_bytes")


def classify(r):
    lim = r["limit_mib"] * MIB
    if r.get("killed"):
        return "killed"
    if r.get("thrashed"):
        return "thrashed"
    if r.get("rc") != 0:
        return "failed"  # the runtime gave up itself (e.g. V8 heap out of memory) or timed out
    return "comfortable" if peak_of(r) <= COMFORT * lim else "tight"


def shape(r):
    if r["runtime"] == "jvm":
        return "%dk cls, %d thr, %d MiB direct" % (r["classes"] // 1000, r["threads"], r["direct_mib"])
    if r["runtime"] == "node":
        return "%d MiB Buffers" % r["buffers_mib"]
    return "live %d%% of GOMEMLIMIT" % r["live"]


def setting(r):
    return {"jvm": "-Xmx%dm", "node": "--max-old-space-size=%d", "go": "GOMEMLIMIT=%dMiB"}[r["runtime"]] % r["heap_mib"]


def report(results, out=sys.stdout):
    rows = sorted(results, key=lambda r: (r["runtime"], r["limit_mib"], shape(r), r["heap_mib"]))
    w = out.write
    w("| runtime | limit MiB | heap setting | shape | predicted beyond heap MiB | predicted margin MiB"
      " | peak MiB | measured beyond heap MiB | peak % of limit | outcome | flagged |\n")
    w("|---|---|---|---|---|---|---|---|---|---|---|\n")
    for r in rows:
        flagged = r.get("flagged")
        beyond = "" if classify(r) in ("killed", "thrashed", "failed") else fmt_mib(peak_of(r) - r["heap_mib"] * MIB)
        w("| %s | %d | %s | %s | %s | %s | %s | %s | %d%% | %s | %s |\n" % (
            r["runtime"], r["limit_mib"], setting(r), shape(r), fmt_mib(r.get("pred_offheap")),
            fmt_mib(r.get("pred_margin")), fmt_mib(peak_of(r)), beyond,
            round(100 * peak_of(r) / (r["limit_mib"] * MIB)), classify(r),
            "?" if flagged is None else (r.get("severity") if flagged else "no")))
    fig = figures(results)
    w("\n")
    for rt in sorted(fig):
        f = fig[rt]
        w("- %s: %d points; killed or thrashing %d, flagged %d of them (recall %s); comfortable (peak <= %d%% of the"
          " limit) %d, flagged %d of them (false alarms %s); tight %d (flagged %d); failed %d\n" % (
              rt, f["points"], f["killed"] + f["thrashed"], f["killed_flagged"] + f["thrashed_flagged"],
              pct(f["killed_flagged"] + f["thrashed_flagged"], f["killed"] + f["thrashed"]),
              COMFORT * 100, f["comfortable"], f["comfortable_flagged"],
              pct(f["comfortable_flagged"], f["comfortable"]), f["tight"], f["tight_flagged"], f["failed"]))
    return fig


def pct(a, b):
    return "n/a" if b == 0 else "%.0f%%" % (100.0 * a / b)


def figures(results):
    fig = {}
    for r in results:
        for rt in (r["runtime"], "all"):
            f = fig.setdefault(rt, dict(points=0, killed=0, killed_flagged=0, comfortable=0,
                                        comfortable_flagged=0, tight=0, tight_flagged=0, failed=0,
                                        thrashed=0, thrashed_flagged=0,
                                        unknown=0))
            c = classify(r)
            f["points"] += 1
            if r.get("flagged") is None:
                f["unknown"] += 1
            fl = bool(r.get("flagged"))
            f[c] += 1
            if c in ("killed", "thrashed", "comfortable", "tight"):
                f[c + "_flagged"] += fl
    return fig


def acceptable(fig):
    f = fig.get("all")
    if not f or f["unknown"]:
        return False
    return f["killed_flagged"] == f["killed"] and f["thrashed_flagged"] == f["thrashed"] and f["comfortable_flagged"] <= 0.10 * f["comfortable"]


# ---------------------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--grid", default="short", choices=["short", "full", "repro", "validate"])
    r.add_argument("--runtimes", default="jvm,node,go")
    r.add_argument("--out", default=None, help="directory for results.jsonl and table.md")
    r.add_argument("--resume", action="store_true", help="skip points already in OUT/results.jsonl")
    r.add_argument("--verdict", default="auto", choices=["auto", "check", "lib", "none"])
    r.add_argument("--strict", action="store_true", help="exit 1 unless recall is 100%% and false alarms <= 10%%")
    r.add_argument("--timeout", type=int, default=75)
    r.add_argument("--limit", type=int, default=0, help="run at most this many points")
    r.add_argument("--no-hints", action="store_true", help="ask memgate without the io.memgate.* hints (its defaults)")
    rep = sub.add_parser("report")
    rep.add_argument("results", nargs="+")
    rep.add_argument("--reverdict", action="store_true", help="ask the current memgate again")
    rep.add_argument("--no-hints", action="store_true", help="with --reverdict: without the io.memgate.* hints")
    a = ap.parse_args()

    if a.cmd == "report":
        results = []
        for fn in a.results:
            with open(fn) as f:
                results += [json.loads(l) for l in f if l.strip()]
        if a.reverdict:
            tmp = tempfile.mkdtemp(prefix="memgate-calib-")
            try:
                wl = Workloads.__new__(Workloads)
                wl.jvm_dir, wl.go_bin = "/calib", "/calib/calib_go"
                v = Verdict(tmp, "auto", a.no_hints)
                for i, res in enumerate(results):
                    p = {k: res[k] for k in res if k in POINT_KEYS}
                    argv, env, bargs, benv, hints = wl.command(p)
                    for k in list(res):
                        if k.startswith("pred_") or k in ("flagged", "severity", "verdict_source", "check_evidence",
                                                          "check_message", "check_exit", "hints_used"):
                            del res[k]
                    res.update(v.ask(p, bargs, benv, hints, str(i)))
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
        report(results)
        return 0

    why = cgrun.available()
    if why:
        print("SKIP: calibration: %s" % why, flush=True)
        return SKIP
    runtimes = [x for x in a.runtimes.split(",") if x]
    points = [p for p in grid(a.grid) if p["runtime"] in runtimes]
    out = a.out or tempfile.mkdtemp(prefix="memgate-calib-out-")
    os.makedirs(out, exist_ok=True)
    jsonl = os.path.join(out, "results.jsonl")
    done = {}
    if a.resume and os.path.exists(jsonl):
        with open(jsonl) as f:
            for l in f:
                if l.strip():
                    res = json.loads(l)
                    done[key({k: res[k] for k in res if k in POINT_KEYS})] = res
    elif os.path.exists(jsonl):
        os.unlink(jsonl)

    tmp = tempfile.mkdtemp(prefix="memgate-calib-")

    def on_signal(sig, frame):
        raise SystemExit(128 + sig)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    results = list(done.values())
    try:
        wl = Workloads(tmp, runtimes)
        for rt, why in wl.missing.items():
            print("SKIP: calibration: %s workloads: %s" % (rt, why), flush=True)
        points = [p for p in points if p["runtime"] not in wl.missing]
        if not points:
            return SKIP
        v = Verdict(tmp, a.verdict, a.no_hints)
        tag = "%d" % os.getpid()
        todo = [p for p in points if key(p) not in done]
        if a.limit:
            todo = todo[:a.limit]
        print("calibration: %d points to run (%s grid), results in %s" % (len(todo), a.grid, jsonl), flush=True)
        for i, p in enumerate(todo):
            argv, env, bargs, benv, hints = wl.command(p)
            evict(wl.files(p))
            m = cgrun.run(argv, p["limit_mib"] * MIB, "%s-%d" % (tag, i), env=env, timeout=a.timeout, cwd=tmp)
            res = dict(p)
            res.update(m)
            res["hints"] = hints
            res.update(v.ask(p, bargs, benv, hints, str(i)))
            results.append(res)
            with open(jsonl, "a") as f:
                f.write(json.dumps(res, sort_keys=True) + "\n")
            print("[%d/%d] %s %d MiB %s %s: peak %s MiB, %s, %s" % (
                i + 1, len(todo), p["runtime"], p["limit_mib"], setting(res), shape(res),
                fmt_mib(peak_of(res)), classify(res),
                {None: "no verdict", True: "flagged", False: "not flagged"}[res.get("flagged")]), flush=True)
        with open(os.path.join(out, "table.md"), "w") as f:
            fig = report(results, f)
        print()
        report(results)
        if a.strict and not acceptable(fig):
            f = fig.get("all", {})
            if f.get("unknown"):
                print("calibration: FAILED: memgate gave no verdict on %d points (see check_error in %s)"
                      % (f["unknown"], jsonl), flush=True)
            else:
                print("calibration: FAILED: a killed point went unflagged or more than 10% of comfortable"
                      " points were flagged", flush=True)
            return 1
        return 0
    finally:
        cgrun.remove_all()
        shutil.rmtree(tmp, ignore_errors=True)


POINT_KEYS = ("runtime", "limit_mib", "heap_mib", "classes", "threads", "direct_mib", "fill", "settle",
              "buffers_mib", "live")

if __name__ == "__main__":
    sys.exit(main())
