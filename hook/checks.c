/* SPDX-License-Identifier: Apache-2.0 */
/* The three checks of memgate's core, and the policy that turns findings into a verdict.
 * Pure: every input is in mg_input_t, every output in mg_report_t. The cause and the fix are
 * computed here with numbers, so a front end only prints them. */
#define _GNU_SOURCE
#include "memgate/checks.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "memgate/cgroup.h"

#define FMT(v, buf) mg_fmt_bytes((v), (buf), sizeof(buf))

/* The per-process part of mode 2's user reserve for runc: min(total_vm / 32, user_reserve_kbytes).
 * runc 1.1.5 maps about 1.35 GiB (KERNEL-NOTES.md), so total_vm / 32 is about 43 MiB. */
#define RUNC_TOTAL_VM_KB (1382ULL * 1024)

static const char *annotation(const mg_input_t *in, const char *key) {
        if (!in->container)
                return NULL;
        return mg_kv_find(in->container->annotations, in->container->nannotations, key);
}

/* ---- memavailable-zero and watermark-misconfigured ---------------------------------------- */

/* Which knob makes the reserve outsized: min_free_kbytes above the kernel's default, or the
 * watermark scale factor above its default of 10; NULL when neither (lowmem_reserve_ratio). */
static const char *reserve_cause(const mg_host_t *h, const mg_model_t *m, char *buf, size_t n) {
        if (h->vm.have_min_free_kbytes && h->vm.min_free_kbytes > m->default_min_free_kbytes * 2) {
                snprintf(buf, n, "vm.min_free_kbytes=%" PRIu64, h->vm.min_free_kbytes);
                return buf;
        }
        if (h->vm.have_watermark_scale_factor && h->vm.watermark_scale_factor > 10) {
                snprintf(buf, n, "vm.watermark_scale_factor=%" PRIu64, h->vm.watermark_scale_factor);
                return buf;
        }
        return NULL;
}

static void reserve_fix(const mg_host_t *h, const mg_model_t *m, mg_finding_t *f) {
        char a[32];
        if (h->vm.have_min_free_kbytes && h->vm.min_free_kbytes > m->default_min_free_kbytes * 2) {
                uint64_t gain = mg_sat_sub(m->totalreserve_kb, m->default_totalreserve_kb);
                mg_finding_fix(f,
                               "lower it, e.g. sysctl -w vm.min_free_kbytes=%" PRIu64
                               " (the kernel's default for this host), which releases about %s of the reserve; "
                               "make it permanent in /etc/sysctl.d/",
                               m->default_min_free_kbytes, FMT(gain * 1024, a));
        } else if (h->vm.have_watermark_scale_factor && h->vm.watermark_scale_factor > 10) {
                mg_finding_fix(f, "lower it, e.g. sysctl -w vm.watermark_scale_factor=10 (the default)");
        } else {
                mg_finding_fix(f, "check vm.lowmem_reserve_ratio (default 256 256 32 0 0) and the zones' "
                                  "protection in /proc/zoneinfo");
        }
}

static bool reserve_outsized(const mg_input_t *in) {
        const mg_model_t *m = in->model;
        if (!m->reconstructed || m->memtotal_kb == 0)
                return false;
        return (unsigned __int128)m->totalreserve_kb * 100 >
               (unsigned __int128)m->memtotal_kb * in->conf->watermark_warn_percent;
}

