/* SPDX-License-Identifier: Apache-2.0 */
/* NUMA node lists ("0-1,3"), as in cpuset.mems, linux.resources.cpu.mems and the kernel's
 * /sys/devices/system/node/online: one parser for all of them. */
#ifndef MEMGATE_INPUTS_NODEMASK_H
#define MEMGATE_INPUTS_NODEMASK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MG_NODEMASK_BITS 1024 /* the kernel's MAX_NUMNODES ceiling (NODES_SHIFT 10) */
typedef struct mg_nodemask {
        uint64_t bits[MG_NODEMASK_BITS / 64];
} mg_nodemask_t;

/* Strict: decimal ids and ranges a-b with a <= b, comma-separated, optional surrounding
 * whitespace/newline; an empty list is an empty mask. -EINVAL on anything else, -ERANGE for
 * ids >= MG_NODEMASK_BITS. */
int mg_parse_node_list(const char *s, mg_nodemask_t *ret);
bool mg_nodemask_test(const mg_nodemask_t *m, int node);
void mg_nodemask_set(mg_nodemask_t *m, int node);
size_t mg_nodemask_count(const mg_nodemask_t *m);
/* The lowest node above `after` (-1 to start), -1 when none: for (n = next(m, -1); n >= 0; n = next(m, n)). */
int mg_nodemask_next(const mg_nodemask_t *m, int after);

#endif
