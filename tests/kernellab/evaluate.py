#!/usr/bin/env python3
"""Read the kernel lab's guest data channels, judge memgate's verdicts against the real outcomes,
write DIR/results.jsonl, DIR/table.md and DIR/captures/<scenario>.log, print the table.

  evaluate.py --out DIR [--kernel PKG] [--accel A] [--mode M] DATA...

Exit 1 when a verdict disagrees with the real outcome:
  - a real failure (a death, a refusal by the kernel) where memgate allowed the start;
  - a refusal where the real start ran, at a headroom or limit more than TOLERANCE above the real
    threshold (commit: 32 MiB; runtime floor: 4 MiB);
  - memgate's MemAvailable model more than 0.5 % off the kernel's (0 when the kernel says 0);
  - a finding the README promises for the state missing (memavailable-zero at MemAvailable 0,
    watermark-misconfigured when the reserve is above 10 % of MemTotal, numa-node-low,
    parent-limit, commit-exhausted for a single request above RAM + swap).
A boot that did not finish is a failure too.
"""
import argparse
import datetime
import json
import os
import re
import sys

COMMIT_TOLERANCE_KB = 32 * 1024
FLOOR_TOLERANCE_KB = 4 * 1024

problems = []
rows = []      # (scenario, step, memgate, real, thresholds/notes)


def codes(rep):
    return [f["code"] for f in (rep or {}).get("findings", [])] if isinstance(rep, dict) else []


def verdict(rep):
    return rep.get("verdict", "?") if isinstance(rep, dict) else "none"


def mgs(rep):
    c = [x for x in codes(rep) if x not in ("overcommit-always",)]
    return verdict(rep) + (" (" + ", ".join(c) + ")" if c else "")


def bad(msg):
    problems.append(msg)


def model_ok(where, rep):
    m = rep["host"]["model"]
    k, mod = m["kernel_memavailable_kb"], m["memavailable_kb"]
    tol = 0.005 * k
    ok = (mod == 0) if k == 0 else abs(mod - k) <= tol
    if not ok:
        bad("%s: model MemAvailable %d kB, kernel %d kB (more than 0.5 %% off)" % (where, mod, k))
    return "model %d kB / kernel %d kB" % (mod, k)


def watermark(recs):
    for r in recs:
        st, h, c, real = r["step"], r["host"], r["check"], r["real"]
        note = model_ok("watermark/" + st, h)
        m = h["host"]["model"]
        if m["kernel_memavailable_kb"] == 0 and "memavailable-zero" not in codes(h):
            bad("watermark/%s: MemAvailable 0 without memavailable-zero" % st)
        if m["totalreserve_kb"] > 0.10 * m["memtotal_kb"] and "watermark-misconfigured" not in codes(h):
            bad("watermark/%s: reserve %d kB of %d kB without watermark-misconfigured" % (st, m["totalreserve_kb"], m["memtotal_kb"]))
        if real["outcome"] != "ran" and verdict(c) == "allow":
            bad("watermark/%s: runc %s (%s) while memgate allowed" % (st, real["outcome"], real["out"][-120:]))
        extra = (", %d MiB held, %d MiB left above min" % (r["held_mib"], r.get("left_mib", 96))) if "held_mib" in r else ""
        rows.append(("watermark", st + extra, "host " + mgs(h) + "; check " + mgs(c),
                     "runc " + real["outcome"] + ("" if real["outcome"] == "ran" else ": " + tail(real["out"])),
                     "min_free_kbytes %d, MemFree %d kB; %s" % (r["min_free_kbytes"], r["memfree_kb"], note)))


def tail(s, n=90):
    s = re.sub(r"time=\"[^\"]*\" level=error msg=", "", s).strip()
    return s if len(s) <= n else "..." + s[-n:]


def threshold(points):
    """points: [(step, value_kb, ok)], several per step (repetitions) -> (the lowest step value at
    which every run worked, with every run at every higher step working too; the highest step
    value with a failed run). A step's value is the smallest measured among its runs."""
    steps = {}
    for step, v, ok in points:
        lo, allok = steps.get(step, (v, True))
        steps[step] = (min(lo, v), allok and ok)
    worked = None
    for v, ok in sorted(steps.values(), reverse=True):
        if not ok:
            break
        worked = v
    failed = max([v for v, ok in steps.values() if not ok], default=None)
    return worked, failed


