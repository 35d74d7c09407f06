/* SPDX-License-Identifier: Apache-2.0 */
/* Adding memgate's annotations to a config document by editing its text: the top-level
 * "annotations" object gets the new members after its last one, values of keys it already has
 * are replaced where they stand, and every other byte stays as it was. So runc reads the
 * document it would have read without memgate, plus the annotations: key order, duplicate keys,
 * numbers as written, strings byte for byte (even ones Go will read as U+FFFD), the layout.
 *
 * Before, the document was parsed into a yajl tree and generated again: 2.7 M of the 3.7 M
 * instructions memgate-runtime spent on podman's config before it executed runc (issue 14). Now
 * it is one walk over the top level and the annotations that vouches for every value as it goes
 * (json_skip.c's subset), and only for a text outside that subset a validation by yajl
 * (mg_json_validate) and the same walk again; keys are decoded the way Go decodes them to find
 * the ones that count. */
#define _GNU_SOURCE /* memrchr */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "memgate/oci/annotate.h"
#include "memgate/util/escape.h"
#include "memgate/util/jsonw.h"

#include "json.h"
#include "json_skip.h"

/* The second walk runs on a document mg_json_validate accepted, so the grammar holds; only where
 * each token ends is needed. White space is what yajl takes for it. */
static const char *ws(const char *p, const char *end) {
        while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\v' || *p == '\f'))
                p++;
        return p;
}

/* Bytes that end a run the walk steps over: in a string, '"' and '\\' (1); in an object or array,
 * also the brackets (2). */
static const unsigned char stops[256] = {
        ['"'] = 3, ['\\'] = 1, ['{'] = 2, ['['] = 2, ['}'] = 2, [']'] = 2,
};

/* p at a string's opening quote: just past its closing one. */
static const char *string_end(const char *p, const char *end) {
        for (p++;; p += 2) {
                while (p < end && !(stops[(unsigned char)*p] & 1))
                        p++;
                if (p >= end || end - p < 2)
                        return end;
                if (*p == '"')
                        return p + 1;
        }
}

/* p at a value: just past it. */
static const char *value_end(const char *p, const char *end) {
        if (*p == '"')
                return string_end(p, end);
        if (*p != '{' && *p != '[') {
                while (p < end && !strchr(",}] \t\n\r\v\f", *p))
                        p++;
                return p;
        }
        unsigned depth = 0;
        for (;;) {
                while (p < end && !(stops[(unsigned char)*p] & 2))
                        p++;
                if (p >= end)
                        return end;
                char c = *p;
                if (c == '"') {
                        p = string_end(p, end);
                        continue;
                }
                p++;
                if (c == '{' || c == '[')
                        depth++;
                else if (--depth == 0)
                        return p;
        }
}

static unsigned hex4(const char *p) {
        unsigned v = 0;
        for (int i = 0; i < 4; i++) {
                char c = p[i];
                v = v << 4 | (unsigned)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
        }
        return v;
}

static size_t put_utf8(char *o, unsigned c) {
        if (c < 0x80)
                return o[0] = (char)c, 1;
        if (c < 0x800)
                return o[0] = (char)(0xC0 | c >> 6), o[1] = (char)(0x80 | (c & 0x3F)), 2;
        if (c < 0x10000)
                return o[0] = (char)(0xE0 | c >> 12), o[1] = (char)(0x80 | (c >> 6 & 0x3F)),
                       o[2] = (char)(0x80 | (c & 0x3F)), 3;
        return o[0] = (char)(0xF0 | c >> 18), o[1] = (char)(0x80 | (c >> 12 & 0x3F)),
               o[2] = (char)(0x80 | (c >> 6 & 0x3F)), o[3] = (char)(0x80 | (c & 0x3F)), 4;
}

/* A key as Go's decoder hands it to a map or matches it to a field: escapes decoded, a surrogate
 * pair joined, a lone surrogate and each byte of invalid UTF-8 U+FFFD. The string is s..e (its
 * quotes excluded). Only keys up to cap bytes can be the ones looked for: a longer one, or one
 * holding a NUL (which no C string key can equal), is -1. */
