/* SPDX-License-Identifier: Apache-2.0 */
/* The string arena behind config.c's arrays of strings (hook/util/arena.c): copies stay valid as
 * chunks are added, a failed copy leaves the arena as it was, and a container read from a config
 * frees its args and env through it. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memgate/oci/container.h"
#include "memgate/oci/parse.h"
#include "memgate/util/arena.h"
#include "memgate/util/error.h"

Test(arena, copies_stay_valid_across_chunks) {
        mg_arena_t a = {0};
        static char *got[20000];
        char want[64];
        for (size_t i = 0; i < 20000; i++) {
                int n = snprintf(want, sizeof(want), "BENCH_PAD_%07zu=%s", i, i % 7 ? "x" : "");
                got[i] = mg_arena_strndup(&a, want, (size_t)n);
                cr_assert_not_null(got[i]);
        }
        char *big = malloc(200000);
        memset(big, 'y', 200000);
        char *b = mg_arena_strndup(&a, big, 200000); /* longer than a chunk: one of its own */
        cr_assert_not_null(b);
        cr_assert_eq(memcmp(b, big, 200000), 0);
        cr_assert_eq(b[200000], '\0');
        char *after = mg_arena_strndup(&a, "after", 3);
        cr_assert_str_eq(after, "aft");
        for (size_t i = 0; i < 20000; i++) {
                snprintf(want, sizeof(want), "BENCH_PAD_%07zu=%s", i, i % 7 ? "x" : "");
                cr_assert_str_eq(got[i], want);
        }
        cr_assert_str_eq(mg_arena_strndup(&a, "", 0), "");
        free(big);
        mg_arena_free(&a);
        cr_assert_null(a.head);
        mg_arena_free(&a); /* twice is fine */
        mg_arena_free(NULL);
}

/* Out of memory (or a size that overflows): NULL, and the arena and its strings as they were. */
Test(arena, a_failed_copy_changes_nothing) {
        mg_arena_t a = {0};
        char *s = mg_arena_strndup(&a, "kept", 4);
        struct mg_arena_chunk *head = a.head;
        cr_assert_null(mg_arena_strndup(&a, "x", SIZE_MAX));
        cr_assert_null(mg_arena_strndup(&a, "x", SIZE_MAX - 20));
#ifndef __SANITIZE_ADDRESS__ /* ASan aborts on an allocation that size instead of failing it */
        cr_assert_null(mg_arena_strndup(&a, "x", (size_t)1 << 62)); /* malloc fails */
#endif
        cr_assert_eq(a.head, head);
        cr_assert_str_eq(s, "kept");
        cr_assert_str_eq(mg_arena_strndup(&a, "next", 4), "next");
        mg_arena_t empty = {0};
        cr_assert_null(mg_arena_strndup(&empty, "x", SIZE_MAX));
        cr_assert_null(empty.head);
        mg_arena_free(&a);
}

Test(arena, move_hands_every_string_on) {
        mg_arena_t a = {0}, b = {0};
        char *x = mg_arena_strndup(&a, "a1", 2), *y = mg_arena_strndup(&b, "b1", 2);
        for (int i = 0; i < 5000; i++)
                cr_assert_not_null(mg_arena_strndup(&b, "0123456789abcdef", 16));
        mg_arena_move(&a, &b);
        cr_assert_null(b.head);
        mg_arena_move(&a, &b); /* an empty one: nothing */
        cr_assert_str_eq(x, "a1");
        cr_assert_str_eq(y, "b1");
        mg_arena_free(&a); /* ASan and valgrind see every chunk freed once */
}

/* config.c's container: args and env (with a null element, an empty array) read
 * into the arena and freed by mg_container_free; a replaced env array is freed on the way. */
Test(arena, container_strings) {
        const char doc[] = "{\"ociVersion\":\"1\",\"process\":{\"env\":[\"A=1\"],\"args\":[\"sh\",null,\"ab\"],"
                           "\"env\":[\"B=2\",\"C=3\"]}}";
        mg_container_t c = {0};
        mg_error_t err = {0};
        cr_assert_eq(mg_oci_parse_config(doc, strlen(doc), "config.json", &c, &err), 0, "%s", err.msg);
        cr_assert_not_null(c.strings.head);
        cr_assert_eq(c.nargs, 3);
        cr_assert_str_eq(c.args[0], "sh");
        cr_assert_str_eq(c.args[1], "");
        cr_assert_str_eq(c.args[2], "ab");
        cr_assert_null(c.args[3]);
        cr_assert_eq(c.nenv, 2);
        cr_assert_str_eq(c.env[0], "B=2");
        cr_assert_str_eq(c.env[1], "C=3");
        cr_assert_null(c.env[2]);
        mg_container_free(&c);
        cr_assert_null(c.strings.head);
        const char empty[] = "{\"ociVersion\":\"1\",\"process\":{\"env\":[],\"args\":[]}}";
        cr_assert_eq(mg_oci_parse_config(empty, strlen(empty), "config.json", &c, &err), 0, "%s", err.msg);
        cr_assert_eq(c.nenv, 0);
        cr_assert_not_null(c.env);
        mg_container_free(&c);
}
