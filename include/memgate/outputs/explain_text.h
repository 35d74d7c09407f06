/* SPDX-License-Identifier: Apache-2.0 */
/* `memgate explain --format text`: one block per event, then a count by class. */
#ifndef MEMGATE_OUTPUTS_EXPLAIN_TEXT_H
#define MEMGATE_OUTPUTS_EXPLAIN_TEXT_H

#include "memgate/checks/explain.h"
#include "memgate/inputs/kernlog.h"
#include "memgate/util/buf.h"

/* Appends the block of one event. */
void mg_explain_text_event(mg_buf_t *b, const mg_kl_event_t *e, const mg_explanation_t *x);
/* Appends the closing summary: counts[] is indexed by mg_xclass_t (MG_X_UNKNOWN + 1 entries); the
 * parser gives the line count and what the kernel's rate limit left out. */
void mg_explain_text_summary(mg_buf_t *b, const uint64_t *counts, const mg_kl_parser_t *p);

#endif
