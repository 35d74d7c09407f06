/* SPDX-License-Identifier: Apache-2.0 */
/* A growable, capped string buffer, and byte counts for people. */
#ifndef MEMGATE_UTIL_BUF_H
#define MEMGATE_UTIL_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct mg_buf {
        char *data;
        size_t len, cap;
        bool overflow; /* set once an append was cut at MG_BUF_MAX (or memory ran out) */
} mg_buf_t;
#define MG_BUF_MAX (4u << 20)
void mg_buf_printf(mg_buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void mg_buf_vprintf(mg_buf_t *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
void mg_buf_free(mg_buf_t *b);

/* Format a byte count for people: "2.8 GiB", "812 MiB", "4 kB". buf >= 32. */
const char *mg_fmt_bytes(uint64_t bytes, char *buf, size_t n);
/* The same for a count of kB (saturating: a kernel figure near 2^64 kB never wraps). */
const char *mg_fmt_kb(uint64_t kb, char *buf, size_t n);

#endif
