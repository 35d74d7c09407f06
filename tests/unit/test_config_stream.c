/* SPDX-License-Identifier: Apache-2.0 */
/* config.json's one-pass reader (oci/config.c, yajl callbacks) against the tree reader it replaced
 * (oci/config_tree.c): the same container and the same error, code and text, on every config
 * fixture (the fuzzer's config seeds: tests/fuzz/seeds.sh takes every *.json of the fixture tree),
 * on thousands of deterministic mutants of each, on generated documents built from the keys
 * memgate reads, and on the limits' edges. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_compare.h"
#include "memgate/oci/parse.h"
#include "testutil.h"

/* ---- a growable text ---- */

typedef struct {
        char *s;
        size_t n, cap;
} text_t;

static void put_n(text_t *t, const char *s, size_t n) {
        if (t->n + n + 1 > t->cap) {
                t->cap = (t->n + n + 1) * 2;
                t->s = realloc(t->s, t->cap);
                cr_assert_not_null(t->s);
        }
        memcpy(t->s + t->n, s, n);
        t->n += n;
        t->s[t->n] = '\0';
}

static void put(text_t *t, const char *s) {
        put_n(t, s, strlen(s));
}

/* xorshift64*: the same documents on every run */
static uint64_t rng_state;
static uint64_t rnd(void) {
        rng_state ^= rng_state >> 12;
        rng_state ^= rng_state << 25;
        rng_state ^= rng_state >> 27;
        return rng_state * 2685821657736338717ull;
}
static size_t pick(size_t n) {
        return (size_t)(rnd() % n);
}

static size_t checked, differed;

/* Compares the readers on doc, which must hold no NUL (the bounded reader refuses those). */
static void check_doc(const char *doc, size_t len, const char *what) {
        char why[2048];
        int r;
        checked++;
        if (cc_compare(doc, len, why, sizeof(why), &r)) {
                differed++;
                cr_assert_fail("%s: the readers differ: %s\n--- document (%zu bytes) ---\n%.2000s", what, why, len, doc);
        }
}

/* ---- mutants ---- */

static const char *const snippets[] = {
        "null", "true", "1", "-1", "-2", "0", "1.0", "1e3", "99999999999999999999", "\"\"", "\"x\"", "{}", "[]",
        "[null]", "[1]", "{\"a\":1}", "\"\\u0000\"", "\"\\uD800\"", "\"\xff\"", "\"\xC5\xBF\"", ",", ":", "{", "}",
        "[", "]", "\"", "\\", "/", "/* c */", " ", "\n", "\"Linux\":null,", "\"linux\":{},", "\"process\":null,",
        "\"process\":{\"args\":null},", "\"annotations\":null,", "\"annotations\":{\"k\":null},",
        "\"ociVersion\":null,", "\"ociVersion\":1,", "\"lim\\u0069t\":5,", "\"ROOT\":{\"Path\":\"/r\"},",
        "\"memory\":{\"limit\":-1,\"swap\":null},",
};

static void mutate(const char *src, size_t len, text_t *out) {
        out->n = 0;
        size_t at = len ? pick(len + 1) : 0, to;
        const char *sn;
        switch (pick(7)) {
        case 0: /* cut short */
                put_n(out, src, at);
                break;
        case 1: /* a byte gone */
                put_n(out, src, at);
                if (at < len)
                        put_n(out, src + at + 1, len - at - 1);
                break;
        case 2: /* a byte replaced */
                sn = snippets[pick(ELEMENTSOF(snippets))];
                put_n(out, src, at);
                put_n(out, sn, 1);
                if (at < len)
                        put_n(out, src + at + 1, len - at - 1);
                break;
        case 3: /* a snippet in */
        case 4:
                put_n(out, src, at);
                put(out, snippets[pick(ELEMENTSOF(snippets))]);
                put_n(out, src + at, len - at);
                break;
        case 5: /* a span repeated: duplicate keys and values */
                to = at + pick(len - at + 1);
                put_n(out, src, to);
                put_n(out, src + at, to - at);
                put_n(out, src + to, len - to);
                break;
        default: /* a span gone */
                to = at + pick(len - at + 1);
                put_n(out, src, at);
                put_n(out, src + to, len - to);
                break;
        }
        for (size_t i = 0; i < out->n; i++) /* as the bounded reader would have it */
                if (out->s[i] == '\0')
                        out->s[i] = ' ';
}

#define MUTANTS_PER_FILE 400

