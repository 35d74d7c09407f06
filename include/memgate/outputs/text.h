/* SPDX-License-Identifier: Apache-2.0 */
/* Reports for people: the text format, and the one-line forms for stderr and syslog. */
#ifndef MEMGATE_OUTPUTS_TEXT_H
#define MEMGATE_OUTPUTS_TEXT_H

#include <stdbool.h>

#include "memgate/checks/finding.h"
#include "memgate/outputs/report.h"
#include "memgate/util/buf.h"

/* The text report: the host's memory budget, the container, each finding with cause and fix. */
void mg_report_text(const mg_report_ctx_t *ctx, mg_buf_t *out);

/* "memgate: refused (memavailable-zero): <message>; <fix>" — the line runc and podman show. */
void mg_finding_line(const mg_finding_t *f, bool downgraded, mg_buf_t *out);

#endif
