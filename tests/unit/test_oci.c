/* SPDX-License-Identifier: Apache-2.0 */
/* oci/: the state and config parsers on every real document in tests/fixtures/peer/ and on malformed,
 * deep, huge and ambiguous ones; re-emitting a config with annotations; the JSON report. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <yajl/yajl_tree.h>

#include "memgate/oci/annotate.h"
#include "memgate/oci/parse.h"
#include "memgate/oci/report_json.h"
#include "testutil.h"

/* ---- helpers ---- */

static int parse_config_str(const char *doc, mg_container_t *c, mg_error_t *err) {
        *c = (mg_container_t){};
        return mg_oci_parse_config(doc, strlen(doc), "config.json", c, err);
}

static int parse_state_str(const char *doc, mg_state_t *s, mg_error_t *err) {
        *s = (mg_state_t){};
        return mg_oci_parse_state(doc, strlen(doc), "state", s, err);
}

/* Reads with the product's own reader, as main does (NUL check, cap). */
static char *read_doc(const char *path, size_t *len) {
        char *buf = NULL;
        mg_error_t err = {};
        int r = mg_read_file_at(AT_FDCWD, path, MG_CAP_CONFIG, false, &buf, len, &err);
        cr_assert_eq(r, 0, "reading %s: %s", path, err.msg);
        return buf;
}

typedef void (*file_fn)(const char *path, const char *base);

static size_t for_each_json(const char *dir, file_fn fn) {
        DIR *d = opendir(dir);
        cr_assert_not_null(d, "cannot open %s: %s", dir, strerror(errno));
        size_t n = 0;
        struct dirent *de;
        while ((de = readdir(d))) {
                size_t l = strlen(de->d_name);
                if (l < 6 || strcmp(de->d_name + l - 5, ".json") != 0)
                        continue;
                char path[4096];
                snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
                fn(path, de->d_name);
                n++;
        }
        closedir(d);
        return n;
}