static void check_file(const char *path, const char *base) {
        size_t len = 0;
        char *buf = NULL;
        mg_error_t err = {};
        cr_assert_eq(mg_read_file_at(AT_FDCWD, path, MG_CAP_CONFIG, false, &buf, &len, &err), 0, "%s: %s", path,
                     err.msg);
        check_doc(buf, len, base);

        text_t m = {};
        char what[512];
        rng_state = 0x9E3779B97F4A7C15ull ^ len;
        for (int i = 0; i < MUTANTS_PER_FILE; i++) {
                mutate(buf, len, &m);
                /* a second mutation now and then: a duplicate key that is also broken */
                if (pick(4) == 0) {
                        text_t m2 = {};
                        mutate(m.s, m.n, &m2);
                        free(m.s);
                        m = m2;
                }
                snprintf(what, sizeof(what), "%s, mutant %d", base, i);
                check_doc(m.s, m.n, what);
        }
        free(m.s);
        free(buf);
}

static size_t walk(const char *dir, size_t *nfiles) {
        DIR *d = opendir(dir);
        cr_assert_not_null(d, "%s", dir);
        struct dirent *e;
        while ((e = readdir(d))) {
                if (e->d_name[0] == '.')
                        continue;
                char p[4096];
                snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
                size_t l = strlen(e->d_name);
                if (e->d_type == DT_DIR)
                        walk(p, nfiles);
                else if (l > 5 && strcmp(e->d_name + l - 5, ".json") == 0) {
                        check_file(p, e->d_name);
                        (*nfiles)++;
                }
        }
        closedir(d);
        return *nfiles;
}

Test(config_stream, every_fixture_and_its_mutants) {
        const char *fix = getenv("MEMGATE_FIXTURES");
        cr_assert_not_null(fix, "MEMGATE_FIXTURES is not set");
        size_t files = 0;
        walk(fix, &files);
        /* every config the fixtures hold, the real peer ones included */
        cr_assert_geq(files, 20, "only %zu JSON fixtures under %s", files, fix);
        cr_assert_eq(differed, 0);
        cr_log_info("%zu documents compared from %zu fixtures", checked, files);
}

/* ---- generated documents ---- */

static const char *const keys[] = {
        "ociVersion", "linux", "Linux", "LINUX", "resources", "memory", "limit", "swap", "reservation", "process",
        "args", "env", "annotations", "cgroupsPath", "cgroupspath", "cpu", "mems", "root", "path", "x",
        "\xC5\xBFwap",       /* U+017F: Go folds it onto 's' */
        "re\xC5\xBFources", "\xE2\x84\xAA", "limit\\u0000", "lim\\u0069t", "Mem\\u006Fry", "linu", "linuxx",
        "ociversion", "io.memgate.policy", "",
};
static const char *const strings[] = {
        "\"\"", "\"a\"", "\"1.0.2\"", "\"/sys/fs/cgroup\"", "\"0-1\"", "\"\\u0000\"", "\"a\\u0000b\"", "\"\\uD800\"",
        "\"\\uD800\\u0000\"", "\"\xff\"", "\"\xC3\"", "\"\xC5\xBF\"", "\"\\n\\t\\\"\"", "\"JAVA_TOOL_OPTIONS=-Xmx1g\"",
};
static const char *const numbers[] = {
        "0", "-1", "-2", "1", "1073741824", "9223372036854775807", "9223372036854775808", "-9223372036854775808",
        "-9223372036854775809", "1.0", "1e3", "-0", "0.5", "123456789012345678901234567890",
};

static void gen_value(text_t *t, int depth);

static void gen_object(text_t *t, int depth) {
        put(t, "{");
        size_t n = pick(depth < 3 ? 6 : 3);
        for (size_t i = 0; i < n; i++) {
                if (i)
                        put(t, ",");
                put(t, "\"");
                put(t, keys[pick(ELEMENTSOF(keys))]);
                put(t, "\":");
                gen_value(t, depth + 1);
        }
        put(t, "}");
}

static void gen_value(text_t *t, int depth) {
        size_t k = pick(depth > 6 ? 5 : 9);
        switch (k) {
        case 0:
                put(t, "null");
                break;
        case 1:
                put(t, pick(2) ? "true" : "false");
                break;
        case 2:
                put(t, numbers[pick(ELEMENTSOF(numbers))]);
                break;
        case 3:
        case 4:
                put(t, strings[pick(ELEMENTSOF(strings))]);
                break;
        case 5:
        case 6: {
                put(t, "[");
                size_t n = pick(5);
                for (size_t i = 0; i < n; i++) {
                        if (i)
                                put(t, ",");
                        if (pick(3))
                                put(t, strings[pick(ELEMENTSOF(strings))]);
                        else
                                gen_value(t, depth + 1);
                }
                put(t, "]");
                break;
        }
        default:
                gen_object(t, depth);
                break;
        }
}

