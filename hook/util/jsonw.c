/* SPDX-License-Identifier: Apache-2.0 */
#include "memgate/util/jsonw.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "memgate/util/number.h"

/* Where each open level is: the layout of what comes next depends on it. */
enum { JW_START, JW_MAP_START, JW_MAP_KEY, JW_MAP_VAL, JW_ARRAY_START, JW_IN_ARRAY, JW_COMPLETE };

void mg_jw_init(mg_jw_t *w, size_t cap) {
        *w = (mg_jw_t){0};
        w->data = cap ? malloc(cap) : NULL;
        w->cap = w->data ? cap : 0;
        w->oom = !w->data;
}

void mg_jw_free(mg_jw_t *w) {
        free(w->data);
        w->data = NULL;
        w->len = w->cap = 0;
}

/* Room for n more bytes and a NUL, or oom set for good. */
static inline bool room(mg_jw_t *w, size_t n) {
        if (__builtin_expect(!w->oom && n < w->cap - w->len, 1))
                return true;
        if (w->oom)
                return false;
        size_t cap = w->cap ? w->cap : 256;
        while (n >= cap - w->len) {
                if (cap > SIZE_MAX / 2) {
                        w->oom = true;
                        return false;
                }
                cap *= 2;
        }
        char *d = realloc(w->data, cap);
        if (!d) {
                w->oom = true;
                return false;
        }
        w->data = d;
        w->cap = cap;
        return true;
}

/* Most appends are a byte or two of punctuation: copied inline, not through memcpy. */
static inline void put(mg_jw_t *w, const char *s, size_t n) {
        if (!room(w, n))
                return;
        char *d = w->data + w->len;
        w->len += n;
        if (n <= 8)
                while (n--)
                        *d++ = *s++;
        else
                memcpy(d, s, n);
}

static inline void put1(mg_jw_t *w, char c) {
        if (room(w, 1))
                w->data[w->len++] = c;
}

static void indent(mg_jw_t *w) {
        if (room(w, 2 * (size_t)w->depth)) {
                memset(w->data + w->len, ' ', 2 * (size_t)w->depth);
                w->len += 2 * (size_t)w->depth;
        }
}

/* Before a value or key: the separator its position needs, then the indent of its line. */
static void lead(mg_jw_t *w) {
        unsigned char st = w->state[w->depth];
        if (st == JW_MAP_KEY || st == JW_IN_ARRAY)
                put(w, ",\n", 2);
        else if (st == JW_MAP_VAL) {
                put(w, ": ", 2);
                return; /* a value on its key's line: no indent */
        }
        indent(w);
}

/* After a complete value (or key) at the current level. */
static void done(mg_jw_t *w) {
        unsigned char *st = &w->state[w->depth];
        switch (*st) {
        case JW_START:
                *st = JW_COMPLETE;
                break;
        case JW_MAP_START:
        case JW_MAP_KEY:
                *st = JW_MAP_VAL;
                break;
        case JW_ARRAY_START:
                *st = JW_IN_ARRAY;
                break;
        case JW_MAP_VAL:
                *st = JW_MAP_KEY;
                break;
        default:
                break;
        }
}

/* The document ends with a newline, as yajl's does. */
static void final_newline(mg_jw_t *w) {
        if (w->state[w->depth] == JW_COMPLETE)
                put1(w, '\n');
}

/* A value other than a string where a key is due, or anything after the end: misuse. */
static bool value_ok(mg_jw_t *w) {
        unsigned char st = w->state[w->depth];
        if (st == JW_MAP_START || st == JW_MAP_KEY || st == JW_COMPLETE) {
                w->misuse = true;
                return false;
        }
        return true;
}

/* The bytes a JSON string cannot hold as they are: '"', '\\' and the C0 controls (as yajl, DEL
 * and '/' stay). */
static const bool needs_escape[256] = {
        [0x00 ... 0x1f] = true,
        ['"'] = true,
        ['\\'] = true,
};

