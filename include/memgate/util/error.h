/* SPDX-License-Identifier: Apache-2.0 */
/* An error that carries a message up to the front end, which alone prints it. */
#ifndef MEMGATE_UTIL_ERROR_H
#define MEMGATE_UTIL_ERROR_H

typedef struct mg_error {
        int code; /* a negative errno */
        char msg[512];
} mg_error_t;

/* Sets err (if not NULL) and returns code (negative errno). */
int mg_error_set(mg_error_t *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Prefixes an existing message: "prefix: old message". */
int mg_error_prefix(mg_error_t *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
