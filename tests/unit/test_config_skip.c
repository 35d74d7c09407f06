/* SPDX-License-Identifier: Apache-2.0 */
/* Skipping the values no field lies in (oci/json_skip.c, used by oci/config.c): the subset scan on
 * its own, and the one-pass reader against the tree reader (oci/config_tree.c) on documents whose
 * unread spans are big enough to be skipped and hold, somewhere, each thing the subset refuses or
 * takes: yajl must see the same document either way, so the container and the error must be the
 * tree reader's. The fields memgate reads come after the spans, to prove the reader goes on at
 * the right byte. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../oci/json_skip.h"
#include "config_compare.h"
#include "memgate/oci/parse.h"
#include "testutil.h"

static int skip(const char *s, unsigned max_depth, mg_json_span_t *sp) {
        const char *stop = NULL;
        int r = mg_json_skip_container(s, s + strlen(s), max_depth, sp, &stop);
        if (r < 0)
                cr_assert(stop >= s && stop <= s + strlen(s), "%s: stop outside the text", s);
        return r;
}

Test(config_skip, the_subset_scan) {
        static const struct {
                const char *text;
                size_t len;      /* of the span, 0: not vouched for */
                size_t values;   /* brackets and commas */
                unsigned depth;
        } cases[] = {
#define ALL SIZE_MAX /* the whole text */
                { "{}", 2, 1, 1 },
                { "[] ,", 2, 1, 1 },
                { "{ \"a\" : [ 1 , -0.5e+3 , true , false , null , \"x\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00aF\" ] }", ALL, 7, 2 },
                { "[[[]],{\"\":{}}]", 14, 6, 3 },
                { "[\"~ !#}]\"]", 10, 1, 1 },
                { "[1,]", 0, 0, 0 },        /* a comma before the bracket */
                { "{\"a\":1,}", 0, 0, 0 },
                { "{\"a\" 1}", 0, 0, 0 },  /* no colon */
                { "{1:2}", 0, 0, 0 },      /* a key that is no string */
                { "[01]", 0, 0, 0 },       /* yajl: two numbers */
                { "[1.]", 0, 0, 0 },
                { "[1e]", 0, 0, 0 },
                { "[-]", 0, 0, 0 },
                { "[+1]", 0, 0, 0 },
                { "[.5]", 0, 0, 0 },
                { "[tru]", 0, 0, 0 },
                { "[nul]", 0, 0, 0 },
                { "[truex]", 0, 0, 0 },
                { "[1 2]", 0, 0, 0 },
                { "[\"\\x\"]", 0, 0, 0 },  /* an escape JSON has not */
                { "[\"\\u12G4\"]", 0, 0, 0 },
                { "[\"\\u123\"]", 0, 0, 0 },
                { "[\"\x01\"]", 0, 0, 0 },  /* control character */
                { "[\"\x7f\"]", 0, 0, 0 },  /* not vouched for (yajl takes it) */
                { "[\"\xc3\xa9\"]", 0, 0, 0 }, /* UTF-8: yajl validates it; not vouched for */
                { "[\v1]", 0, 0, 0 },      /* yajl's whitespace, not JSON's */
                { "[\f1]", 0, 0, 0 },
                { "[/* c */1]", 0, 0, 0 },
                { "[1}", 0, 0, 0 },
                { "{\"a\":1]", 0, 0, 0 },
                { "[[1]", 0, 0, 0 },       /* unfinished */
                { "[\"abc", 0, 0, 0 },
                { "{\"a\":1", 0, 0, 0 },
                { "[1", 0, 0, 0 },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                mg_json_span_t sp = {};
                int r = skip(cases[i].text, 64, &sp);
                size_t want = cases[i].len == ALL ? strlen(cases[i].text) : cases[i].len;
                if (!want) {
                        cr_expect_eq(r, -1, "vouched for: %s", cases[i].text);
                        continue;
                }
                cr_expect_eq(r, 0, "not vouched for: %s", cases[i].text);
                cr_expect_eq(sp.end - cases[i].text, (ptrdiff_t)want, "%s: span %td", cases[i].text,
                             sp.end - cases[i].text);
                cr_expect_eq(sp.values, cases[i].values, "%s: %zu values", cases[i].text, sp.values);
                cr_expect_eq(sp.depth, cases[i].depth, "%s: depth %u", cases[i].text, sp.depth);
        }
        /* the nesting allowed */
        mg_json_span_t sp;
        cr_expect_eq(skip("[[[]]]", 3, &sp), 0);
        cr_expect_eq(skip("[[[]]]", 2, &sp), -1);
        char deep[200] = "";
        for (int i = 0; i < 65; i++)
                strcat(deep, "[");
        for (int i = 0; i < 65; i++)
                strcat(deep, "]");
        cr_expect_eq(skip(deep, 64, &sp), -1);
        cr_expect_eq(skip(deep + 1, 64, &sp), 0);
}

Test(config_skip, the_value_after_a_key) {
        static const char *const yes[] = { ":{}", " \t\r\n: \n[1]", ":[" };
        static const char *const no[] = { "", " ", ":", ": 1", ":\"a\"", "{}", " \v:{}", ":\f{}", "::{}" };
        for (size_t i = 0; i < ELEMENTSOF(yes); i++) {
                const char *s = yes[i], *v = mg_json_member_container(s, s + strlen(s));
                cr_expect(v && (*v == '{' || *v == '['), "%s: no container found", s);
        }
        for (size_t i = 0; i < ELEMENTSOF(no); i++)
                cr_expect_null(mg_json_member_container(no[i], no[i] + strlen(no[i])), "%s", no[i]);
}

