/* SPDX-License-Identifier: Apache-2.0 */
/* /proc/meminfo (and the "Name: value kB" lines of a node's meminfo): text in, fields out. */
#ifndef MEMGATE_INPUTS_MEMINFO_H
#define MEMGATE_INPUTS_MEMINFO_H

#include "memgate/inputs/host.h"
#include "memgate/util/error.h"

/* Largest kB figure accepted: converts to bytes without overflow. */
#define MG_KB_MAX (UINT64_MAX / 1024)

/* The whole file; name is used in messages ("/proc/meminfo:3: ..."), NULL for "meminfo".
 * Duplicate fields are refused; MemTotal and MemFree are required. */
int mg_parse_meminfo_named(const char *text, const char *name, mg_meminfo_t *ret, mg_error_t *err);
int mg_parse_meminfo(const char *text, mg_meminfo_t *ret, mg_error_t *err);

/* One "Name:   value [kB]" line; *ret_why says what is wrong on failure. */
int mg_parse_meminfo_line(const char *line, size_t len, mg_meminfo_field_t *ret, const char **ret_why);

#endif