static void check_memavailable(const mg_input_t *in, mg_report_t *r) {
        const mg_host_t *h = in->host;
        const mg_model_t *m = in->model;
        char a[32], b[32], c[32], cause_buf[64];
        uint64_t avail = m->have_kernel_memavailable ? m->kernel_memavailable_kb : m->memavailable_kb;
        bool outsized = reserve_outsized(in);
        const char *cause = outsized ? reserve_cause(h, m, cause_buf, sizeof(cause_buf)) : NULL;

        if (avail == 0) {
                mg_finding_t *f;
                if (!m->reconstructed)
                        f = mg_report_add(r, "memavailable-zero", MG_SEV_REFUSE,
                                          "MemAvailable is 0 kB while MemFree is %s; the watermark reserve could not "
                                          "be reconstructed (%s), so the cause is not explained",
                                          FMT(m->memfree_kb * 1024, a),
                                          h->zoneinfo_error[0] ? h->zoneinfo_error : "no /proc/zoneinfo");
                else if (outsized)
                        f = mg_report_add(r, "memavailable-zero", MG_SEV_REFUSE,
                                          "MemAvailable is 0 kB while MemFree is %s: %s makes the watermarks reserve "
                                          "%s of %s",
                                          FMT(m->memfree_kb * 1024, a),
                                          cause ? cause : "vm.lowmem_reserve_ratio",
                                          FMT(m->totalreserve_kb * 1024, b), FMT(m->memtotal_kb * 1024, c));
                else
                        f = mg_report_add(r, "memavailable-zero", MG_SEV_REFUSE,
                                          "MemAvailable is 0 kB: MemFree %s minus the watermark reserve %s leaves "
                                          "nothing, and page cache and reclaimable slab add too little; memory is "
                                          "really in use",
                                          FMT(m->memfree_kb * 1024, a), FMT(m->totalreserve_kb * 1024, b));
                if (f) {
                        if (m->reconstructed && outsized)
                                reserve_fix(h, m, f);
                        else if (m->reconstructed)
                                mg_finding_fix(f, "free memory on the host (stop workloads) or add RAM; "
                                                  "see the largest users with: ps -eo rss,comm --sort=-rss | head");
                        else
                                mg_finding_fix(f, "compare vm.min_free_kbytes=%" PRIu64 " with the kernel's default "
                                                  "of about %" PRIu64 " and read /proc/zoneinfo",
                                               h->vm.min_free_kbytes, m->default_min_free_kbytes);
                        mg_ev_u64(f, "memavailable_kb", avail);
                        mg_ev_u64(f, "memfree_kb", m->memfree_kb);
                        mg_ev_u64(f, "memtotal_kb", m->memtotal_kb);
                        mg_ev_bool(f, "reconstructed", m->reconstructed);
                        if (m->reconstructed) {
                                mg_ev_u64(f, "totalreserve_kb", m->totalreserve_kb);
                                mg_ev_i64(f, "memavailable_unclamped_kb", m->memavailable_unclamped_kb);
                                mg_ev_u64(f, "pagecache_kb", m->pagecache_kb);
                                mg_ev_u64(f, "reclaimable_kb", m->reclaimable_kb);
                        }
                        mg_ev_u64(f, "min_free_kbytes", h->vm.min_free_kbytes);
                        mg_ev_u64(f, "default_min_free_kbytes", m->default_min_free_kbytes);
                        mg_ev_u64(f, "watermark_scale_factor", h->vm.watermark_scale_factor);
                }
        }

        if (outsized) {
                uint64_t pct = m->totalreserve_kb * 100 / m->memtotal_kb;
                mg_finding_t *f = mg_report_add(
                        r, "watermark-misconfigured", MG_SEV_WARN,
                        "the zone watermarks and lowmem protection reserve %s (%" PRIu64 "%% of MemTotal %s; "
                        "the kernel's defaults would reserve %s): %s",
                        FMT(m->totalreserve_kb * 1024, a), pct, FMT(m->memtotal_kb * 1024, b),
                        FMT(m->default_totalreserve_kb * 1024, c),
                        cause ? cause : "the reserve comes from vm.lowmem_reserve_ratio");
                if (f) {
                        reserve_fix(h, m, f);
                        mg_ev_u64(f, "totalreserve_kb", m->totalreserve_kb);
                        mg_ev_u64(f, "default_totalreserve_kb", m->default_totalreserve_kb);
                        mg_ev_u64(f, "memtotal_kb", m->memtotal_kb);
                        mg_ev_u64(f, "percent", pct);
                        mg_ev_u64(f, "threshold_percent", in->conf->watermark_warn_percent);
                        mg_ev_u64(f, "min_free_kbytes", h->vm.min_free_kbytes);
                        mg_ev_u64(f, "default_min_free_kbytes", m->default_min_free_kbytes);
                        mg_ev_u64(f, "watermark_scale_factor", h->vm.watermark_scale_factor);
                }
        }
}

