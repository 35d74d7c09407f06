/* SPDX-License-Identifier: Apache-2.0 */
/* Deadlines on the monotonic clock, in milliseconds: the `deadline` of memgate.conf becomes one
 * point in time that every wait of a run (stdin in the parent, the confined child) counts down to. */
#ifndef MEMGATE_UTIL_DEADLINE_H
#define MEMGATE_UTIL_DEADLINE_H

#include <stdint.h>

#define MG_DEADLINE_NONE UINT64_MAX

/* Milliseconds on CLOCK_MONOTONIC. */
uint64_t mg_clock_ms(void);
/* The point ms from now (saturating); MG_DEADLINE_NONE for ms == MG_DEADLINE_NONE. */
uint64_t mg_deadline_after(uint64_t ms);
/* Milliseconds left until at, 0 once it has passed, -1 for MG_DEADLINE_NONE; at most INT32_MAX,
 * so the result can be handed to poll(2). */
int mg_deadline_left_ms(uint64_t at);

#endif
