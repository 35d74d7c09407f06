/* SPDX-License-Identifier: Apache-2.0 */
/* Will the kernel grant the commit this start makes? commit-exhausted for overcommit modes 2 and 0
 * (both heuristics), overcommit-always for mode 1. */
#include "commit.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "memgate/util/buf.h"
#include "memgate/util/number.h"

#include "memgate/checks/engine_model.h"

#include "hints.h"
#include "reserve.h"

#define FMT(v, buf) mg_fmt_bytes((v), (buf), sizeof(buf))
#define FMT_KB(kb, buf) mg_fmt_kb((kb), (buf), sizeof(buf))

/* The per-process part of mode 2's user reserve for runc: min(total_vm / 32, user_reserve_kbytes).
 * runc 1.1.5 maps about 1.35 GiB (KERNEL-NOTES.md), so total_vm / 32 is about 43 MiB. */
#define RUNC_TOTAL_VM_KB (1382ULL * 1024)

/* What runc init has committed when it executes the container's program (kernel lab, runc 1.1.5:
 * 79 MiB of private writable mappings). execve releases it, so a program's own start-up commit
 * adds to the start's peak only beyond it: a Go hello (45 MiB) adds nothing, a JVM its initial
 * heap less this. Capped by runtime_reserve (crun nodes set 1M). */
#define RUNC_INIT_KB (79ULL * 1024)

typedef struct expected {
        uint64_t total_kb;   /* everything the start commits */
        uint64_t largest_kb; /* the largest single request */
        uint64_t lasting_kb; /* what stays committed once runc is gone: the workload's, the shim's growth */
        mg_engine_commit_t engine;
        char what[240];
} expected_t;

static uint64_t headroom_abs(int64_t h) {
        return h < 0 ? (uint64_t)0 - (uint64_t)h : (uint64_t)h;
}

/* The CRI's sandbox ("pause") container: its start brings the pod's shim. */
static bool is_sandbox(const mg_input_t *in) {
        const char *t = mg_input_annotation(in, "io.kubernetes.cri.container-type");
        return t && strcmp(t, "sandbox") == 0;
}

static void expected_commit(const mg_input_t *in, const mg_heap_t *heap, uint64_t limit, expected_t *e) {
        const mg_conf_t *c = in->conf;
        char a[32], b[32];
        /* In a hook the runtime has already committed its share: it is in Committed_AS, and
         * counting it again refused starts that ran (kernel lab: the hook saw about 208 MiB less
         * headroom than runc had at its start). What is still to come is the program's own (and
         * the engine's growth, which comes with the running container). */
        uint64_t runtime_kb = in->runtime_running ? 0 : c->runtime_reserve_kb;
        *e = (expected_t){.total_kb = runtime_kb, .largest_kb = 4 * 1024};
        e->engine = mg_engine_commit(c->engine, is_sandbox(in), c->engine_commit_kb);
        int n;
        if (in->runtime_running)
                n = snprintf(e->what, sizeof(e->what), "the container runtime's part already committed");
        else
                n = snprintf(e->what, sizeof(e->what), "container runtime %s", FMT_KB(runtime_kb, a));
        if (e->engine.growth_kb) {
                /* runc's figure stays runtime_reserve's; the engine's part is added beside it. */
                e->total_kb = mg_sat_add(e->total_kb, e->engine.growth_kb);
                e->lasting_kb = e->engine.growth_kb;
                if (n > 0 && (size_t)n < sizeof(e->what))
                        n += snprintf(e->what + n, sizeof(e->what) - (size_t)n, " + the shim's growth %s",
                                      FMT_KB(e->engine.growth_kb, b));
        }
        if (!heap)
                return;
        uint64_t start = 0, largest = 0;
        switch (heap->runtime) {
        case MG_RT_JVM: {
                /* G1 commits the initial heap at start: -Xms, else 1/64 of the memory it sees. */
                /* -XX:MaxRAM replaces the memory the JVM sizes itself from (Arguments::set_heap_size). */
                uint64_t seen = limit ? limit : mg_sat_mul(in->model->memtotal_kb, 1024);
                if (heap->have_max_ram)
                        seen = heap->max_ram_bytes;
                uint64_t initial = heap->have_initial_heap ? heap->initial_heap_bytes : seen / 64;
                largest = initial / 1024;
                start = mg_sat_add(largest, c->jvm_start_extra_kb);
                break;
        }
        case MG_RT_GO:
                start = largest = c->go_start_kb;
                break;
        default:
                break;
        }
        /* The program replaces runc init (execve): only what it commits beyond runc init's share
         * raises the peak. */
        uint64_t init_kb = RUNC_INIT_KB < c->runtime_reserve_kb ? RUNC_INIT_KB : c->runtime_reserve_kb;
        /* What stays committed while the container runs is the program's whole commit. */
        e->lasting_kb = mg_sat_add(e->lasting_kb, start);
        start = mg_sat_sub(start, init_kb);
        if (largest > e->largest_kb)
                e->largest_kb = largest;
        if (start) {
                e->total_kb = mg_sat_add(e->total_kb, start);
                if (n > 0 && (size_t)n < sizeof(e->what))
                        snprintf(e->what + n, sizeof(e->what) - (size_t)n, " + %s start-up %s beyond runc init's",
                                 mg_runtime_name(heap->runtime), FMT_KB(start, a));
        }
}

