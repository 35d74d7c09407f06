/* SPDX-License-Identifier: Apache-2.0 */
/* `memgate explain --format json`, written as a stream: the document is produced in pieces (the
 * opening, one piece per event, the closing counts), each handed back to the caller to write
 * out, so its memory does not grow with the number of events. The keys are documented in
 * memgate(1); the class codes are mg_xclass_code()'s. */
#ifndef MEMGATE_OCI_EXPLAIN_JSON_H
#define MEMGATE_OCI_EXPLAIN_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "memgate/checks/explain.h"
#include "memgate/inputs/kernlog.h"
#include "memgate/util/error.h"

typedef struct mg_explain_json mg_explain_json_t;

/* Each call returns the next piece of the document in ret_buf and ret_len, valid until the next
 * call on j. */
int mg_explain_json_begin(mg_explain_json_t **ret, const char **ret_buf, size_t *ret_len, mg_error_t *err);
int mg_explain_json_event(mg_explain_json_t *j, const mg_kl_event_t *e, const mg_explanation_t *x,
                          const char **ret_buf, size_t *ret_len, mg_error_t *err);
/* counts[] is indexed by mg_xclass_t. */
int mg_explain_json_end(mg_explain_json_t *j, const uint64_t *counts, const mg_kl_parser_t *p, uint64_t kmsg_lost,
                        const char **ret_buf, size_t *ret_len, mg_error_t *err);
void mg_explain_json_free(mg_explain_json_t *j);

#endif