static ssize_t decode_key(const char *s, const char *e, char *out, size_t cap) {
        size_t n = 0;
        while (s < e) {
                char b[8];
                size_t bl;
                unsigned char c = (unsigned char)*s;
                if (c == '\\') {
                        char x = s[1];
                        s += 2;
                        if (x != 'u') {
                                b[0] = x == 'b' ? '\b' : x == 'f' ? '\f' : x == 'n' ? '\n' : x == 'r' ? '\r' : x == 't' ? '\t' : x;
                                bl = 1;
                        } else {
                                unsigned u = hex4(s);
                                s += 4;
                                if (u >= 0xD800 && u < 0xDC00 && e - s >= 6 && s[0] == '\\' && s[1] == 'u') {
                                        unsigned lo = hex4(s + 2);
                                        if (lo >= 0xDC00 && lo < 0xE000) {
                                                u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
                                                s += 6;
                                        }
                                }
                                if (u == 0)
                                        return -1;
                                if (u >= 0xD800 && u < 0xE000)
                                        u = 0xFFFD;
                                bl = put_utf8(b, u);
                        }
                } else if (c < 0x80) {
                        b[0] = (char)c, bl = 1, s++;
                } else if ((bl = mg_utf8_valid_len((const unsigned char *)s, (size_t)(e - s)))) {
                        memcpy(b, s, bl), s += bl;
                } else {
                        bl = put_utf8(b, 0xFFFD), s++;
                }
                if (bl > cap - n)
                        return -1;
                memcpy(out + n, b, bl), n += bl;
        }
        return (ssize_t)n;
}

/* The white space a member's key starts after ("\n    " in an indented document, "" in a compact
 * one), which new members copy; a run too long to be layout is taken as none. */
typedef struct layout {
        const char *s;
        size_t n;
} layout_t;

static layout_t layout_before(const char *open, const char *key) {
        const char *s = open + 1;
        size_t n = (size_t)(key - s);
        return n <= 64 && memchr(s, '\n', n) ? (layout_t){ s, n } : (layout_t){ "", 0 };
}

typedef struct walk {
        const char *end;
        const mg_kv_t *kv;
        size_t n;
        bool *present; /* kv[i]'s key is among the existing annotations */
        char *key;     /* the decoded key, NUL-terminated */
        size_t key_cap;
        mg_jw_t out;
        const char *copied; /* the text before it is in out */
        /* The first pass vouches for the text as it walks (json_skip.c's subset, memgate's limits
         * counted as mg_json_check_limits counts them); anything else ends it with -EAGAIN and the
         * walk runs again on a text mg_json_validate accepted, where only token ends matter. */
        bool vouch;
        size_t values;
} walk_t;

#define UNVOUCHED (-EAGAIN)

/* A refusal: in the vouching pass only UNVOUCHED, since a syntax error further on must be the
 * error reported and the second pass decides. */
#define REFUSE(w, err, ...) ((w)->vouch ? UNVOUCHED : mg_error_set(err, -EINVAL, __VA_ARGS__))

static char at(const walk_t *w, const char *p) {
        return p < w->end ? *p : '\0';
}