Test(config_stream, generated_documents) {
        text_t t = {};
        char what[64];
        rng_state = 0xD1B54A32D192ED03ull;
        for (int i = 0; i < 30000; i++) {
                t.n = 0;
                if (pick(8))
                        gen_object(&t, 0);
                else
                        gen_value(&t, 0);
                snprintf(what, sizeof(what), "generated document %d", i);
                check_doc(t.s, t.n, what);
                /* and cut short anywhere */
                size_t cut = pick(t.n + 1);
                char keep = t.s[cut];
                t.s[cut] = '\0';
                check_doc(t.s, cut, what);
                t.s[cut] = keep;
        }
        free(t.s);
        cr_assert_eq(differed, 0);
}

/* ---- the limits' edges ---- */

static void nested(text_t *t, int depth) {
        t->n = 0;
        put(t, "{\"ociVersion\":\"1\",\"x\":");
        for (int i = 1; i < depth; i++)
                put(t, "[");
        for (int i = 1; i < depth; i++)
                put(t, "]");
        put(t, "}");
}

/* A config holding exactly total values as check_limits counts them (brackets and commas), in
 * arrays of at most 128 strings: yajl's tree grows an array one element at a time, which is
 * quadratic under ASan's realloc for one array of 262,144. */
static void many(text_t *t, size_t total) {
        size_t c = 3; /* the root's '{', the comma after ociVersion, the outer '[' */
        bool first = true;
        t->n = 0;
        put(t, "{\"ociVersion\":\"1\",\"x\":[");
        while (c < total) {
                if (!first) {
                        put(t, ",");
                        if (++c == total) {
                                put(t, "\"a\"");
                                break;
                        }
                }
                first = false;
                put(t, "[");
                c++;
                for (size_t m = 0; m < 128 && (m == 0 || c < total); m++) {
                        if (m) {
                                put(t, ",");
                                c++;
                        }
                        put(t, "\"a\"");
                }
                put(t, "]");
        }
        put(t, "]}");
}

static size_t count_values(const char *s) {
        size_t n = 0;
        bool in = false;
        for (; *s; s++) {
                if (in)
                        in = *s != '"';
                else if (*s == '"')
                        in = true;
                else
                        n += *s == ',' || *s == '[' || *s == '{';
        }
        return n;
}

Test(config_stream, limits) {
        text_t t = {};
        int r;
        char why[2048];
        for (int d = 60; d <= 70; d++) {
                nested(&t, d);
                check_doc(t.s, t.n, "nesting");
                cr_assert_eq(cc_compare(t.s, t.n, why, sizeof(why), &r), 0, "%s", why);
                cr_assert_eq(r, d <= MG_JSON_MAX_DEPTH ? 0 : -E2BIG, "depth %d: %d", d, r);
        }
        for (size_t n = MG_JSON_MAX_VALUES - 1; n <= MG_JSON_MAX_VALUES + 1; n++) {
                many(&t, n);
                cr_assert_eq(count_values(t.s), n);
                cr_assert_eq(cc_compare(t.s, t.n, why, sizeof(why), &r), 0, "%s", why);
                cr_assert_eq(r, n <= MG_JSON_MAX_VALUES ? 0 : -E2BIG, "%zu values: %d", n, r);
        }
        /* beyond the limit, and broken before it: the limit is still what both report */
        t.s[3] = '!';
        cr_assert_eq(cc_compare(t.s, t.n, why, sizeof(why), &r), 0, "%s", why);
        cr_assert_eq(r, -E2BIG);
        free(t.s);
        cr_assert_eq(differed, 0);
}

/* ---- what the tree reader's helpers were made for ---- */

