/* SPDX-License-Identifier: Apache-2.0 */
/* `--format prometheus`: the report as the Prometheus text exposition format (version 0.0.4), the
 * file node_exporter's textfile collector serves. Every metric is a gauge named memgate_* in base
 * units, with HELP and TYPE once before its samples; a figure memgate does not know is left out,
 * never written as 0. */
#include "memgate/outputs/prometheus.h"

#include "memgate/checks/explain.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "memgate/checks/cgroup_owner.h"
#include "memgate/outputs/host_text.h"
#include "memgate/util/number.h"

#ifndef MEMGATE_VERSION
#define MEMGATE_VERSION "unknown"
#endif

void mg_prom_label_value(mg_buf_t *out, const char *v) {
        for (const char *p = v; *p; p++) {
                if (*p == '\\')
                        mg_buf_printf(out, "\\\\");
                else if (*p == '"')
                        mg_buf_printf(out, "\\\"");
                else if (*p == '\n')
                        mg_buf_printf(out, "\\n");
                else
                        mg_buf_printf(out, "%c", *p);
        }
}

static void head(mg_buf_t *o, const char *name, const char *help) {
        mg_buf_printf(o, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

static void u64(mg_buf_t *o, const char *name, const char *help, uint64_t v) {
        head(o, name, help);
        mg_buf_printf(o, "%s %" PRIu64 "\n", name, v);
}

static uint64_t kb(uint64_t v) {
        return mg_sat_mul(v, 1024);
}

static void memory(const mg_report_ctx_t *ctx, mg_buf_t *o) {
        const mg_model_t *m = ctx->model;
        const mg_host_t *h = ctx->host;
        u64(o, "memgate_memtotal_bytes", "MemTotal of /proc/meminfo.", kb(m->memtotal_kb));
        u64(o, "memgate_memfree_bytes", "MemFree of /proc/meminfo.", kb(m->memfree_kb));
        if (m->have_kernel_memavailable)
                u64(o, "memgate_kernel_memavailable_bytes", "MemAvailable as the kernel prints it.",
                    kb(m->kernel_memavailable_kb));
        if (m->reconstructed) {
                u64(o, "memgate_model_memavailable_bytes",
                    "MemAvailable as memgate's kernel model reconstructs it from zoneinfo.", kb(m->memavailable_kb));
                u64(o, "memgate_watermark_reserve_bytes",
                    "totalreserve: the zones' high watermarks plus lowmem protection, which MemAvailable leaves out.",
                    kb(m->totalreserve_kb));
                u64(o, "memgate_default_watermark_reserve_bytes",
                    "What totalreserve would be with the kernel's default min_free_kbytes and watermark_scale_factor.",
                    kb(m->default_totalreserve_kb));
                head(o, "memgate_watermark_bytes", "The zones' watermarks summed, by level.");
                mg_buf_printf(o, "memgate_watermark_bytes{level=\"min\"} %" PRIu64 "\n", kb(m->wmark_min_kb));
                mg_buf_printf(o, "memgate_watermark_bytes{level=\"low\"} %" PRIu64 "\n", kb(m->wmark_low_kb));
                mg_buf_printf(o, "memgate_watermark_bytes{level=\"high\"} %" PRIu64 "\n", kb(m->wmark_high_kb));
        }
        if (h->vm.have_min_free_kbytes)
                u64(o, "memgate_min_free_bytes", "vm.min_free_kbytes.", kb(h->vm.min_free_kbytes));
        u64(o, "memgate_default_min_free_bytes", "The kernel's default vm.min_free_kbytes for this host.",
            kb(m->default_min_free_kbytes));
        uint64_t sun;
        if (mg_meminfo_get(&h->meminfo, "SUnreclaim", &sun) == 0)
                u64(o, "memgate_slab_unreclaimable_bytes", "SUnreclaim of /proc/meminfo: slab the kernel cannot free.",
                    kb(sun));
}

static void commit(const mg_report_ctx_t *ctx, mg_buf_t *o) {
        const mg_model_t *m = ctx->model;
        const mg_report_t *r = ctx->report;
        u64(o, "memgate_overcommit_mode", "vm.overcommit_memory (0 heuristic, 1 always, 2 strict).",
            (uint64_t)m->overcommit_memory);
        u64(o, "memgate_commit_limit_bytes", "CommitLimit of /proc/meminfo.", kb(m->kernel_commit_limit_kb));
        u64(o, "memgate_committed_bytes", "Committed_AS of /proc/meminfo.", kb(m->committed_as_kb));
        /* Modes 2 and 0 before 5.2 count a shared budget; mode 1 and mode 0 since 5.2 judge each
         * request alone (the headroom is then the largest single request), so starts never run out. */
        bool shared = m->overcommit_memory == 2 || (m->overcommit_memory == 0 && m->heuristic == MG_HEUR_LEGACY);
        head(o, "memgate_commit_headroom_bytes",
             "What one more charged allocation can get before the kernel refuses it (negative: exhausted; "
             "+Inf under overcommit_memory=1).");
        if (m->overcommit_memory == 1)
                mg_buf_printf(o, "memgate_commit_headroom_bytes +Inf\n");
        else
                mg_buf_printf(o, "memgate_commit_headroom_bytes %" PRId64 "\n",
                              m->commit_headroom_kb < INT64_MIN / 1024   ? INT64_MIN
                              : m->commit_headroom_kb > INT64_MAX / 1024 ? INT64_MAX
                                                                         : m->commit_headroom_kb * 1024);
        head(o, "memgate_container_starts_remaining",
             "Container starts the commit headroom still allows, each committing the runtime reserve "
             "(+Inf when the kernel judges each request alone).");
        if (!shared)
                mg_buf_printf(o, "memgate_container_starts_remaining +Inf\n");
        else
                mg_buf_printf(o, "memgate_container_starts_remaining %" PRIu64 "\n",
                              m->commit_headroom_kb <= 0 || !r->expected_commit_kb
                                      ? 0
                                      : (uint64_t)m->commit_headroom_kb / r->expected_commit_kb);
        u64(o, "memgate_container_start_commit_bytes", "What memgate expects one container start to commit.",
            kb(r->expected_commit_kb));
}

static void nodes(const mg_report_ctx_t *ctx, mg_buf_t *o) {
        const mg_host_t *h = ctx->host;
        if (h->nnodes) {
                head(o, "memgate_node_free_bytes", "MemFree of a NUMA node.");
                for (size_t i = 0; i < h->nnodes; i++)
                        mg_buf_printf(o, "memgate_node_free_bytes{node=\"%d\"} %" PRIu64 "\n", h->nodes[i].id,
                                      kb(h->nodes[i].mem_free_kb));
                head(o, "memgate_node_available_bytes",
                     "What a NUMA node can give without swapping: MemFree plus half its file pages and reclaimable slab.");
                for (size_t i = 0; i < h->nnodes; i++)
                        mg_buf_printf(o, "memgate_node_available_bytes{node=\"%d\"} %" PRIu64 "\n", h->nodes[i].id,
                                      kb(mg_node_available_kb(&h->nodes[i])));
                head(o, "memgate_node_total_bytes", "MemTotal of a NUMA node.");
                for (size_t i = 0; i < h->nnodes; i++)
                        mg_buf_printf(o, "memgate_node_total_bytes{node=\"%d\"} %" PRIu64 "\n", h->nodes[i].id,
                                      kb(h->nodes[i].mem_total_kb));
        }
        if (h->nbuddy) {
                head(o, "memgate_zone_highest_free_order",
                     "The highest order with a free block in a zone (buddyinfo); -1 when the zone has none.");
                for (size_t i = 0; i < h->nbuddy; i++) {
                        mg_buf_printf(o, "memgate_zone_highest_free_order{node=\"%d\",zone=\"", h->buddy[i].node);
                        mg_prom_label_value(o, h->buddy[i].zone);
                        mg_buf_printf(o, "\"} %d\n", mg_buddy_highest_order(&h->buddy[i]));
                }
        }
}

static void findings(const mg_report_ctx_t *ctx, mg_buf_t *o) {
        const mg_report_t *r = ctx->report;
        static const mg_verdict_t verdicts[] = {MG_VERDICT_ALLOW, MG_VERDICT_WARN, MG_VERDICT_REFUSE};
        static const mg_severity_t sevs[] = {MG_SEV_INFO, MG_SEV_WARN, MG_SEV_REFUSE};
        head(o, "memgate_verdict", "1 for the verdict a container start would get now, 0 for the others.");
        for (size_t i = 0; i < sizeof(verdicts) / sizeof(verdicts[0]); i++)
                mg_buf_printf(o, "memgate_verdict{verdict=\"%s\"} %d\n", mg_verdict_name(verdicts[i]),
                              r->verdict == verdicts[i]);
        head(o, "memgate_findings", "How many findings of each severity the evaluation made.");
        for (size_t s = 0; s < sizeof(sevs) / sizeof(sevs[0]); s++) {
                unsigned n = 0;
                for (size_t i = 0; i < r->n; i++)
                        n += r->findings[i].severity == sevs[s];
                mg_buf_printf(o, "memgate_findings{severity=\"%s\"} %u\n", mg_severity_name(sevs[s]), n);
        }
        if (!r->n)
                return;
        head(o, "memgate_finding", "1 for each finding the evaluation made, by code and severity (memgate(1)).");
        for (size_t i = 0; i < r->n; i++) {
                bool dup = false;
                for (size_t j = 0; j < i; j++)
                        dup |= !strcmp(r->findings[j].code, r->findings[i].code) &&
                               r->findings[j].severity == r->findings[i].severity;
                if (dup)
                        continue; /* one series per code and severity */
                mg_buf_printf(o, "memgate_finding{code=\"");
                mg_prom_label_value(o, r->findings[i].code);
                mg_buf_printf(o, "\",severity=\"%s\"} 1\n", mg_severity_name(r->findings[i].severity));
        }
}

static void labels(mg_buf_t *o, const mg_cg_usage_t *u) {
        mg_cg_owner_t ow;
        mg_cg_owner_decode(u->path, &ow);
        mg_buf_printf(o, "{cgroup=\"");
        mg_prom_label_value(o, u->path);
        mg_buf_printf(o, "\",engine=\"");
        mg_prom_label_value(o, ow.engine);
        mg_buf_printf(o, "\",container_id=\"");
        mg_prom_label_value(o, ow.id);
        mg_buf_printf(o, "\",pod_uid=\"");
        mg_prom_label_value(o, ow.pod_uid);
        mg_buf_printf(o, "\"}");
}

static void containers(const mg_report_ctx_t *ctx, mg_buf_t *o) {
        const mg_containers_t *c = ctx->containers;
        if (!c && !ctx->containers_error)
                return;
        u64(o, "memgate_containers_listed", "1 when the running containers' memory cgroups could be walked.",
            c != NULL);
        if (!c)
                return;
        u64(o, "memgate_containers", "Memory cgroups of running containers and pods walked.", c->matched);
        u64(o, "memgate_containers_near_limit",
            "Of them, those whose working set is above the share of their effective limit.", c->near);
        head(o, "memgate_container_near_limit_threshold_ratio",
             "The share of the effective limit above which a working set is near it.");
        mg_buf_printf(o, "memgate_container_near_limit_threshold_ratio %.2f\n", c->share_percent / 100.0);
        if (!c->nkept)
                return;
        head(o, "memgate_container_working_set_bytes",
             "Working set (usage minus inactive file pages) of a container near its limit.");
        for (size_t i = 0; i < c->nkept; i++) {
                mg_buf_printf(o, "memgate_container_working_set_bytes");
                labels(o, &c->kept[i]);
                mg_buf_printf(o, " %" PRIu64 "\n", c->kept[i].working_set_bytes);
        }
        head(o, "memgate_container_memory_limit_bytes",
             "Effective memory limit (the smallest of its own and its ancestors') of a container near it.");
        for (size_t i = 0; i < c->nkept; i++) {
                mg_buf_printf(o, "memgate_container_memory_limit_bytes");
                labels(o, &c->kept[i]);
                mg_buf_printf(o, " %" PRIu64 "\n", c->kept[i].limit_bytes);
        }
        head(o, "memgate_container_working_set_ratio", "Working set over effective limit of a container near it.");
        for (size_t i = 0; i < c->nkept; i++) {
                mg_buf_printf(o, "memgate_container_working_set_ratio");
                labels(o, &c->kept[i]);
                mg_buf_printf(o, " %.4f\n", (double)c->kept[i].working_set_bytes / (double)c->kept[i].limit_bytes);
        }
        bool any = false;
        for (size_t i = 0; i < c->nkept; i++)
                any |= c->kept[i].have_oom_kills;
        if (!any)
                return;
        head(o, "memgate_container_oom_kills",
             "OOM kills the kernel counted in a container's cgroup near its limit (memory.events or memory.oom_control).");
        for (size_t i = 0; i < c->nkept; i++) {
                if (!c->kept[i].have_oom_kills)
                        continue;
                mg_buf_printf(o, "memgate_container_oom_kills");
                labels(o, &c->kept[i]);
                mg_buf_printf(o, " %" PRIu64 "\n", c->kept[i].oom_kills);
        }
}

void mg_report_prometheus(const mg_report_ctx_t *ctx, mg_buf_t *o) {
        const mg_host_t *h = ctx->host;
        head(o, "memgate_info", "memgate's version and the kernel it evaluated; always 1.");
        mg_buf_printf(o, "memgate_info{version=\"");
        mg_prom_label_value(o, MEMGATE_VERSION);
        mg_buf_printf(o, "\",kernel=\"");
        mg_prom_label_value(o, h && h->kernel[0] ? h->kernel : "unknown");
        mg_buf_printf(o, "\",mode=\"");
        mg_prom_label_value(o, ctx->mode ? ctx->mode : "");
        mg_buf_printf(o, "\"} 1\n");
        if (h && ctx->model) {
                memory(ctx, o);
                commit(ctx, o);
                nodes(ctx, o);
        }
        findings(ctx, o);
        containers(ctx, o);
}

void mg_explain_prometheus(const uint64_t *counts, uint64_t suppressed_commit, uint64_t suppressed_alloc,
                           uint64_t lost, mg_buf_t *o) {
        head(o, "memgate_kernel_memory_events",
             "Memory events (OOM kills, allocation failures, commit refusals) in the kernel log now, by "
             "memgate explain's class");
        for (int k = 0; k <= MG_X_UNKNOWN; k++) {
                mg_buf_printf(o, "memgate_kernel_memory_events{class=\"");
                mg_prom_label_value(o, mg_xclass_code((mg_xclass_t)k));
                mg_buf_printf(o, "\"} %" PRIu64 "\n", counts[k]);
        }
        head(o, "memgate_kernel_memory_lines_suppressed",
             "Lines of such events the kernel's rate limit dropped (callbacks suppressed), by source");
        mg_buf_printf(o, "memgate_kernel_memory_lines_suppressed{source=\"vm_enough_memory\"} %" PRIu64 "\n",
                      suppressed_commit);
        mg_buf_printf(o, "memgate_kernel_memory_lines_suppressed{source=\"warn_alloc\"} %" PRIu64 "\n",
                      suppressed_alloc);
        u64(o, "memgate_kernel_log_records_lost", "kmsg records overwritten while memgate explain read the ring",
            lost);
}
