/* SPDX-License-Identifier: Apache-2.0 */
/* Untrusted JSON in: the checks that run before yajl sees a byte (size, NUL, nesting depth,
 * comments), the rewrite that makes yajl's strings the ones Go decodes, and the parse itself. */
#define _GNU_SOURCE /* memmem */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_parse.h>

#include "json.h"
#include "memgate/oci/parse.h"
#include "memgate/util/escape.h"
#include "memgate/util/number.h"

/* One scan for both limits: nesting depth, and the number of values (each opening bracket and
 * each comma starts one; an object member counts once), which is what yajl's tree costs memory
 * for: about 90 bytes each, so a 16 MiB config of "1,1,1,..." would otherwise take 740 MB.
 * max_values 0: no limit. */
static int scan(const char *buf, size_t len, unsigned max_depth, size_t max_values, size_t *ret_values,
                mg_error_t *err) {
        unsigned depth = 0;
        size_t values = 0;
        bool in_string = false;

        if (!buf)
                return mg_error_set(err, -EINVAL, "no document");
        for (size_t i = 0; i < len; i++) {
                char c = buf[i];
                if (in_string) {
                        if (c == '\\')
                                i++; /* whatever follows is escaped, including a quote */
                        else if (c == '"')
                                in_string = false;
                        continue;
                }
                switch (c) {
                case '"':
                        in_string = true;
                        break;
                case ',':
                        if (max_values && ++values > max_values)
                                return mg_error_set(err, -E2BIG, "has more than %zu values", max_values);
                        break;
                case '[':
                case '{':
                        if (max_values && ++values > max_values)
                                return mg_error_set(err, -E2BIG, "has more than %zu values", max_values);
                        if (++depth > max_depth)
                                return mg_error_set(err, -E2BIG, "nested deeper than %u levels at byte %zu",
                                                    max_depth, i);
                        break;
                case ']':
                case '}':
                        if (depth > 0) /* an unbalanced close is yajl's to report */
                                depth--;
                        break;
                case '/':
                        /* yajl_tree_parse accepts comments, Go's decoder (runc) does not; a comment
                         * would also hide brackets and quotes from this scan. */
                        return mg_error_set(err, -EBADMSG, "comments are not JSON (byte %zu)", i);
                case '\0':
                        return mg_error_set(err, -EBADMSG, "contains a NUL byte at byte %zu", i);
                default:
                        break;
                }
        }
        if (ret_values)
                *ret_values = values;
        return 0;
}

int mg_json_check_depth(const char *buf, size_t len, unsigned max_depth, mg_error_t *err) {
        return scan(buf, len, max_depth, 0, NULL, err);
}

static bool is_u0000(const char *s, size_t n) {
        return n >= 6 && s[0] == '\\' && s[1] == 'u' && memcmp(s + 2, "0000", 4) == 0;
}

/* One pass over the strings: counts the rewrites needed and, with out, performs them. Returns the
 * number of extra bytes the rewrite needs (each invalid byte becomes 3), or sets *changes. */
static size_t sanitize_pass(const char *buf, size_t len, char *out, size_t *ret_changes) {
        static const char fffd[] = "\xEF\xBF\xBD";
        bool in_string = false;
        size_t extra = 0, changes = 0, o = 0;

        for (size_t i = 0; i < len;) {
                unsigned char c = (unsigned char)buf[i];
                if (!in_string) {
                        if (c == '"')
                                in_string = true;
                        if (out)
                                out[o++] = (char)c;
                        i++;
                        continue;
                }
                if (c == '"') {
                        in_string = false;
                        if (out)
                                out[o++] = (char)c;
                        i++;
                } else if (c == '\\') {
                        if (is_u0000(buf + i, len - i)) {
                                changes++;
                                if (out) {
                                        memcpy(out + o, "\\uFFFD", 6);
                                        o += 6;
                                }
                                i += 6;
                        } else {
                                size_t k = i + 1 < len ? 2 : 1;
                                if (out) {
                                        memcpy(out + o, buf + i, k);
                                        o += k;
                                }
                                i += k;
                        }
                } else {
                        size_t k = mg_utf8_valid_len((const unsigned char *)buf + i, len - i);
                        if (k == 0) {
                                changes++;
                                extra += 2;
                                if (out) {
                                        memcpy(out + o, fffd, 3);
                                        o += 3;
                                }
                                i++;
                        } else {
                                if (out) {
                                        memcpy(out + o, buf + i, k);
                                        o += k;
                                }
                                i += k;
                        }
                }
        }
        if (out)
                out[o] = '\0';
        if (ret_changes)
                *ret_changes = changes;
        return extra;
}

/* Whether sanitize_pass could find anything to rewrite: only a byte above 0x7F (invalid UTF-8 is
 * made of those) or a \u0000 escape can need it. Most configs are ASCII without one, and this
 * check (32 bytes at a time, then glibc's memchr for the backslashes) is far cheaper than the
 * pass itself. A false "maybe" (an escaped backslash before "u0000", valid UTF-8) only costs the
 * full pass. */
