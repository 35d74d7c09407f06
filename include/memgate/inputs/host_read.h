/* SPDX-License-Identifier: Apache-2.0 */
/* Reading the host snapshot from a --procfs/--sysfs tree. */
#ifndef MEMGATE_INPUTS_HOST_READ_H
#define MEMGATE_INPUTS_HOST_READ_H

#include "memgate/inputs/host.h"
#include "memgate/util/error.h"

/* Reads the whole snapshot. meminfo is required (error names the file); zoneinfo, buddyinfo,
 * node files and missing sysctls are optional and recorded as absent. */
int mg_host_read(const mg_roots_t *roots, mg_host_t *ret, mg_error_t *err);

#endif
