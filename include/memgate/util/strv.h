/* SPDX-License-Identifier: Apache-2.0 */
/* Arrays of malloc'd strings. */
#ifndef MEMGATE_UTIL_STRV_H
#define MEMGATE_UTIL_STRV_H

#include <stddef.h>

/* Frees the first n strings and the array. NULL is fine. */
void mg_strv_free_n(char **v, size_t n);
/* Frees a NULL-terminated array. */
void mg_strv_free(char **v);

#endif
