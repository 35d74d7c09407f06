# SPDX-License-Identifier: Apache-2.0
"""Runs one command inside a fresh cgroup v1 memory cgroup with a limit, and measures it.

The cgroup is created under the memory hierarchy's root as memgate-calib-<run>-<n> and always
removed afterwards (the process group is killed first if it is still there). Swap is forbidden
through memory.memsw.limit_in_bytes when the kernel has it.
"""
import os
import signal
import subprocess
import time

MEMCG_ROOT = os.environ.get("MEMGATE_CALIB_MEMCG", "/sys/fs/cgroup/memory")
PREFIX = "memgate-calib-"

_live = set()  # cgroup directories this process created and has not removed yet


def available():
    """None when runs are possible, else the reason why not."""
    if os.geteuid() != 0:
        return "not root: creating memory cgroups needs root"
    if not os.path.isfile(os.path.join(MEMCG_ROOT, "memory.limit_in_bytes")):
        return "no cgroup v1 memory controller at %s" % MEMCG_ROOT
    if not os.access(MEMCG_ROOT, os.W_OK):
        return "%s is not writable" % MEMCG_ROOT
    return None


def _write(path, value):
    with open(path, "w") as f:
        f.write(str(value))


def _read(path):
    with open(path) as f:
        return f.read()


def _stat(cg):
    out = {}
    for line in _read(os.path.join(cg, "memory.stat")).splitlines():
        k, _, v = line.partition(" ")
        if v.isdigit():
            out[k] = int(v)
    return out


def _oom_kills(cg):
    for line in _read(os.path.join(cg, "memory.oom_control")).splitlines():
        k, _, v = line.partition(" ")
        if k == "oom_kill":
            return int(v)
    return None


def _rss(cg):
    """Sum of VmRSS of the cgroup's processes: what ps and time(1) show (file pages included,
    wherever they are charged)."""
    total = 0
    for pid in _read(os.path.join(cg, "cgroup.procs")).split():
        try:
            for line in _read("/proc/%s/status" % pid).splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
                    break
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total


def remove(cg):
    """Empties and removes a cgroup this process created. Kills only processes inside it."""
    for _ in range(100):
        try:
            pids = [int(p) for p in _read(os.path.join(cg, "cgroup.procs")).split()]
        except FileNotFoundError:
            _live.discard(cg)
            return
        for p in pids:
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            os.rmdir(cg)
            _live.discard(cg)
            return
        except FileNotFoundError:
            _live.discard(cg)
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("could not remove cgroup %s" % cg)


def remove_all():
    for cg in list(_live):
        try:
            remove(cg)
        except Exception as e:  # keep going: remove the others
            print("calibration: %s" % e, flush=True)


def run(argv, limit_bytes, name, env=None, timeout=180, interval=0.05, cwd=None, thrash_s=10.0):
    """Runs argv in a new memory cgroup limited to limit_bytes. Returns a dict of measurements.

    A process that sits at the limit, faulting its own file pages back in (more than 100 major
    faults a second with anonymous memory above 93% of the limit) for thrash_s seconds, or that
    is still running at the timeout with anonymous memory above 90% of the limit, is thrashing: it
    is killed and reported as such. Like an OOM kill it is a run that failed for want of memory
    (with the runtime's files charged to the cgroup the kernel often evicts libjvm's text and
    the module image again and again instead of killing)."""
    cg = os.path.join(MEMCG_ROOT, PREFIX + name)
    os.mkdir(cg)
    _live.add(cg)
    try:
        _write(os.path.join(cg, "memory.limit_in_bytes"), limit_bytes)
        memsw = os.path.join(cg, "memory.memsw.limit_in_bytes")
        if os.path.exists(memsw):
            _write(memsw, limit_bytes)
        # The shell puts itself into the cgroup, then becomes the workload: nothing of it is
        # charged before the limit applies.
        wrapper = ["sh", "-c", 'echo $$ > "$0/cgroup.procs" && exec "$@"', cg] + list(argv)
        t0 = time.monotonic()
        proc = subprocess.Popen(wrapper, env=env, cwd=cwd, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, start_new_session=True)
        peak_anon = peak_resident = peak_rss = 0
        timed_out = thrashed = False
        thrash_since = None
        last_majf = last_t = None
        out_chunks = []
        # Sample memory.stat while it runs; the pipes are drained at the end (outputs are small).
        while proc.poll() is None:
            try:
                st = _stat(cg)
                anon = st.get("total_rss", st.get("rss", 0)) + st.get("total_shmem", 0)
                res = anon + st.get("total_mapped_file", st.get("mapped_file", 0))
                peak_anon = max(peak_anon, anon)
                peak_resident = max(peak_resident, res)
                peak_rss = max(peak_rss, _rss(cg))
                now = time.monotonic()
                majf = st.get("total_pgmajfault", 0)
                # The fault rate over the last second (single 50 ms samples are too noisy).
                if last_t is None:
                    last_majf, last_t = majf, now
                elif now - last_t >= 1.0:
                    rate = (majf - last_majf) / (now - last_t)
                    if rate > 100 and anon > 0.93 * limit_bytes:
                        thrash_since = thrash_since or last_t
                    elif rate < 20:
                        thrash_since = None
                    last_majf, last_t = majf, now
            except (FileNotFoundError, ValueError):
                pass
            if thrash_since is not None and time.monotonic() - thrash_since > thrash_s:
                thrashed = True
                os.killpg(proc.pid, signal.SIGKILL)
                break
            if time.monotonic() - t0 > timeout:
                timed_out = True
                os.killpg(proc.pid, signal.SIGKILL)
                break
            time.sleep(interval)
        if timed_out and peak_anon > 0.90 * limit_bytes:
            thrashed, timed_out = True, False
        stdout, stderr = proc.communicate()
        elapsed = time.monotonic() - t0
        rc = proc.returncode
        oom_kills = _oom_kills(cg)
        res = {
            "rc": rc,
            "elapsed_s": round(elapsed, 2),
            "timed_out": timed_out,
            "thrashed": thrashed,
            "peak_rss_bytes": peak_rss,
            "limit_bytes": limit_bytes,
            "max_usage_bytes": int(_read(os.path.join(cg, "memory.max_usage_in_bytes"))),
            "peak_anon_bytes": peak_anon,
            "peak_resident_bytes": peak_resident,
            "failcnt": int(_read(os.path.join(cg, "memory.failcnt"))),
            "oom_kills": oom_kills,
            "killed": bool(rc == -signal.SIGKILL and not timed_out and not thrashed and (oom_kills or 0) > 0),
            "stdout": stdout.decode(errors="replace")[-2000:],
            "stderr": stderr.decode(errors="replace")[-2000:],
        }
        return res
    finally:
        remove(cg)