/* s[0..n) between quotes, escaped. */
static void quoted(mg_jw_t *w, const char *s, size_t n) {
        static const char hex[] = "0123456789ABCDEF";
        put1(w, '"');
        size_t run = 0;
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char)s[i];
                if (!needs_escape[c])
                        continue;
                put(w, s + run, i - run);
                run = i + 1;
                char e[6] = {'\\', 0};
                switch (c) {
                case '"': e[1] = '"'; break;
                case '\\': e[1] = '\\'; break;
                case '\n': e[1] = 'n'; break;
                case '\r': e[1] = 'r'; break;
                case '\t': e[1] = 't'; break;
                case '\b': e[1] = 'b'; break;
                case '\f': e[1] = 'f'; break;
                default:
                        memcpy(e + 1, "u00", 3);
                        e[4] = hex[c >> 4];
                        e[5] = hex[c & 15];
                        put(w, e, 6);
                        continue;
                }
                put(w, e, 2);
        }
        put(w, s + run, n - run);
        put1(w, '"');
}

void mg_jw_string(mg_jw_t *w, const char *s, size_t n) {
        if (w->state[w->depth] == JW_COMPLETE) {
                w->misuse = true;
                return;
        }
        lead(w);
        quoted(w, s, n);
        done(w);
        final_newline(w);
}

/* Text spliced from pieces: only at the top, before or after other pieces. */
static bool piece_ok(mg_jw_t *w) {
        if (w->depth == 0 && (w->state[0] == JW_START || w->state[0] == JW_COMPLETE)) {
                w->state[0] = JW_COMPLETE;
                return true;
        }
        w->misuse = true;
        return false;
}

void mg_jw_raw(mg_jw_t *w, const char *s, size_t n) {
        if (piece_ok(w))
                put(w, s, n);
}

void mg_jw_quoted(mg_jw_t *w, const char *s, size_t n) {
        if (piece_ok(w))
                quoted(w, s, n);
}

void mg_jw_number(mg_jw_t *w, const char *s, size_t n) {
        if (!value_ok(w))
                return;
        lead(w);
        put(w, s, n);
        done(w);
        final_newline(w);
}

void mg_jw_u64(mg_jw_t *w, uint64_t v) {
        char b[MG_FMT_I64_MAX];
        mg_jw_number(w, b, mg_fmt_u64(v, b));
}

void mg_jw_i64(mg_jw_t *w, int64_t v) {
        char b[MG_FMT_I64_MAX];
        mg_jw_number(w, b, mg_fmt_i64(v, b));
}

void mg_jw_bool(mg_jw_t *w, bool v) { mg_jw_number(w, v ? "true" : "false", v ? 4 : 5); }
void mg_jw_null(mg_jw_t *w) { mg_jw_number(w, "null", 4); }

static void open_level(mg_jw_t *w, char c, unsigned char state) {
        if (!value_ok(w))
                return;
        lead(w);
        if (w->depth + 1 >= MG_JW_MAX_DEPTH) {
                w->misuse = true;
                return;
        }
        w->state[++w->depth] = state;
        put1(w, c);
        put1(w, '\n');
}

/* The closing bracket on a line of its own, at its opener's indent ("{\n\n  }" when empty,
 * as yajl prints it). */
static void close_level(mg_jw_t *w, char c) {
        if (w->depth == 0) {
                w->misuse = true;
                return;
        }
        w->depth--;
        put1(w, '\n');
        done(w);
        if (w->state[w->depth] != JW_MAP_VAL)
                indent(w);
        put1(w, c);
        final_newline(w);
}

void mg_jw_map_open(mg_jw_t *w) { open_level(w, '{', JW_MAP_START); }
void mg_jw_map_close(mg_jw_t *w) { close_level(w, '}'); }
void mg_jw_array_open(mg_jw_t *w) { open_level(w, '[', JW_ARRAY_START); }
void mg_jw_array_close(mg_jw_t *w) { close_level(w, ']'); }

int mg_jw_finish(mg_jw_t *w, char **ret, size_t *ret_len) {
        int r = w->oom ? -ENOMEM : w->misuse || w->depth != 0 || w->state[0] != JW_COMPLETE ? -EINVAL : 0;
        if (r < 0) {
                mg_jw_free(w);
                return r;
        }
        w->data[w->len] = '\0';
        *ret = w->data;
        if (ret_len)
                *ret_len = w->len;
        w->data = NULL;
        return 0;
}