def commit(recs):
    meas = [r for r in recs if r["step"] == "measure"]
    scan = [r for r in recs if r["step"] == "scan"]
    alone = [r for r in recs if r["step"] == "go-alone"]
    by = {}
    for r in scan:
        by.setdefault(r["how"], []).append(r)
    out = {}
    # (what memgate says, what really happens): busybox true, and a Go hello as the container
    for ck, rk, label in (("check", "runc", "busybox true"), ("gocheck", "go", "Go hello")):
        chk, real = by.get(ck, []), by.get(rk, [])
        if not chk or not real:
            continue
        worked, failed = threshold([(r["target_mib"], r["headroom_kb"], r["real"]["outcome"] == "ran") for r in real])
        allow, refuse = threshold([(c["target_mib"], c["headroom_kb"], verdict(c["check"]) != "refuse") for c in chk])
        for r in real:
            cs = [c for c in chk if c["target_mib"] == r["target_mib"]]
            if r["real"]["outcome"] != "ran" and any(verdict(c["check"]) != "refuse" for c in cs):
                bad("commit/%s: at %d kB headroom runc %s while memgate check allowed" % (label, r["headroom_kb"], r["real"]["outcome"]))
        for c in chk:
            if verdict(c["check"]) == "refuse" and worked is not None and c["headroom_kb"] > worked + COMMIT_TOLERANCE_KB:
                bad("commit/%s: check refused at %d kB headroom; runc ran from %d kB" % (label, c["headroom_kb"], worked))
        rows.append(("commit", "thresholds, " + label, "check allows from %s, refuses at %s" % (kib(allow), kib(refuse)), "runc run ran from %s, failed at %s" % (kib(worked), kib(failed)), ""))
        out[rk] = {"real_ran_from_kb": worked, "real_failed_at_kb": failed, "memgate_allows_from_kb": allow, "memgate_refuses_at_kb": refuse}
    rt_worked = out.get("runc", {}).get("real_ran_from_kb")
    for r in by.get("wrapper", []):
        if r["real"]["outcome"] not in ("ran", "refused-by-memgate"):
            bad("commit: at %d kB headroom memgate-runtime let runc start and it %s: %s" % (r["headroom_kb"], r["real"]["outcome"], tail(r["real"]["out"])))
    # The hook's own view: the headroom it saw (runc's share already committed) and its verdict.
    # A start that failed after a hook that allowed it is a real death the hook let through; one
    # that failed before the hook ran (no report) was beyond any hook's reach.
    saws = [r for r in recs if r["step"] == "hook-saw"]
    hooks = by.get("hook", [])
    if len(saws) == len(hooks):
        pts = []
        for s_, h_ in zip(saws, hooks):
            h_["hook_saw_kb"] = s_.get("hook_headroom_kb")
            h_["hook_verdict"] = s_.get("hook_verdict")
            if h_["hook_saw_kb"] is None:
                continue
            if h_["real"]["outcome"] in ("failed", "killed", "timeout") and s_.get("hook_verdict") in ("allow", "warn"):
                bad("commit: the hook allowed at %d kB headroom (it saw %d kB) and the start %s: %s" % (
                    h_["headroom_kb"], h_["hook_saw_kb"], h_["real"]["outcome"], tail(h_["real"]["out"])))
        seen = [(s_["headroom_kb"] - s_["hook_headroom_kb"]) for s_ in saws if s_.get("hook_headroom_kb") is not None]
        if seen:
            rows.append(("commit", "what runc had committed by the hook", "", "",
                         "%d-%d MiB (%d runs)" % (min(seen) // 1024, max(seen) // 1024, len(seen))))
    for how in ("hook", "wrapper"):
        for r in by.get(how, []):
            if r["real"]["outcome"] == "refused-by-memgate" and rt_worked is not None and r["headroom_kb"] > rt_worked + COMMIT_TOLERANCE_KB:
                bad("commit: %s refused at %d kB headroom; plain runc ran from %d kB" % (how, r["headroom_kb"], rt_worked))
    targets = sorted({r["target_mib"] for r in scan}, reverse=True)
    for t in targets:
        c = next((r for r in by.get("check", []) if r["target_mib"] == t), None)
        g = next((r for r in by.get("gocheck", []) if r["target_mib"] == t), None)
        line = []
        for how in ("runc", "hook", "wrapper", "go"):
            outs = [short(r["real"]) + (" [hook saw %d MiB: %s]" % (r["hook_saw_kb"] // 1024, r.get("hook_verdict")) if r.get("hook_saw_kb") is not None else "")
                    for r in by.get(how, []) if r["target_mib"] == t]
            if outs:
                line.append("%s: %s" % (how, "/".join(outs)))
        hr = c["headroom_kb"] if c else t * 1024
        rows.append(("commit", "headroom %d MiB" % (hr // 1024), "check " + (mgs(c["check"]) if c else "-") + ("; Go bundle " + mgs(g["check"]) if g else ""), "; ".join(line), ""))
    for how in ("hook", "wrapper"):
        caught = sorted({short(r["real"]) for r in by.get(how, []) if r["real"]["outcome"] != "ran"})
        if caught:
            rows.append(("commit", "failures through the " + how, "", ", ".join(caught), ""))
    if alone:
        worked, failed = threshold([(r["headroom_kb"] // 4096, r["headroom_kb"], r["outcome"] == "ran") for r in alone])
        msgs = sorted({short({"outcome": "failed", "out": r["out"]})[8:-1] for r in alone if r["outcome"] != "ran"})
        rows.append(("commit", "Go hello alone (no container)", "", "ran from %s, failed at %s (%s)" % (kib(worked), kib(failed), "; ".join(msgs)), ""))
        out["go_alone"] = {"ran_from_kb": worked, "failed_at_kb": failed}
    for m in meas:
        rows.append(("commit", "measured: " + m["what"], "", "", "charged %d kB, VmSize %d kB" % (m["charged_kb"], m["vmsize_kb"])))
    return out


def short(real):
    """an outcome with the first cause that names it"""
    o = real["outcome"]
    if o in ("ran", "refused-by-memgate", "timeout"):
        return o
    t = real["out"]
    for pat in ("fatal error: [^\"]*?(?:out of memory|arena map)", "pthread_create failed", "read init-p: connection reset by peer",
                "unable to store init state", "write init-p: broken pipe", "error running hook", "container init was OOM-killed",
                "Cannot allocate memory", "unable to set memory limit[^\"]*"):
        mm = re.search(pat, t)
        if mm:
            return o + " (" + mm.group(0) + ")"
    return o


def chk_flat(chk):
    return [c for cs in chk.values() for c in cs]


def kib(v):
    return "-" if v is None else "%d MiB" % (v // 1024)


def mode0(recs):
    for r in recs:
        c, real, hook = r["check"], r["real"], r["hook"]
        big = "8g" in r["step"]
        if big:
            if "commit-exhausted" not in codes(c):
                bad("mode0/%s: no commit-exhausted for a request above RAM + swap" % r["step"])
            if real["outcome"] == "ran":
                bad("mode0/%s: the kernel granted a request above RAM + swap" % r["step"])
        elif real["outcome"] != "ran" and verdict(c) == "allow":
            bad("mode0/%s: real %s while memgate allowed" % (r["step"], real["outcome"]))
        elif real["outcome"] == "ran" and verdict(c) == "refuse":
            bad("mode0/%s: memgate refused a start that ran" % r["step"])
        rows.append(("mode0", r["step"], "check " + mgs(c), "runc %s (%s); with hook: %s" % (real["outcome"], tail(real["out"], 60), hook["outcome"]), ""))


def killed_by(klines, pattern):
    return [l for l in klines if re.search(pattern, l)]


def numa(recs, klog):
    for r in recs:
        c, real = r["check"], r["real"]
        kl = klog.get(("numa", r["step"]), [])
        cpuset = killed_by(kl, r"constraint=CONSTRAINT_CPUSET")
        died = real["outcome"] != "ran"
        if died and "numa-node-low" not in codes(c):
            bad("numa/%s: killed (%s) without numa-node-low" % (r["step"], "CONSTRAINT_CPUSET" if cpuset else real["outcome"]))
        if r["step"] == "numa-touch" and not cpuset:
            bad("numa/%s: no CONSTRAINT_CPUSET kill in the kernel log (outcome %s)" % (r["step"], real["outcome"]))
        hk = r.get("hook_report")
        rows.append(("numa", r["step"], "check " + mgs(c) + ("; hook " + mgs(hk) if hk else ""),
                     real["outcome"] + (" (constraint=CONSTRAINT_CPUSET)" if cpuset else ""),
                     "node 1 MemFree %s kB; limit %s" % (r.get("node1_free_kb"), r.get("limit"))))


def parent(scen, recs, klog):
    for r in recs:
        c, real = r["check"], r["real"]
        hk = r.get("hook_report")
        kl = klog.get((scen, r["step"]), [])
        memcg = killed_by(kl, r"oom_memcg=/lab/parent[,\s]") + killed_by(kl, r"killed as a result of limit of /lab/parent\b")
        died = real["outcome"] != "ran"
        if died and "parent-limit" not in codes(c):
            bad("%s/%s: killed by the parent's limit without parent-limit from check" % (scen, r["step"]))
        if died and hk is not None and "parent-limit" not in codes(hk):
            bad("%s/%s: killed by the parent's limit without parent-limit from the hook" % (scen, r["step"]))
        if r["step"] == "parent-touch" and not memcg:
            bad("%s/%s: no kill by the parent's limit in the kernel log (outcome %s)" % (scen, r["step"], real["outcome"]))
        rows.append((scen, r["step"], "check " + mgs(c) + "; hook " + (mgs(hk) if hk else "none"),
                     real["outcome"] + (" (oom_memcg=/lab/parent)" if memcg else ""),
                     "parent memory max %s, container limit %s" % (r.get("parent_max"), r.get("limit"))))


def floor(recs):
    by = {}
    for r in recs:
        by.setdefault((r["runtime"], r["limit_kb"]), []).append(r)
    for rt in sorted({k[0] for k in by}):
        pts = [(lim, lim, all(x["real"]["outcome"] == "ran" for x in rs)) for (t, lim), rs in by.items() if t == rt]
        worked, failed = threshold(pts)
        for (t, lim), rs in sorted(by.items()):
            if t != rt:
                continue
            outs = [x["real"]["outcome"] for x in rs]
            c = next((x["check"] for x in rs if x.get("check")), None)
            v = verdict(c) if c else "none"
            if any(o != "ran" for o in outs) and c is not None and v == "allow":
                bad("floor/%s: limit %d KiB: %s while memgate allowed" % (rt, lim, "/".join(outs)))
            if c is not None and v == "refuse" and worked is not None and lim > worked + FLOOR_TOLERANCE_KB:
                bad("floor/%s: memgate refused limit %d KiB; %s ran every run from %d KiB" % (rt, lim, rt, worked))
            rows.append(("floor", "%s limit %d KiB" % (rt, lim), ("check " + mgs(c)) if c else "",
                         "/".join(outs) + ("" if all(o == "ran" for o in outs) else ": " + tail(next(x["real"]["out"] for x in rs if x["real"]["outcome"] != "ran"), 70)), ""))
        rows.append(("floor", rt + " threshold", "", "", "ran every time from %s KiB, failed at %s KiB" % (worked, failed)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--kernel", default="?")
    ap.add_argument("--accel", default="?")
    ap.add_argument("--mode", default="?")
    ap.add_argument("data", nargs="+")
    a = ap.parse_args()
    recs, klog, kernel_release, measures = [], {}, "?", []
    for path in a.data:
        name = os.path.basename(path).rsplit(".", 1)[0]
        try:
            lines = open(path, errors="replace").read().splitlines()
        except OSError:
            bad("boot %s: no data (%s)" % (name, path))
            continue
        if "@@DONE" not in lines:
            bad("boot %s did not finish (see %s.console)" % (name, name))
        for l in lines:
            if l.startswith("@@JSON "):
                try:
                    recs.append(json.loads(l[7:]))
                except ValueError as e:
                    bad("boot %s: unreadable result line (%s): %s" % (name, e, l[:120]))
            elif l.startswith("@@KLOG "):
                _, scen, step, text = l.split(" ", 3)
                klog.setdefault((scen, step), []).append(text)
            elif l.startswith("@@BOOT "):
                kernel_release = l.split()[1]
            elif l.startswith("@@MEASURE "):
                v = [int(x) for x in l.split()[1:5]]
                measures.append(v)
    by = {}
    for r in recs:
        by.setdefault(r["scenario"], []).append(r)
    summary = {}
    if "watermark" in by:
        watermark(by["watermark"])
    if "commit" in by:
        summary["commit"] = commit(by["commit"])
        for v in measures:
            rows.append(("commit", "measured: runc run / runc init at the createRuntime hook", "", "",
                         "runc run charged %d kB (VmSize %d kB); runc init charged %d kB (VmSize %d kB)" % tuple(v)))
    if "mode0" in by:
        mode0(by["mode0"])
    if "numa" in by:
        numa(by["numa"], klog)
    for s in ("parent2", "parent1"):
        if s in by:
            parent(s, by[s], klog)
    if "floor" in by:
        floor(by["floor"])
    for r in by.get("frag", []):
        # Fragmentation: memgate's finding must match the buddy lists it read (the zone kernel
        # allocations use first with no free block of order 3 or more).
        h = r["host"]
        frag = "fragmentation" in codes(h)
        rows.append(("frag", r["step"], "host " + mgs(h), "runc " + short(r["real"]),
                     "Normal buddyinfo: " + " ".join(r["buddyinfo_normal"].split()[4:])))
        bi = r["buddyinfo_normal"].split()
        if len(bi) > 7:
            high = sum(int(x) for x in bi[4 + 3:])
            if (high == 0) != frag:
                bad("frag: Normal has %d free blocks of order >= 3 and memgate %s fragmentation" % (high, "reports" if frag else "does not report"))
        if r["real"]["outcome"] != "ran" and verdict(h) == "allow":
            bad("frag: runc %s while memgate allowed" % r["real"]["outcome"])
    for r in by.get("memcg", []):
        # A program that touches more than its own limit: no setting says so beforehand, memgate
        # claims nothing here; the row shows the real v2 memcg kill the captures keep.
        kl = klog.get(("memcg", r["step"]), [])
        k = killed_by(kl, r"constraint=CONSTRAINT_MEMCG")
        rows.append(("memcg", r["step"], "check " + mgs(r["check"]) + " (nothing to judge: no heap setting)",
                     r["real"]["outcome"] + (" (constraint=CONSTRAINT_MEMCG)" if k else ""), "limit %s" % r["limit"]))

    os.makedirs(os.path.join(a.out, "captures"), exist_ok=True)
    for old in os.listdir(os.path.join(a.out, "captures")):
        os.unlink(os.path.join(a.out, "captures", old))
    with open(os.path.join(a.out, "results.jsonl"), "w") as f:
        for r in recs:
            f.write(json.dumps(r) + "\n")
    date = datetime.datetime.utcnow().strftime("%Y-%m-%d")
    interesting = re.compile(r"oom-kill|Killed process|invoked oom-killer|killed as a result|__vm_enough_memory|"
                             r"page allocation failure|Memory cgroup out of memory|Out of memory|Task in |"
                             r"memory: usage|mems_allowed=|Node \d+ \w+ free:|Node \d+ \w+: .*kB")
    for (scen, step), kl in sorted(klog.items()):
        keep = [l for l in kl if interesting.search(l)]
        if not keep:
            continue
        with open(os.path.join(a.out, "captures", "%s.log" % scen), "a") as f:
            f.write("# kernel %s (%s), scenario %s, step %s, %s, accel %s\n" % (kernel_release, a.kernel, scen, step, date, a.accel))
            for l in kl:
                f.write(l + "\n")
    table = ["| scenario | step | memgate's verdict | real outcome | thresholds, model |", "|---|---|---|---|---|"]
    for row in rows:
        table.append("| " + " | ".join(str(x).replace("|", "/") for x in row) + " |")
    head = "Kernel %s (%s), accelerator %s, run %s, %s\n\n" % (kernel_release, a.kernel, a.accel, a.mode, date)
    with open(os.path.join(a.out, "table.md"), "w") as f:
        f.write(head + "\n".join(table) + "\n")
    with open(os.path.join(a.out, "summary.json"), "w") as f:
        json.dump({"kernel": kernel_release, "package": a.kernel, "problems": problems, **summary}, f, indent=1)
    print(head + "\n".join(table))
    if problems:
        print("\nDISAGREEMENTS (%d):" % len(problems))
        for p in problems:
            print("  - " + p)
        return 1
    print("\nkernellab: every verdict agrees with the real outcome")
    return 0


if __name__ == "__main__":
    sys.exit(main())
