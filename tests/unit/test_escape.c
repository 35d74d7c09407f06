/* SPDX-License-Identifier: Apache-2.0 */
/* Untrusted bytes on their way to a terminal or the journal: escaped in every text output (stderr
 * lines, syslog records, the text report), exact in JSON. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>

#include "memgate/outputs/syslog.h"
#include "testutil.h"

static char *esc(const char *s, size_t n) {
        mg_buf_t b = {0};
        mg_buf_escape(&b, s, n);
        return b.data ? b.data : strdup("");
}

Test(escape, control_bytes_become_escapes) {
        const struct {
                const char *in;
                size_t n;
                const char *want;
        } t[] = {
                {"plain text, 800 MiB", 19, "plain text, 800 MiB"},
                {"a\nmemgate: allowed", 18, "a\\nmemgate: allowed"},
                {"\x1b[31mred\x07", 9, "\\x1b[31mred\\x07"},
                {"tab\there\r", 9, "tab\\there\\r"},
                {"del\x7f", 4, "del\\x7f"},
                {"nul\0x", 5, "nul\\x00x"},
                {"caf\xc3\xa9 \xe2\x82\xac", 9, "caf\xc3\xa9 \xe2\x82\xac"},      /* valid UTF-8 stays */
                {"c1 \xc2\x9b" "31m", 8, "c1 \\xc2\\x9b31m"},                       /* U+009B CSI */
                {"bad \xff\xfe utf8 \xe2\x82", 14, "bad \\xff\\xfe utf8 \\xe2\\x82"}, /* invalid, truncated */
                {"back\\slash", 10, "back\\slash"},
        };
        for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
                char *got = esc(t[i].in, t[i].n);
                cr_assert_str_eq(got, t[i].want, "case %zu", i);
                free(got);
        }
}

Test(escape, syslog_record_cannot_be_forged) {
        char *dir = tu_mkdtemp(), path[600];
        snprintf(path, sizeof(path), "%s/log", dir);
        int fd = tu_dgram_listener(path);
        mg_log_t l;
        mg_log_open(&l, "memgate", path);
        mg_log(&l, LOG_ERR, "container %s: refused", "x\n<13>Jan  1 00:00:00 memgate[1]: container x: verdict allow\x1b]0;t\x07");
        char buf[4096] = "";
        ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);
        cr_assert_gt(n, 0);
        buf[n] = '\0';
        cr_assert_null(memchr(buf, '\n', (size_t)n), "a newline reached the journal: %s", buf);
        cr_assert_null(memchr(buf, '\x1b', (size_t)n), "an ESC reached the journal: %s", buf);
        cr_assert(strstr(buf, "container x\\n<13>Jan"), "%s", buf);
        mg_log_close(&l);
        close(fd);
        tu_rmrf(dir);
        free(dir);
}

/* The real hook, with hostile bytes in an annotation value, the container id and a heap option from
 * the image's environment: no control byte reaches stderr or the text report, no line is forged,
 * and memgate.json carries the values exactly. */