/* ---- commit-exhausted ---------------------------------------------------------------------- */

typedef struct expected {
        uint64_t total_kb;   /* everything the start commits */
        uint64_t largest_kb; /* the largest single request */
        char what[200];
} expected_t;

static void expected_commit(const mg_input_t *in, const mg_heap_t *heap, uint64_t limit, expected_t *e) {
        const mg_conf_t *c = in->conf;
        char a[32];
        *e = (expected_t){.total_kb = c->runtime_reserve_kb, .largest_kb = 4 * 1024};
        int n = snprintf(e->what, sizeof(e->what), "container runtime %s", FMT(c->runtime_reserve_kb * 1024, a));
        if (!heap)
                return;
        uint64_t start = 0, largest = 0;
        switch (heap->runtime) {
        case MG_RT_JVM: {
                /* G1 commits the initial heap at start: -Xms, else 1/64 of the memory it sees. */
                /* -XX:MaxRAM replaces the memory the JVM sizes itself from (Arguments::set_heap_size). */
                uint64_t seen = limit ? limit : in->model->memtotal_kb * 1024;
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
        if (start) {
                e->total_kb = mg_sat_add(e->total_kb, start);
                if (largest > e->largest_kb)
                        e->largest_kb = largest;
                if (n > 0 && (size_t)n < sizeof(e->what))
                        snprintf(e->what + n, sizeof(e->what) - (size_t)n, " + %s start-up %s",
                                 mg_runtime_name(heap->runtime), FMT(start * 1024, a));
        }
}

static void check_commit(const mg_input_t *in, const mg_heap_t *heap, uint64_t limit, mg_report_t *r) {
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
                int64_t need = (int64_t)mg_sat_add(e.total_kb, user_reserve);
                if (m->commit_headroom_kb >= need)
                        return;
                mg_finding_t *f = mg_report_add(
                        r, "commit-exhausted", MG_SEV_REFUSE,
                        "vm.overcommit_memory=2: Committed_AS is %s of CommitLimit %s, leaving %s%s, but starting "
                        "this container commits about %s (%s) plus a %s user reserve; the runtime's allocations "
                        "will fail (Go: \"fatal error: runtime: out of memory\")",
                        FMT(m->committed_as_kb * 1024, a), FMT(m->commit_limit_kb * 1024, b),
                        m->commit_headroom_kb < 0 ? "-" : "",
                        FMT((uint64_t)(m->commit_headroom_kb < 0 ? -m->commit_headroom_kb : m->commit_headroom_kb) *
                                    1024,
                            c),
                        FMT(e.total_kb * 1024, d), e.what, FMT(user_reserve * 1024, ur));
                if (f) {
                        uint64_t short_kb = (uint64_t)(need - m->commit_headroom_kb);
                        uint64_t ratio = h->vm.have_overcommit_ratio ? h->vm.overcommit_ratio : 50;
                        uint64_t total = mg_sat_sub(m->memtotal_kb, mg_meminfo_or0(&h->meminfo, "Hugetlb"));
                        uint64_t new_ratio = total ? ratio + (short_kb * 100 + total - 1) / total + 1 : ratio;
                        if (h->vm.have_overcommit_kbytes && h->vm.overcommit_kbytes > 0)
                                mg_finding_fix(f,
                                               "raise the limit, e.g. sysctl -w vm.overcommit_kbytes=%" PRIu64
                                               ", add swap, or stop processes that commit memory",
                                               h->vm.overcommit_kbytes + short_kb + 1024);
                        else
                                mg_finding_fix(f,
                                               "raise the limit, e.g. sysctl -w vm.overcommit_ratio=%" PRIu64
                                               " (now %" PRIu64 "), add swap, or stop processes that commit memory",
                                               new_ratio > 100 ? 100 : new_ratio, ratio);
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
                                                FMT(e.largest_kb * 1024, a), FMT(ram_swap * 1024, b));
                if (f) {
                        mg_finding_fix(f, "lower the initial heap (-Xms) below %s", FMT(ram_swap * 1024, a));
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
        const char *cause = reserve_outsized(in) ? reserve_cause(h, m, cause_buf, sizeof(cause_buf)) : NULL;
        mg_finding_t *f = mg_report_add(
                r, "commit-exhausted", MG_SEV_REFUSE,
                "kernel %s uses the pre-5.2 overcommit heuristic: free memory as it counts it (%s) minus the "
                "watermark reserve (%s) leaves %s%s, not enough for the %s this start commits (%s)%s%s",
                h->kernel[0] ? h->kernel : "(unknown)", FMT(m->legacy_free_kb * 1024, a),
                FMT(m->totalreserve_kb * 1024, b), m->commit_headroom_kb < 0 ? "-" : "",
                FMT((uint64_t)(m->commit_headroom_kb < 0 ? -m->commit_headroom_kb : m->commit_headroom_kb) * 1024, c),
                FMT(e.total_kb * 1024, d), e.what, cause ? "; the reserve is outsized because of " : "",
                cause ? cause : "");
        if (f) {
                if (cause)
                        reserve_fix(h, m, f);
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

/* ---- offheap-margin ------------------------------------------------------------------------ */

/* Reads a count or size hint from an annotation; with r, a bad value becomes a finding, never a
 * silent default. */
static void hint(const mg_input_t *in, mg_report_t *r, const char *key, bool size, uint64_t *val) {
        const char *v = annotation(in, key);
        if (!v)
                return;
        uint64_t u;
        int rc = size ? mg_parse_size(v, &u) : mg_parse_u64(v, &u);
        if (rc == 0 && u <= (size ? 1ULL << 50 : 100000000ULL)) {
                *val = u;
                return;
        }
        if (!r)
                return;
        mg_finding_t *f = mg_report_add(r, "annotation-invalid", MG_SEV_WARN,
                                        "annotation %s=\"%.64s\" is not a valid %s; the default %" PRIu64 " is used",
                                        key, v, size ? "size" : "count", *val);
        mg_finding_fix(f, "set %s to %s", key, size ? "a size such as 64M" : "a whole number");
        mg_ev_str(f, "annotation", key);
}

void mg_offheap_params_for(const mg_input_t *in, mg_report_t *r, mg_offheap_params_t *p) {
        if (in->conf)
                *p = in->conf->offheap;
        else
                mg_offheap_defaults(p);
        hint(in, r, "io.memgate.jvm.classes", false, &p->jvm_classes);
        hint(in, r, "io.memgate.jvm.threads", false, &p->jvm_threads);
        hint(in, r, "io.memgate.jvm.direct", true, &p->jvm_direct);
        hint(in, r, "io.memgate.node.extra", true, &p->node_extra);
        hint(in, r, "io.memgate.dotnet.extra", true, &p->dotnet_extra);
}

static void heap_flag(const mg_heap_t *h, uint64_t bytes, char *buf, size_t n) {
        uint64_t mib = bytes / MG_MIB;
        switch (h->runtime) {
        case MG_RT_JVM:
                snprintf(buf, n, "-Xmx%" PRIu64 "m", mib);
                break;
        case MG_RT_NODE:
                snprintf(buf, n, "--max-old-space-size=%" PRIu64, mib);
                break;
        case MG_RT_GO:
                snprintf(buf, n, "GOMEMLIMIT=%" PRIu64 "MiB", mib);
                break;
        case MG_RT_DOTNET:
                snprintf(buf, n, "DOTNET_GCHeapHardLimit=0x%" PRIx64, mib * MG_MIB);
                break;
        default:
                snprintf(buf, n, "%" PRIu64 " MiB", mib);
        }
}

static void describe_heap(const mg_heap_t *h, uint64_t heap, uint64_t limit, char *buf, size_t n) {
        char a[32];
        if (h->have_max_heap && h->option[0])
                snprintf(buf, n, "%s (from %s)", h->option, h->source[0] ? h->source : "the command line");
        else if (h->have_percent)
                snprintf(buf, n, "a heap of %.4g%% of the limit = %s%s%s%s", h->percent, FMT(heap, a),
                         h->option[0] ? " (" : "", h->option, h->option[0] ? ")" : "");
        else
                snprintf(buf, n, "a heap of %s", FMT(heap, a));
}

static void check_offheap(const mg_input_t *in, const mg_heap_t *heap, uint64_t limit, mg_report_t *r) {
        char a[32], b[32], c[32], parts[200], what[200], flag[64];
        if (!limit || heap->runtime == MG_RT_NONE)
                return;
        uint64_t hb = mg_heap_effective(heap, limit);
        if (!hb)
                return;
        mg_offheap_params_t p;
        mg_offheap_params_for(in, r, &p);
        mg_offheap_t est;
        mg_offheap_estimate(heap, hb, &p, &est);
        r->judged_heap = true;
        r->limit_bytes = limit;
        r->heap_bytes = hb;
        r->offheap_need_bytes = est.total_bytes;

        const char *limit_src = in->container && in->container->have_limit && in->container->limit_bytes == limit
                                        ? "the memory limit"
                                        : "the effective memory limit (a parent cgroup)";
        describe_heap(heap, hb, limit, what, sizeof(what));
        size_t off = 0;
        parts[0] = '\0';
        for (size_t i = 0; i < est.nparts && off < sizeof(parts); i++) {
                int w = snprintf(parts + off, sizeof(parts) - off, "%s%s %s", i ? ", " : "", est.parts[i].name,
                                 FMT(est.parts[i].bytes, a));
                if (w < 0)
                        break;
                off += (size_t)w;
        }

        mg_finding_t *f = NULL;
        if (hb >= limit) {
                f = mg_report_add(r, "offheap-margin", MG_SEV_REFUSE,
                                  "%s %s is %s by itself, at or above %s of %s: the %s runtime will be OOM-killed "
                                  "as its heap fills, with no log line",
                                  mg_runtime_name(heap->runtime), what, FMT(hb, a), limit_src, FMT(limit, b),
                                  mg_runtime_name(heap->runtime));
        } else if (limit - hb < est.total_bytes) {
                f = mg_report_add(r, "offheap-margin", MG_SEV_WARN,
                                  "%s %s leaves %s of %s %s for everything beyond the heap; the runtime needs "
                                  "about %s there (%s)",
                                  mg_runtime_name(heap->runtime), what, FMT(limit - hb, a), limit_src, FMT(limit, b),
                                  FMT(est.total_bytes, c), parts);
        }
        if (!f)
                return;
        uint64_t fit = mg_sat_sub(limit, est.total_bytes);
        fit -= fit % MG_MIB;
        heap_flag(heap, fit, flag, sizeof(flag));
        uint64_t need_mib = (mg_sat_add(hb, est.total_bytes) + MG_MIB - 1) / MG_MIB;
        if (fit >= 16 * MG_MIB)
                mg_finding_fix(f, "lower the heap to at most %s, or raise the memory limit to at least %" PRIu64
                                  " MiB (e.g. podman run -m %" PRIu64 "m); tune the estimate with io.memgate.* "
                                  "annotations",
                               flag, need_mib, need_mib);
        else
                mg_finding_fix(f, "raise the memory limit to at least %" PRIu64 " MiB (e.g. podman run -m %" PRIu64
                                  "m)",
                               need_mib, need_mib);
        mg_ev_str(f, "runtime", mg_runtime_name(heap->runtime));
        mg_ev_u64(f, "limit_bytes", limit);
        mg_ev_u64(f, "heap_bytes", hb);
        mg_ev_u64(f, "room_bytes", mg_sat_sub(limit, hb));
        mg_ev_u64(f, "offheap_need_bytes", est.total_bytes);
        mg_ev_str(f, "heap_option", heap->option);
        mg_ev_str(f, "heap_source", heap->source);
        if (heap->runtime == MG_RT_JVM) {
                mg_ev_u64(f, "jvm_classes", p.jvm_classes);
                mg_ev_u64(f, "jvm_threads", p.jvm_threads);
        }
        for (size_t i = 0; i < est.nparts; i++) {
                char key[40];
                snprintf(key, sizeof(key), "need_%s_bytes", est.parts[i].name);
                for (char *k = key; *k; k++)
                        *k = *k == ' ' ? '_' : (char)tolower((unsigned char)*k);
                mg_ev_u64(f, key, est.parts[i].bytes);
        }
}

/* ---- policy -------------------------------------------------------------------------------- */

static void apply_policy(const mg_input_t *in, mg_report_t *r) {
        mg_severity_t worst = MG_SEV_INFO;
        for (size_t i = 0; i < r->n; i++)
                if (r->findings[i].severity > worst)
                        worst = r->findings[i].severity;
        r->verdict = worst == MG_SEV_REFUSE ? MG_VERDICT_REFUSE : worst == MG_SEV_WARN ? MG_VERDICT_WARN
                                                                                        : MG_VERDICT_ALLOW;
        if (r->verdict != MG_VERDICT_REFUSE)
                return;
        const char *ann = annotation(in, "io.memgate.policy");
        if (in->conf->policy == MG_POLICY_WARN) {
                snprintf(r->policy_source, sizeof(r->policy_source), "%s",
                         in->policy_forced ? "--policy warn" : "policy = warn in memgate.conf");
        } else if (ann && !strcmp(ann, "warn")) {
                snprintf(r->policy_source, sizeof(r->policy_source), "annotation io.memgate.policy=warn");
        } else
                return;
        r->verdict = MG_VERDICT_WARN;
        r->policy_downgraded = true;
}

/* A container's io.memgate.policy: "warn", "enforce", or "off" where the site allows it. Returns
 * true when the container opted out and nothing else is to be checked. */
static bool container_policy(const mg_input_t *in, mg_report_t *r) {
        const char *ann = annotation(in, "io.memgate.policy");
        if (!ann || !strcmp(ann, "warn") || !strcmp(ann, "enforce"))
                return false;
        if (!strcmp(ann, "off")) {
                if (in->conf->allow_opt_out) {
                        mg_report_add(r, "opted-out", MG_SEV_INFO,
                                      "the container set io.memgate.policy=off and memgate.conf allows it "
                                      "(allow_opt_out = yes): nothing was checked");
                        return true;
                }
                mg_finding_t *f = mg_report_add(r, "opt-out-denied", MG_SEV_INFO,
                                                "the container set io.memgate.policy=off but this site does not allow "
                                                "opting out (allow_opt_out = no in memgate.conf); checked as usual");
                mg_finding_fix(f, "use io.memgate.policy=warn to be warned instead of refused");
                return false;
        }
        mg_finding_t *f = mg_report_add(r, "annotation-invalid", MG_SEV_WARN,
                                        "annotation io.memgate.policy=\"%.64s\" is not one of enforce, warn, off; "
                                        "ignored",
                                        ann);
        mg_finding_fix(f, "set io.memgate.policy to warn (or off, where the site allows it)");
        mg_ev_str(f, "annotation", "io.memgate.policy");
        return false;
}

void mg_evaluate(const mg_input_t *in, mg_report_t *ret) {
        mg_report_t *r = ret;
        *r = (mg_report_t){0};

        if (container_policy(in, r)) {
                apply_policy(in, r);
                return;
        }

        mg_heap_t heap = {0};
        uint64_t limit = 0;
        if (in->container) {
                mg_heap_detect(in->container->args, in->container->nargs, in->container->env,
                               in->container->nenv, &heap);
                if (heap.note[0]) {
                        /* A setting the runtime itself will refuse: the container will not start. */
                        mg_finding_t *f = mg_report_add(r, "heap-option-invalid", MG_SEV_WARN, "%s", heap.note);
                        mg_finding_fix(f, "correct the option; sizes are digits with an optional k, m, g or t");
                }
                if (in->container->have_limit)
                        limit = in->container->limit_bytes;
                if (in->effective_limit_bytes && (!limit || in->effective_limit_bytes < limit))
                        limit = in->effective_limit_bytes;
        }

        check_memavailable(in, r);
        check_commit(in, in->container ? &heap : NULL, limit, r);
        if (in->container)
                check_offheap(in, &heap, limit, r);
        /* The picture checks get the heap found above instead of scanning args and env again. */
        mg_input_t with_heap = *in;
        with_heap.heap = in->container ? &heap : NULL;
        mg_check_picture(&with_heap, r);
        apply_policy(in, r);
}

/* ---- annotations --------------------------------------------------------------------------- */

static bool kv_set(mg_kv_t *kv, size_t max, size_t *n, const char *key, const char *fmt, ...)
        __attribute__((format(printf, 5, 6)));
static bool kv_set(mg_kv_t *kv, size_t max, size_t *n, const char *key, const char *fmt, ...) {
        if (*n >= max)
                return false;
        char *v = NULL;
        va_list ap;
        va_start(ap, fmt);
        int rc = vasprintf(&v, fmt, ap);
        va_end(ap);
        char *k = strdup(key);
        if (rc < 0 || !k) {
                free(k);
                if (rc >= 0)
                        free(v);
                return false;
        }
        kv[*n] = (mg_kv_t){.key = k, .value = v};
        (*n)++;
        return true;
}

size_t mg_report_annotations(const mg_report_t *r, const mg_model_t *m, mg_kv_t *kv, size_t max) {
        size_t n = 0;
        char codes[MG_FINDINGS_MAX * 32 + 1] = "";
        size_t off = 0;
        for (size_t i = 0; i < r->n; i++) {
                bool seen = false;
                for (size_t j = 0; j < i; j++)
                        seen = seen || !strcmp(r->findings[j].code, r->findings[i].code);
                if (seen || r->findings[i].severity == MG_SEV_INFO)
                        continue;
                int w = snprintf(codes + off, sizeof(codes) - off, "%s%s", off ? "," : "", r->findings[i].code);
                if (w > 0 && (size_t)w < sizeof(codes) - off)
                        off += (size_t)w;
        }
        kv_set(kv, max, &n, "io.memgate.verdict", "%s", mg_verdict_name(r->verdict));
        kv_set(kv, max, &n, "io.memgate.findings", "%s", codes);
        if (m) {
                kv_set(kv, max, &n, "io.memgate.memavailable-kb", "%" PRIu64,
                       m->have_kernel_memavailable ? m->kernel_memavailable_kb : m->memavailable_kb);
                if (m->overcommit_memory != 1)
                        kv_set(kv, max, &n, "io.memgate.commit-headroom-kb", "%" PRId64, m->commit_headroom_kb);
        }
        if (r->judged_heap) {
                kv_set(kv, max, &n, "io.memgate.heap-bytes", "%" PRIu64, r->heap_bytes);
                kv_set(kv, max, &n, "io.memgate.offheap-need-bytes", "%" PRIu64, r->offheap_need_bytes);
                kv_set(kv, max, &n, "io.memgate.offheap-room-bytes", "%" PRIu64,
                       mg_sat_sub(r->limit_bytes, r->heap_bytes));
        }
        return n;
}

void mg_kv_free_array(mg_kv_t *kv, size_t n) {
        for (size_t i = 0; kv && i < n; i++) {
                free(kv[i].key);
                free(kv[i].value);
        }
}
