/* SPDX-License-Identifier: Apache-2.0 */
/* The size values of heap settings, each parsed the way its runtime parses it. */
#ifndef MEMGATE_WORKLOAD_HEAP_UNITS_H
#define MEMGATE_WORKLOAD_HEAP_UNITS_H

#include <stdint.h>

/* Parses a JVM size: digits with an optional k/K, m/M, g/G, t/T suffix (bytes without).
 * -EINVAL for junk (empty, sign, "12q", "1.5g"), -ERANGE on overflow; *ret untouched then. */
int mg_parse_jvm_size(const char *s, uint64_t *ret);
/* Parses a Go GOMEMLIMIT value as the Go runtime does: digits with an optional B, KiB, MiB, GiB,
 * TiB suffix (case-sensitive), at most INT64_MAX bytes; "off" gives UINT64_MAX (no limit). */
int mg_parse_go_size(const char *s, uint64_t *ret);
/* Parses a .NET configuration value from the environment: hexadecimal, with or without 0x. */
int mg_parse_dotnet_hex(const char *s, uint64_t *ret);

#endif
