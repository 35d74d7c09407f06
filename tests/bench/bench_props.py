# SPDX-License-Identifier: Apache-2.0
"""bench.py's tables of what each safety property costs, and of `exec` through memgate-runtime.

properties(): the floor of any hook and then, one at a time, what memgate pays for its promises,
each done with memgate's own code (tests/bench/props.c), in one rotation with memgate hook:
the watchdog (fork, deadline, wait), the seccomp filter, the never-torn memgate.json (temp file
and rename), its fsync, one syslog line. Each row says which row it adds to, so "added" is the
price of that one property.

runtime_exec(): `runc exec` into a running busybox container against the same through
memgate-runtime (issue 12 item 4: the cheap host-budget check, no config parse).

wrapper_own(): memgate-runtime create with /bin/true for the runtime, against /bin/true alone and
the floor of any wrapper: what memgate-runtime adds to any runtime's create, without runc's own
milliseconds of noise around it."""
import shlex
import os
import socket
import subprocess
import sys
import threading


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def _drain(sock):
    """A syslog daemon that reads and forgets, so the socket never fills and every line is sent."""
    while True:
        try:
            sock.recv(65536)
        except OSError:
            return


def properties(b, state):
    a = b.a
    sock_path = os.path.join(b.tmp, "log.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(sock_path)
    threading.Thread(target=_drain, args=(sock,), daemon=True).start()
    props = b.tool["props"]
    full = ["--fork", "--seccomp", "--write"]
    # (name, argv, the row it adds to)
    rows = [
        ("floor", [b.tool["floor"]], None),
        ("floor in props binary", [props], "floor"),
        ("+ fork/wait", [props, "--fork"], "floor in props binary"),
        ("+ seccomp", [props, "--fork", "--seccomp"], "+ fork/wait"),
        ("+ atomic memgate.json", [props] + full, "+ seccomp"),
        ("+ fsync", [props] + full + ["--fsync"], "+ atomic memgate.json"),
        ("+ syslog line", [props] + full + ["--syslog", sock_path], "+ atomic memgate.json"),
        ("memgate hook", [b.memgate, "hook"], "floor"),
    ]
    # The fsync row in a rotation of its own: its journal commits stall the rename of whichever
    # row runs next (measured: "+ atomic memgate.json" +2.3 ms next to it, +0.1 ms without it).
    alone = {"+ fsync"}
    # Every run that writes memgate.json finds the bundle without one, as on a container's first
    # start (per_start's memgate hook row); the removal after it is untimed.
    fresh = b.first_start(state)
    variants = [(name, state, fresh, argv) for name, argv, _ in rows if name not in alone]
    log(f"properties: {len(variants)} variants in rotation, then {len(alone)} alone, {a.runs} runs each")
    res = b.rotate(variants, a.runs)
    res.update(b.rotate([(name, state, fresh, argv) for name, argv, _ in rows if name in alone], a.runs))
    floor = b.med(res["floor"], "wall")
    ins = {}
    if not a.smoke and not a.no_instructions:
        for name, argv, _ in rows:
            # Single-stepped, the child takes seconds: past the 2 s deadline the watchdog would stop it.
            slow = ["--deadline", "600000"] if argv[0] == props and "--fork" in argv else []
            subprocess.run(fresh, shell=True, check=True)  # counted on a first start, as timed
            ins[name] = b.steps(state, argv + slow)
    b.out(f"### What each safety property costs ({a.runs} runs each, in rotation; bundle and state as above)")
    b.out()
    b.out("| variant | wall median | wall p90 | x floor | added | to | page faults | instructions | exit |")
    b.out("|---|---|---|---|---|---|---|---|---|")
    for name, _, base in rows:
        r = res[name]
        m = b.med(r, "wall")
        added = f"{m - b.med(res[base], 'wall'):+.2f} ms" if base else ""
        n = ins.get(name)
        b.out(f"| {name} | {m:.2f} ms | {b.p90(r):.2f} ms | {m / floor:.2f} | {added} | {base or ''} | "
              f"{b.med(r, 'faults'):.0f} | {f'{n / 1e6:.2f} M' if n else 'not counted'} | {b.statuses(r)} |")
    b.out()
    b.out("floor in props binary: floor.c's work in mg-bench-props, which is linked with memgate's library as "
          "memgate is (its exec and loading); + fork/wait: that work in a child under memgate's watchdog; "
          "+ seccomp: the child loads memgate's filter first; + atomic memgate.json: 4 kB written to a temp file "
          "in the bundle and renamed to memgate.json (none there: every run is followed by an untimed removal); "
          "+ fsync: the file and the directory fsync'd too; + syslog line: one line sent. \"added\" is against the row named in \"to\". + fsync ran in a rotation of its own, "
          "after the others: next to them its journal commits would stall their renames.")
    b.out("Every property row is done with memgate's own functions: mg_sandbox_run_until (fork, deadline, "
          "signals passed on), mg_sandbox_enter (the generated filter), mg_write_atomic_flags, mg_log "
          "(to a socket this bench binds and drains; memgate hook itself sends to /dev/log, which this host "
          f"{'has' if os.path.exists('/dev/log') else 'lacks: its lines are dropped at the connect'}).")
    b.out()
    sock.close()


def runtime_exec(b, runc, spec, write_spec):
    """spec: the busybox config runc_bundle() made; write_spec(dir, spec) writes a bundle."""
    a = b.a
    bundle = os.path.join(b.tmp, "runc-sleeper")
    os.mkdir(bundle)
    s = dict(spec)
    s["process"] = dict(spec["process"], args=["/bin/busybox", "sleep", "3600"])
    write_spec(bundle, s)
    cid = f"mgb-{os.getpid()}-exec"
    b.containers.append(cid)
    with open(os.devnull, "r+b") as null:
        subprocess.run([runc, "run", "-d", "--bundle", bundle, cid], stdin=null, stdout=null, stderr=null,
                       check=True)
    variants = [
        ("runc exec", None, None, [runc, "exec", cid, "/bin/busybox", "true"]),
        ("memgate-runtime exec", None, None,
         [b.runtime, f"--memgate-runtime={runc}", "exec", cid, "/bin/busybox", "true"]),
    ]
    log(f"exec: {len(variants)} variants in rotation, {a.runc_runs} runs each")
    res = b.rotate(variants, a.runc_runs, warmup=1)
    b.out(f"### exec into a running busybox container ({a.runc_runs} runs each, in rotation)")
    b.out()
    b.out("| variant | wall median | wall p90 | added | user+sys | added CPU | exit |")
    b.out("|---|---|---|---|---|---|---|")
    rc = res["runc exec"]
    for name, *_ in variants:
        r = res[name]
        first = name == "runc exec"
        added = "" if first else f"{b.med(r, 'wall') - b.med(rc, 'wall'):+.2f} ms"
        added_cpu = "" if first else f"{b.med(r, 'cpu') - b.med(rc, 'cpu'):+.2f} ms"
        b.out(f"| {name} | {b.med(r, 'wall'):.2f} ms | {b.p90(r):.2f} ms | {added} | {b.med(r, 'cpu'):.2f} ms | "
              f"{added_cpu} | {b.statuses(r)} |")
    b.out()
    subprocess.run([runc, "delete", "-f", cid], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wrapper_own(b, bundle, config):
    """bundle: a bundle directory of its own holding config (restored after each run, untimed)."""
    a = b.a
    args = ["create", "--bundle", bundle, "mgb-wrap"]
    restore = b.fresh_spec(bundle, config)  # as an engine hands a bundle over, every run a first create
    variants = [
        ("/bin/true (the runtime)", None, None, ["/bin/true"] + args),
        ("floor wrapper", None, None, [b.tool["floor"], "--wrap", "/bin/true"] + args),
        ("memgate-runtime", None, restore, [b.runtime, "--memgate-runtime=/bin/true"] + args),
    ]
    log(f"wrapper: {len(variants)} variants in rotation, {a.runs} runs each")
    res = b.rotate(variants, a.runs)
    b.out(f"### memgate-runtime create's own cost: the runtime is /bin/true ({a.runs} runs each, in rotation)")
    b.out()
    b.out("| variant | wall median | wall p90 | added to the runtime | above the floor wrapper | user+sys | page faults | exit |")
    b.out("|---|---|---|---|---|---|---|---|")
    base, floor = b.med(res[variants[0][0]], "wall"), b.med(res["floor wrapper"], "wall")
    for name, *_ in variants:
        r = res[name]
        w = b.med(r, "wall")
        added = "" if name == variants[0][0] else f"{w - base:+.2f} ms"
        above = f"{w - floor:+.2f} ms" if name == "memgate-runtime" else ""
        b.out(f"| {name} | {w:.2f} ms | {b.p90(r):.2f} ms | {added} | {above} | {b.med(r, 'cpu'):.2f} ms | "
              f"{b.med(r, 'faults'):.0f} | {b.statuses(r)} |")
    b.out()
    b.out("floor wrapper: mg-bench-floor --wrap reads the bundle's config.json and /proc/meminfo and executes the "
          "runtime, the least any wrapper pays (its exec, its C library's start). memgate-runtime: its exec, the "
          "confined evaluation, memgate.json and the annotated config.json written atomically, then the exec of the "
          "runtime; after each run (untimed) config.json is written anew and memgate.json removed, as an engine hands "
          "a bundle over, so every run is a container's first create.")
    b.out()
