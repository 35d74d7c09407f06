/* SPDX-License-Identifier: Apache-2.0 */
/* Small shared helpers: cleanup attributes, one bounded reader, one strict number parser,
 * overflow-checked arithmetic. Nothing here prints. */
#ifndef MEMGATE_UTIL_H
#define MEMGATE_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define MG_KIB ((uint64_t)1024)
#define MG_MIB ((uint64_t)1024 * 1024)
#define MG_GIB ((uint64_t)1024 * 1024 * 1024)

/* Caps on what memgate will read; every read goes through mg_read_* with one of these. */
#define MG_CAP_STATE (1u << 20)       /* OCI state on stdin: 1 MiB */
#define MG_CAP_CONFIG (16u << 20)     /* config.json: 16 MiB */
#define MG_CAP_PROC (4u << 20)        /* a /proc or /sys file: 4 MiB (zoneinfo on big hosts) */
#define MG_CAP_CONF (1u << 20)        /* memgate.conf */
#define MG_JSON_MAX_DEPTH 64          /* OCI documents nest < 10 deep */

static inline void mg_freep(void *p) { free(*(void **)p); }
static inline void mg_closep(int *fd) { if (*fd >= 0) close(*fd); }
static inline void mg_fclosep(FILE **f) { if (*f) fclose(*f); }
#define _cleanup_(x) __attribute__((__cleanup__(x)))
#define _cleanup_free_ _cleanup_(mg_freep)
#define _cleanup_close_ _cleanup_(mg_closep)
#define _cleanup_fclose_ _cleanup_(mg_fclosep)
#define DEFINE_CLEANUP_FUNC(type, func) \
        static inline void func##p(type *p) { if (*p) func(*p); }

/* Hand ownership on: returns the pointer and clears the variable. */
#define TAKE_PTR(p) ({ __typeof__(p) _tp = (p); (p) = NULL; _tp; })
#define TAKE_FD(fd) ({ int _tf = (fd); (fd) = -1; _tf; })

#define ELEMENTSOF(a) (sizeof(a) / sizeof((a)[0]))

/* An error that carries a message up to main. code is a negative errno. */
typedef struct mg_error {
        int code;
        char msg[512];
} mg_error_t;

/* Sets err (if not NULL) and returns code (negative errno). */
int mg_error_set(mg_error_t *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Prefixes an existing message: "prefix: old message". */
int mg_error_prefix(mg_error_t *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Read a whole file (relative to dirfd, AT_FDCWD for plain paths) with a size cap.
 * Handles st_size == 0 (/proc), refuses embedded NUL bytes and files larger than cap
 * (-EFBIG). The buffer is NUL terminated. O_NOFOLLOW when nofollow. */
int mg_read_file_at(int dirfd, const char *path, size_t cap, bool nofollow, char **ret_buf, size_t *ret_len,
                    mg_error_t *err);
/* Same for an already open fd (stdin). */
int mg_read_fd(int fd, const char *name, size_t cap, char **ret_buf, size_t *ret_len, mg_error_t *err);

/* Strict unsigned decimal: optional surrounding whitespace, no sign, no junk, ERANGE checked. */
int mg_parse_u64(const char *s, uint64_t *ret);
/* Same but for a substring of length n. */
int mg_parse_u64_n(const char *s, size_t n, uint64_t *ret);
/* Strict signed decimal. */
int mg_parse_i64(const char *s, int64_t *ret);

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

/* Format a byte count for people: "2.8 GiB", "812 MiB", "4 kB". buf >= 32. */
const char *mg_fmt_bytes(uint64_t bytes, char *buf, size_t n);

/* Growable string buffer, capped so nothing grows without bound. */
typedef struct mg_buf {
        char *data;
        size_t len, cap;
        bool overflow; /* set once an append was cut at MG_BUF_MAX */
} mg_buf_t;
#define MG_BUF_MAX (4u << 20)
void mg_buf_printf(mg_buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void mg_buf_vprintf(mg_buf_t *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
void mg_buf_free(mg_buf_t *b);

/* strdup that aborts are not acceptable in a hook: returns NULL on ENOMEM, callers check. */
char *mg_strndup_safe(const char *s, size_t n);

/* True when s starts with prefix; sets *rest past it. */
bool mg_startswith(const char *s, const char *prefix, const char **rest);

#endif