/* Mode 2, the start fits: how many more would? Each further one needs runc's commit and the user
 * reserve while it starts, and keeps the engine's (a shim) for as long as it runs. */
static void few_starts(const mg_input_t *in, const expected_t *e, uint64_t user_reserve, mg_report_t *r) {
        const mg_conf_t *c = in->conf;
        const mg_model_t *m = in->model;
        char a[32], b[32], d[32], ur[32];
        if (c->commit_min_starts == 0)
                return;
        /* once this container runs (kernel figures are bounded, settings are not: clamp) */
        int64_t lasting = e->lasting_kb > INT64_MAX / 4 ? INT64_MAX / 4 : (int64_t)e->lasting_kb;
        uint64_t base_u = mg_sat_add(c->runtime_reserve_kb, user_reserve);
        int64_t base = base_u > INT64_MAX / 4 ? INT64_MAX / 4 : (int64_t)base_u;
        int64_t after = m->commit_headroom_kb < INT64_MIN / 4 ? INT64_MIN / 4 : m->commit_headroom_kb - lasting;
        int64_t for_more = after - base;
        uint64_t fit = for_more < 0 ? 0 : mg_starts_that_fit(for_more, e->engine.keep_kb);
        if (fit >= c->commit_min_starts)
                return;
        char keeps[128] = "", k[32];
        if (e->engine.keep_kb)
                snprintf(keeps, sizeof(keeps), ", and keeps %s of about %s committed while it runs",
                         e->engine.keeper ? e->engine.keeper : "the engine's share", FMT_KB(e->engine.keep_kb, k));
        mg_finding_t *f = mg_report_add(
                r, "commit-few-starts", MG_SEV_WARN,
                "vm.overcommit_memory=2: once this container runs, %s%s of CommitLimit %s is left uncommitted, "
                "room for %" PRIu64 " more container start%s (each needs about %s for runc plus a %s user reserve "
                "while it starts%s); memgate warns below %" PRIu64 " (commit_min_starts)",
                after < 0 ? "-" : "", FMT_KB(headroom_abs(after), a), FMT_KB(m->commit_limit_kb, b), fit,
                fit == 1 ? "" : "s", FMT_KB(c->runtime_reserve_kb, d), FMT_KB(user_reserve, ur), keeps,
                c->commit_min_starts);
        if (!f)
                return;
        uint64_t want = mg_sat_add(mg_sat_add(c->runtime_reserve_kb, user_reserve),
                                   mg_sat_mul(c->commit_min_starts, e->engine.keep_kb ? e->engine.keep_kb
                                                                                        : c->runtime_reserve_kb));
        uint64_t short_kb = after < 0 ? mg_sat_add(want, headroom_abs(after)) : mg_sat_sub(want, (uint64_t)after);
        const mg_host_t *h = in->host;
        uint64_t ratio = h->vm.have_overcommit_ratio ? h->vm.overcommit_ratio : 50;
        uint64_t total = mg_sat_sub(m->memtotal_kb, mg_meminfo_or0(&h->meminfo, "Hugetlb"));
        uint64_t new_ratio = total ? mg_sat_add(ratio, mg_sat_add(mg_sat_mul(short_kb, 100), total - 1) / total + 1) : ratio;
        if (h->vm.have_overcommit_kbytes && h->vm.overcommit_kbytes > 0)
                mg_finding_fix(f, "for %" PRIu64 " more starts raise the limit, e.g. sysctl -w vm.overcommit_kbytes=%" PRIu64
                                  ", add swap, or stop idle containers",
                               c->commit_min_starts, mg_sat_add(h->vm.overcommit_kbytes, short_kb + 1024));
        else
                mg_finding_fix(f, "for %" PRIu64 " more starts raise the limit, e.g. sysctl -w vm.overcommit_ratio=%" PRIu64
                                  " (now %" PRIu64 "), add swap, or stop idle containers",
                               c->commit_min_starts, new_ratio > 100 ? 100 : new_ratio, ratio);
        mg_ev_u64(f, "starts_that_fit", fit);
        mg_ev_u64(f, "commit_min_starts", c->commit_min_starts);
        mg_ev_i64(f, "headroom_after_kb", after);
        mg_ev_u64(f, "engine_commit_kb", e->engine.keep_kb);
        mg_ev_u64(f, "runtime_reserve_kb", c->runtime_reserve_kb);
}

