/* SPDX-License-Identifier: Apache-2.0 */
/* Internal to oci/: the report's document (report.c), written into a generator that
 * report_json.c sets up and collects. */
#ifndef MEMGATE_OCI_REPORT_H
#define MEMGATE_OCI_REPORT_H

#include <yajl/yajl_gen.h>

#include "memgate/outputs/report.h"

/* Generates the whole report into g: the first failure's status, or yajl_gen_status_ok. Every
 * string passes Go's UTF-8 rules first (invalid bytes become U+FFFD), so g need not validate. */
yajl_gen_status mg_oci_report_generate(yajl_gen g, const mg_report_ctx_t *ctx);

#endif