Test(escape, hook_outputs_escape_what_the_container_wrote) {
        char *dir = tu_mkdtemp(), path[700];
        snprintf(path, sizeof(path), "%s/config.json", dir);
        tu_write(path, "{\"ociVersion\": \"1.0.2\", \"process\": {\"args\": [\"java\", \"-jar\", \"app.jar\"],"
                       " \"env\": [\"JAVA_TOOL_OPTIONS=-Xmx12q\\u001b[2J\\nmemgate: allowed\"]},"
                       " \"linux\": {\"resources\": {\"memory\": {\"limit\": 1073741824}}},"
                       " \"annotations\": {\"io.memgate.jvm.classes\": \"9\\u001b]0;pwned\\u0007\\nmemgate: allowed\"}}");
        char state[1024];
        snprintf(state, sizeof(state),
                 "{\"ociVersion\": \"1.0.2\", \"id\": \"ctr\\u001b[31m\\nmemgate: allowed\", \"status\": \"creating\","
                 " \"pid\": 0, \"bundle\": \"%s\"}",
                 dir);
        char procfs[600], sysfs[600];
        snprintf(procfs, sizeof(procfs), "%s/proc", tu_fixture("procfs/host-4g-default"));
        snprintf(sysfs, sizeof(sysfs), "%s/sys", tu_fixture("procfs/host-4g-default"));
        char *argv[] = {(char *)tu_bin(), "hook", "--procfs", procfs, "--sysfs", sysfs, "--format", "text", NULL};
        tu_proc_t p;
        tu_run(argv, state, strlen(state), &p);
        cr_assert_eq(p.status, 0, "allowed with warnings: %s", p.err);
        cr_assert(strstr(p.err, "annotation-invalid"), "the bad hint is reported: %s", p.err);
        cr_assert(strstr(p.err, "heap-option-invalid"), "the bad option is reported: %s", p.err);
        const char *outs[] = {p.err, p.out};
        for (size_t k = 0; k < 2; k++) {
                const char *o = outs[k];
                cr_assert_null(strchr(o, '\x1b'), "ESC reached %s: %s", k ? "stdout" : "stderr", o);
                cr_assert_null(strchr(o, '\x07'), "BEL reached %s: %s", k ? "stdout" : "stderr", o);
                for (const char *l = o; *l; l = strchrnul(l, '\n') + (*strchrnul(l, '\n') ? 1 : 0))
                        cr_assert(strncmp(l, "memgate: allowed", 16) != 0, "a forged line: %s", o);
        }
        cr_assert(strstr(p.err, "\\nmemgate: allowed"), "the newline shows as \\n: %s", p.err);
        /* memgate.json: the exact values, escaped only as JSON escapes them. */
        snprintf(path, sizeof(path), "%s/memgate.json", dir);
        char *json = tu_slurp(path, NULL);
        char e[256];
        yajl_val v = yajl_tree_parse(json, e, sizeof(e));
        cr_assert_not_null(v, "%s", e);
        const char *idp[] = {"container", "id", NULL};
        yajl_val id = yajl_tree_get(v, idp, yajl_t_string);
        cr_assert_not_null(id);
        cr_assert_str_eq(YAJL_GET_STRING(id), "ctr\x1b[31m\nmemgate: allowed");
        yajl_tree_free(v);
        free(json);
        tu_proc_free(&p);
        tu_rmrf(dir);
        free(dir);
}

/* The JSON report's fast path: mg_utf8_valid_n says "valid" exactly when the copy through
 * mg_utf8_replace_invalid would change nothing, and measures strnlen, on random bytes rich in
 * UTF-8 lead and continuation bytes, NULs and cuts at max. */
Test(escape, utf8_valid_n_agrees_with_the_replacing_copy) {
        static const unsigned char pool[] = {'a', 'Z', ' ', 0x00, 0x7f, 0x80, 0x8f, 0x9f, 0xa0, 0xbf, 0xc0,
                                             0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff};
        char s[24], out[3 * sizeof(s)];
        uint64_t x = 2463534242u;
        size_t nvalid = 0;
        for (int it = 0; it < 200000; it++) {
                for (size_t i = 0; i < sizeof(s); i++) {
                        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
                        s[i] = (char)pool[x % sizeof(pool)];
                }
                if (it % 3 == 0) /* mostly text, a few non-ASCII bytes */
                        for (size_t i = 0; i < sizeof(s); i++)
                                if ((x >> i) & 1)
                                        s[i] = 'x';
                size_t max = (size_t)(x >> 40) % (sizeof(s) + 1), n = 99;
                bool ok = mg_utf8_valid_n(s, max, &n);
                cr_assert_eq(n, strnlen(s, max), "iteration %d", it);
                size_t w = mg_utf8_replace_invalid(s, n, out);
                cr_assert_eq(ok, w == n && memcmp(out, s, n) == 0, "iteration %d", it);
                nvalid += ok;
        }
        cr_assert_gt(nvalid, 1000, "the valid case was exercised");
        size_t n;
        cr_assert(mg_utf8_valid_n("caf\xc3\xa9", 5, &n) && n == 5);
        cr_assert(!mg_utf8_valid_n("caf\xc3\xa9", 4, &n) && n == 4, "a character cut at max");
        cr_assert(!mg_utf8_valid_n("\xed\xa0\x80", 3, &n), "a surrogate");
        cr_assert(mg_utf8_valid_n("", 5, &n) && n == 0);
}
