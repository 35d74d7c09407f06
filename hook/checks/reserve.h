/* SPDX-License-Identifier: Apache-2.0 */
/* Private to hook/checks/: the watermark reserve: whether it is outsized, which knob made it so, and the fix. */
#ifndef MEMGATE_CHECKS_RESERVE_H
#define MEMGATE_CHECKS_RESERVE_H

#include "memgate/checks/finding.h"
#include "memgate/checks/input.h"
#include "memgate/checks/thresholds.h"

/* Which knob makes the reserve outsized: min_free_kbytes above twice the kernel's default, or the
 * watermark scale factor above its default of 10; NULL when neither (lowmem_reserve_ratio). */
const char *mg_reserve_cause(const mg_host_t *h, const mg_model_t *m, char *buf, size_t n);
/* The fix for an outsized reserve, with what lowering the knob releases. */
void mg_reserve_fix(const mg_host_t *h, const mg_model_t *m, mg_finding_t *f);
/* totalreserve above watermark_warn_percent of MemTotal (only with a reconstructed model). */
bool mg_reserve_outsized(const mg_input_t *in);
#endif
