/* SPDX-License-Identifier: Apache-2.0 */
/* Internal to oci/: the report's document (report.c), written by report_json.c's caller into a
 * JSON writer (util/jsonw.h) that lays it out as yajl's generator did. */
#ifndef MEMGATE_OCI_REPORT_H
#define MEMGATE_OCI_REPORT_H

#include "memgate/outputs/report.h"
#include "memgate/util/jsonw.h"

/* Writes the whole report into w (mg_jw_finish says whether it all went). Every string passes
 * Go's UTF-8 rules first: invalid bytes become U+FFFD. */
void mg_oci_report_generate(mg_jw_t *w, const mg_report_ctx_t *ctx);

#endif
