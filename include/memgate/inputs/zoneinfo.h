/* SPDX-License-Identifier: Apache-2.0 */
/* /proc/zoneinfo and /proc/buddyinfo: text in, zones out. */
#ifndef MEMGATE_INPUTS_ZONEINFO_H
#define MEMGATE_INPUTS_ZONEINFO_H

#include "memgate/inputs/host.h"
#include "memgate/util/error.h"

/* Largest page count accepted: pages times a 64 KiB page still fits in bytes. */
#define MG_PAGES_MAX (UINT64_MAX / (64 * 1024))

/* name is used in messages, NULL for "zoneinfo" / "buddyinfo". Zones past max are checked for
 * syntax but not kept. */
int mg_parse_zoneinfo_named(const char *text, const char *name, mg_zone_t *zones, size_t max, size_t *ret_n,
                            mg_error_t *err);
int mg_parse_zoneinfo(const char *text, mg_zone_t *zones, size_t max, size_t *ret_n, mg_error_t *err);
int mg_parse_buddyinfo_named(const char *text, const char *name, mg_buddy_t *buddy, size_t max, size_t *ret_n,
                             mg_error_t *err);
int mg_parse_buddyinfo(const char *text, mg_buddy_t *buddy, size_t max, size_t *ret_n, mg_error_t *err);

#endif