/* ---- the readers against each other ---- */

static size_t differed;

static void check(const char *doc, const char *what) {
        char why[2048];
        int r;
        if (cc_compare(doc, strlen(doc), why, sizeof(why), &r)) {
                differed++;
                cr_log_error("%s: %s", what, why);
        }
}

/* What goes into an unread span somewhere: tokens of the subset and ones it refuses. */
static const char *const inserts[] = {
        "", "1", "-0.5e+3", "\"\\u00e9\\n\\\"\"", "\"\\x\"", "\"\\u12G4\"", "01", "1.", "-", "1e", "tru",
        "nul", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "{1:2}", "\"\x01\"", "\"\x7f\"", "\"\xc3\xa9\"", "\"\xff\"",
        "\v1", "\f1", "/* c */1", "1 2", "]", "}", "[", "{", "\"unfinished", "\"\\u0000\"", "{\"limit\":5}",
        "{\"linux\":{\"resources\":{\"memory\":{\"limit\":5}}}}", "true", "null", "[[[[[[[[]]]]]]]]",
};

/* A config with an unread member "skipme" at the root (depth 1) or in linux (depth 2), padded past
 * config.c's skip threshold, holding ins at one of its places, and the read fields after it. */
static void build(char *out, size_t n, int where, const char *ins, int at) {
        char pad[1200];
        size_t k = 0;
        for (int i = 0; i < 60; i++)
                k += (size_t)snprintf(pad + k, sizeof(pad) - k, "%s\"syscall_%02d\"", i ? ",\n  " : "", i);
        const char *pre = at == 0 ? ins : "", *mid = at == 1 ? ins : "", *post = at == 2 ? ins : "";
        char span[2048];
        snprintf(span, sizeof(span), "{\"names\": [%s%s%s], \"action\": %s\"SCMP_ACT_ERRNO\", \"x\": %s[1]}", pre,
                 *pre ? "," : "", pad, mid, post);
        if (where == 0)
                snprintf(out, n,
                         "{\"ociVersion\":\"1.0.2\",\"skipme\": %s,\"process\":{\"env\":[\"JAVA_TOOL_OPTIONS=-Xmx1g\"]},"
                         "\"linux\":{\"resources\":{\"memory\":{\"limit\":1073741824}}}}",
                         span);
        else
                snprintf(out, n,
                         "{\"ociVersion\":\"1.0.2\",\"linux\":{\"skipme\":\n%s\n,\"resources\":{\"memory\":{\"limit\":"
                         "1073741824}},\"cgroupsPath\":\"/a\"},\"annotations\":{\"k\":\"v\"}}",
                         span);
}

Test(config_skip, the_readers_agree_around_skipped_spans) {
        static char doc[8192];
        size_t n = 0;
        for (int where = 0; where < 2; where++)
                for (size_t i = 0; i < ELEMENTSOF(inserts); i++)
                        for (int at = 0; at < 3; at++) {
                                build(doc, sizeof(doc), where, inserts[i], at);
                                char what[128];
                                snprintf(what, sizeof(what), "depth %d, insert %zu at %d", where + 1, i, at);
                                check(doc, what);
                                n++;
                        }
        /* a document with nothing odd is read whole: the span really is skipped and resumed after */
        build(doc, sizeof(doc), 1, "", 0);
        mg_container_t c = {};
        mg_error_t e = {};
        cr_assert_eq(mg_oci_parse_config(doc, strlen(doc), NULL, &c, &e), 0, "%s", e.msg);
        cr_expect(c.have_limit && c.limit_bytes == 1073741824);
        cr_expect_str_eq(c.cgroups_path, "/a");
        cr_expect_eq(c.nannotations, 1);
        mg_container_free(&c);
        cr_assert_eq(differed, 0, "%zu of %zu documents read differently", differed, n);
}

/* Nesting and values at memgate's limits with the excess inside a skippable span: the limit is
 * still reported (E2BIG), and one below it is still read. */
Test(config_skip, limits_inside_a_skipped_span) {
        static char doc[1 << 16];
        for (int d = 60; d <= 66; d++) {
                size_t k = (size_t)snprintf(doc, sizeof(doc), "{\"ociVersion\":\"1\",\"linux\":{\"skipme\":");
                for (int i = 2; i < d; i++)
                        doc[k++] = '[';
                k += (size_t)snprintf(doc + k, sizeof(doc) - k, "%600s", "");
                for (int i = 2; i < d; i++)
                        doc[k++] = ']';
                snprintf(doc + k, sizeof(doc) - k, "}}");
                char what[32];
                snprintf(what, sizeof(what), "depth %d", d);
                check(doc, what);
                mg_container_t c = {};
                mg_error_t e = {};
                int r = mg_oci_parse_config(doc, strlen(doc), NULL, &c, &e);
                cr_expect_eq(r, d <= MG_JSON_MAX_DEPTH ? 0 : -E2BIG, "depth %d: %d %s", d, r, e.msg);
                mg_container_free(&c);
        }
        cr_assert_eq(differed, 0);
}
