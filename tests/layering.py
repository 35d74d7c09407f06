#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The stage order of hook/ and oci/, checked on every build.

    tests/layering.py SRC [LIBMEMGATE_CORE.a]

Each source file and header belongs to a stage; a file may include headers of its own stage or of
a lower one, never of a higher one:

    0 util      errors, buffers, bounded reads, numbers        hook/util, include/memgate/util
    1 inputs    /proc, /sys, cgroups, memgate.conf, OCI in     hook/inputs, oci/ parse side
    2 workload  heap settings from args, env, sh -c            hook/workload
    3 models    the kernel and runtime models                  hook/models
    4 checks    findings, checks, verdict                      hook/checks
    5 outputs   text, syslog, atomic files, JSON, annotations  hook/outputs, oci/ emit side
    6 evaluate  one evaluation                                 hook/evaluate
    7 cli       executables, modes, failure policy, sandbox    hook/cli

It fails on an include against that order, on a cycle between modules (a .c and its header are
one module), on a quoted include it cannot resolve, on yajl outside oci/, and on a hook/ or oci/
file over 500 lines. Given the core library, it also reads each object's undefined symbols (nm)
and fails when an object needs a symbol defined only in a higher stage: what links is what runs.
"""
import os
import re
import subprocess
import sys

STAGES = ["util", "inputs", "workload", "models", "checks", "outputs", "evaluate", "cli"]
RANK = {s: i for i, s in enumerate(STAGES)}
# oci/ is the only place that knows yajl; it reads OCI documents (inputs) and writes them (outputs).
OCI_EMIT = {"annotate", "report", "report_json", "explain_json"}
MAX_LINES = 500

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)


def stage_of(rel):
    """(stage, module) of a path relative to the source root, or None when not layered."""
    parts = rel.split("/")
    stem = os.path.splitext(parts[-1])[0]
    if parts[0] == "hook" and len(parts) == 3 and parts[1] in RANK:
        return parts[1], "%s/%s" % (parts[1], stem)
    if parts[:2] == ["include", "memgate"] and len(parts) == 4:
        if parts[2] == "oci":
            return ("outputs" if stem in OCI_EMIT else "inputs"), "oci/" + stem
        if parts[2] in RANK:
            return parts[2], "%s/%s" % (parts[2], stem)
    if parts[0] == "oci" and len(parts) == 2:
        return ("outputs" if stem in OCI_EMIT else "inputs"), "oci/" + stem
    return None


def files(src):
    out = []
    for top in ("hook", "oci", os.path.join("include", "memgate")):
        for d, _, names in os.walk(os.path.join(src, top)):
            for n in names:
                if n.endswith((".c", ".h")):
                    out.append(os.path.relpath(os.path.join(d, n), src))
    return sorted(out)


def resolve(src, rel, kind, name):
    """The included file relative to src, or None for a system header."""
    if kind == "<":
        return None
    local = os.path.normpath(os.path.join(os.path.dirname(rel), name))
    if os.path.exists(os.path.join(src, local)):
        return local
    pub = os.path.join("include", name)
    if os.path.exists(os.path.join(src, pub)):
        return pub
    return "?" + name


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    src = sys.argv[1]
    lib = sys.argv[2] if len(sys.argv) > 2 else None
    problems = []
    deps = {}  # module -> set of modules it includes
    module_of = {}
    nfiles = nedges = 0

    for rel in files(src):
        st = stage_of(rel)
        if not st:
            problems.append("%s: in no stage (hook/<stage>/ or include/memgate/<stage>/)" % rel)
            continue
        stage, mod = st
        module_of[rel] = mod
        deps.setdefault(mod, set())
        text = open(os.path.join(src, rel), encoding="utf-8", errors="replace").read()
        nfiles += 1
        lines = text.count("\n")
        if rel.startswith(("hook/", "oci/")) and lines > MAX_LINES:
            problems.append("%s: %d lines, over %d: split it by job" % (rel, lines, MAX_LINES))
        for kind, name in INCLUDE.findall(text):
            if kind == "<" and name.startswith("yajl/") and not rel.startswith(("oci/",)):
                problems.append("%s: includes <%s>: yajl is known only in oci/" % (rel, name))
            target = resolve(src, rel, kind, name)
            if target is None:
                continue
            if target.startswith("?"):
                problems.append('%s: #include "%s" resolves to nothing' % (rel, name))
                continue
            tst = stage_of(target)
            if not tst:
                continue
            nedges += 1
            tstage, tmod = tst
            if RANK[tstage] > RANK[stage]:
                problems.append('%s (%s) includes "%s" (%s): against the stage order %s' %
                                (rel, stage, name, tstage, " < ".join(STAGES)))
            if tmod != mod:
                deps[mod].add(tmod)

    # Cycles between modules (Tarjan's strongly connected components, iteratively small enough
    # to recurse: the graph has ~100 nodes).
    sys.setrecursionlimit(10000)
    index, low, onstack, stack, comps = {}, {}, set(), [], []

    def strong(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        onstack.add(v)
        for w in sorted(deps.get(v, ())):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in onstack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                onstack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                comps.append(sorted(comp))

    for v in sorted(deps):
        if v not in index:
            strong(v)
    for c in comps:
        problems.append("include cycle between modules: %s" % " <-> ".join(c))

    nsyms = 0
    if lib:
        nsyms = check_symbols(lib, problems)

    for p in problems:
        print("layering: " + p)
    print("layering: %d files, %d includes, %d modules, %d symbol uses checked: %s" %
          (nfiles, nedges, len(deps), nsyms, "FAILED" if problems else "ok"))
    sys.exit(1 if problems else 0)


def object_stage(member):
    """Stage of an archive member such as 'heap.c.o', from the source of that name."""
    return OBJ_STAGE.get(member)


OBJ_STAGE = {}


def check_symbols(lib, problems):
    src = sys.argv[1]
    for rel in files(src):
        if rel.endswith(".c"):
            st = stage_of(rel)
            if st:
                name = os.path.basename(rel) + ".o"
                if name in OBJ_STAGE and OBJ_STAGE[name] != st[0]:
                    OBJ_STAGE[name] = None  # ambiguous name: not judged by symbols
                else:
                    OBJ_STAGE.setdefault(name, st[0])
    out = subprocess.run(["nm", "-A", "--defined-only", lib], capture_output=True, text=True, check=True).stdout
    defined = {}
    for line in out.splitlines():
        m = re.match(r"^[^:]+:([^:]+):\s*[0-9a-f]*\s+([TDRBC])\s+(\S+)$", line)
        if m:
            defined.setdefault(m.group(3), set()).add(m.group(1))
    out = subprocess.run(["nm", "-A", "--undefined-only", lib], capture_output=True, text=True, check=True).stdout
    n = 0
    for line in out.splitlines():
        m = re.match(r"^[^:]+:([^:]+):\s+U\s+(\S+)$", line)
        if not m:
            continue
        member, sym = m.group(1), m.group(2)
        st = object_stage(member)
        if not st or sym not in defined:
            continue
        n += 1
        where = [object_stage(d) for d in defined[sym]]
        if where and all(w and RANK[w] > RANK[st] for w in where):
            problems.append("%s (%s) uses %s, defined in %s (%s): against the stage order" %
                            (member, st, sym, ", ".join(sorted(defined[sym])), ", ".join(sorted(set(where)))))
    return n


if __name__ == "__main__":
    main()
