/* SPDX-License-Identifier: Apache-2.0 */
#include "memgate/outputs/text.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "memgate/outputs/host_text.h"
#include "memgate/util/escape.h"
#include "memgate/util/number.h"

#define FMT(v, buf) mg_fmt_bytes((v), (buf), sizeof(buf))
#define FMT_KB(kb, buf) mg_fmt_kb((kb), (buf), sizeof(buf))

static const char *heuristic_name(const mg_model_t *m) {
        switch (m->overcommit_memory) {
        case 1:
                return "always grant";
        case 2:
                return "strict: CommitLimit";
        default:
                return m->heuristic == MG_HEUR_LEGACY ? "heuristic, pre-5.2 (free minus reserve)"
                                                      : "heuristic, 5.2+ (only requests above RAM + swap fail)";
        }
}

static void budget(const mg_report_ctx_t *ctx, mg_buf_t *o) {
        const mg_host_t *h = ctx->host;
        const mg_model_t *m = ctx->model;
        char a[32], b[32];
        mg_buf_printf(o, "Host: kernel %s, overcommit_memory %d (%s)\n", h->kernel[0] ? h->kernel : "unknown",
                      m->overcommit_memory, heuristic_name(m));
        mg_buf_printf(o, "  %-28s %12s\n", "MemTotal", FMT_KB(m->memtotal_kb, a));
        mg_buf_printf(o, "  %-28s %12s\n", "MemFree", FMT_KB(m->memfree_kb, a));
        if (m->reconstructed) {
                mg_buf_printf(o, "  %-28s %12s   min_free_kbytes %" PRIu64 " (kernel default %" PRIu64
                                 "), watermark_scale_factor %" PRIu64 "\n",
                              "- watermark reserve", FMT_KB(m->totalreserve_kb, a), h->vm.min_free_kbytes,
                              m->default_min_free_kbytes, h->vm.watermark_scale_factor);
                mg_buf_printf(o, "  %-28s %12s   of %s page cache\n", "+ reclaimable page cache",
                              FMT_KB(m->pagecache_credit_kb, a), FMT_KB(m->pagecache_kb, b));
                mg_buf_printf(o, "  %-28s %12s   of %s reclaimable slab\n", "+ reclaimable slab",
                              FMT_KB(m->reclaimable_credit_kb, a), FMT_KB(m->reclaimable_kb, b));
                if (m->have_kernel_memavailable)
                        mg_buf_printf(o, "  %-28s %12s   (kernel says %s)\n", "= MemAvailable (model)",
                                      FMT_KB(m->memavailable_kb, a), FMT_KB(m->kernel_memavailable_kb, b));
                else
                        mg_buf_printf(o, "  %-28s %12s   (this kernel does not print MemAvailable)\n",
                                      "= MemAvailable (model)", FMT_KB(m->memavailable_kb, a));
        } else if (m->have_kernel_memavailable) {
                mg_buf_printf(o, "  %-28s %12s   (kernel's figure; no zoneinfo to explain it: %s)\n",
                              "MemAvailable", FMT_KB(m->kernel_memavailable_kb, a),
                              h->zoneinfo_error[0] ? h->zoneinfo_error : "absent");
        } else {
                mg_buf_printf(o, "  %-28s %12s   (this kernel does not print it, and no zoneinfo to compute it: %s)\n",
                              "MemAvailable", "unknown", h->zoneinfo_error[0] ? h->zoneinfo_error : "absent");
        }
        if (h->zones_listed > h->nzones)
                mg_buf_printf(o, "  %-28s %12s   %zu of the %zu zones zoneinfo lists were kept (memgate's ceiling)\n",
                              "zones", "cut", h->nzones, h->zones_listed);
        mg_buf_printf(o, "  %-28s %12s   (model %s)\n", "CommitLimit", FMT_KB(m->kernel_commit_limit_kb, a),
                      FMT_KB(m->commit_limit_kb, b));
        mg_buf_printf(o, "  %-28s %12s\n", "Committed_AS", FMT_KB(m->committed_as_kb, a));
        if (m->overcommit_memory == 1) {
                mg_buf_printf(o, "  %-28s %12s\n", "commit headroom", "unlimited");
        } else if (m->overcommit_memory == 0 && m->heuristic == MG_HEUR_MODERN) {
                mg_buf_printf(o, "  %-28s %12s   (RAM + swap)\n", "largest single request", FMT_KB((uint64_t)m->commit_headroom_kb, a));
        } else {
                uint64_t abs_kb = (uint64_t)(m->commit_headroom_kb < 0 ? -m->commit_headroom_kb : m->commit_headroom_kb);
                snprintf(b, sizeof(b), "%s%s", m->commit_headroom_kb < 0 ? "-" : "", FMT_KB(abs_kb, a));
                mg_buf_printf(o, "  %-28s %12s\n", "commit headroom", b);
        }
}

