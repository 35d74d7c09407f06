/* SPDX-License-Identifier: Apache-2.0 */
/* The report as Prometheus metrics in the text exposition format, for node_exporter's textfile
 * collector: memgate_* gauges in base units (bytes, ratios), each with HELP and TYPE. */
#ifndef MEMGATE_OUTPUTS_PROMETHEUS_H
#define MEMGATE_OUTPUTS_PROMETHEUS_H

#include <stdint.h>

#include "memgate/outputs/report.h"
#include "memgate/util/buf.h"

void mg_report_prometheus(const mg_report_ctx_t *ctx, mg_buf_t *out);

/* `memgate explain --format prometheus`: the events in the kernel log by class (counts[class],
 * MG_X_UNKNOWN + 1 of them), the lines the kernel's rate limit dropped, and records lost while
 * reading: gauges of what the ring holds now (it is overwritten, so the counts can fall). */
void mg_explain_prometheus(const uint64_t *counts, uint64_t suppressed_commit, uint64_t suppressed_alloc,
                           uint64_t lost, mg_buf_t *out);

/* A label value as the exposition format writes it: backslash, double quote and newline escaped. */
void mg_prom_label_value(mg_buf_t *out, const char *v);

#endif
