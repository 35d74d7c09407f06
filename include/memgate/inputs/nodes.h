/* SPDX-License-Identifier: Apache-2.0 */
/* /sys/devices/system/node/nodeN/meminfo: text in, one NUMA node's figures out. */
#ifndef MEMGATE_INPUTS_NODES_H
#define MEMGATE_INPUTS_NODES_H

#include "memgate/inputs/host.h"
#include "memgate/util/error.h"

/* One node's "Node N Name: value kB" file; lines of another node are refused. name is used in
 * messages, NULL for "node meminfo". */
int mg_parse_node_meminfo_named(const char *text, const char *name, int id, mg_node_t *ret, mg_error_t *err);
int mg_parse_node_meminfo(const char *text, int id, mg_node_t *ret, mg_error_t *err);

#endif
