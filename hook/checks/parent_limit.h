/* SPDX-License-Identifier: Apache-2.0 */
/* Private to hook/checks/: parent-limit. */
#ifndef MEMGATE_CHECKS_PARENT_LIMIT_H
#define MEMGATE_CHECKS_PARENT_LIMIT_H

#include "memgate/checks/finding.h"
#include "memgate/checks/input.h"
#include "memgate/checks/thresholds.h"

void mg_check_parent_limit(const mg_input_t *in, mg_report_t *r);
#endif
