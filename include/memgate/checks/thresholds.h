/* SPDX-License-Identifier: Apache-2.0 */
/* Thresholds of the picture checks, for the README, the host table and tests. */
#ifndef MEMGATE_CHECKS_THRESHOLDS_H
#define MEMGATE_CHECKS_THRESHOLDS_H

#include <stdint.h>

#define MG_NUMA_LOW_PERCENT 5                    /* a node is low under 5% of its memory ... */
#define MG_NUMA_LOW_FLOOR ((uint64_t)256 * 1024) /* ... or under 256 MiB (kB) */
#define MG_FRAG_MIN_ORDER 3                      /* PAGE_ALLOC_COSTLY_ORDER */
#define MG_CONTAINER_NEAR_PERCENT 90              /* a container's working set above 90% of its limit */
#define MG_SLAB_PERCENT 10                       /* SUnreclaim above 10% of MemTotal */

#endif