static void container(const mg_report_ctx_t *ctx, mg_buf_t *o) {
        const mg_container_t *c = ctx->container;
        const mg_report_t *r = ctx->report;
        char a[32], b[32];
        if (!c)
                return;
        mg_buf_printf(o, "\nContainer%s", ctx->state && ctx->state->id ? " " : "");
        if (ctx->state && ctx->state->id)
                mg_buf_escape_str(o, ctx->state->id);
        mg_buf_printf(o, ":\n");
        if (ctx->engine && strcmp(ctx->engine, "unknown") != 0)
                mg_buf_printf(o, "  %-28s %12s\n", "engine", ctx->engine);
        if (c->have_limit)
                mg_buf_printf(o, "  %-28s %12s\n", "memory limit", FMT(c->limit_bytes, a));
        else
                mg_buf_printf(o, "  %-28s %12s\n", "memory limit", "none");
        if (ctx->effective_limit_bytes && (!c->have_limit || ctx->effective_limit_bytes < c->limit_bytes))
                mg_buf_printf(o, "  %-28s %12s\n", "effective limit (cgroups)", FMT(ctx->effective_limit_bytes, a));
        if (r->judged_heap) {
                mg_buf_printf(o, "  %-28s %12s\n", "heap", FMT(r->heap_bytes, a));
                mg_buf_printf(o, "  %-28s %12s   (estimated need %s)\n", "room beyond the heap",
                              FMT(mg_sat_sub(r->limit_bytes, r->heap_bytes), a), FMT(r->offheap_need_bytes, b));
        }
        mg_buf_printf(o, "  %-28s %12s\n", "expected start-up commit", FMT_KB(r->expected_commit_kb, a));
        if (ctx->cgroup_error) {
                mg_buf_printf(o, "  %-28s %12s   ", "memory cgroup", "unresolved");
                mg_buf_escape_str(o, ctx->cgroup_error);
                mg_buf_printf(o, "; checked without it: %s\n", ctx->cgroup_checks ? ctx->cgroup_checks : "");
        }
}

void mg_finding_line(const mg_finding_t *f, bool downgraded, mg_buf_t *out) {
        const char *what = f->severity == MG_SEV_REFUSE ? (downgraded ? "warning (refusal downgraded by policy)"
                                                                      : "refused")
                           : f->severity == MG_SEV_WARN ? "warning"
                                                        : "note";
        mg_buf_printf(out, "memgate: %s (%s): ", what, f->code);
        mg_buf_escape_str(out, f->message);
        if (f->fix[0]) {
                mg_buf_printf(out, "; ");
                mg_buf_escape_str(out, f->fix);
        }
        mg_buf_printf(out, "\n");
}

void mg_report_text(const mg_report_ctx_t *ctx, mg_buf_t *o) {
        const mg_report_t *r = ctx->report;
        if (ctx->host && ctx->model)
                budget(ctx, o);
        container(ctx, o);
        if (ctx->host && !ctx->container) {
                mg_buf_t nodes = {0};
                mg_host_nodes_text(ctx->host, &nodes);
                if (nodes.len)
                        mg_buf_printf(o, "\n%s", nodes.data);
                mg_buf_free(&nodes);
        }
        if (ctx->containers || ctx->containers_error) {
                mg_buf_t cs = {0};
                mg_host_containers_text(ctx->containers, ctx->containers_error, &cs);
                if (cs.len)
                        mg_buf_printf(o, "\n%s", cs.data);
                mg_buf_free(&cs);
        }
        mg_buf_printf(o, "\nFindings:%s\n", r->n ? "" : " none");
        for (size_t i = 0; i < r->n; i++) {
                const mg_finding_t *f = &r->findings[i];
                mg_buf_printf(o, "  [%s] %s\n    cause: ", mg_severity_name(f->severity), f->code);
                mg_buf_escape_str(o, f->message);
                if (f->fix[0]) {
                        mg_buf_printf(o, "\n    fix:   ");
                        mg_buf_escape_str(o, f->fix);
                }
                mg_buf_printf(o, "\n");
        }
        if (r->truncated)
                mg_buf_printf(o, "  (more findings than memgate keeps: %d shown)\n", MG_FINDINGS_MAX);
        mg_buf_printf(o, "\nVerdict: %s", mg_verdict_name(r->verdict));
        if (r->policy_downgraded)
                mg_buf_printf(o, " (a refusal, downgraded by %s)", r->policy_source);
        mg_buf_printf(o, "\n");
}
