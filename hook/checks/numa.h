/* SPDX-License-Identifier: Apache-2.0 */
/* Private to hook/checks/: numa-node-low. */
#ifndef MEMGATE_CHECKS_NUMA_H
#define MEMGATE_CHECKS_NUMA_H

#include "allowed.h"
#include "memgate/checks/finding.h"
#include "memgate/checks/input.h"
#include "memgate/checks/thresholds.h"

void mg_check_numa(const mg_input_t *in, const mg_allowed_t *a, mg_report_t *r);
#endif