static bool maybe_needs_sanitizing(const char *buf, size_t len) {
        size_t i = 0;
        for (; i + 32 <= len; i += 32) {
                uint64_t w[4];
                memcpy(w, buf + i, 32);
                if ((w[0] | w[1] | w[2] | w[3]) & 0x8080808080808080ull)
                        return true;
        }
        for (; i < len; i++)
                if ((unsigned char)buf[i] & 0x80)
                        return true;
        for (const char *p = buf, *e = buf + len; (p = memchr(p, '\\', (size_t)(e - p))); p++)
                if (e - p >= 6 && memcmp(p + 1, "u0000", 5) == 0)
                        return true;
        return false;
}

/* yajl's messages span lines and quote the input with a caret; keep the first line. */
static void yajl_message(const char *ebuf, char *out, size_t n) {
        size_t l = strcspn(ebuf, "\n");
        while (l > 0 && (ebuf[l - 1] == ' ' || ebuf[l - 1] == '.'))
                l--;
        snprintf(out, n, "%.*s", (int)l, ebuf);
}

/* What yajl_tree_parse may need at most for a document of len bytes and values values: a copy of
 * each string (its lexer decodes escapes into a buffer of its own) and a node of about 90 bytes,
 * with its slot in the parent, per value. */
static size_t probe_size(size_t len, size_t values) {
        size_t a, b, sz;
        if (mg_mul_u64(len, 2, &a) < 0 || mg_mul_u64(values, 128, &b) < 0 || mg_add_u64(a, b, &sz) < 0)
                return SIZE_MAX;
        return sz;
}

size_t mg_json_stream_probe_size(size_t len) {
        size_t sz;
        if (mg_mul_u64(len, 3, &sz) < 0 || mg_add_u64(sz, 16384, &sz) < 0)
                return SIZE_MAX;
        return sz;
}

/* yajl's lexer and tree builder write through a failed allocation in places (its decode buffer
 * for escaped strings), which is a segfault under memory pressure rather than an error. So before
 * yajl sees the document, that much memory must be obtainable: reserved and given back at once
 * (address space only, the pages are never touched), so a parse that could not finish is refused
 * as out of memory instead. */
int mg_json_memory_probe(size_t sz, const char *name, mg_error_t *err) {
        void *p = sz == SIZE_MAX ? NULL : malloc(sz);
        if (!p)
                return mg_error_set(err, -ENOMEM, "%s: out of memory: parsing it needs about %zu MiB", name,
                                    (sz >> 20) + 1);
        free(p);
        return 0;
}

/* Whether yajl_tree_parse failed for want of memory rather than on the document. yajl says so
 * only in ways that read like a corrupt document: its tree builder cancels the parse when a
 * malloc fails ("client cancelled parse via callback return value"; the tree's callbacks cancel
 * for nothing else on a document the lexer accepted), and when the message itself cannot be
 * allocated it prints "(null)" or nothing. malloc leaves errno at ENOMEM; yajl makes no other call
 * that sets it to that. */
static bool yajl_failed_for_memory(int saved_errno, const char *ebuf) {
        /* Only yajl's own first line: the lines after it quote the document, which may say "(null)"
         * itself (the config fuzzer found one that was reported as out of memory). */
        size_t l = strcspn(ebuf, "\n");
        static const char cancelled[] = "client cancelled parse via callback return value";
        return saved_errno == ENOMEM || l == 0 || memmem(ebuf, l, "(null)", 6) ||
               memmem(ebuf, l, cancelled, sizeof(cancelled) - 1);
}

int mg_json_precheck(const char *buf, size_t len, const char *name, mg_error_t *err) {
        if (!buf)
                return mg_error_set(err, -EINVAL, "%s: no document", name);
        if (memchr(buf, '\0', len))
                return mg_error_set(err, -EBADMSG, "%s: contains a NUL byte", name);
        size_t i = 0; /* buf need not end in a NUL: no strspn */
        while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n'))
                i++;
        if (i == len)
                return mg_error_set(err, -ENODATA, "%s: empty document", name);
        return 0;
}

int mg_json_check_limits(const char *buf, size_t len, const char *name, size_t *ret_values, mg_error_t *err) {
        int r = scan(buf, len, MG_JSON_MAX_DEPTH, MG_JSON_MAX_VALUES, ret_values, err);
        return r < 0 ? mg_error_prefix(err, "%s", name) : 0;
}

int mg_json_sanitize(const char *buf, size_t len, const char *name, char **ret_copy, size_t *ret_len, mg_error_t *err) {
        size_t changes = 0;
        size_t extra = maybe_needs_sanitizing(buf, len) ? sanitize_pass(buf, len, NULL, &changes) : 0;

        *ret_copy = NULL;
        *ret_len = len;
        if (changes == 0)
                return 0;
        size_t sz;
        if (mg_add_u64(len, extra, &sz) < 0 || mg_add_u64(sz, 1, &sz) < 0)
                return mg_error_set(err, -EFBIG, "%s: too large", name);
        char *copy = malloc(sz);
        if (!copy)
                return mg_error_set(err, -ENOMEM, "%s: out of memory", name);
        sanitize_pass(buf, len, copy, NULL);
        *ret_copy = copy;
        *ret_len = sz - 1;
        return 0;
}