static bool ends_with(const char *s, const char *suffix) {
        size_t a = strlen(s), b = strlen(suffix);
        return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* Deep equality of two yajl trees: types, string bytes, number text, key order. */
static bool json_equal(yajl_val a, yajl_val b) {
        if (!a || !b || a->type != b->type)
                return false;
        switch (a->type) {
        case yajl_t_string:
                return strcmp(a->u.string, b->u.string) == 0;
        case yajl_t_number:
                return strcmp(a->u.number.r, b->u.number.r) == 0;
        case yajl_t_array:
                if (a->u.array.len != b->u.array.len)
                        return false;
                for (size_t i = 0; i < a->u.array.len; i++)
                        if (!json_equal(a->u.array.values[i], b->u.array.values[i]))
                                return false;
                return true;
        case yajl_t_object:
                if (a->u.object.len != b->u.object.len)
                        return false;
                for (size_t i = 0; i < a->u.object.len; i++)
                        if (strcmp(a->u.object.keys[i], b->u.object.keys[i]) != 0 ||
                            !json_equal(a->u.object.values[i], b->u.object.values[i]))
                                return false;
                return true;
        default:
                return true;
        }
}

static yajl_val obj_get(yajl_val o, const char *key) {
        cr_assert(YAJL_IS_OBJECT(o), "not an object when looking up %s", key);
        for (size_t i = 0; i < o->u.object.len; i++)
                if (strcmp(o->u.object.keys[i], key) == 0)
                        return o->u.object.values[i];
        return NULL;
}

static yajl_val parse_tree(const char *text) {
        char ebuf[256] = "";
        yajl_val v = yajl_tree_parse(text, ebuf, sizeof(ebuf));
        cr_assert_not_null(v, "output does not parse: %s\n%s", ebuf, text);
        return v;
}

/* ---- depth, emptiness, NUL, comments ---- */

static char *deep_doc(size_t depth, const char *prefix) {
        size_t pl = strlen(prefix);
        char *d = malloc(pl + 2 * depth + 2);
        memcpy(d, prefix, pl);
        memset(d + pl, '[', depth);
        memset(d + pl + depth, ']', depth);
        strcpy(d + pl + 2 * depth, pl ? "}" : "");
        return d;
}

Test(oci_depth, hundred_thousand_deep_arrays_are_refused_not_crashed) {
        mg_error_t err = {};
        mg_container_t c;
        mg_state_t s;
        char *d = deep_doc(100000, "");
        cr_assert_eq(mg_json_check_depth(d, strlen(d), MG_JSON_MAX_DEPTH, &err), -E2BIG);
        cr_assert(strstr(err.msg, "deeper than 64"), "%s", err.msg);
        free(d);

        d = deep_doc(300000, "{\"ociVersion\":\"1.0.0\",\"x\":");
        cr_assert_lt(parse_config_str(d, &c, &err), 0);
        cr_assert(strstr(err.msg, "config.json") && strstr(err.msg, "nested deeper"), "%s", err.msg);
        cr_assert_lt(parse_state_str(d, &s, &err), 0);
        free(d);
}

Test(oci_depth, limit_is_exact_and_strings_do_not_count) {
        mg_error_t err = {};
        char *d = deep_doc(64, "");
        cr_assert_eq(mg_json_check_depth(d, strlen(d), 64, &err), 0, "%s", err.msg);
        free(d);
        d = deep_doc(65, "");
        cr_assert_eq(mg_json_check_depth(d, strlen(d), 64, &err), -E2BIG);
        free(d);
        /* Brackets inside strings, escaped quotes and escaped backslashes before a quote. */
        const char *s1 = "{\"a\":\"[[[[\\\"[[[[{{{\",\"b\":\"\\\\\",\"c\":[1]}";
        cr_assert_eq(mg_json_check_depth(s1, strlen(s1), 2, &err), 0, "%s", err.msg);
        const char *s2 = "{\"a\":\"\\\\\",\"b\":[[[1]]]}"; /* the \\ must not swallow the closing quote */
        cr_assert_eq(mg_json_check_depth(s2, strlen(s2), 3, &err), -E2BIG);
}

Test(oci_depth, too_many_values_are_refused_before_yajl_builds_a_tree) {
        /* 8 M numbers in a 16 MiB config made yajl's tree take 740 MB; the scan stops that. */
        size_t n = (size_t)MG_JSON_MAX_VALUES + 10, off = 0;
        char *d = malloc(n * 2 + 64);
        off += (size_t)sprintf(d, "{\"ociVersion\":\"1.0.0\",\"x\":[");
        for (size_t i = 0; i < n; i++) {
                d[off++] = '1';
                d[off++] = ',';
        }
        strcpy(d + off - 1, "]}");
        mg_container_t c;
        mg_error_t err = {};
        cr_assert_eq(mg_oci_parse_config(d, strlen(d), "config.json", &c, &err), -E2BIG);
        cr_assert(strstr(err.msg, "more than 262144 values"), "%s", err.msg);
        /* Commas inside strings are not values. */
        strcpy(d, "{\"ociVersion\":\"1.0.0\",\"x\":\"");
        off = strlen(d);
        memset(d + off, ',', n);
        strcpy(d + off + n, "\"}");
        cr_assert_eq(mg_oci_parse_config(d, strlen(d), "config.json", &c, &err), 0, "%s", err.msg);
        mg_container_free(&c);
        free(d);
}

Test(oci_depth, comments_are_refused_so_they_cannot_hide_brackets) {
        mg_error_t err = {};
        mg_container_t c;
        /* yajl_tree_parse accepts comments; a quote inside one would desynchronise a naive scan. */
        const char *doc = "{\"ociVersion\":\"1.0.0\" /* \" */, \"x\": [[1]]}";
        cr_assert_lt(parse_config_str(doc, &c, &err), 0);
        cr_assert(strstr(err.msg, "comments"), "%s", err.msg);
        cr_assert_lt(parse_config_str("{\"ociVersion\":\"1.0.0\"} // x", &c, &err), 0);
        /* A slash inside a string is data. */
        cr_assert_eq(parse_config_str("{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"/a//b\"}}", &c, &err), 0,
                     "%s", err.msg);
        cr_assert_str_eq(c.root_path, "/a//b");
        mg_container_free(&c);
}

Test(oci_input, empty_whitespace_and_nul_are_refused_clearly) {
        mg_error_t err = {};
        mg_state_t s;
        cr_assert_eq(mg_oci_parse_state("", 0, "state", &s, &err), -ENODATA);
        cr_assert(strstr(err.msg, "empty"), "%s", err.msg);
        cr_assert_eq(mg_oci_parse_state(" \n\t ", 4, "state", &s, &err), -ENODATA);
        const char nul[] = "{\"id\":\"a\0b\"}";
        cr_assert_eq(mg_oci_parse_state(nul, sizeof(nul) - 1, "state", &s, &err), -EBADMSG);
        cr_assert(strstr(err.msg, "NUL"), "%s", err.msg);
}

Test(oci_input, truncated_and_invalid_json_name_the_document) {
        mg_error_t err = {};
        mg_state_t s;
        size_t len;
        char *buf = tu_slurp(tu_fixture("oci/truncated-state.json"), &len);
        cr_assert_eq(mg_oci_parse_state(buf, len, "state on stdin", &s, &err), -EBADMSG);
        cr_assert(strstr(err.msg, "state on stdin: not valid JSON"), "%s", err.msg);
        cr_assert_null(strchr(err.msg, '\n'), "yajl's multi-line message should be cut: %s", err.msg);
        free(buf);
        cr_assert_lt(parse_state_str("{\"ociVersion\":\"1\",}", &s, &err), 0);
        cr_assert_lt(parse_state_str("{\"a\":1} {\"b\":2}", &s, &err), 0); /* trailing document */
}

Test(oci_input, top_level_must_be_an_object) {
        mg_error_t err = {};
        mg_container_t c;
        mg_state_t s;
        const char *docs[] = { "[]", "\"x\"", "42", "null", "true" };
        for (size_t i = 0; i < ELEMENTSOF(docs); i++) {
                cr_assert_eq(parse_config_str(docs[i], &c, &err), -EINVAL, "%s", docs[i]);
                cr_assert(strstr(err.msg, "must be a JSON object"), "%s", err.msg);
                cr_assert_eq(parse_state_str(docs[i], &s, &err), -EINVAL, "%s", docs[i]);
        }
}

/* ---- every real document ---- */

static void config_ok(const char *path, const char *base) {
        size_t len;
        char *buf = read_doc(path, &len);
        mg_container_t c = {};
        mg_error_t err = {};
        cr_assert_eq(mg_oci_parse_config(buf, len, base, &c, &err), 0, "%s: %s", path, err.msg);
        cr_assert_not_null(c.oci_version, "%s", path);
        bool non_linux = strstr(base, "freebsd") || strstr(base, "zos") || strstr(base, "minimal");
        if (strstr(base, "freebsd") || strstr(base, "zos"))
                cr_assert(!c.is_linux, "%s has no linux object", path);
        else if (!non_linux)
                cr_assert(c.is_linux, "%s has a linux object", path);
        mg_container_free(&c);
        free(buf);
}

Test(oci_peer, every_good_and_generated_config_is_accepted) {
        size_t n = for_each_json(tu_peer("runtime-spec-schema-tests/config/good"), config_ok);
        cr_assert_geq(n, 9);
        const char *gen[] = { "runc-1.1.5-spec.json", "crun-1.8.1-spec.json", "podman-4.3.1-config.json",
                              "podman-4.3.1-memory-1g-java-env-config.json" };
        char path[4096];
        for (size_t i = 0; i < ELEMENTSOF(gen); i++) {
                snprintf(path, sizeof(path), "%s", tu_peer("generated"));
                size_t l = strlen(path);
                snprintf(path + l, sizeof(path) - l, "/%s", gen[i]);
                config_ok(path, gen[i]);
        }
}

static void state_ok(const char *path, const char *base) {
        size_t len;
        char *buf = read_doc(path, &len);
        mg_state_t s = {};
        mg_error_t err = {};
        cr_assert_eq(mg_oci_parse_state(buf, len, base, &s, &err), 0, "%s: %s", path, err.msg);
        cr_assert(s.id && s.status && s.bundle && s.oci_version);
        cr_assert_gt(s.pid, 0, "%s", path);
        mg_state_free(&s);
        free(buf);
}

static void maybe_state_ok(const char *path, const char *base) {
        if (ends_with(base, "-state.json"))
                state_ok(path, base);
}

Test(oci_peer, every_good_and_generated_state_is_accepted) {
        cr_assert_eq(for_each_json(tu_peer("runtime-spec-schema-tests/state/good"), state_ok), 1);
        for_each_json(tu_peer("generated"), maybe_state_ok);
}

/* What each schema-invalid config does to memgate. Schema validity is runc's business; memgate
 * reads a few fields strictly and must never crash. Files whose only fault is in a field memgate
 * does not read (hugepageLimits.pageSize, netDevices name, rdma hcaHandles, a FreeBSD jail vnet
 * value) parse fine: refusing them would give the hook a reason to fail open on a config runc
 * itself rejects anyway. The one that is not JSON is refused. */
static void config_bad(const char *path, const char *base) {
        size_t len;
        char *buf = read_doc(path, &len);
        mg_container_t c = {};
        mg_error_t err = {};
        int r = mg_oci_parse_config(buf, len, base, &c, &err);
        if (strcmp(base, "invalid-json.json") == 0) {
                cr_assert_eq(r, -EBADMSG, "%s", path);
                cr_assert(strstr(err.msg, "invalid-json.json: not valid JSON"), "%s", err.msg);
        } else {
                cr_assert_eq(r, 0, "%s: %s", path, err.msg);
                cr_assert_eq(c.is_linux, strncmp(base, "linux-", 6) == 0, "%s", path);
                cr_assert(!c.have_limit);
        }
        mg_container_free(&c);
        free(buf);
}

Test(oci_peer, every_bad_config_is_handled_as_documented) {
        cr_assert_eq(for_each_json(tu_peer("runtime-spec-schema-tests/config/bad"), config_bad), 5);
}

Test(oci_peer, bad_state_is_refused) {
        size_t len;
        char *buf = read_doc(tu_peer("runtime-spec-schema-tests/state/bad/invalid-json.json"), &len);
        mg_state_t s = {};
        mg_error_t err = {};
        cr_assert_eq(mg_oci_parse_state(buf, len, "state", &s, &err), -EBADMSG);
        free(buf);
}

/* yajl's verbose message quotes the document after its first line; a "(null)" or yajl's own
 * "client cancelled" text there is the document's, not yajl failing to allocate (fuzz-config). */
Test(oci_peer, a_quoted_null_is_a_syntax_error_not_out_of_memory) {
        static const char *const docs[] = {
                "{\"ociVersion\": \"1.0.2\", \"id\": \"(null)\" x}",
                "{\"id\": \"client cancelled parse via callback return value\" x}",
        };
        for (size_t i = 0; i < ELEMENTSOF(docs); i++) {
                mg_state_t s = {};
                mg_error_t err = {};
                cr_assert_eq(mg_oci_parse_state(docs[i], strlen(docs[i]), "state", &s, &err), -EBADMSG, "%s: %s",
                             docs[i], err.msg);
                cr_assert(strstr(err.msg, "not valid JSON"), "%s", err.msg);
        }
}

Test(oci_peer, podman_1g_java_config) {
        size_t len;
        char *buf = read_doc(tu_peer("generated/podman-4.3.1-memory-1g-java-env-config.json"), &len);
        mg_container_t c = {};
        mg_error_t err = {};
        cr_assert_eq(mg_oci_parse_config(buf, len, "config.json", &c, &err), 0, "%s", err.msg);
        cr_assert(c.is_linux && c.have_limit);
        cr_assert_eq(c.limit_bytes, 1073741824ULL);
        cr_assert(c.have_swap);
        cr_assert_eq(c.swap, 2147483648LL);
        cr_assert(!c.have_reservation);
        cr_assert_str_eq(mg_env_find(c.env, c.nenv, "JAVA_TOOL_OPTIONS"), "-Xmx800m");
        cr_assert_str_eq(c.env[0], "JAVA_TOOL_OPTIONS=-Xmx800m"); /* order as given */
        cr_assert_eq(c.nargs, 2);
        cr_assert_str_eq(c.args[0], "/bin/echo");
        cr_assert_str_eq(mg_kv_find(c.annotations, c.nannotations, "io.podman.annotations.autoremove"), "TRUE");
        cr_assert_not_null(c.cgroups_path);
        cr_assert(strncmp(c.cgroups_path, "/libpod_parent/libpod-", 22) == 0, "%s", c.cgroups_path);
        mg_container_free(&c);
        free(buf);

        /* The same podman without -m: no limit. */
        buf = read_doc(tu_peer("generated/podman-4.3.1-config.json"), &len);
        cr_assert_eq(mg_oci_parse_config(buf, len, "config.json", &c, &err), 0, "%s", err.msg);
        cr_assert(!c.have_limit && !c.have_swap);
        cr_assert_null(mg_env_find(c.env, c.nenv, "JAVA_TOOL_OPTIONS"));
        mg_container_free(&c);
        free(buf);
}

Test(oci_peer, runc_and_crun_state_flavours) {
        size_t len;
        mg_state_t s = {};
        mg_error_t err = {};
        char *buf = read_doc(tu_peer("generated/runc-1.1.5-prestart-state.json"), &len);
        cr_assert_eq(mg_oci_parse_state(buf, len, "state", &s, &err), 0, "%s", err.msg);
        cr_assert_str_eq(s.status, "creating");
        cr_assert_str_eq(s.id, "cap1");
        cr_assert_eq(s.pid, 16891);
        cr_assert_str_eq(s.bundle, "/run/bundles/demo");
        cr_assert_null(s.root);
        cr_assert_str_eq(mg_kv_find(s.annotations, s.nannotations, "a"), "b");
        mg_state_free(&s);
        free(buf);

        buf = read_doc(tu_fixture("oci/crun-state.json"), &len);
        cr_assert_eq(mg_oci_parse_state(buf, len, "state", &s, &err), 0, "%s", err.msg);
        cr_assert_str_eq(s.status, "created");
        cr_assert_str_eq(s.root, "/run/crun/c1");
        cr_assert_eq(s.pid, 4242);
        mg_state_free(&s);
        free(buf);

        buf = read_doc(tu_peer("generated/podman-4.3.1-runc-createRuntime-state.json"), &len);
        cr_assert_eq(mg_oci_parse_state(buf, len, "state", &s, &err), 0, "%s", err.msg);
        cr_assert_str_eq(mg_kv_find(s.annotations, s.nannotations, "io.memgate.verdict"), "warn");
        cr_assert_eq(s.nannotations, 9);
        mg_state_free(&s);
        free(buf);
}

/* ---- state fields ---- */

#define STATE_BASE "\"ociVersion\":\"1.0.2\",\"id\":\"c\",\"bundle\":\"/b\""

Test(oci_state, statuses_known_and_unknown) {
        mg_state_t s;
        mg_error_t err = {};
        const char *ok[] = { "creating", "created", "running", "stopped" };
        char doc[256];
        for (size_t i = 0; i < ELEMENTSOF(ok); i++) {
                snprintf(doc, sizeof(doc), "{" STATE_BASE ",\"status\":\"%s\"}", ok[i]);
                cr_assert_eq(parse_state_str(doc, &s, &err), 0, "%s: %s", ok[i], err.msg);
                cr_assert_eq(s.pid, 0); /* absent pid */
                mg_state_free(&s);
        }
        cr_assert_eq(parse_state_str("{" STATE_BASE ",\"status\":\"paused\"}", &s, &err), -EINVAL);
        cr_assert(strstr(err.msg, "\"status\"") && strstr(err.msg, "paused"), "%s", err.msg);
        cr_assert_eq(parse_state_str("{" STATE_BASE ",\"status\":1}", &s, &err), -EINVAL);
        cr_assert(strstr(err.msg, "\"status\" must be a string, got number"), "%s", err.msg);
}

Test(oci_state, required_fields_and_types) {
        mg_state_t s;
        mg_error_t err = {};
        cr_assert_eq(parse_state_str("{\"id\":\"c\",\"status\":\"created\",\"bundle\":\"/b\"}", &s, &err), -EINVAL);
        cr_assert(strstr(err.msg, "\"ociVersion\" is required"), "%s", err.msg);
        cr_assert_eq(parse_state_str("{\"ociVersion\":\"1\",\"status\":\"created\",\"bundle\":\"/b\"}", &s, &err),
                     -EINVAL);
        cr_assert(strstr(err.msg, "\"id\" is required"), "%s", err.msg);
        cr_assert_eq(parse_state_str("{\"ociVersion\":\"1\",\"id\":\"c\",\"status\":\"created\"}", &s, &err), -EINVAL);
        cr_assert(strstr(err.msg, "\"bundle\" is required"), "%s", err.msg);
        cr_assert_eq(parse_state_str("{" STATE_BASE ",\"status\":\"created\",\"id\":[]}", &s, &err), -EINVAL);
        cr_assert(strstr(err.msg, "\"id\" must be a string, got array"), "%s", err.msg);
        cr_assert_eq(parse_state_str("{" STATE_BASE ",\"status\":\"created\",\"root\":5}", &s, &err), -EINVAL);
        cr_assert(strstr(err.msg, "\"root\""), "%s", err.msg);
        cr_assert_eq(parse_state_str("{\"ociVersion\":\"1\",\"id\":\"c\",\"status\":\"created\",\"bundle\":\"rel\"}",
                                     &s, &err), -EINVAL);
        cr_assert(strstr(err.msg, "absolute"), "%s", err.msg);
}

Test(oci_state, pid_range) {
        mg_state_t s;
        mg_error_t err = {};
        cr_assert_eq(parse_state_str("{" STATE_BASE ",\"status\":\"created\",\"pid\":-1}", &s, &err), -ERANGE);
        cr_assert(strstr(err.msg, "\"pid\" is out of range: -1"), "%s", err.msg);
        cr_assert_eq(parse_state_str("{" STATE_BASE ",\"status\":\"created\",\"pid\":1099511627776}", &s, &err),
                     -ERANGE); /* 2^40 */
        cr_assert_eq(parse_state_str("{" STATE_BASE ",\"status\":\"created\",\"pid\":123456789012345678901}", &s,
                                     &err), -ERANGE);
        cr_assert_eq(parse_state_str("{" STATE_BASE ",\"status\":\"created\",\"pid\":12.5}", &s, &err), -EINVAL);
        cr_assert(strstr(err.msg, "must be an integer"), "%s", err.msg);
        cr_assert_eq(parse_state_str("{" STATE_BASE ",\"status\":\"created\",\"pid\":\"12\"}", &s, &err), -EINVAL);
        cr_assert_eq(parse_state_str("{" STATE_BASE ",\"status\":\"created\",\"pid\":2147483647}", &s, &err), 0,
                     "%s", err.msg);
        cr_assert_eq(s.pid, 2147483647);
        mg_state_free(&s);
}

Test(oci_state, annotations_must_be_strings) {
        mg_state_t s;
        mg_error_t err = {};
        cr_assert_eq(parse_state_str("{" STATE_BASE ",\"status\":\"created\",\"annotations\":{\"a\":1}}", &s, &err),
                     -EINVAL);
        cr_assert(strstr(err.msg, "\"annotations\" value of \"a\" must be a string, got number"), "%s", err.msg);
        cr_assert_eq(parse_state_str("{" STATE_BASE ",\"status\":\"created\",\"annotations\":[\"a\"]}", &s, &err),
                     -EINVAL);
        cr_assert_eq(parse_state_str("{" STATE_BASE ",\"status\":\"created\",\"annotations\":{\"a\":{}}}", &s, &err),
                     -EINVAL);
}

/* ---- config fields ---- */

#define CFG(rest) "{\"ociVersion\":\"1.0.2\"" rest "}"

Test(oci_config, memory_limit_values) {
        mg_container_t c;
        mg_error_t err = {};
        /* runc's shape of "unlimited" on cgroup v1: the page-rounded int64 max. */
        cr_assert_eq(parse_config_str(CFG(",\"linux\":{\"resources\":{\"memory\":{\"limit\":9223372036854771712}}}"),
                                      &c, &err), 0, "%s", err.msg);
        cr_assert(c.have_limit);
        cr_assert_eq(c.limit_bytes, 9223372036854771712ULL);
        mg_container_free(&c);
        cr_assert_eq(parse_config_str(CFG(",\"linux\":{\"resources\":{\"memory\":{\"limit\":-1,\"swap\":-1}}}"), &c,
                                      &err), 0, "%s", err.msg);
        cr_assert(!c.have_limit && c.have_swap);
        cr_assert_eq(c.swap, -1);
        mg_container_free(&c);
        cr_assert_eq(parse_config_str(CFG(",\"linux\":{\"resources\":{\"memory\":{\"limit\":0,\"reservation\":5}}}"),
                                      &c, &err), 0, "%s", err.msg);
        cr_assert(!c.have_limit && c.have_reservation);
        cr_assert_eq(c.reservation_bytes, 5);
        mg_container_free(&c);
        cr_assert_eq(parse_config_str(CFG(",\"linux\":{\"resources\":{\"memory\":{\"limit\":null}}}"), &c, &err), 0);
        cr_assert(!c.have_limit);
        mg_container_free(&c);
}

Test(oci_config, memory_limit_refusals_name_the_path) {
        mg_container_t c;
        mg_error_t err = {};
        cr_assert_eq(parse_config_str(CFG(",\"linux\":{\"resources\":{\"memory\":{\"limit\":\"1g\"}}}"), &c, &err),
                     -EINVAL);
        cr_assert_str_eq(err.msg, "config.json: \"linux.resources.memory.limit\" must be an integer, got string");
        cr_assert_eq(parse_config_str(CFG(",\"linux\":{\"resources\":{\"memory\":{\"limit\":18446744073709551616}}}"),
                                      &c, &err), -ERANGE);
        cr_assert(strstr(err.msg, "\"linux.resources.memory.limit\" is out of range: 18446744073709551616"), "%s",
                  err.msg);
        cr_assert_eq(parse_config_str(CFG(",\"linux\":{\"resources\":{\"memory\":{\"limit\":10000000000000000000}}}"),
                                      &c, &err), -ERANGE); /* 20 digits, above INT64_MAX */
        cr_assert_eq(parse_config_str(CFG(",\"linux\":{\"resources\":{\"memory\":{\"limit\":1.0}}}"), &c, &err), -EINVAL);
        cr_assert_eq(parse_config_str(CFG(",\"linux\":{\"resources\":{\"memory\":{\"limit\":1e9}}}"), &c, &err), -EINVAL);
        cr_assert_eq(parse_config_str(CFG(",\"linux\":{\"resources\":{\"memory\":{\"limit\":-2}}}"), &c, &err), -ERANGE);
        cr_assert_eq(parse_config_str(CFG(",\"linux\":{\"resources\":{\"memory\":{\"swap\":true}}}"), &c, &err), -EINVAL);
        cr_assert(strstr(err.msg, "\"linux.resources.memory.swap\" must be an integer, got boolean"), "%s", err.msg);
        cr_assert_eq(parse_config_str(CFG(",\"linux\":{\"resources\":{\"memory\":[]}}"), &c, &err), -EINVAL);
        cr_assert(strstr(err.msg, "\"linux.resources.memory\" must be an object, got array"), "%s", err.msg);
        cr_assert_eq(parse_config_str(CFG(",\"linux\":\"yes\""), &c, &err), -EINVAL);
        cr_assert(strstr(err.msg, "\"linux\" must be an object, got string"), "%s", err.msg);
}

Test(oci_config, wrong_types_for_every_field_read) {
        mg_container_t c;
        mg_error_t err = {};
        static const struct {
                const char *doc, *path;
        } cases[] = {
                { "{\"ociVersion\":1}", "\"ociVersion\" must be a string" },
                { "{}", "\"ociVersion\" is required" },
                { CFG(",\"process\":[]"), "\"process\" must be an object" },
                { CFG(",\"process\":{\"args\":\"java -Xmx1g\"}"), "\"process.args\" must be an array of strings" },
                { CFG(",\"process\":{\"args\":[\"java\",1]}"), "\"process.args[1]\" must be a string, got number" },
                { CFG(",\"process\":{\"env\":{\"A\":\"1\"}}"), "\"process.env\" must be an array of strings, got object" },
                { CFG(",\"annotations\":[]"), "\"annotations\" must be an object of strings, got array" },
                { CFG(",\"annotations\":{\"io.memgate.policy\":false}"), "value of \"io.memgate.policy\" must be a string" },
                { CFG(",\"linux\":{\"cgroupsPath\":7}"), "\"linux.cgroupsPath\" must be a string, got number" },
                { CFG(",\"linux\":{\"resources\":{\"cpu\":{\"mems\":0}}}"), "\"linux.resources.cpu.mems\" must be a string" },
                { CFG(",\"linux\":{\"resources\":{\"cpu\":5}}"), "\"linux.resources.cpu\" must be an object" },
                { CFG(",\"root\":{\"path\":[]}"), "\"root.path\" must be a string, got array" },
                { CFG(",\"root\":\"rootfs\""), "\"root\" must be an object, got string" },
                { CFG(",\"linux\":{\"resources\":{\"memory\":{\"reservation\":{}}}}"),
                  "\"linux.resources.memory.reservation\" must be an integer, got object" },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                int r = parse_config_str(cases[i].doc, &c, &err);
                cr_assert_lt(r, 0, "accepted %s", cases[i].doc);
                cr_assert(strstr(err.msg, cases[i].path), "%s: got \"%s\"", cases[i].doc, err.msg);
                cr_assert(strncmp(err.msg, "config.json: ", 13) == 0, "%s", err.msg);
        }
        size_t len;
        char *buf = tu_slurp(tu_fixture("oci/args-env-wrong-type.json"), &len);
        cr_assert_eq(mg_oci_parse_config(buf, len, "config.json", &c, &err), -EINVAL);
        cr_assert(strstr(err.msg, "\"process.env[1]\" must be a string, got number"), "%s", err.msg);
        free(buf);
}

Test(oci_config, process_absent_and_optional_fields) {
        mg_container_t c;
        mg_error_t err = {};
        cr_assert_eq(parse_config_str(CFG(",\"root\":{\"path\":\"rootfs\"}"), &c, &err), 0, "%s", err.msg);
        cr_assert(!c.is_linux && !c.have_limit);
        cr_assert_eq(c.nargs, 0);
        cr_assert_null(c.args);
        cr_assert_null(mg_env_find(c.env, c.nenv, "PATH"));
        mg_container_free(&c);
        cr_assert_eq(parse_config_str(CFG(",\"linux\":{\"cgroupsPath\":\"system.slice:x:y\",\"resources\":{\"cpu\":"
                                          "{\"mems\":\"0-1\"}}},\"process\":{\"args\":[\"a\",null]}"), &c, &err), 0,
                     "%s", err.msg);
        cr_assert(c.is_linux);
        cr_assert_str_eq(c.cgroups_path, "system.slice:x:y");
        cr_assert_str_eq(c.cpuset_mems, "0-1");
        cr_assert_eq(c.nargs, 2);
        cr_assert_str_eq(c.args[1], ""); /* Go decodes a null element to "" */
        mg_container_free(&c);
        /* "linux": null is a nil pointer to runc: not a Linux config. */
        cr_assert_eq(parse_config_str(CFG(",\"linux\":null"), &c, &err), 0, "%s", err.msg);
        cr_assert(!c.is_linux);
        mg_container_free(&c);
}

/* ---- ambiguity: memgate must read what runc reads ---- */

Test(oci_ambiguity, duplicate_keys_last_wins_objects_merge) {
        mg_container_t c;
        mg_error_t err = {};
        cr_assert_eq(parse_config_str(CFG(",\"linux\":{\"resources\":{\"memory\":{\"limit\":1073741824,"
                                          "\"limit\":68719476736}}}"), &c, &err), 0, "%s", err.msg);
        cr_assert_eq(c.limit_bytes, 68719476736ULL);
        mg_container_free(&c);
        /* The other way round: a small limit after a big one is what runc applies. */
        cr_assert_eq(parse_config_str(CFG(",\"linux\":{\"resources\":{\"memory\":{\"limit\":68719476736}}},"
                                          "\"linux\":{\"resources\":{\"memory\":{\"limit\":1073741824}}}"), &c, &err), 0);
        cr_assert_eq(c.limit_bytes, 1073741824ULL);
        mg_container_free(&c);
        /* A later null resets the pointer: no limit. */
        cr_assert_eq(parse_config_str(CFG(",\"linux\":{\"resources\":{\"memory\":{\"limit\":1073741824}}},"
                                          "\"linux\":{\"resources\":null}"), &c, &err), 0);
        cr_assert(!c.have_limit && c.is_linux);
        mg_container_free(&c);
        /* Every occurrence is type-checked, as Go's decoder does (runc then refuses the document). */
        cr_assert_eq(parse_config_str(CFG(",\"linux\":{\"resources\":{\"memory\":{\"limit\":\"x\","
                                          "\"limit\":1073741824}}}"), &c, &err), -EINVAL);
        /* Env from an earlier process object survives a later one without env; args are replaced. */
        size_t len;
        char *buf = tu_slurp(tu_fixture("oci/dup-keys-config.json"), &len);
        cr_assert_eq(mg_oci_parse_config(buf, len, "config.json", &c, &err), 0, "%s", err.msg);
        cr_assert_eq(c.limit_bytes, 68719476736ULL);
        cr_assert_eq(c.nargs, 2);
        cr_assert_str_eq(c.args[1], "-version");
        cr_assert_str_eq(mg_env_find(c.env, c.nenv, "JAVA_TOOL_OPTIONS"), "-Xmx800m");
        mg_container_free(&c);
        free(buf);
        /* Annotations: repeated keys replace, repeated objects merge. */
        cr_assert_eq(parse_config_str(CFG(",\"annotations\":{\"a\":\"1\",\"b\":\"2\",\"a\":\"3\"},"
                                          "\"annotations\":{\"c\":\"4\"}"), &c, &err), 0);
        cr_assert_eq(c.nannotations, 3);
        cr_assert_str_eq(mg_kv_find(c.annotations, c.nannotations, "a"), "3");
        cr_assert_str_eq(mg_kv_find(c.annotations, c.nannotations, "c"), "4");
        mg_container_free(&c);
        /* State: the last id. */
        mg_state_t s;
        cr_assert_eq(parse_state_str("{" STATE_BASE ",\"status\":\"created\",\"id\":\"second\",\"pid\":1,\"pid\":2}",
                                     &s, &err), 0, "%s", err.msg);
        cr_assert_str_eq(s.id, "second");
        cr_assert_eq(s.pid, 2);
        mg_state_free(&s);
}

Test(oci_ambiguity, keys_match_case_insensitively_like_go) {
        mg_container_t c;
        mg_error_t err = {};
        cr_assert_eq(parse_config_str(CFG(",\"Linux\":{\"RESOURCES\":{\"Memory\":{\"Limit\":1073741824}}}"), &c, &err),
                     0, "%s", err.msg);
        cr_assert(c.is_linux && c.have_limit);
        cr_assert_eq(c.limit_bytes, 1073741824ULL);
        mg_container_free(&c);
        /* U+017F (long s) folds to 's' and U+212A (Kelvin) to 'k' in Go's key match. */
        cr_assert_eq(parse_config_str(CFG(",\"linux\":{\"re\xc5\xbfources\":{\"memory\":{\"limit\":1073741824}}},"
                                          "\"process\":{\"env\":[\"JAVA_TOOL_OPTIONS=-Xmx800m\"]}"), &c, &err), 0);
        cr_assert_eq(c.limit_bytes, 1073741824ULL);
        mg_container_free(&c);
        /* Dotless i does not fold to i in Go: not the limit. */
        cr_assert_eq(parse_config_str(CFG(",\"linux\":{\"resources\":{\"memory\":{\"l\xc4\xb1mit\":1073741824}}}"), &c,
                                      &err), 0);
        cr_assert(!c.have_limit);
        mg_container_free(&c);
}

Test(oci_ambiguity, nul_escape_does_not_alias_a_key) {
        mg_container_t c;
        mg_error_t err = {};
        /* Go sees "limit\u0000x" as another key; a C string would end at the NUL and alias "limit". */
        cr_assert_eq(parse_config_str(CFG(",\"linux\":{\"resources\":{\"memory\":{\"limit\":1073741824,"
                                          "\"limit\\u0000x\":68719476736}}}"), &c, &err), 0, "%s", err.msg);
        cr_assert_eq(c.limit_bytes, 1073741824ULL);
        mg_container_free(&c);
        /* A \\u0000 that is an escaped backslash followed by text is left alone. */
        cr_assert_eq(parse_config_str(CFG(",\"root\":{\"path\":\"a\\\\u0000\"}"), &c, &err), 0, "%s", err.msg);
        cr_assert_str_eq(c.root_path, "a\\u0000");
        mg_container_free(&c);
}

Test(oci_ambiguity, invalid_utf8_becomes_replacement_chars_like_go) {
        mg_container_t c;
        mg_error_t err = {};
        /* Go's decoder turns each invalid byte into U+FFFD; yajl would refuse the document, which in
         * hook mode would be an internal error (fail open) on a config runc accepts. */
        cr_assert_eq(parse_config_str(CFG(",\"process\":{\"env\":[\"A=\xff\xfe\",\"B=\xed\xa0\x80\"]}"), &c, &err), 0,
                     "%s", err.msg);
        cr_assert_str_eq(mg_env_find(c.env, c.nenv, "A"), "\xef\xbf\xbd\xef\xbf\xbd");
        cr_assert_str_eq(mg_env_find(c.env, c.nenv, "B"), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"); /* a surrogate */
        mg_container_free(&c);
        /* Valid multi-byte text passes untouched. */
        cr_assert_eq(parse_config_str(CFG(",\"annotations\":{\"k\":\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x90\xb3\"}"), &c,
                                      &err), 0);
        cr_assert_str_eq(c.annotations[0].value, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x90\xb3");
        mg_container_free(&c);
        /* Outside a string it is a syntax error. */
        cr_assert_eq(parse_config_str("{\"ociVersion\":\"1\",\xff:1}", &c, &err), -EBADMSG);
}

Test(oci_lookup, env_and_kv_find) {
        char *env[] = { "A=1", "JAVA_TOOL_OPTIONS=-Xmx1g", "AB=2", "A=3", "NOEQ", "JAVA_TOOL_OPTIONS=-Xmx800m" };
        cr_assert_str_eq(mg_env_find(env, 6, "A"), "3");
        cr_assert_str_eq(mg_env_find(env, 6, "AB"), "2");
        cr_assert_str_eq(mg_env_find(env, 6, "JAVA_TOOL_OPTIONS"), "-Xmx800m");
        cr_assert_null(mg_env_find(env, 6, "NOEQ"));
        cr_assert_null(mg_env_find(env, 6, "JAVA"));
        cr_assert_null(mg_env_find(env, 6, "A=1"));
        cr_assert_null(mg_env_find(NULL, 0, "A"));
        mg_kv_t kv[] = { { "a", "1" }, { "b", "2" }, { "a", "3" } };
        cr_assert_str_eq(mg_kv_find(kv, 3, "a"), "3");
        cr_assert_str_eq(mg_kv_find(kv, 3, "b"), "2");
        cr_assert_null(mg_kv_find(kv, 3, "c"));
        cr_assert_null(mg_kv_find(NULL, 0, "a"));
}

/* ---- add_annotations ---- */

static const mg_kv_t add_kv[] = {
        { "io.memgate.verdict", "refuse" },
        { "io.memgate.findings", "offheap-margin,commit-exhausted" },
};

/* out must equal in, except that its annotations are in's (if any) followed by add_kv. */
static void check_round_trip(const char *in_text, const char *out_text, const char *what) {
        yajl_val in = parse_tree(in_text), out = parse_tree(out_text);
        cr_assert(YAJL_IS_OBJECT(out), "%s", what);
        yajl_val in_ann = obj_get(in, "annotations");
        size_t extra = in_ann ? 0 : 1;
        cr_assert_eq(out->u.object.len, in->u.object.len + extra, "%s: top-level key count", what);
        for (size_t i = 0; i < in->u.object.len; i++) {
                cr_assert_str_eq(out->u.object.keys[i], in->u.object.keys[i], "%s: key order", what);
                if (strcmp(in->u.object.keys[i], "annotations") == 0)
                        continue;
                cr_assert(json_equal(in->u.object.values[i], out->u.object.values[i]), "%s: \"%s\" changed", what,
                          in->u.object.keys[i]);
        }
        /* Existing annotations keep their place (a memgate key among them gets the new value),
         * keys not there before follow in the order given. */
        yajl_val out_ann = obj_get(out, "annotations");
        cr_assert(YAJL_IS_OBJECT(out_ann), "%s", what);
        size_t nin = in_ann ? in_ann->u.object.len : 0, nnew = 0;
        for (size_t i = 0; i < nin; i++) {
                const char *k = in_ann->u.object.keys[i];
                const char *nv = mg_kv_find(add_kv, ELEMENTSOF(add_kv), k);
                cr_assert_str_eq(out_ann->u.object.keys[i], k, "%s", what);
                if (nv)
                        cr_assert_str_eq(out_ann->u.object.values[i]->u.string, nv, "%s: %s replaced", what, k);
                else
                        cr_assert(json_equal(out_ann->u.object.values[i], in_ann->u.object.values[i]));
        }
        for (size_t i = 0; i < ELEMENTSOF(add_kv); i++) {
                if (in_ann && obj_get(in_ann, add_kv[i].key))
                        continue;
                cr_assert_lt(nin + nnew, out_ann->u.object.len, "%s", what);
                cr_assert_str_eq(out_ann->u.object.keys[nin + nnew], add_kv[i].key);
                cr_assert_str_eq(out_ann->u.object.values[nin + nnew]->u.string, add_kv[i].value);
                nnew++;
        }
        cr_assert_eq(out_ann->u.object.len, nin + nnew, "%s", what);
        yajl_tree_free(in);
        yajl_tree_free(out);
}

static void round_trip_file(const char *path, const char *base) {
        size_t len, olen;
        char *buf = read_doc(path, &len), *out = NULL;
        mg_error_t err = {};
        int r = mg_oci_add_annotations(buf, len, base, add_kv, ELEMENTSOF(add_kv), &out, &olen, &err);
        cr_assert_eq(r, 0, "%s: %s", path, err.msg);
        cr_assert_eq(strlen(out), olen);
        check_round_trip(buf, out, path);
        /* And memgate reads its own output back with the annotations. */
        mg_container_t c = {};
        cr_assert_eq(mg_oci_parse_config(out, olen, base, &c, &err), 0, "%s: %s", path, err.msg);
        cr_assert_str_eq(mg_kv_find(c.annotations, c.nannotations, "io.memgate.verdict"), "refuse");
        mg_container_free(&c);
        free(out);
        free(buf);
}

static void maybe_round_trip(const char *path, const char *base) {
        if (!ends_with(base, "-state.json"))
                round_trip_file(path, base);
}

Test(oci_annotate, round_trip_on_every_peer_config) {
        cr_assert_geq(for_each_json(tu_peer("runtime-spec-schema-tests/config/good"), round_trip_file), 9);
        for_each_json(tu_peer("generated"), maybe_round_trip);
}

Test(oci_annotate, numbers_strings_and_order_survive) {
        const char *in = "{\"a\":1.0,\"big\":9223372036854771712,\"huge\":123456789012345678901234567890,"
                         "\"neg\":-0,\"exp\":1E+2,\"s\":\"/p\\u00e9\\n\\\"\\\\\\t\xe2\x82\xac\",\"b\":[true,false,null],"
                         "\"annotations\":{\"x\":\"1\",\"io.memgate.verdict\":\"allow\",\"y\":\"2\"},\"z\":{}}";
        char *out = NULL;
        size_t olen;
        mg_error_t err = {};
        cr_assert_eq(mg_oci_add_annotations(in, strlen(in), "c", add_kv, 2, &out, &olen, &err), 0, "%s", err.msg);
        cr_assert(strstr(out, "1.0"), "%s", out);
        cr_assert(strstr(out, "9223372036854771712"), "%s", out);
        cr_assert(strstr(out, "123456789012345678901234567890"), "%s", out);
        cr_assert(strstr(out, "1E+2"), "%s", out);
        cr_assert(strstr(out, "\"/p"), "solidus escaped: %s", out);
        cr_assert(strstr(out, "\\u00e9") && strstr(out, "\xe2\x82\xac"), "unicode not passed through: %s", out);
        yajl_val o = parse_tree(out), a = obj_get(o, "annotations");
        cr_assert_str_eq(obj_get(o, "s")->u.string, "/p\xc3\xa9\n\"\\\t\xe2\x82\xac");
        /* Replaced in place, new key at the end, others untouched. */
        cr_assert_eq(a->u.object.len, 4);
        cr_assert_str_eq(a->u.object.keys[0], "x");
        cr_assert_str_eq(a->u.object.keys[1], "io.memgate.verdict");
        cr_assert_str_eq(a->u.object.values[1]->u.string, "refuse");
        cr_assert_str_eq(a->u.object.keys[2], "y");
        cr_assert_str_eq(a->u.object.keys[3], "io.memgate.findings");
        cr_assert_str_eq(o->u.object.keys[o->u.object.len - 1], "z");
        yajl_tree_free(o);
        free(out);
}

Test(oci_annotate, refusals) {
        char *out = NULL;
        size_t olen;
        mg_error_t err = {};
        const char *docs[] = { "[1]", "{\"annotations\":[]}", "{\"annotations\":\"a=b\"}",
                               "{\"annotations\":{},\"Annotations\":{}}", "", "{\"a\":" };
        for (size_t i = 0; i < ELEMENTSOF(docs); i++) {
                cr_assert_lt(mg_oci_add_annotations(docs[i], strlen(docs[i]), "config.json", add_kv, 2, &out, &olen,
                                                    &err), 0, "accepted %s", docs[i]);
                cr_assert(strncmp(err.msg, "config.json: ", 13) == 0, "%s", err.msg);
        }
        cr_assert_null(out);
        /* Invalid UTF-8 in a value memgate is asked to add is refused by the generator. */
        mg_kv_t bad[] = { { "k", "\xff" } };
        cr_assert_lt(mg_oci_add_annotations("{}", 2, "config.json", bad, 1, &out, &olen, &err), 0);
        /* "annotations": null becomes an object with the new keys. */
        cr_assert_eq(mg_oci_add_annotations("{\"annotations\":null}", 20, "c", add_kv, 2, &out, &olen, &err), 0,
                     "%s", err.msg);
        yajl_val o = parse_tree(out);
        cr_assert_eq(obj_get(o, "annotations")->u.object.len, 2);
        yajl_tree_free(o);
        free(out);
}

/* ---- the JSON report ---- */

static void fill_report(mg_report_t *r, mg_host_t *h, mg_model_t *m) {
        *r = (mg_report_t){ .verdict = MG_VERDICT_REFUSE };
        mg_finding_t *f = &r->findings[r->n++];
        snprintf(f->code, sizeof(f->code), "memavailable-zero");
        f->severity = MG_SEV_REFUSE;
        snprintf(f->message, sizeof(f->message), "MemAvailable is 0 kB while MemFree is 2.8 GiB");
        snprintf(f->fix, sizeof(f->fix), "sysctl -w vm.min_free_kbytes=67584");
        f->ev[f->nev++] = (mg_evidence_t){ .key = "memavailable_kb", .type = MG_EV_U64, .u = 0 };
        f->ev[f->nev++] = (mg_evidence_t){ .key = "headroom_kb", .type = MG_EV_I64, .i = -42 };
        f->ev[f->nev++] = (mg_evidence_t){ .key = "sysctl", .type = MG_EV_STR, .s = "vm.min_free_kbytes" };
        f->ev[f->nev++] = (mg_evidence_t){ .key = "reconstructed", .type = MG_EV_BOOL, .b = true };
        f = &r->findings[r->n++];
        snprintf(f->code, sizeof(f->code), "watermark-misconfigured");
        f->severity = MG_SEV_WARN;
        /* A message cut by snprintf inside a UTF-8 character must not break the generator. */
        snprintf(f->message, sizeof(f->message), "cut \xe2\x82");

        *h = (mg_host_t){ .page_kb = 4 };
        snprintf(h->kernel, sizeof(h->kernel), "6.18.0");
        h->vm.have_overcommit_memory = true;
        h->vm.overcommit_memory = 2;
        h->vm.have_min_free_kbytes = true;
        h->vm.min_free_kbytes = 2097152;
        const char *names[] = { "MemTotal", "MemFree", "MemAvailable", "HugePages_Total" };
        uint64_t vals[] = { 24567890, 2900000, 0, 0 };
        for (size_t i = 0; i < 4; i++) {
                snprintf(h->meminfo.f[i].name, sizeof(h->meminfo.f[i].name), "%s", names[i]);
                h->meminfo.f[i].value = vals[i];
                h->meminfo.f[i].kb = i < 3;
        }
        h->meminfo.n = 4;
        h->have_zoneinfo = true;
        h->nzones = 1;
        static mg_zone_t zone;
        h->zones = &zone;
        h->zones[0] = (mg_zone_t){ .node = 0, .name = "Normal", .free = 100, .min = 10, .low = 20, .high = 30,
                                   .managed = 1000, .protection = { 0, 5 }, .nprotection = 2 };
        *m = (mg_model_t){ .memavailable_kb = 0, .kernel_memavailable_kb = 0, .have_kernel_memavailable = true,
                           .have_memavailable = true, .reconstructed = true, .commit_limit_kb = 7000000, .kernel_commit_limit_kb = 7000000,
                           .committed_as_kb = 6999999, .commit_headroom_kb = INT64_MAX, .totalreserve_kb = 3000000,
                           .heuristic = MG_HEUR_MODERN, .overcommit_memory = 2 };
}

Test(oci_report, parses_back_with_typed_evidence_and_host) {
        mg_report_t r;
        mg_host_t h;
        mg_model_t m;
        fill_report(&r, &h, &m);
        mg_report_ctx_t ctx = { .mode = "host", .report = &r, .host = &h, .model = &m };
        char *out = NULL;
        size_t olen;
        mg_error_t err = {};
        cr_assert_eq(mg_oci_report_json(&ctx, &out, &olen, &err), 0, "%s", err.msg);
        cr_assert_eq(strlen(out), olen);
        yajl_val o = parse_tree(out);
        cr_assert_str_eq(obj_get(o, "verdict")->u.string, "refuse");
        cr_assert_str_eq(obj_get(o, "mode")->u.string, "host");
        cr_assert_null(obj_get(o, "truncated"));
        yajl_val fs = obj_get(o, "findings");
        cr_assert(YAJL_IS_ARRAY(fs));
        cr_assert_eq(fs->u.array.len, 2);
        yajl_val f0 = fs->u.array.values[0];
        cr_assert_str_eq(obj_get(f0, "code")->u.string, "memavailable-zero");
        cr_assert_str_eq(obj_get(f0, "severity")->u.string, "refuse");
        cr_assert_str_eq(obj_get(f0, "fix")->u.string, "sysctl -w vm.min_free_kbytes=67584");
        yajl_val ev = obj_get(f0, "evidence");
        cr_assert(YAJL_IS_INTEGER(obj_get(ev, "memavailable_kb")));
        cr_assert_eq(obj_get(ev, "headroom_kb")->u.number.i, -42);
        cr_assert_str_eq(obj_get(ev, "sysctl")->u.string, "vm.min_free_kbytes");
        cr_assert(YAJL_IS_TRUE(obj_get(ev, "reconstructed")));
        cr_assert_str_eq(obj_get(fs->u.array.values[1], "severity")->u.string, "warn");
        cr_assert_str_eq(obj_get(fs->u.array.values[1], "message")->u.string, "cut \xef\xbf\xbd\xef\xbf\xbd");

        yajl_val host = obj_get(o, "host");
        cr_assert_str_eq(obj_get(host, "kernel")->u.string, "6.18.0");
        cr_assert_eq(obj_get(host, "overcommit_memory")->u.number.i, 2);
        yajl_val mi = obj_get(host, "meminfo");
        cr_assert_eq(mi->u.object.len, 4);
        for (size_t i = 0; i < 4; i++)
                cr_assert_str_eq(mi->u.object.keys[i], h.meminfo.f[i].name, "meminfo order");
        cr_assert_eq(obj_get(mi, "MemTotal")->u.number.i, 24567890);
        yajl_val mo = obj_get(host, "model");
        cr_assert_str_eq(obj_get(mo, "heuristic")->u.string, "modern");
        cr_assert_str_eq(obj_get(mo, "commit_headroom_kb")->u.number.r, "9223372036854775807");
        cr_assert_eq(obj_get(mo, "committed_as_kb")->u.number.i, 6999999);
        cr_assert(YAJL_IS_TRUE(obj_get(mo, "reconstructed")));
        yajl_val z = obj_get(host, "zones");
        cr_assert_eq(z->u.array.len, 1);
        cr_assert_eq(obj_get(z->u.array.values[0], "protection_pages")->u.array.len, 2);
        cr_assert_eq(obj_get(obj_get(host, "vm"), "min_free_kbytes")->u.number.i, 2097152);
        cr_assert(YAJL_IS_NULL(obj_get(o, "container")), "host mode has no container");
        yajl_tree_free(o);
        free(out);
}

Test(oci_report, container_state_and_truncation) {
        mg_report_t r;
        mg_host_t h;
        mg_model_t m;
        fill_report(&r, &h, &m);
        r.truncated = true;
        size_t len;
        char *buf = read_doc(tu_peer("generated/podman-4.3.1-memory-1g-java-env-config.json"), &len);
        mg_container_t c = {};
        mg_error_t err = {};
        cr_assert_eq(mg_oci_parse_config(buf, len, "config.json", &c, &err), 0, "%s", err.msg);
        free(buf);
        mg_state_t s = {};
        buf = read_doc(tu_peer("generated/runc-1.1.5-createRuntime-state.json"), &len);
        cr_assert_eq(mg_oci_parse_state(buf, len, "state", &s, &err), 0, "%s", err.msg);
        free(buf);

        mg_report_ctx_t ctx = { .mode = "hook", .report = &r, .host = &h, .model = &m, .container = &c, .state = &s,
                                .effective_limit_bytes = 536870912 };
        char *out = NULL;
        size_t olen;
        cr_assert_eq(mg_oci_report_json(&ctx, &out, &olen, &err), 0, "%s", err.msg);
        yajl_val o = parse_tree(out);
        cr_assert(YAJL_IS_TRUE(obj_get(o, "truncated")));
        yajl_val ct = obj_get(o, "container");
        cr_assert(YAJL_IS_OBJECT(ct));
        cr_assert_eq(obj_get(ct, "limit_bytes")->u.number.i, 1073741824);
        cr_assert_eq(obj_get(ct, "swap")->u.number.i, 2147483648LL);
        cr_assert_eq(obj_get(ct, "effective_limit_bytes")->u.number.i, 536870912);
        cr_assert_str_eq(obj_get(ct, "id")->u.string, "cap1");
        cr_assert_eq(obj_get(ct, "pid")->u.number.i, 16891);
        cr_assert_str_eq(obj_get(ct, "bundle")->u.string, "/run/bundles/demo");
        cr_assert_eq(obj_get(ct, "args")->u.array.len, 2);
        yajl_val env = obj_get(ct, "env");
        cr_assert_str_eq(obj_get(env, "JAVA_TOOL_OPTIONS")->u.string, "-Xmx800m");
        cr_assert_null(obj_get(env, "PATH"), "only heap-sizing variables are copied");
        cr_assert_eq(obj_get(ct, "annotations")->u.object.len, c.nannotations);
        yajl_tree_free(o);
        free(out);
        mg_container_free(&c);
        mg_state_free(&s);
}

/* ---- bounded in time ---- */

#include <time.h>

static double now_s(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

Test(oci_bounds, many_annotations_and_env_repeats_stay_fast) {
        /* 100,000 annotation entries (every key twice) and 200,000 GOGC= entries: a quadratic
         * dedup would take minutes here. The annotations are spread over 500 repeated objects
         * (Go merges them): yajl grows an object's arrays one key at a time, which is quadratic
         * under ASan's copying realloc, and that is yajl's cost, not the one measured here. */
        size_t n = 50000, per = 200, cap = 2 * n * 32 + 256, off = 0;
        char *d = malloc(cap);
        off += (size_t)snprintf(d, cap, "{\"ociVersion\":\"1.0.0\"");
        for (size_t pass = 0; pass < 2; pass++)
                for (size_t i = 0; i < n; i++) {
                        if (i % per == 0)
                                off += (size_t)snprintf(d + off, cap - off, ",\"annotations\":{");
                        off += (size_t)snprintf(d + off, cap - off, "\"k%zu\":\"v%zu\"%s", i, pass,
                                                i % per == per - 1 ? "}" : ",");
                }
        snprintf(d + off, cap - off, "}");

        double t0 = now_s();
        mg_container_t c = {};
        mg_error_t err = {};
        cr_assert_eq(mg_oci_parse_config(d, strlen(d), "config.json", &c, &err), 0, "%s", err.msg);
        cr_assert_eq(c.nannotations, n);
        cr_assert_str_eq(c.annotations[7].key, "k7");
        cr_assert_str_eq(c.annotations[7].value, "v1");

        size_t nenv = 200000;
        char **env = calloc(nenv, sizeof(char *));
        for (size_t i = 0; i < nenv; i++)
                cr_assert_gt(asprintf(&env[i], "GOGC=%zu", i), 0);
        c.env = env;
        c.nenv = nenv;
        mg_report_t r = {};
        mg_report_ctx_t ctx = { .mode = "check", .report = &r, .container = &c };
        char *out = NULL;
        size_t olen;
        cr_assert_eq(mg_oci_report_json(&ctx, &out, &olen, &err), 0, "%s", err.msg);
        double dt = now_s() - t0;
        yajl_val o = parse_tree(out), ct = obj_get(o, "container");
        cr_assert_str_eq(obj_get(obj_get(ct, "env"), "GOGC")->u.string, "199999");
        cr_assert(YAJL_IS_TRUE(obj_get(ct, "annotations_truncated")));
        cr_assert_lt(dt, 5.0, "took %.1f s", dt);
        yajl_tree_free(o);
        free(out);
        mg_container_free(&c);
        free(d);
}

/* A report many times the generator's first buffer (32 findings, 16 string evidence each, every
 * fixed-size field full and not NUL-terminated, cut inside a UTF-8 character): it grows without
 * losing a byte, and each string comes back as the field held it, the cut character replaced. */
Test(oci_report, large_report_grows_and_keeps_every_string) {
        mg_report_t *r = calloc(1, sizeof(*r));
        mg_host_t h = { .page_kb = 4 };
        cr_assert_not_null(r);
        for (size_t i = 0; i < MG_FINDINGS_MAX; i++) {
                mg_finding_t *f = &r->findings[r->n++];
                snprintf(f->code, sizeof(f->code), "code-%zu", i);
                memset(f->message, 'm', sizeof(f->message));
                memcpy(f->message + sizeof(f->message) - 2, "\xc3\xa9", 2); /* full, no NUL */
                memset(f->fix, 'f', sizeof(f->fix) - 1);
                f->fix[sizeof(f->fix) - 2] = '\xe2';                           /* cut: no continuation */
                for (size_t k = 0; k < MG_EVIDENCE_MAX; k++) {
                        mg_evidence_t *e = &f->ev[f->nev++];
                        memset(e->key, 'k', sizeof(e->key));
                        e->key[0] = (char)('A' + k);
                        e->type = MG_EV_STR;
                        memset(e->s, 's', sizeof(e->s));
                        e->s[sizeof(e->s) - 1] = '\xc3'; /* the lead byte of a character cut off */
                }
        }
        mg_report_ctx_t ctx = { .mode = "host", .report = r, .host = &h };
        char *out = NULL;
        size_t olen;
        mg_error_t err = {};
        cr_assert_eq(mg_oci_report_json(&ctx, &out, &olen, &err), 0, "%s", err.msg);
        cr_assert_eq(strlen(out), olen);
        cr_assert_gt(olen, 4 * 16384, "the report outgrew the first buffer: %zu bytes", olen);
        yajl_val o = parse_tree(out);
        yajl_val fs = obj_get(o, "findings");
        cr_assert_eq(fs->u.array.len, MG_FINDINGS_MAX);
        char want_msg[MG_MESSAGE_MAX + 1], want_fix[MG_FIX_MAX + 4], want_s[sizeof(r->findings[0].ev[0].s) + 4];
        memcpy(want_msg, r->findings[0].message, sizeof(want_msg) - 1);
        want_msg[sizeof(want_msg) - 1] = '\0';
        snprintf(want_fix, sizeof(want_fix), "%.*s\xef\xbf\xbd", MG_FIX_MAX - 2, r->findings[0].fix);
        snprintf(want_s, sizeof(want_s), "%.*s\xef\xbf\xbd", (int)sizeof(want_s) - 5, r->findings[0].ev[0].s);
        for (size_t i = 0; i < MG_FINDINGS_MAX; i++) {
                yajl_val f = fs->u.array.values[i];
                char code[32];
                snprintf(code, sizeof(code), "code-%zu", i);
                cr_assert_str_eq(obj_get(f, "code")->u.string, code);
                cr_assert_str_eq(obj_get(f, "message")->u.string, want_msg);
                cr_assert_str_eq(obj_get(f, "fix")->u.string, want_fix);
                yajl_val ev = obj_get(f, "evidence");
                cr_assert_eq(ev->u.object.len, MG_EVIDENCE_MAX);
                for (size_t k = 0; k < MG_EVIDENCE_MAX; k++) {
                        cr_assert_eq(strlen(ev->u.object.keys[k]), sizeof(r->findings[0].ev[0].key));
                        cr_assert_eq(ev->u.object.keys[k][0], 'A' + (int)k);
                        cr_assert_str_eq(ev->u.object.values[k]->u.string, want_s);
                }
        }
        yajl_tree_free(o);
        free(out);
        free(r);
}
