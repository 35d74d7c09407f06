/* SPDX-License-Identifier: Apache-2.0 */
/* Private to hook/checks/: the container's io.memgate.* annotations as the checks read them. */
#ifndef MEMGATE_CHECKS_HINTS_H
#define MEMGATE_CHECKS_HINTS_H

#include "memgate/checks/finding.h"
#include "memgate/checks/input.h"
#include "memgate/checks/thresholds.h"

/* The value of annotation key of the container, NULL when absent (or in host mode). */
const char *mg_input_annotation(const mg_input_t *in, const char *key);

/* The off-heap estimate's parameters for this container: memgate.conf's (the defaults without a
 * conf), then the container's io.memgate.* hints. A bad hint keeps the default; with r it is also
 * reported as annotation-invalid (offheap-margin does that, so other checks pass NULL). */
void mg_offheap_params_for(const mg_input_t *in, mg_report_t *r, mg_offheap_params_t *ret);
#endif
