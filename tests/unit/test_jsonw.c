/* SPDX-License-Identifier: Apache-2.0 */
/* memgate's JSON writer against yajl's generator (beautify, two-space indent), which wrote
 * memgate.json before it: random documents of every shape, with strings full of quotes,
 * backslashes, control bytes and UTF-8, come out byte for byte the same. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>

#include "memgate/util/jsonw.h"
#include "testutil.h"

static uint64_t rng = 0x9E3779B97F4A7C15u;
static uint64_t next(void) {
        rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
        return rng;
}

static void rand_string(char *s, size_t *n) {
        static const char pool[] = "ab Z09\"\\/\n\r\t\b\f\x01\x1f\x7f\xc3\xa9{}[]:,";
        *n = next() % 24;
        for (size_t i = 0; i < *n; i++)
                s[i] = pool[next() % (sizeof(pool) - 1)];
}

/* One random value into both generators; keys inside maps. */
static void value(yajl_gen g, mg_jw_t *w, int depth) {
        char s[32], num[32];
        size_t n;
        switch (next() % (depth < 6 ? 8 : 5)) {
        case 0:
                rand_string(s, &n);
                yajl_gen_string(g, (const unsigned char *)s, n);
                mg_jw_string(w, s, n);
                break;
        case 1: {
                uint64_t v = next() >> (next() % 64);
                n = (size_t)snprintf(num, sizeof(num), "%llu", (unsigned long long)v);
                yajl_gen_number(g, num, n);
                mg_jw_u64(w, v);
                break;
        }
        case 2: {
                int64_t v = (int64_t)next() >> (next() % 64);
                n = (size_t)snprintf(num, sizeof(num), "%lld", (long long)v);
                yajl_gen_number(g, num, n);
                mg_jw_i64(w, v);
                break;
        }
        case 3: {
                bool b = next() & 1;
                yajl_gen_bool(g, b);
                mg_jw_bool(w, b);
                break;
        }
        case 4:
                yajl_gen_null(g);
                mg_jw_null(w);
                break;
        case 5:
        case 6: {
                yajl_gen_map_open(g);
                mg_jw_map_open(w);
                size_t k = next() % 5;
                for (size_t i = 0; i < k; i++) {
                        rand_string(s, &n);
                        yajl_gen_string(g, (const unsigned char *)s, n);
                        mg_jw_string(w, s, n);
                        value(g, w, depth + 1);
                }
                yajl_gen_map_close(g);
                mg_jw_map_close(w);
                break;
        }
        default: {
                yajl_gen_array_open(g);
                mg_jw_array_open(w);
                size_t k = next() % 5;
                for (size_t i = 0; i < k; i++)
                        value(g, w, depth + 1);
                yajl_gen_array_close(g);
                mg_jw_array_close(w);
                break;
        }
        }
}

Test(jsonw, same_bytes_as_yajl_beautify) {
        size_t total = 0;
        for (int it = 0; it < 3000; it++) {
                yajl_gen g = yajl_gen_alloc(NULL);
                cr_assert_not_null(g);
                yajl_gen_config(g, yajl_gen_beautify, 1);
                yajl_gen_config(g, yajl_gen_indent_string, "  ");
                mg_jw_t w;
                /* A tiny first buffer: the growth path runs on every document. */
                mg_jw_init(&w, 1 + (size_t)(next() % 64));
                /* The report's top level is a map; scalars and arrays at the top are tried too. */
                if (it % 4) {
                        yajl_gen_map_open(g), mg_jw_map_open(&w);
                        yajl_gen_string(g, (const unsigned char *)"a", 1), mg_jw_string(&w, "a", 1);
                }
                value(g, &w, 1);
                if (it % 4) {
                        yajl_gen_string(g, (const unsigned char *)"k", 1), mg_jw_string(&w, "k", 1);
                        value(g, &w, 1);
                        yajl_gen_map_close(g), mg_jw_map_close(&w);
                }
                const unsigned char *want;
                size_t want_len, got_len;
                cr_assert_eq(yajl_gen_get_buf(g, &want, &want_len), yajl_gen_status_ok);
                char *got = NULL;
                int r = mg_jw_finish(&w, &got, &got_len);
                cr_assert_eq(r, 0, "iteration %d", it);
                cr_assert_eq(got_len, want_len, "iteration %d:\nyajl:\n%.*s\nmemgate:\n%s", it, (int)want_len, want, got);
                cr_assert_eq(memcmp(got, want, want_len), 0, "iteration %d:\nyajl:\n%.*s\nmemgate:\n%s", it,
                             (int)want_len, want, got);
                cr_assert_eq(got[got_len], '\0');
                total += got_len;
                free(got);
                yajl_gen_free(g);
        }
        cr_assert_gt(total, 100000, "the documents were not trivial: %zu bytes", total);
}

Test(jsonw, misuse_is_reported_not_written) {
        mg_jw_t w;
        char *out = NULL;
        size_t n;
        mg_jw_init(&w, 64);
        mg_jw_map_open(&w);
        mg_jw_u64(&w, 1); /* a number where a key belongs */
        mg_jw_map_close(&w);
        cr_assert_eq(mg_jw_finish(&w, &out, &n), -EINVAL);
        cr_assert_null(out);

        mg_jw_init(&w, 64);
        mg_jw_map_open(&w); /* never closed */
        cr_assert_eq(mg_jw_finish(&w, &out, &n), -EINVAL);

        mg_jw_init(&w, 64);
        for (int i = 0; i < MG_JW_MAX_DEPTH + 2; i++)
                mg_jw_array_open(&w);
        cr_assert_eq(mg_jw_finish(&w, &out, &n), -EINVAL, "nesting beyond the limit");

        mg_jw_init(&w, 64);
        mg_jw_null(&w);
        mg_jw_null(&w); /* after the end of the document */
        cr_assert_eq(mg_jw_finish(&w, &out, &n), -EINVAL);

        mg_jw_init(&w, 0); /* the first allocation "failed" */
        mg_jw_null(&w);
        cr_assert_eq(mg_jw_finish(&w, &out, &n), -ENOMEM);
}