Test(config_stream, edge_cases) {
        static const char *const docs[] = {
                "", " ", "{}", "[]", "null", "\"x\"", "1", "{\"ociVersion\":\"1\"}", "{\"ociVersion\":\"1\"} x",
                "{\"ociVersion\":\"1\"}{}", "{\"ociVersion\":\"1\" /* c */}", "{\"ociVersion\":\"1\",\"a\":\"/\"}",
                "{\"ociVersion\":\"1\"", "{\"ociVersion\":null}", "{\"ociVersion\":\"1\",\"ociVersion\":null}",
                "{\"ociVersion\":2,\"linux\":5}", "{\"linux\":5}", "{\"ociVersion\":\"1\",\"linux\":5,\"process\":3}",
                "{\"ociVersion\":\"1\",\"process\":{\"args\":[\"a\",1]},\"linux\":{\"resources\":3}}",
                "{\"ociVersion\":\"1\",\"process\":{\"args\":[\"a\"],\"args\":[]}}",
                "{\"ociVersion\":\"1\",\"process\":{\"args\":[\"a\"]},\"process\":null}",
                "{\"ociVersion\":\"1\",\"process\":{\"args\":[null,\"\"]},\"Process\":{\"env\":[\"A=1\"]}}",
                "{\"ociVersion\":\"1\",\"annotations\":{\"a\":\"1\",\"b\":null,\"a\":\"2\"},\"annotations\":{\"c\":\"3\"}}",
                "{\"ociVersion\":\"1\",\"annotations\":{\"a\":\"1\"},\"annotations\":null,\"annotations\":{}}",
                "{\"ociVersion\":\"1\",\"annotations\":{\"a\":{\"b\":\"c\"}}}",
                "{\"ociVersion\":\"1\",\"annotations\":[\"a\"]}",
                "{\"ociVersion\":\"1\",\"linux\":{\"resources\":{\"memory\":{\"limit\":1,\"limit\":null}}}}",
                "{\"ociVersion\":\"1\",\"linux\":{\"resources\":{\"memory\":{\"limit\":1}}},\"linux\":{\"resources\":null}}",
                "{\"ociVersion\":\"1\",\"linux\":{\"resources\":{\"memory\":{\"limit\":-2}}}}",
                "{\"ociVersion\":\"1\",\"linux\":{\"resources\":{\"memory\":{\"swap\":1.5}}}}",
                "{\"ociVersion\":\"1\",\"linux\":{\"resources\":{\"memory\":{\"reservation\":99999999999999999999999}}}}",
                "{\"ociVersion\":\"1\",\"linux\":{\"resources\":{\"memory\":{\"limit\":\"1g\"}}}}",
                "{\"ociVersion\":\"1\",\"linux\":{\"resources\":{\"cpu\":{\"mems\":\"0-1\"},\"memory\":[]}}}",
                "{\"ociVersion\":\"1\",\"LINUX\":{\"RESOURCES\":{\"MEMORY\":{\"LIMIT\":7}}},\"linux\":{\"cgroupsPath\":\"/a\"}}",
                "{\"ociVersion\":\"1\",\"linux\":{\"resources\":{\"memory\":{\"\xC5\xBFwap\":3,\"limit\\u0000\":4}}}}",
                "{\"ociVersion\":\"1\",\"root\":{\"path\":\"a\\u0000b\"},\"root\":{\"path\":\"\xff\xfe\"}}",
                "{\"ociVersion\":\"\\uD800\\u0000\",\"process\":{\"env\":[\"\\u0000\",\"\\uDBFF\\uDFFF\"]}}",
                "{\"ociVersion\":\"1\",\"process\":{\"args\":[[\"a\"]],\"env\":{}}}",
                "{\"ociVersion\":\"1\",\"process\":{\"args\":\"java\"}}",
                "{\"ociVersion\":\"1\",\"linux\":null,\"linux\":{}}",
                "{\"ociVersion\":\"1\",\"linux\":{},\"linux\":null}",
                "{\"ociVersion\":\"1\",\"root\":{\"path\":1},\"linux\":{\"cgroupsPath\":2}}",
                "{\"ociVersion\":\"1\",\"x\":[1,2,{\"linux\":5}],\"y\":{\"linux\":{\"resources\":1}}}",
                "{\"ociVersion\":\"1\",\"linux\":{\"resources\":{\"memory\":{\"limit\":1}}}} ",
                "{\"ociVersion\":\"1\",\"a\":\"\\x\"}", "{\"ociVersion\":\"1\",\"a\":\"\x01\"}", "{\"a\":tru}",
                "{\"ociVersion\":\"1\",\"a\":-}", "{\"ociVersion\":\"1\",\"a\":01}", "\xef\xbb\xbf{}",
        };
        for (size_t i = 0; i < ELEMENTSOF(docs); i++)
                check_doc(docs[i], strlen(docs[i]), docs[i]);
        cr_assert_eq(differed, 0);
}

/* Found by fuzz-config: yajl's verbose message quotes the document after its first line, and the
 * tree reader took a "(null)" there for yajl failing to allocate, so a syntax error was reported
 * as out of memory. Both readers now read only yajl's own line. */
Test(config_stream, a_quoted_null_is_no_oom) {
        static const char *const docs[] = {
                "{\n    \"ociVe(null)rsion\": \"1.3.0\",\n    \"vnet\": \"esbda\"il\n}\n",
                "{\"a\": \"client cancelled parse via callback return value\" x}",
        };
        for (size_t i = 0; i < ELEMENTSOF(docs); i++) {
                char why[2048];
                int r;
                cr_assert_eq(cc_compare(docs[i], strlen(docs[i]), why, sizeof(why), &r), 0, "%s", why);
                cr_assert_eq(r, -EBADMSG, "%s: %d", docs[i], r);
        }
}
