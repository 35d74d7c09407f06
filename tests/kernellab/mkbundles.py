#!/usr/bin/env python3
"""Write the OCI bundles the kernel lab's guest runs (config.json only; every bundle shares the
guest's /rootfs). Usage: mkbundles.py OUTDIR. Each bundle is OUTDIR/<name>/config.json.

A bundle's name says what it is; the guest scripts refer to them by name:
  true            busybox true, no limit                        (commit scan, watermarks)
  true-hook       the same with memgate as the createRuntime hook
  touch-<N>m-lim-<L>m   touch N MiB under memory limit L MiB       (memcg kill, parent limit)
  java-xms-<S>    the JVM stand-in with -Xms<S>                  (mode 0: one request above RAM+swap)
  numa-touch      touch 1536 MiB pinned to node 1, limit 2 GiB   (NUMA)
  floor-<L>k      busybox true under a limit of L KiB             (the runtime's own floor)
"""
import json
import os
import sys

MEMGATE_HOOK = {"path": "/usr/bin/memgate", "args": ["memgate", "hook"], "timeout": 30}


def config(args, limit=None, hook=False, mems=None, cgroups_path=None, env=None):
    c = {
        "ociVersion": "1.0.2-dev",
        "process": {
            "terminal": False,
            "user": {"uid": 0, "gid": 0},
            "args": args,
            "env": ["PATH=/bin:/usr/bin", "HOME=/"] + (env or []),
            "cwd": "/",
            "capabilities": {k: ["CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_AUDIT_WRITE"]
                             for k in ("bounding", "effective", "permitted", "ambient")},
            "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
            "noNewPrivileges": True,
        },
        "root": {"path": "/rootfs", "readonly": False},
        "hostname": "lab",
        "mounts": [
            {"destination": "/proc", "type": "proc", "source": "proc"},
            {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
             "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
        ],
        "linux": {
            "resources": {"devices": [{"allow": False, "access": "rwm"}]},
            "namespaces": [{"type": t} for t in ("pid", "ipc", "uts", "mount")],
        },
    }
    if limit is not None:
        c["linux"]["resources"]["memory"] = {"limit": limit}
    if mems is not None:
        c["linux"]["resources"]["cpu"] = {"mems": mems, "cpus": "0-1"}
    if cgroups_path:
        c["linux"]["cgroupsPath"] = cgroups_path
    if hook:
        c["hooks"] = {"createRuntime": [MEMGATE_HOOK]}
    return c


def main():
    out = sys.argv[1]
    M = 1 << 20
    b = {
        "true": config(["/bin/true"]),
        "true-hook": config(["/bin/true"], hook=True),
        # a Go program memgate recognises as one (GOMEMLIMIT set), for the Go start-up commit
        "go-hello": config(["/bin/hello"], env=["GOMEMLIMIT=64MiB"]),
        # mode 0: a JVM whose initial heap alone is above RAM + swap, and one well below it
        "java-xms-8g": config(["/bin/java", "-Xms8g", "-Xmx8g", "-jar", "app.jar"]),
        "java-xms-8g-hook": config(["/bin/java", "-Xms8g", "-Xmx8g", "-jar", "app.jar"], hook=True),
        "java-xms-2g": config(["/bin/java", "-Xms2g", "-Xmx2g", "-jar", "app.jar"]),
        "java-xms-2g-hook": config(["/bin/java", "-Xms2g", "-Xmx2g", "-jar", "app.jar"], hook=True),
        # NUMA: pinned to the 1 GiB node 1, limit 2 GiB, touches 1.5 GiB
        "numa-touch": config(["/bin/mg-mem", "touch", "1536"], limit=2048 * M, mems="1",
                             cgroups_path="/lab/numa"),
        "numa-touch-hook": config(["/bin/mg-mem", "touch", "1536"], limit=2048 * M, mems="1",
                                  cgroups_path="/lab/numa", hook=True),
        "numa-small": config(["/bin/mg-mem", "touch", "256"], limit=512 * M, mems="1",
                             cgroups_path="/lab/numa", hook=True),
        # parent cgroup: /lab/parent has memory.max 256M (set by the guest); the container's own
        # limit is 1 GiB and it touches 512 MiB; the control touches 128 MiB
        "parent-touch": config(["/bin/mg-mem", "touch", "512"], limit=1024 * M,
                               cgroups_path="/lab/parent/c1", hook=True),
        "parent-small": config(["/bin/mg-mem", "touch", "128"], limit=1024 * M,
                               cgroups_path="/lab/parent/c2", hook=True),
        # the memcg kill of the container's own limit (v2): 128 MiB under 64 MiB
        "memcg-touch": config(["/bin/mg-mem", "touch", "128"], limit=64 * M,
                              cgroups_path="/lab/memcg", hook=True),
    }
    for kib in (2048, 4096, 6144, 8192, 10240, 12288, 14336, 16384, 20480, 24576, 32768):
        b["floor-%dk" % kib] = config(["/bin/true"], limit=kib * 1024, cgroups_path="/lab/floor")
        b["floor-%dk-hook" % kib] = config(["/bin/true"], limit=kib * 1024,
                                           cgroups_path="/lab/floor", hook=True)
    for name, c in b.items():
        os.makedirs(os.path.join(out, name), exist_ok=True)
        with open(os.path.join(out, name, "config.json"), "w") as f:
            json.dump(c, f, indent=1)


if __name__ == "__main__":
    main()
