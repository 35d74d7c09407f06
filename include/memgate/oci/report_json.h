/* SPDX-License-Identifier: Apache-2.0 */
/* The --format json report and <bundle>/memgate.json. */
#ifndef MEMGATE_OCI_REPORT_JSON_H
#define MEMGATE_OCI_REPORT_JSON_H

#include <stddef.h>

#include "memgate/outputs/report.h"
#include "memgate/util/error.h"

int mg_oci_report_json(const mg_report_ctx_t *ctx, char **ret_buf, size_t *ret_len, mg_error_t *err);

#endif
