/* SPDX-License-Identifier: Apache-2.0 */
/* Private to the kernel log parser (hook/inputs/kernlog*.c): small bounded scanners over a line
 * that is not NUL-terminated. */
#ifndef MEMGATE_INPUTS_KERNLOG_SCAN_H
#define MEMGATE_INPUTS_KERNLOG_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A piece of a line. */
typedef struct kl_span {
        const char *p;
        size_t n;
} kl_span_t;

/* The first occurrence of needle in s, or NULL. */
const char *kl_find(kl_span_t s, const char *needle);
/* The last occurrence of needle in s, or NULL. */
const char *kl_find_last(kl_span_t s, const char *needle);
/* The span from p to the end of s. */
kl_span_t kl_from(kl_span_t s, const char *p);
/* Decimal digits at p (within s) into *ret; returns the byte after them, NULL when none or overflow. */
const char *kl_u64(kl_span_t s, const char *p, uint64_t *ret);
/* Optional '-' then digits. */
const char *kl_i64(kl_span_t s, const char *p, int64_t *ret);
/* 0x and hex digits (the 0x optional). */
const char *kl_hex(kl_span_t s, const char *p, uint64_t *ret);
/* After "key" in s: the number that follows (optional spaces), with an optional "kB". */
bool kl_key_u64(kl_span_t s, const char *key, uint64_t *ret);
bool kl_key_i64(kl_span_t s, const char *key, int64_t *ret);
/* Copies n bytes into dst (size cap), cut at cap-1, NUL-terminated, control bytes as '?'. */
void kl_copy(char *dst, size_t cap, const char *p, size_t n);
/* The value of "key=" in an oom-kill: style list: up to the next ",known=" or the end. */
bool kl_list_value(kl_span_t s, const char *key, kl_span_t *ret);

#endif
