/* SPDX-License-Identifier: Apache-2.0 */
/* oci/annotate.c: the annotations are spliced into the document's text, every other byte kept.
 * Exact outputs for the layouts and key spellings that matter, and the reader's view of the
 * result (annotate_check.h) on every peer config with several sets of annotations. */
#define _GNU_SOURCE /* memmem */
#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "annotate_check.h"
#include "memgate/oci/annotate.h"
#include "memgate/util/read.h"
#include "testutil.h"

static const mg_kv_t kv2[] = {
        { "io.memgate.verdict", "refuse" },
        { "io.memgate.findings", "offheap-margin" },
};

/* The annotated text of in, which must succeed. The caller frees it. */
static char *annotate(const char *in, const mg_kv_t *kv, size_t n) {
        char *out = NULL;
        size_t olen = 0;
        mg_error_t err = {};
        int r = mg_oci_add_annotations(in, strlen(in), "c", kv, n, &out, &olen, &err);
        cr_assert_eq(r, 0, "%s: %s", in, err.msg);
        cr_assert_eq(strlen(out), olen);
        /* A document memgate reads as a config must read back as annotate_check.h says. */
        char why[512];
        mg_container_t c = {};
        if (mg_oci_parse_config(in, strlen(in), "c", &c, &err) == 0)
                cr_assert(!ac_wrong(in, strlen(in), kv, n, out, olen, why, sizeof(why)), "%s -> %s: %s", in, out, why);
        mg_container_free(&c);
        return out;
}

static void expect(const char *in, const char *want) {
        char *out = annotate(in, kv2, 2);
        cr_assert_str_eq(out, want, "from %s", in);
        free(out);
}

Test(annotate, compact_documents_get_compact_members) {
        expect("{}", "{\"annotations\":{\"io.memgate.verdict\":\"refuse\",\"io.memgate.findings\":\"offheap-margin\"}}");
        expect("{\"a\":1.0}", "{\"a\":1.0,\"annotations\":{\"io.memgate.verdict\":\"refuse\","
                              "\"io.memgate.findings\":\"offheap-margin\"}}");
        expect("{\"annotations\":null,\"b\":[]}", "{\"annotations\":{\"io.memgate.verdict\":\"refuse\","
                                                  "\"io.memgate.findings\":\"offheap-margin\"},\"b\":[]}");
        expect("{\"annotations\":{}}", "{\"annotations\":{\"io.memgate.verdict\":\"refuse\","
                                       "\"io.memgate.findings\":\"offheap-margin\"}}");
        /* Replaced where it stands, the new key after the last member, nothing else touched. */
        expect(" {\"x\":\"1\", \"annotations\" : {\"io.memgate.verdict\" : \"allow\" , \"y\":\"2\"} , \"z\":9223372036854771712}\n",
               " {\"x\":\"1\", \"annotations\" : {\"io.memgate.verdict\" : \"refuse\" , \"y\":\"2\","
               "\"io.memgate.findings\":\"offheap-margin\"} , \"z\":9223372036854771712}\n");
}

Test(annotate, indented_documents_get_members_on_lines_of_their_own) {
        expect("{\n  \"ociVersion\": \"1.0.2\"\n}\n",
               "{\n  \"ociVersion\": \"1.0.2\",\n  \"annotations\": {\n    \"io.memgate.verdict\": \"refuse\",\n"
               "    \"io.memgate.findings\": \"offheap-margin\"\n  }\n}\n");
        expect("{\n\t\"annotations\": {\n\t\t\"a\": \"b\"\n\t}\n}",
               "{\n\t\"annotations\": {\n\t\t\"a\": \"b\",\n\t\t\"io.memgate.verdict\": \"refuse\",\n"
               "\t\t\"io.memgate.findings\": \"offheap-margin\"\n\t}\n}");
        expect("{\r\n  \"a\": 1\r\n}", "{\r\n  \"a\": 1,\r\n  \"annotations\": {\r\n    \"io.memgate.verdict\": \"refuse\",\r\n"
                                       "    \"io.memgate.findings\": \"offheap-margin\"\r\n  }\r\n}");
        expect("{\n    \"annotations\": null\n}",
               "{\n    \"annotations\": {\n        \"io.memgate.verdict\": \"refuse\",\n"
               "        \"io.memgate.findings\": \"offheap-margin\"\n    }\n}");
}

