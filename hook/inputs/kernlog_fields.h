/* SPDX-License-Identifier: Apache-2.0 */
/* Private to the kernel log parser: one message's fields into an event (kernlog_fields.c). */
#ifndef MEMGATE_INPUTS_KERNLOG_FIELDS_H
#define MEMGATE_INPUTS_KERNLOG_FIELDS_H

#include "kernlog_scan.h"
#include "memgate/inputs/kernlog_event.h"

void klf_copy_span(char *dst, size_t cap, kl_span_t v);
/* The comm before a marker: the text from its start, or its last word when that is longer than
 * a comm can be (a prefix the stripper did not know). */
void klf_comm_before(char *dst, size_t cap, kl_span_t text, const char *marker);
/* "key0x...(flags)" */
void klf_gfp(mg_kl_event_t *e, kl_span_t s, const char *key);
/* cpuset= and mems_allowed=, in the 3.10-4.18 line or the 4.19+ list form */
void klf_mems(mg_kl_event_t *e, kl_span_t s);
/* "oom-kill:constraint=..." from k */
void klf_summary(mg_kl_event_t *e, kl_span_t s);
/* "Killed process ..." at k; sets end_seen */
void klf_killed(mg_kl_event_t *e, kl_span_t s, const char *k);
/* "Node N ZONE free:..." or "Node N ZONE: a*4kB ..." at k: false when the line is neither; with
 * e NULL only recognises it. */
bool klf_node_line(mg_kl_event_t *e, kl_span_t s, const char *k);

#endif