void mg_check_commit(const mg_input_t *in, const mg_heap_t *heap, uint64_t limit, mg_report_t *r) {
        const mg_host_t *h = in->host;
        const mg_model_t *m = in->model;
        char a[32], b[32], c[32], d[32];
        expected_t e;
        expected_commit(in, heap, limit, &e);
        r->expected_commit_kb = e.total_kb;

        if (m->overcommit_memory == 1) {
                mg_finding_t *f = mg_report_add(r, "overcommit-always", MG_SEV_INFO,
                                                "vm.overcommit_memory=1: the kernel grants every allocation; "
                                                "when memory runs out the OOM killer picks a process to kill");
                mg_finding_fix(f, "nothing to do at start; watch for OOM kills (dmesg, memory.oom_control)");
                return;
        }

        if (m->overcommit_memory == 2) {
                char ur[32];
                uint64_t user_reserve = RUNC_TOTAL_VM_KB / 32;
                if (h->vm.have_user_reserve_kbytes && h->vm.user_reserve_kbytes < user_reserve)
                        user_reserve = h->vm.user_reserve_kbytes;
                uint64_t need_u = mg_sat_add(e.total_kb, user_reserve);
                int64_t need = need_u > INT64_MAX ? INT64_MAX : (int64_t)need_u;
                if (m->commit_headroom_kb >= need) {
                        few_starts(in, &e, user_reserve, r);
                        return;
                }
                mg_finding_t *f = mg_report_add(
                        r, "commit-exhausted", MG_SEV_REFUSE,
                        "vm.overcommit_memory=2: Committed_AS is %s of CommitLimit %s, leaving %s%s, but starting "
                        "this container commits about %s (%s) plus a %s user reserve; the runtime's allocations "
                        "will fail (Go: \"fatal error: runtime: out of memory\")",
                        FMT_KB(m->committed_as_kb, a), FMT_KB(m->commit_limit_kb, b),
                        m->commit_headroom_kb < 0 ? "-" : "",
                        FMT_KB(headroom_abs(m->commit_headroom_kb), c),
                        FMT_KB(e.total_kb, d), e.what, FMT_KB(user_reserve, ur));
                if (f) {
                        /* 128-bit: headroom, need and MemTotal are kernel figures a hostile /proc
                         * can put anywhere. */
                        __int128 shortfall = (__int128)need - m->commit_headroom_kb;
                        uint64_t short_kb = shortfall > (__int128)UINT64_MAX ? UINT64_MAX : (uint64_t)shortfall;
                        uint64_t ratio = h->vm.have_overcommit_ratio ? h->vm.overcommit_ratio : 50;
                        uint64_t total = mg_sat_sub(m->memtotal_kb, mg_meminfo_or0(&h->meminfo, "Hugetlb"));
                        __int128 new_ratio = total ? (__int128)ratio + ((__int128)short_kb * 100 + total - 1) / total + 1
                                                   : 101;
                        if ((h->vm.have_overcommit_kbytes && h->vm.overcommit_kbytes > 0) || new_ratio > 100)
                                mg_finding_fix(f,
                                               "raise the limit, e.g. sysctl -w vm.overcommit_kbytes=%" PRIu64
                                               "%s, add swap, or stop processes that commit memory",
                                               mg_sat_add(mg_sat_add(h->vm.overcommit_kbytes > 0
                                                                             ? h->vm.overcommit_kbytes
                                                                             : mg_sat_sub(m->commit_limit_kb,
                                                                                          mg_meminfo_or0(&h->meminfo,
                                                                                                         "SwapTotal")),
                                                                     short_kb),
                                                          1024),
                                               h->vm.overcommit_kbytes > 0 ? "" : " (even overcommit_ratio=100 is not enough)");
                        else
                                mg_finding_fix(f,
                                               "raise the limit, e.g. sysctl -w vm.overcommit_ratio=%" PRIu64
                                               " (now %" PRIu64 "), add swap, or stop processes that commit memory",
                                               (uint64_t)new_ratio, ratio);
                        if (e.engine.keep_kb) {
                                char k[32];
                                size_t len = strnlen(f->fix, sizeof(f->fix));
                                snprintf(f->fix + len, sizeof(f->fix) - len,
                                         " (each running container keeps %s of about %s committed)", e.engine.keeper,
                                         FMT_KB(e.engine.keep_kb, k));
                        }
                        mg_ev_u64(f, "overcommit_memory", 2);
                        mg_ev_u64(f, "commit_limit_kb", m->commit_limit_kb);
                        mg_ev_u64(f, "committed_as_kb", m->committed_as_kb);
                        mg_ev_i64(f, "commit_headroom_kb", m->commit_headroom_kb);
                        mg_ev_u64(f, "expected_commit_kb", e.total_kb);
                        mg_ev_u64(f, "user_reserve_kb", user_reserve);
                }
                return;
        }

        /* Mode 0. */
        if (m->heuristic == MG_HEUR_MODERN) {
                /* Only a single request above RAM + swap fails: Committed_AS over CommitLimit is normal. */
                uint64_t ram_swap = (uint64_t)m->commit_headroom_kb;
                if (e.largest_kb <= ram_swap)
                        return;
                mg_finding_t *f = mg_report_add(r, "commit-exhausted", MG_SEV_REFUSE,
                                                "a single allocation of %s (the initial heap) is larger than RAM + "
                                                "swap (%s); with vm.overcommit_memory=0 the kernel refuses it",
                                                FMT_KB(e.largest_kb, a), FMT_KB(ram_swap, b));
                if (f) {
                        mg_finding_fix(f, "lower the initial heap (-Xms) below %s", FMT_KB(ram_swap, a));
                        mg_ev_u64(f, "overcommit_memory", 0);
                        mg_ev_str(f, "heuristic", "modern");
                        mg_ev_u64(f, "largest_request_kb", e.largest_kb);
                        mg_ev_u64(f, "ram_plus_swap_kb", ram_swap);
                }
                return;
        }

        /* Legacy heuristic: free (MemFree + file - shmem + swap free + reclaimable slab) minus
         * totalreserve must stay above each request. memgate asks for the start's whole commit,
         * since the requests follow each other faster than memory is returned. */
        if (m->commit_headroom_kb > (int64_t)e.total_kb)
                return;
        char cause_buf[64];
        const char *cause = mg_reserve_outsized(in) ? mg_reserve_cause(h, m, cause_buf, sizeof(cause_buf)) : NULL;
        mg_finding_t *f = mg_report_add(
                r, "commit-exhausted", MG_SEV_REFUSE,
                "kernel %s uses the pre-5.2 overcommit heuristic: free memory as it counts it (%s) minus the "
                "watermark reserve (%s) leaves %s%s, not enough for the %s this start commits (%s)%s%s",
                h->kernel[0] ? h->kernel : "(unknown)", FMT_KB(m->legacy_free_kb, a),
                FMT_KB(m->totalreserve_kb, b), m->commit_headroom_kb < 0 ? "-" : "",
                FMT_KB((uint64_t)(m->commit_headroom_kb < 0 ? -m->commit_headroom_kb : m->commit_headroom_kb), c),
                FMT_KB(e.total_kb, d), e.what, cause ? "; the reserve is outsized because of " : "",
                cause ? cause : "");
        if (f) {
                if (cause)
                        mg_reserve_fix(h, m, f);
                else
                        mg_finding_fix(f, "free memory on the host, add swap, or set vm.overcommit_memory=1 if "
                                          "the OOM killer is an acceptable judge (if this kernel backports the 5.2 "
                                          "heuristic, set overcommit_heuristic = modern in memgate.conf)");
                mg_ev_u64(f, "overcommit_memory", 0);
                mg_ev_str(f, "heuristic", "legacy");
                mg_ev_u64(f, "legacy_free_kb", m->legacy_free_kb);
                mg_ev_u64(f, "totalreserve_kb", m->totalreserve_kb);
                mg_ev_i64(f, "commit_headroom_kb", m->commit_headroom_kb);
                mg_ev_u64(f, "expected_commit_kb", e.total_kb);
        }
}