Test(annotate, keys_are_matched_as_go_decodes_them) {
        /* The top-level key as Go's field match takes it: any case, U+017F for 's', escaped. */
        expect("{\"ociVersion\":\"1\",\"ANNOTATION\\u017f\":{\"a\":\"1\"}}", "{\"ociVersion\":\"1\",\"ANNOTATION\\u017f\":{\"a\":\"1\",\"io.memgate.verdict\":\"refuse\","
                                           "\"io.memgate.findings\":\"offheap-margin\"}}");
        expect("{\"Annotation\xc5\xbf\":null}", "{\"Annotation\xc5\xbf\":{\"io.memgate.verdict\":\"refuse\","
                                                "\"io.memgate.findings\":\"offheap-margin\"}}");
        /* Map keys exactly, after decoding: an escaped spelling is the same key; every repeat
         * is replaced (Go keeps the last); a key with \u0000 or U+FFFD in it is another key. */
        expect("{\"ociVersion\":\"1\",\"annotations\":{\"io.memgate\\u002everdict\":\"a\",\"io.memgate.verdict\":\"b\","
               "\"io.memgate.findings\\u0000\":\"c\",\"io.memgate.findings\xff\":\"d\"}}",
               "{\"ociVersion\":\"1\",\"annotations\":{\"io.memgate\\u002everdict\":\"refuse\",\"io.memgate.verdict\":\"refuse\","
               "\"io.memgate.findings\\u0000\":\"c\",\"io.memgate.findings\xff\":\"d\","
               "\"io.memgate.findings\":\"offheap-margin\"}}");
        /* A surrogate pair decodes to one character, a lone one to U+FFFD. */
        const mg_kv_t odd[] = { { "k\xf0\x9f\x98\x80", "pair" }, { "l\xef\xbf\xbd", "lone" } };
        char *out = annotate("{\"annotations\":{\"k\\ud83d\\ude00\":\"1\",\"l\\ud83d\":\"2\"}}", odd, 2);
        cr_assert_str_eq(out, "{\"annotations\":{\"k\\ud83d\\ude00\":\"pair\",\"l\\ud83d\":\"lone\"}}");
        free(out);
}

Test(annotate, repeats_in_what_is_added_keep_the_last) {
        const mg_kv_t rep[] = { { "a", "1" }, { "b", "2" }, { "a", "3" } };
        char *out = annotate("{}", rep, 3);
        cr_assert_str_eq(out, "{\"annotations\":{\"b\":\"2\",\"a\":\"3\"}}");
        free(out);
        out = annotate("{\"annotations\":{\"a\":\"0\"}}", rep, 3);
        cr_assert_str_eq(out, "{\"annotations\":{\"a\":\"3\",\"b\":\"2\"}}");
        free(out);
        /* Values are escaped. */
        const mg_kv_t esc[] = { { "q", "\"\\\n\x01/" } };
        out = annotate("{}", esc, 1);
        cr_assert_str_eq(out, "{\"annotations\":{\"q\":\"\\\"\\\\\\n\\u0001/\"}}");
        free(out);
}

Test(annotate, bytes_go_reads_as_replacement_characters_pass_through) {
        /* The tree rewrite refused these (it could not write them back unchanged); a splice
         * leaves them as they were, so runc reads what it would have read without memgate. */
        expect("{\"a\":\"\xff\",\"b\":\"x\\u0000\",\"c\":\"\xc3\xa9\\u00e9\"}",
               "{\"a\":\"\xff\",\"b\":\"x\\u0000\",\"c\":\"\xc3\xa9\\u00e9\",\"annotations\":{"
               "\"io.memgate.verdict\":\"refuse\",\"io.memgate.findings\":\"offheap-margin\"}}");
}