static const char *skip_ws(const walk_t *w, const char *p) {
        if (!w->vouch)
                return ws(p, w->end);
        while (p < w->end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
                p++;
        return p;
}

/* Just past the value at p (NULL: not vouched for); depth is that of the value. */
static const char *value_after(walk_t *w, const char *p, unsigned depth) {
        if (!w->vouch)
                return value_end(p, w->end);
        mg_json_span_t sp;
        const char *stop;
        if (p >= w->end || mg_json_skip_value(p, w->end, MG_JSON_MAX_DEPTH + 1 - depth, &sp, &stop) < 0 ||
            (w->values += sp.values) > MG_JSON_MAX_VALUES)
                return NULL;
        return sp.end;
}

/* After a member's value at p: the next member's key (*ret_close false) or the closing brace. */
static int after_member(walk_t *w, const char *p, const char **ret, bool *ret_close) {
        p = skip_ws(w, p);
        char c = at(w, p);
        if (c == ',') {
                /* Counted in the vouching pass only, and only where value_after did not count
                 * it already (edit_annotations walks a value it vouched for whole). */
                if (w->vouch && ++w->values > MG_JSON_MAX_VALUES)
                        return UNVOUCHED;
                *ret = skip_ws(w, p + 1), *ret_close = false;
                return 0;
        }
        *ret = p, *ret_close = true;
        return c == '}' ? 0 : UNVOUCHED;
}

/* p at a member's key, in an object at depth - 1: the key decoded into w->key (*ret_kl: its
 * length, or -1 when it cannot be one looked for); *ret_value at its value, *ret_next just past
 * the value. */
static int member(walk_t *w, const char *p, unsigned depth, ssize_t *ret_kl, const char **ret_value,
                  const char **ret_next) {
        const char *ke = at(w, p) == '"' ? value_after(w, p, depth) : NULL;
        if (!ke)
                return UNVOUCHED;
        ssize_t kl = decode_key(p + 1, ke - 1, w->key, w->key_cap);
        if (kl >= 0)
                w->key[kl] = '\0';
        const char *c = skip_ws(w, ke);
        if (at(w, c) != ':')
                return UNVOUCHED;
        const char *v = skip_ws(w, c + 1), *next = value_after(w, v, depth);
        if (!next)
                return UNVOUCHED;
        *ret_kl = kl, *ret_value = v, *ret_next = next;
        return 0;
}

/* The original text up to p, then s. */
static void copy_to(walk_t *w, const char *p) {
        mg_jw_raw(&w->out, w->copied, (size_t)(p - w->copied));
        w->copied = p;
}

static void raw(walk_t *w, const char *s) {
        mg_jw_raw(&w->out, s, strlen(s));
}

/* The members not in the document yet (kv[i] counts for its key when no later entry repeats it),
 * each on a line of its own in an indented object, after a comma unless first. */
static void new_members(walk_t *w, layout_t lay, bool first) {
        for (size_t i = 0; i < w->n; i++) {
                bool later = false;
                for (size_t j = i + 1; j < w->n && !later; j++)
                        later = strcmp(w->kv[j].key, w->kv[i].key) == 0;
                if (w->present[i] || later)
                        continue;
                if (!first)
                        raw(w, ",");
                first = false;
                mg_jw_raw(&w->out, lay.s, lay.n);
                mg_jw_quoted(&w->out, w->kv[i].key, strlen(w->kv[i].key));
                raw(w, lay.n ? ": " : ":");
                mg_jw_quoted(&w->out, w->kv[i].value, strlen(w->kv[i].value));
        }
}

/* The annotations object at p ('{', a value member() has vouched for), from its first member on:
 * each value of a key memgate sets replaced (every repeat: the last is what Go keeps), then the
 * new members after the last one. */
static int edit_annotations(walk_t *w, const char *p) {
        const char *open = p, *last = p + 1;
        bool vouch = w->vouch, close;
        int r = 0;

        w->vouch = false;
        p = ws(p + 1, w->end);
        layout_t lay = layout_before(open, p);
        bool empty = at(w, p) == '}';
        for (close = empty; !close;) {
                const char *v, *next;
                ssize_t kl;
                if ((r = member(w, p, 3, &kl, &v, &next)) < 0)
                        break;
                const char *nv = kl >= 0 ? mg_kv_find(w->kv, w->n, w->key) : NULL;
                if (nv) {
                        for (size_t i = 0; i < w->n; i++)
                                w->present[i] |= strcmp(w->kv[i].key, w->key) == 0;
                        copy_to(w, v);
                        mg_jw_quoted(&w->out, nv, strlen(nv));
                        w->copied = next;
                }
                last = next;
                if ((r = after_member(w, next, &p, &close)) < 0)
                        break;
        }
        w->vouch = vouch;
        if (r < 0)
                return r;
        copy_to(w, last);
        new_members(w, lay, empty);
        return 0;
}

/* A new annotations object holding every kv entry; lay is the layout of its own members. */
static void new_object(walk_t *w, layout_t lay, layout_t close) {
        raw(w, "{");
        new_members(w, lay, true);
        mg_jw_raw(&w->out, close.s, close.n);
        raw(w, "}");
}

static const char *type_at(char c) {
        switch (c) {
        case '{': return "object";
        case '[': return "array";
        case '"': return "string";
        case 't': case 'f': return "boolean";
        case 'n': return "null";
        default: return "number";
        }
}

/* The layout of a new object's members, one level inside lay: lay and its last line's indent
 * again ("\r\n  " gives "\r\n    "). */
static layout_t indent_in(layout_t lay, char *buf, size_t n) {
        const char *nl = lay.n ? memrchr(lay.s, '\n', lay.n) : NULL;
        size_t unit = nl ? (size_t)(lay.s + lay.n - (nl + 1)) : 0;
        snprintf(buf, n, "%.*s%.*s", (int)lay.n, lay.s, (int)unit, nl ? nl + 1 : "");
        return (layout_t){ buf, strlen(buf) };
}

/* The walk over the top level: at most one key that Go matches to "annotations" (runc merges
 * repeats, so with two there is no single place where a replaced value would surely win: such
 * a document is refused rather than guessed at), an object or null, or a new member after the
 * last one. Refusals go through REFUSE. */
static int edit_document(walk_t *w, const char *text, mg_error_t *err) {
        const char *p = skip_ws(w, text), *open = p, *last = p + 1, *found = NULL;
        char inner[130];
        bool close;
        int r;

        if (at(w, p) != '{')
                return REFUSE(w, err, "must be a JSON object, got %s", type_at(at(w, p)));
        w->values++;
        p = skip_ws(w, p + 1);
        layout_t lay = layout_before(open, p);
        bool empty = at(w, p) == '}';
        for (close = empty; !close;) {
                const char *v, *next;
                ssize_t kl;
                if ((r = member(w, p, 2, &kl, &v, &next)) < 0)
                        return r;
                if (kl >= 0 && mg_json_key_match_n(w->key, (size_t)kl, "annotations")) {
                        if (found)
                                return REFUSE(w, err, "\"annotations\" appears more than once");
                        found = v;
                        if (*v == '{') {
                                if ((r = edit_annotations(w, v)) < 0)
                                        return r;
                        } else if (*v == 'n') {
                                copy_to(w, v);
                                new_object(w, indent_in(lay, inner, sizeof(inner)), lay);
                                w->copied = next;
                        } else
                                return REFUSE(w, err, "\"annotations\" must be an object, got %s", type_at(*v));
                }
                last = next;
                if ((r = after_member(w, next, &p, &close)) < 0)
                        return r;
        }
        /* yajl lets a cut token follow the document ({}"). runc's json.Decoder stops reading after
         * the first value and would run it; memgate does not guess where such a text ends, and
         * leaves it unannotated. */
        if (skip_ws(w, p + 1) != w->end)
                return REFUSE(w, err, "has bytes after the end of the document");
        if (!found) {
                copy_to(w, last);
                if (!empty)
                        raw(w, ",");
                mg_jw_raw(&w->out, lay.s, lay.n);
                raw(w, lay.n ? "\"annotations\": " : "\"annotations\":");
                new_object(w, indent_in(lay, inner, sizeof(inner)), lay);
        }
        copy_to(w, w->end);
        return 0;
}

/* One pass over the text: vouching for it as it goes, or on a text already validated. */
static int walk(walk_t *w, const char *buf, size_t len, bool vouch, size_t add, mg_error_t *err) {
        memset(w->present, 0, (w->n ? w->n : 1) * sizeof(bool));
        w->copied = buf, w->vouch = vouch, w->values = 0;
        mg_jw_init(&w->out, len + add);
        int r = edit_document(w, buf, err);
        if (r < 0)
                mg_jw_free(&w->out);
        return r;
}

int mg_oci_add_annotations(const char *buf, size_t len, const char *name, const mg_kv_t *kv, size_t n,
                           char **ret_buf, size_t *ret_len, mg_error_t *err) {
        int r;

        if (!name)
                name = "config.json";
        if (n > 0 && !kv)
                return mg_error_set(err, -EINVAL, "%s: no annotations given", name);
        size_t cap = 3 * sizeof("annotations"), add = 64;
        for (size_t i = 0; i < n; i++) {
                size_t kl, vl;
                if (!kv[i].key || !kv[i].value)
                        return mg_error_set(err, -EINVAL, "%s: annotation %zu has no key or value", name, i);
                if (!mg_utf8_valid_n(kv[i].key, SIZE_MAX, &kl) || !mg_utf8_valid_n(kv[i].value, SIZE_MAX, &vl))
                        return mg_error_set(err, -EINVAL, "%s: annotation %zu is not valid UTF-8", name, i);
                cap = kl > cap ? kl : cap;
                add += 6 * (kl + vl) + 80; /* escaped at worst, with the layout around */
        }
        if ((r = mg_json_precheck(buf, len, name, err)) < 0)
                return r;

        _cleanup_free_ bool *present = calloc(n ? n : 1, sizeof(bool));
        _cleanup_free_ char *key = malloc(cap + 1);
        if (!present || !key)
                return mg_error_set(err, -ENOMEM, "%s: out of memory", name);
        walk_t w = { .end = buf + len, .kv = kv, .n = n, .present = present, .key = key, .key_cap = cap };
        r = walk(&w, buf, len, true, add, err);
        if (r == UNVOUCHED) {
                if ((r = mg_json_validate(buf, len, name, err)) < 0)
                        return r;
                r = walk(&w, buf, len, false, add, err);
                if (r == UNVOUCHED) /* mg_json_validate accepted what the walk did not: cannot be */
                        return mg_error_set(err, -EINVAL, "%s: not valid JSON", name);
        }
        if (r < 0)
                return mg_error_prefix(err, "%s", name);
        if ((r = mg_jw_finish(&w.out, ret_buf, ret_len)) < 0)
                return mg_error_set(err, r, "%s: %s", name, r == -ENOMEM ? "out of memory writing the annotated config"
                                                                        : "the annotated config could not be written");
        return 0;
}
