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
/* The same fed one line at a time, for a file too large to hold (a host with hundreds of CPUs
 * prints megabytes of per-cpu pagesets): at most max_zones zones are kept, the rest are checked and
 * counted (ret_total). finish hands over the malloc'd zones. */
typedef struct mg_zoneinfo_parser mg_zoneinfo_parser_t;
mg_zoneinfo_parser_t *mg_zoneinfo_parser_new(const char *name, size_t max_zones);
int mg_zoneinfo_parser_line(mg_zoneinfo_parser_t *p, const char *line, size_t len, size_t lineno, mg_error_t *err);
int mg_zoneinfo_parser_finish(mg_zoneinfo_parser_t *p, mg_zone_t **ret_zones, size_t *ret_n, size_t *ret_total,
                              mg_error_t *err);
void mg_zoneinfo_parser_free(mg_zoneinfo_parser_t *p);

int mg_parse_buddyinfo_named(const char *text, const char *name, mg_buddy_t *buddy, size_t max, size_t *ret_n,
                             mg_error_t *err);
int mg_parse_buddyinfo(const char *text, mg_buddy_t *buddy, size_t max, size_t *ret_n, mg_error_t *err);

#endif
