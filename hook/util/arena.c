/* SPDX-License-Identifier: Apache-2.0 */
#include "memgate/util/arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Chunks grow from 4 KiB to 64 KiB (below malloc's mmap threshold), so a small config costs one
 * small block and a large one a block per 64 KiB of strings; a longer string gets a chunk of its
 * own size. */
#define CHUNK_FIRST 4096u
#define CHUNK_MAX 65536u

typedef struct mg_arena_chunk {
        struct mg_arena_chunk *next;
        size_t used, cap;
        char data[];
} chunk_t;

char *mg_arena_strndup(mg_arena_t *a, const char *s, size_t n) {
        if (n >= SIZE_MAX - sizeof(chunk_t) - CHUNK_MAX)
                return NULL;
        chunk_t *c = a->head;
        if (!c || c->cap - c->used < n + 1) {
                size_t cap = c && c->cap < CHUNK_MAX ? c->cap * 2 : c ? CHUNK_MAX : CHUNK_FIRST;
                if (cap < n + 1)
                        cap = n + 1;
                chunk_t *nc = malloc(sizeof(chunk_t) + cap);
                if (!nc)
                        return NULL;
                *nc = (chunk_t){ .next = c, .used = 0, .cap = cap };
                a->head = c = nc;
        }
        char *d = c->data + c->used;
        if (n) /* s may be NULL for an empty string */
                memcpy(d, s, n);
        d[n] = '\0';
        c->used += n + 1;
        return d;
}

void mg_arena_move(mg_arena_t *dst, mg_arena_t *src) {
        chunk_t *c = src->head;
        if (!c)
                return;
        while (c->next)
                c = c->next;
        c->next = dst->head; /* src's chunks first: its newest goes on being filled */
        dst->head = src->head;
        src->head = NULL;
}

void mg_arena_free(mg_arena_t *a) {
        if (!a)
                return;
        for (chunk_t *c = a->head, *next; c; c = next) {
                next = c->next;
                free(c);
        }
        a->head = NULL;
}