Test(annotate, texts_beyond_the_one_pass_subset_are_validated_then_walked) {
        /* White space yajl takes but json_skip.c does not vouch for, non-ASCII keys and values,
         * escapes: the same splice, by the second pass. */
        expect("{\v\"a\":\"\xc3\xa9\"\f}", "{\v\"a\":\"\xc3\xa9\",\"annotations\":{\"io.memgate.verdict\":\"refuse\","
                                           "\"io.memgate.findings\":\"offheap-margin\"}\f}");
        expect("{\"\xe2\x82\xac\":1,\"annotations\":{\"io.memgate.verdict\":\"\xe2\x82\xac\"}}",
               "{\"\xe2\x82\xac\":1,\"annotations\":{\"io.memgate.verdict\":\"refuse\",\"io.memgate.findings\":\"offheap-margin\"}}");
}

/* buf need not end in a NUL: an all-white-space text read to its last byte and no further. */
Test(annotate, reads_no_byte_past_the_text) {
        long pg = sysconf(_SC_PAGESIZE);
        char *m = mmap(NULL, 2 * (size_t)pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        cr_assert_neq(m, MAP_FAILED);
        cr_assert_eq(mprotect(m + pg, (size_t)pg, PROT_NONE), 0);
        static const char *const texts[] = { "   ", "\n", "{\"a\":\"\\", "{\"a\":\"\\u00", "{\"a\":1}\"", "{}" };
        for (size_t i = 0; i < ELEMENTSOF(texts); i++) {
                size_t l = strlen(texts[i]);
                char *t = m + pg - l, *out = NULL;
                memcpy(t, texts[i], l);
                size_t olen;
                mg_error_t err = {};
                int r = mg_oci_add_annotations(t, l, "config.json", kv2, 2, &out, &olen, &err);
                cr_assert_eq(r == 0, i == ELEMENTSOF(texts) - 1, "%s: %d %s", texts[i], r, err.msg);
                free(out);
        }
        munmap(m, 2 * (size_t)pg);
}

Test(annotate, refusals) {
        static const char *const docs[] = {
                "", "  \n", "[1]", "1", "\"s\"", "{\"a\":", "{\"a\":1}x", "{\"a\":1}{}", "{\"a\" 1}", "{\"a\":01}",
                "{/*c*/}", "{\"annotations\":[]}", "{\"annotations\":\"a=b\"}", "{\"annotations\":{},\"Annotations\":{}}",
                "{\"annotations\":null,\"annotations\":{}}", "{\"a\":\"\xc3\xa9\",}", "{\"a\":\"\t\"}", "{}\"",
                "{\"a\":\"\xc3\xa9\"} \"x",
        };
        for (size_t i = 0; i < ELEMENTSOF(docs); i++) {
                char *out = NULL;
                size_t olen;
                mg_error_t err = {};
                cr_assert_lt(mg_oci_add_annotations(docs[i], strlen(docs[i]), "config.json", kv2, 2, &out, &olen, &err),
                             0, "accepted %s", docs[i]);
                cr_assert(strncmp(err.msg, "config.json: ", 13) == 0, "%s", err.msg);
                cr_assert_null(out);
        }
        char deep[200] = "{\"a\":";
        for (int i = 0; i < 70; i++)
                strcat(deep, "[");
        for (int i = 0; i < 70; i++)
                strcat(deep, "]");
        strcat(deep, "}");
        char *out = NULL;
        size_t olen;
        mg_error_t err = {};
        cr_assert_lt(mg_oci_add_annotations(deep, strlen(deep), "config.json", kv2, 2, &out, &olen, &err), 0);
        cr_assert(strstr(err.msg, "deeper"), "%s", err.msg);
        /* The limits are the reader's: 64 levels with the root, not 65. */
        for (int levels = 63; levels <= 64; levels++) {
                char doc[200] = "{\"a\":";
                for (int i = 0; i < levels; i++)
                        strcat(doc, "[");
                for (int i = 0; i < levels; i++)
                        strcat(doc, "]");
                strcat(doc, "}");
                int r = mg_oci_add_annotations(doc, strlen(doc), "config.json", kv2, 2, &out, &olen, &err);
                cr_assert_eq(r == 0, levels == 63, "%d levels: %d %s", levels + 1, r, r < 0 ? err.msg : "");
                free(out);
                out = NULL;
        }
        /* A syntax error anywhere is the error reported, not what the annotations look like. */
        static const char *const late[] = { "{\"annotations\":[],\"a\":}", "{\"annotations\":1,\"annotations\":{},",
                                            "{\"annotations\":{\"k\":\"v\"},\"a\":1}}" };
        for (size_t i = 0; i < ELEMENTSOF(late); i++) {
                cr_assert_lt(mg_oci_add_annotations(late[i], strlen(late[i]), "config.json", kv2, 2, &out, &olen, &err), 0);
                cr_assert(strstr(err.msg, "not valid JSON"), "%s: %s", late[i], err.msg);
        }
        /* What memgate is asked to add must be UTF-8 it can write. */
        const mg_kv_t bad[] = { { "k", "\xff" } };
        cr_assert_lt(mg_oci_add_annotations("{}", 2, "config.json", bad, 1, &out, &olen, &err), 0);
        cr_assert(strstr(err.msg, "UTF-8"), "%s", err.msg);
}

/* Every peer config, annotated with sets that add, replace and repeat keys, reads back as it
 * must; the bytes that differ lie after the config's "annotations" key, or are one insertion
 * when it had none. */
static const mg_kv_t sets[][3] = {
        { { "io.memgate.verdict", "warn" }, { "io.memgate.findings", "offheap-margin" }, { NULL, NULL } },
        { { "org.opencontainers.image.os", "linux" }, { "x", "1" }, { "x", "2" } },
        { { "com.example.key", "v" }, { "io.memgate.verdict", "allow" }, { "com.example.key", "w" } },
};

static void check_file(const char *path) {
        char *buf = NULL;
        size_t len;
        mg_error_t err = {};
        cr_assert_eq(mg_read_file_at(AT_FDCWD, path, MG_CAP_CONFIG, false, &buf, &len, &err), 0, "%s", err.msg);
        for (size_t s = 0; s < ELEMENTSOF(sets); s++) {
                size_t n = sets[s][2].key ? 3 : 2;
                char *out = NULL, why[512];
                size_t olen;
                cr_assert_eq(mg_oci_add_annotations(buf, len, "c", sets[s], n, &out, &olen, &err), 0, "%s: %s", path,
                             err.msg);
                cr_assert(!ac_wrong(buf, len, sets[s], n, out, olen, why, sizeof(why)), "%s, set %zu: %s", path, s, why);
                /* Nothing before the first change or after the last moved: what differs lies in
                 * the annotations or where they were added. */
                size_t pre = 0, suf = 0;
                while (pre < len && pre < olen && buf[pre] == out[pre])
                        pre++;
                while (suf < len - pre && suf < olen - pre && buf[len - 1 - suf] == out[olen - 1 - suf])
                        suf++;
                const char *ann = memmem(buf, len, "\"annotations\"", 13);
                if (!ann)
                        cr_assert_eq(pre + suf, len, "%s: not a pure insertion", path);
                else
                        cr_assert_gt(buf + pre, ann, "%s: a change before the annotations", path);
                free(out);
        }
        free(buf);
}

static size_t each_config(const char *dir) {
        DIR *d = opendir(dir);
        cr_assert_not_null(d, "%s", dir);
        size_t n = 0;
        struct dirent *de;
        while ((de = readdir(d))) {
                size_t l = strlen(de->d_name);
                if (l < 6 || strcmp(de->d_name + l - 5, ".json") != 0 || strstr(de->d_name, "state"))
                        continue;
                char path[4096];
                snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
                check_file(path);
                n++;
        }
        closedir(d);
        return n;
}

Test(annotate, every_peer_config_reads_back_as_it_must) {
        cr_assert_geq(each_config(tu_peer("runtime-spec-schema-tests/config/good")), 9);
        cr_assert_geq(each_config(tu_peer("generated")), 4);
}
