/* SPDX-License-Identifier: Apache-2.0 */
/* Private to hook/checks/: commit-exhausted and overcommit-always. */
#ifndef MEMGATE_CHECKS_COMMIT_H
#define MEMGATE_CHECKS_COMMIT_H

#include "memgate/checks/finding.h"
#include "memgate/checks/input.h"
#include "memgate/checks/thresholds.h"

/* heap: the container's heap settings (NULL in host mode); limit: the memory limit that applies
 * (0 = none). Sets r->expected_commit_kb. */
void mg_check_commit(const mg_input_t *in, const mg_heap_t *heap, uint64_t limit, mg_report_t *r);
#endif
