/* SPDX-License-Identifier: Apache-2.0 */
/* A string arena: copies packed into a few large blocks, freed all at once. For the thousands of
 * process.env strings of a large config.json, where a malloc and a free per string cost more
 * than parsing them. */
#ifndef MEMGATE_UTIL_ARENA_H
#define MEMGATE_UTIL_ARENA_H

#include <stddef.h>

struct mg_arena_chunk;

/* Zero-initialised is empty. */
typedef struct mg_arena {
        struct mg_arena_chunk *head; /* the chunk being filled first; NULL: no strings */
} mg_arena_t;

/* A NUL-terminated copy of the n bytes at s, valid until mg_arena_free. NULL when out of memory
 * (or n too large): the arena and its strings are unchanged. */
char *mg_arena_strndup(mg_arena_t *a, const char *s, size_t n);
/* Hands src's strings to dst (they stay where they are); src is empty after. */
void mg_arena_move(mg_arena_t *dst, mg_arena_t *src);
/* Frees every string; the arena is empty after. NULL is fine. */
void mg_arena_free(mg_arena_t *a);

#endif
