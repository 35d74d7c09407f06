/* SPDX-License-Identifier: Apache-2.0 */
/* Private to hook/checks/: runtime-floor. */
#ifndef MEMGATE_CHECKS_RUNTIME_FLOOR_H
#define MEMGATE_CHECKS_RUNTIME_FLOOR_H

#include <stdint.h>

#include "memgate/checks/finding.h"
#include "memgate/checks/input.h"

/* runtime-floor (refuse): the container's memory limit (limit bytes: its own or an ancestor's,
 * the smaller; 0 = none) is below conf->runtime_floor_kb, what the container runtime's own init
 * needs inside the container's memory cgroup before the program starts. */
void mg_check_runtime_floor(const mg_input_t *in, uint64_t limit, mg_report_t *r);

#endif
