/* SPDX-License-Identifier: Apache-2.0 */
/* Private to hook/checks/: fragmentation. */
#ifndef MEMGATE_CHECKS_FRAGMENTATION_H
#define MEMGATE_CHECKS_FRAGMENTATION_H

#include "allowed.h"
#include "memgate/checks/finding.h"
#include "memgate/checks/input.h"
#include "memgate/checks/thresholds.h"

void mg_check_fragmentation(const mg_input_t *in, const mg_allowed_t *a, mg_report_t *r);
#endif
