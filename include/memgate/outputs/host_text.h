/* SPDX-License-Identifier: Apache-2.0 */
/* `memgate host` text: the per-node table (total, free, free %, highest free order per zone) and the
 * running containers near their limit. */
#ifndef MEMGATE_OUTPUTS_HOST_TEXT_H
#define MEMGATE_OUTPUTS_HOST_TEXT_H

#include "memgate/inputs/containers.h"
#include "memgate/inputs/host.h"
#include "memgate/util/buf.h"

void mg_host_nodes_text(const mg_host_t *h, mg_buf_t *out);
/* The running containers near their limit (NULL: not listed, for the reason in error). */
void mg_host_containers_text(const mg_containers_t *c, const char *error, mg_buf_t *out);
/* The highest order with a free block in a buddyinfo zone, -1 when none. */
int mg_buddy_highest_order(const mg_buddy_t *b);

#endif
