/* SPDX-License-Identifier: Apache-2.0 */
/* The checks: pure functions from (host, model, container, heap, conf) to findings and a verdict.
 * No I/O: a test builds the structs and asserts on the findings. */
#ifndef MEMGATE_CHECKS_CHECKS_H
#define MEMGATE_CHECKS_CHECKS_H

#include "memgate/checks/finding.h"
#include "memgate/checks/input.h"
#include "memgate/checks/thresholds.h"

/* Runs every check and the policy into *ret (cleared first). */
void mg_evaluate(const mg_input_t *in, mg_report_t *ret);

/* The checks of the memory picture beyond the container's own limit (parent-limit, numa-node-low,
 * fragmentation, slab-unreclaimable); mg_evaluate runs them, tests call them alone. */
void mg_check_picture(const mg_input_t *in, mg_report_t *r);

#endif
