/* SPDX-License-Identifier: Apache-2.0 */
/* Where a whole report goes: a stream (stdout, in text, JSON or Prometheus) or the bundle (memgate.json). */
#ifndef MEMGATE_OUTPUTS_REPORT_OUT_H
#define MEMGATE_OUTPUTS_REPORT_OUT_H

#include "memgate/outputs/report.h"
#include "memgate/util/error.h"

typedef enum mg_format {
        MG_FORMAT_TEXT,
        MG_FORMAT_JSON,
        MG_FORMAT_PROMETHEUS, /* node_exporter's textfile format (outputs/prometheus.h) */
} mg_format_t;

/* The report on fd in format f. A negative errno when it could not be built or written. */
int mg_report_print(int fd, mg_format_t f, const mg_report_ctx_t *ctx, mg_error_t *err);
/* <bundle>/memgate.json, atomically relative to the bundle's fd; a failure is a warning on stderr. */
void mg_report_write_bundle(int dirfd, const mg_report_ctx_t *ctx, bool fsync);

#endif
