/* SPDX-License-Identifier: Apache-2.0 */
/* `memgate host` text: the per-node table (total, free, free %, highest free order per zone). */
#ifndef MEMGATE_OUTPUTS_HOST_TEXT_H
#define MEMGATE_OUTPUTS_HOST_TEXT_H

#include "memgate/inputs/host.h"
#include "memgate/util/buf.h"

void mg_host_nodes_text(const mg_host_t *h, mg_buf_t *out);

#endif
