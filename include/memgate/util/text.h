/* SPDX-License-Identifier: Apache-2.0 */
/* Small string helpers. */
#ifndef MEMGATE_UTIL_TEXT_H
#define MEMGATE_UTIL_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* strndup that may fail: returns NULL on ENOMEM (and for s NULL); callers check. */
char *mg_strndup_safe(const char *s, size_t n);

/* The name of value v in a table indexed by an enum; unknown when v is outside it or unnamed. */
const char *mg_name_of(const char *const *names, size_t n, unsigned v, const char *unknown);
/* The index of name in such a table, -1 when absent. */
int mg_name_index(const char *const *names, size_t n, const char *name);

/* True when s starts with prefix; sets *rest past it. */
bool mg_startswith(const char *s, const char *prefix, const char **rest);

#endif
