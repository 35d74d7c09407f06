/* SPDX-License-Identifier: Apache-2.0 */
/* Small string helpers. */
#ifndef MEMGATE_UTIL_TEXT_H
#define MEMGATE_UTIL_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* strndup that may fail: returns NULL on ENOMEM (and for s NULL); callers check. */
char *mg_strndup_safe(const char *s, size_t n);

/* True when s starts with prefix; sets *rest past it. */
bool mg_startswith(const char *s, const char *prefix, const char **rest);

#endif