int mg_json_yajl_error(const char *ebuf, const char *name, mg_error_t *err) {
        char m[200];
        yajl_message(ebuf[0] ? ebuf : "parse error", m, sizeof(m));
        return mg_error_set(err, -EBADMSG, "%s: not valid JSON: %s", name, m);
}

int mg_json_parse(const char *buf, size_t len, const char *name, yajl_val *ret, mg_error_t *err) {
        _cleanup_free_ char *copy = NULL;
        size_t values = 0, tlen;
        int r;

        if ((r = mg_json_precheck(buf, len, name, err)) < 0 ||
            (r = mg_json_check_limits(buf, len, name, &values, err)) < 0 ||
            (r = mg_json_memory_probe(probe_size(len, values), name, err)) < 0 ||
            (r = mg_json_sanitize(buf, len, name, &copy, &tlen, err)) < 0)
                return r;

        char ebuf[256] = "";
        errno = 0;
        yajl_val v = yajl_tree_parse(copy ? copy : buf, ebuf, sizeof(ebuf));
        if (!v) {
                if (yajl_failed_for_memory(errno, ebuf))
                        return mg_error_set(err, -ENOMEM, "%s: out of memory while parsing it (%zu bytes)", name, len);
                return mg_json_yajl_error(ebuf, name, err);
        }
        *ret = v;
        return 0;
}

/* yajl with no callbacks over text: whether it is one JSON value, nothing built. Its allocations
 * jump back here when they fail (mg_json_alloc_t); the handle is the caller's to free. */
static int yajl_accepts(mg_json_alloc_t *alloc, yajl_handle *h, const char *text, size_t len, char *ebuf,
                        size_t esz) {
        if (setjmp(alloc->on_oom))
                return -ENOMEM;
        if (!(*h = yajl_alloc(NULL, &alloc->funcs, NULL)))
                return -ENOMEM;
        yajl_status st = yajl_parse(*h, (const unsigned char *)text, len);
        if (st == yajl_status_ok)
                st = yajl_complete_parse(*h);
        if (st == yajl_status_ok)
                return 0;
        unsigned char *m = yajl_get_error(*h, 0, NULL, 0);
        snprintf(ebuf, esz, "%s", m ? (const char *)m : "");
        yajl_free_error(*h, m);
        return -EBADMSG;
}

int mg_json_validate(const char *buf, size_t len, const char *name, mg_error_t *err) {
        _cleanup_free_ char *copy = NULL;
        size_t tlen;
        int r;

        if ((r = mg_json_precheck(buf, len, name, err)) < 0 ||
            (r = mg_json_check_limits(buf, len, name, NULL, err)) < 0 ||
            (r = mg_json_memory_probe(mg_json_stream_probe_size(len), name, err)) < 0 ||
            (r = mg_json_sanitize(buf, len, name, &copy, &tlen, err)) < 0)
                return r;
        char ebuf[256] = "";
        mg_json_alloc_t alloc;
        yajl_handle h = NULL;
        mg_json_alloc_init(&alloc);
        r = yajl_accepts(&alloc, &h, copy ? copy : buf, tlen, ebuf, sizeof(ebuf));
        if (h)
                yajl_free(h);
        if (r == -EBADMSG)
                return mg_json_yajl_error(ebuf, name, err);
        if (r < 0)
                return mg_error_set(err, -ENOMEM, "%s: out of memory while parsing it (%zu bytes)", name, len);
        return 0;
}

static void *oom_malloc(void *ctx, size_t sz) {
        void *p = malloc(sz);
        if (!p)
                longjmp(((mg_json_alloc_t *)ctx)->on_oom, 1);
        return p;
}

static void *oom_realloc(void *ctx, void *old, size_t sz) {
        void *p = realloc(old, sz);
        if (!p)
                longjmp(((mg_json_alloc_t *)ctx)->on_oom, 1);
        return p;
}

static void oom_free(void *ctx, void *p) {
        (void)ctx;
        free(p);
}

void mg_json_alloc_init(mg_json_alloc_t *a) {
        a->funcs = (yajl_alloc_funcs){.malloc = oom_malloc, .realloc = oom_realloc, .free = oom_free, .ctx = a};
}

const char *mg_json_type_name(yajl_val v) {
        if (!v)
                return "nothing";
        switch (v->type) {
        case yajl_t_string:
                return "string";
        case yajl_t_number:
                return "number";
        case yajl_t_object:
                return "object";
        case yajl_t_array:
                return "array";
        case yajl_t_true:
        case yajl_t_false:
                return "boolean";
        case yajl_t_null:
                return "null";
        default:
                return "unknown";
        }
}
