/* SPDX-License-Identifier: Apache-2.0 */
/* A JSON writer for memgate's own documents (memgate.json, --format json): text appended to one
 * growing buffer, laid out exactly as yajl_gen prints with yajl_gen_beautify and a two-space
 * indent (what memgate.json has always looked like, a unit test compares the two byte for byte),
 * at a tenth of the cost: yajl's generator calls its print callback for every comma, newline and
 * indent, some 2,700 times per report.
 *
 * The caller hands in strings that are valid UTF-8 (the report checks them, oci/report.c); the
 * writer escapes '"', '\\' and control bytes as yajl does. Misuse (a value where a key belongs,
 * too deep a nesting) and running out of memory are remembered and reported by mg_jw_finish. */
#ifndef MEMGATE_UTIL_JSONW_H
#define MEMGATE_UTIL_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MG_JW_MAX_DEPTH 128

typedef struct mg_jw {
        char *data;
        size_t len, cap;
        bool oom, misuse;
        unsigned depth;
        unsigned char state[MG_JW_MAX_DEPTH];
} mg_jw_t;

/* An empty document with a first buffer of cap bytes (0 if that allocation failed: mg_jw_finish
 * then says so). */
void mg_jw_init(mg_jw_t *w, size_t cap);
/* 0 and the NUL-terminated text (the caller frees it), or -ENOMEM / -EINVAL (misuse, or the
 * document is not complete); the buffer is freed on failure. */
int mg_jw_finish(mg_jw_t *w, char **ret, size_t *ret_len);
void mg_jw_free(mg_jw_t *w);

/* A string of n bytes (a key where one is due). */
void mg_jw_string(mg_jw_t *w, const char *s, size_t n);
/* A number already in JSON's syntax ("-42", "18446744073709551615"). */
void mg_jw_number(mg_jw_t *w, const char *s, size_t n);
void mg_jw_u64(mg_jw_t *w, uint64_t v);
void mg_jw_i64(mg_jw_t *w, int64_t v);
void mg_jw_bool(mg_jw_t *w, bool v);
void mg_jw_null(mg_jw_t *w);
void mg_jw_map_open(mg_jw_t *w);
void mg_jw_map_close(mg_jw_t *w);
void mg_jw_array_open(mg_jw_t *w);
void mg_jw_array_close(mg_jw_t *w);

/* A document spliced from pieces instead (oci/annotate.c edits another document's text): raw
 * bytes as they are, and a string quoted and escaped as above with no layout around it. A
 * writer takes either pieces or the calls above, not both; one piece makes it complete. */
void mg_jw_raw(mg_jw_t *w, const char *s, size_t n);
void mg_jw_quoted(mg_jw_t *w, const char *s, size_t n);

#endif
