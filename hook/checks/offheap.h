/* SPDX-License-Identifier: Apache-2.0 */
/* Private to hook/checks/: offheap-margin. */
#ifndef MEMGATE_CHECKS_OFFHEAP_H
#define MEMGATE_CHECKS_OFFHEAP_H

#include "memgate/checks/finding.h"
#include "memgate/checks/input.h"
#include "memgate/checks/thresholds.h"

void mg_check_offheap(const mg_input_t *in, const mg_heap_t *heap, uint64_t limit, mg_report_t *r);
#endif
