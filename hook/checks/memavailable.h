/* SPDX-License-Identifier: Apache-2.0 */
/* Private to hook/checks/: memavailable-zero and watermark-misconfigured. */
#ifndef MEMGATE_CHECKS_MEMAVAILABLE_H
#define MEMGATE_CHECKS_MEMAVAILABLE_H

#include "memgate/checks/finding.h"
#include "memgate/checks/input.h"
#include "memgate/checks/thresholds.h"

void mg_check_memavailable(const mg_input_t *in, mg_report_t *r);
#endif
