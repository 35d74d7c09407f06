/* SPDX-License-Identifier: Apache-2.0 */
/* Private to hook/checks/: slab-unreclaimable. */
#ifndef MEMGATE_CHECKS_SLAB_H
#define MEMGATE_CHECKS_SLAB_H

#include "memgate/checks/finding.h"
#include "memgate/checks/input.h"
#include "memgate/checks/thresholds.h"

void mg_check_slab(const mg_input_t *in, mg_report_t *r);
#endif
