/* SPDX-License-Identifier: Apache-2.0 */
/* Private to hook/checks/: the container's io.memgate.policy and the verdict. */
#ifndef MEMGATE_CHECKS_POLICY_H
#define MEMGATE_CHECKS_POLICY_H

#include "memgate/checks/finding.h"
#include "memgate/checks/input.h"
#include "memgate/checks/thresholds.h"

/* The verdict from the worst finding, downgraded by policy = warn, --policy warn or the
 * container's io.memgate.policy=warn. */
void mg_policy_apply(const mg_input_t *in, mg_report_t *r);
/* A container's io.memgate.policy: "warn", "enforce", or "off" where the site allows it. Returns
 * true when the container opted out and nothing else is to be checked. */
bool mg_policy_container(const mg_input_t *in, mg_report_t *r);
#endif
