/* SPDX-License-Identifier: Apache-2.0 */
/* One strict number parser, sizes for people, and overflow-checked arithmetic. */
#ifndef MEMGATE_UTIL_NUMBER_H
#define MEMGATE_UTIL_NUMBER_H

#include <stddef.h>
#include <stdint.h>

/* Strict unsigned decimal: optional surrounding whitespace, no sign, no junk, ERANGE checked. */
int mg_parse_u64(const char *s, uint64_t *ret);
/* Same but for a substring of length n. */
int mg_parse_u64_n(const char *s, size_t n, uint64_t *ret);
/* Strict signed decimal. */
int mg_parse_i64(const char *s, int64_t *ret);

/* Decimal text of v, NUL-terminated, without snprintf (the JSON report writes hundreds of numbers
 * per start): out holds MG_FMT_I64_MAX bytes; returns the digits written (the NUL not counted). */
#define MG_FMT_I64_MAX 21 /* "-9223372036854775808" and the NUL; a u64 needs 20 + 1 */
size_t mg_fmt_u64(uint64_t v, char *out);
size_t mg_fmt_i64(int64_t v, char *out);

/* A size for people: digits and an optional binary unit (B, k/K/KB/KiB/Ki, M/MB/MiB/Mi, G/GB/GiB/Gi, T):
 * "512M" -> 536870912. -ERANGE on overflow, -EINVAL on anything else. */
int mg_parse_size(const char *s, uint64_t *ret);

/* Overflow-checked helpers: return -ERANGE on overflow, leave *ret untouched. */
static inline int mg_mul_u64(uint64_t a, uint64_t b, uint64_t *ret) {
        uint64_t r;
        if (__builtin_mul_overflow(a, b, &r))
                return -34; /* -ERANGE */
        *ret = r;
        return 0;
}
static inline int mg_add_u64(uint64_t a, uint64_t b, uint64_t *ret) {
        uint64_t r;
        if (__builtin_add_overflow(a, b, &r))
                return -34;
        *ret = r;
        return 0;
}
/* Saturating forms for estimates where "huge" is an answer. */
static inline uint64_t mg_sat_add(uint64_t a, uint64_t b) { uint64_t r; return __builtin_add_overflow(a, b, &r) ? UINT64_MAX : r; }
static inline uint64_t mg_sat_mul(uint64_t a, uint64_t b) { uint64_t r; return __builtin_mul_overflow(a, b, &r) ? UINT64_MAX : r; }
static inline uint64_t mg_sat_sub(uint64_t a, uint64_t b) { return a > b ? a - b : 0; }

#endif
