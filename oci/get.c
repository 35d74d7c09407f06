/* SPDX-License-Identifier: Apache-2.0 */
/* Reading values out of a parsed document the way Go's encoding/json assigns them (see json.h):
 * folded key match, every duplicate applied in order, strict types and ranges. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "json.h"
#include "memgate/util/number.h"
#include "memgate/util/sort.h"

bool mg_json_key_match_n(const char *key, size_t n, const char *field) {
        const unsigned char *k = (const unsigned char *)key;
        const unsigned char *f = (const unsigned char *)field;

        if (!key || !field)
                return false;
        /* The key ends at e: at its first NUL, as the C string of the tree would. */
        const unsigned char *e = k + strnlen(key, n);
        while (*f) {
                unsigned char want = (unsigned char)(*f >= 'A' && *f <= 'Z' ? *f + 32 : *f);
                if (k == e)
                        return false;
                if (k[0] < 0x80) {
                        unsigned char got = (unsigned char)(k[0] >= 'A' && k[0] <= 'Z' ? k[0] + 32 : k[0]);
                        if (got != want)
                                return false;
                        k++;
                } else if (e - k >= 2 && k[0] == 0xC5 && k[1] == 0xBF) { /* U+017F LATIN SMALL LETTER LONG S */
                        if (want != 's')
                                return false;
                        k += 2;
                } else if (e - k >= 3 && k[0] == 0xE2 && k[1] == 0x84 && k[2] == 0xAA) { /* U+212A KELVIN SIGN */
                        if (want != 'k')
                                return false;
                        k += 3;
                } else
                        return false;
                f++;
        }
        return k == e;
}

bool mg_json_key_match(const char *key, const char *field) {
        return key && mg_json_key_match_n(key, strlen(key), field);
}

static void path_join(const char *const *path, size_t n, char *buf, size_t size) {
        size_t o = 0;
        buf[0] = '\0';
        for (size_t i = 0; i < n && o + 1 < size; i++) {
                int w = snprintf(buf + o, size - o, "%s%s", i ? "." : "", path[i]);
                if (w < 0)
                        break;
                o += (size_t)w;
        }
}

static int visit(yajl_val obj, const char *const *path, size_t k, size_t n, const char *full, mg_json_visit_t cb,
                 void *userdata, mg_error_t *err) {
        for (size_t i = 0; i < obj->u.object.len; i++) {
                yajl_val v = obj->u.object.values[i];
                int r;

                if (!mg_json_key_match(obj->u.object.keys[i], path[k]))
                        continue;
                if (k + 1 == n)
                        r = cb(v, full, userdata, err);
                else if (YAJL_IS_NULL(v)) /* a Go pointer set to nil: what was below is gone */
                        r = cb(NULL, full, userdata, err);
                else if (YAJL_IS_OBJECT(v))
                        r = visit(v, path, k + 1, n, full, cb, userdata, err);
                else {
                        char p[256];
                        path_join(path, k + 1, p, sizeof(p));
                        r = mg_error_set(err, -EINVAL, "\"%s\" must be an object, got %s", p, mg_json_type_name(v));
                }
                if (r < 0)
                        return r;
        }
        return 0;
}

int mg_json_visit(yajl_val root, const char *const *path, size_t n, mg_json_visit_t cb, void *userdata,
                  mg_error_t *err) {
        char full[256];

        if (!YAJL_IS_OBJECT(root))
                return mg_error_set(err, -EINVAL, "the document must be an object, got %s", mg_json_type_name(root));
        if (n == 0)
                return -EINVAL;
        path_join(path, n, full, sizeof(full));
        return visit(root, path, 0, n, full, cb, userdata, err);
}

/* ---- strings ---- */

static int dup_string(const char *s, const char *path, char **ret, mg_error_t *err) {
        char *c = strdup(s);
        if (!c)
                return mg_error_set(err, -ENOMEM, "\"%s\": out of memory", path);
        *ret = c;
        return 0;
}

static int cb_string(yajl_val v, const char *path, void *userdata, mg_error_t *err) {
        char **out = userdata;
        char *s = NULL;

        if (!v) { /* an intermediate null: the field is gone with its parent */
                free(*out);
                *out = NULL;
                return 0;
        }
        if (YAJL_IS_NULL(v)) /* Go leaves a string field alone on null */
                return 0;
        if (!YAJL_IS_STRING(v))
                return mg_error_set(err, -EINVAL, "\"%s\" must be a string, got %s", path, mg_json_type_name(v));
        int r = dup_string(v->u.string, path, &s, err);
        if (r < 0)
                return r;
        free(*out);
        *out = s;
        return 0;
}

int mg_json_get_string(yajl_val root, const char *const *path, size_t n, const char *name, char **ret,
                       mg_error_t *err) {
        _cleanup_free_ char *s = NULL;
        int r = mg_json_visit(root, path, n, cb_string, &s, err);
        if (r < 0)
                return mg_error_prefix(err, "%s", name);
        *ret = TAKE_PTR(s);
        return 0;
}

/* ---- integers ---- */

struct int_ctx {
        int64_t min, max;
        bool null_resets;
        bool have;
        int64_t value;
};

static int cb_int64(yajl_val v, const char *path, void *userdata, mg_error_t *err) {
        struct int_ctx *c = userdata;
        int64_t x;

        if (!v || YAJL_IS_NULL(v)) {
                if (!v || c->null_resets)
                        c->have = false;
                return 0;
        }
        if (!YAJL_IS_NUMBER(v))
                return mg_error_set(err, -EINVAL, "\"%s\" must be an integer, got %s", path, mg_json_type_name(v));
        /* The number as written, parsed strictly: yajl's own integer flag is lost for anything past
         * 19 digits, and "1.0" or "1e3" is not an integer to Go either. */
        const char *raw = v->u.number.r;
        int r = mg_parse_i64(raw, &x);
        if (r == -ERANGE)
                return mg_error_set(err, -ERANGE, "\"%s\" is out of range: %.40s", path, raw);
        if (r < 0)
                return mg_error_set(err, -EINVAL, "\"%s\" must be an integer, got %.40s", path, raw);
        if (x < c->min || x > c->max)
                return mg_error_set(err, -ERANGE, "\"%s\" is out of range: %" PRId64 " (allowed %" PRId64
                                    "..%" PRId64 ")", path, x, c->min, c->max);
        c->have = true;
        c->value = x;
        return 0;
}

int mg_json_get_int64(yajl_val root, const char *const *path, size_t n, const char *name, int64_t min,
                      int64_t max, bool null_resets, bool *ret_have, int64_t *ret, mg_error_t *err) {
        struct int_ctx c = { .min = min, .max = max, .null_resets = null_resets };
        int r = mg_json_visit(root, path, n, cb_int64, &c, err);
        if (r < 0)
                return mg_error_prefix(err, "%s", name);
        *ret_have = c.have;
        if (c.have)
                *ret = c.value;
        return 0;
}

/* ---- string arrays ---- */

struct strv_ctx {
        char **v;
        size_t n;
};

static int cb_strv(yajl_val v, const char *path, void *userdata, mg_error_t *err) {
        struct strv_ctx *c = userdata;

        if (!v || YAJL_IS_NULL(v)) { /* a slice set to nil */
                mg_strv_free_n(c->v, c->n);
                c->v = NULL;
                c->n = 0;
                return 0;
        }
        if (!YAJL_IS_ARRAY(v))
                return mg_error_set(err, -EINVAL, "\"%s\" must be an array of strings, got %s", path,
                                    mg_json_type_name(v));
        size_t len = v->u.array.len;
        if (len > MG_OCI_MAX_STRV)
                return mg_error_set(err, -E2BIG, "\"%s\" has %zu entries, more than %u", path, len, MG_OCI_MAX_STRV);

        char **nv = calloc(len + 1, sizeof(char *));
        if (!nv)
                return mg_error_set(err, -ENOMEM, "\"%s\": out of memory", path);
        for (size_t i = 0; i < len; i++) {
                yajl_val e = v->u.array.values[i];
                const char *s;
                if (YAJL_IS_NULL(e))
                        s = ""; /* Go: a null element stays the zero string */
                else if (YAJL_IS_STRING(e))
                        s = e->u.string;
                else {
                        mg_strv_free_n(nv, i);
                        return mg_error_set(err, -EINVAL, "\"%s[%zu]\" must be a string, got %s", path, i,
                                            mg_json_type_name(e));
                }
                nv[i] = strdup(s);
                if (!nv[i]) {
                        mg_strv_free_n(nv, i);
                        return mg_error_set(err, -ENOMEM, "\"%s\": out of memory", path);
                }
        }
        mg_strv_free_n(c->v, c->n);
        c->v = nv;
        c->n = len;
        return 0;
}

int mg_json_get_strv(yajl_val root, const char *const *path, size_t n, const char *name, char ***ret,
                     size_t *ret_n, mg_error_t *err) {
        struct strv_ctx c = {};
        int r = mg_json_visit(root, path, n, cb_strv, &c, err);
        if (r < 0) {
                mg_strv_free_n(c.v, c.n);
                return mg_error_prefix(err, "%s", name);
        }
        *ret = c.v;
        *ret_n = c.n;
        return 0;
}

/* ---- objects of strings ---- */

struct kv_ctx {
        mg_kv_t *kv;
        size_t n, cap;
};

static int kv_put(struct kv_ctx *c, const char *key, const char *value, const char *path, mg_error_t *err) {
        /* Appended as met; repeats are folded once at the end (kv_dedup), not searched for here:
         * a linear search per entry is quadratic on an attacker's 200,000 annotations. */
        if (c->n >= MG_OCI_MAX_STRV)
                return mg_error_set(err, -E2BIG, "\"%s\" has more than %u entries", path, MG_OCI_MAX_STRV);
        if (c->n == c->cap) {
                size_t ncap = c->cap ? c->cap * 2 : 16;
                mg_kv_t *nkv = reallocarray(c->kv, ncap, sizeof(mg_kv_t));
                if (!nkv)
                        return mg_error_set(err, -ENOMEM, "\"%s\": out of memory", path);
                c->kv = nkv;
                c->cap = ncap;
        }
        char *k = strdup(key), *v = strdup(value);
        if (!k || !v) {
                free(k);
                free(v);
                return mg_error_set(err, -ENOMEM, "\"%s\": out of memory", path);
        }
        c->kv[c->n++] = (mg_kv_t){ .key = k, .value = v };
        return 0;
}

static int cmp_kv_index(const void *a, const void *b, void *ctx) {
        const mg_kv_t *kv = ctx;
        size_t x = *(const size_t *)a, y = *(const size_t *)b;
        int r = strcmp(kv[x].key, kv[y].key);
        return r ? r : (x > y) - (x < y);
}

/* Go map semantics: one entry per key, the last value assigned, kept at the key's first place.
 * O(n log n) by sorting indices, with mg_sort: qsort(3) would call sysinfo(2) for 128 entries or
 * more, which the seccomp filter kills, so annotations alone could switch memgate off. */
static int kv_dedup(struct kv_ctx *c, const char *path, mg_error_t *err) {
        if (c->n < 2)
                return 0;
        _cleanup_free_ size_t *idx = calloc(c->n, sizeof(size_t));
        if (!idx)
                return mg_error_set(err, -ENOMEM, "\"%s\": out of memory", path);
        for (size_t i = 0; i < c->n; i++)
                idx[i] = i;
        if (mg_sort(idx, c->n, sizeof(size_t), cmp_kv_index, c->kv) < 0)
                return mg_error_set(err, -ENOMEM, "\"%s\": out of memory", path);
        for (size_t g = 0; g < c->n;) {
                size_t e = g + 1;
                while (e < c->n && strcmp(c->kv[idx[g]].key, c->kv[idx[e]].key) == 0)
                        e++;
                if (e - g > 1) {
                        mg_kv_t *first = &c->kv[idx[g]], *last = &c->kv[idx[e - 1]];
                        free(first->value);
                        first->value = TAKE_PTR(last->value);
                        for (size_t k = g + 1; k < e; k++) {
                                free(c->kv[idx[k]].key);
                                free(c->kv[idx[k]].value);
                                c->kv[idx[k]].key = c->kv[idx[k]].value = NULL;
                        }
                }
                g = e;
        }
        size_t o = 0;
        for (size_t i = 0; i < c->n; i++)
                if (c->kv[i].key)
                        c->kv[o++] = c->kv[i];
        c->n = o;
        return 0;
}

int mg_json_kv_dedup(mg_kv_t *kv, size_t *n, const char *field, mg_error_t *err) {
        struct kv_ctx c = { .kv = kv, .n = *n, .cap = *n };
        int r = kv_dedup(&c, field, err);
        *n = c.n;
        return r;
}

static int cb_kv(yajl_val v, const char *path, void *userdata, mg_error_t *err) {
        struct kv_ctx *c = userdata;

        if (!v || YAJL_IS_NULL(v)) { /* a map set to nil */
                mg_kv_free(c->kv, c->n);
                *c = (struct kv_ctx){};
                return 0;
        }
        if (!YAJL_IS_OBJECT(v))
                return mg_error_set(err, -EINVAL, "\"%s\" must be an object of strings, got %s", path,
                                    mg_json_type_name(v));
        for (size_t i = 0; i < v->u.object.len; i++) {
                yajl_val e = v->u.object.values[i];
                const char *key = v->u.object.keys[i];
                const char *s;
                if (YAJL_IS_NULL(e))
                        s = ""; /* Go stores the zero string for a null map value */
                else if (YAJL_IS_STRING(e))
                        s = e->u.string;
                else
                        return mg_error_set(err, -EINVAL, "\"%s\" value of \"%.80s\" must be a string, got %s", path,
                                            key, mg_json_type_name(e));
                int r = kv_put(c, key, s, path, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

int mg_json_get_kv(yajl_val root, const char *const *path, size_t n, const char *name, mg_kv_t **ret,
                   size_t *ret_n, mg_error_t *err) {
        struct kv_ctx c = {};
        int r = mg_json_visit(root, path, n, cb_kv, &c, err);
        if (r >= 0)
                r = kv_dedup(&c, path[n - 1], err);
        if (r < 0) {
                mg_kv_free(c.kv, c.n);
                return mg_error_prefix(err, "%s", name);
        }
        *ret = c.kv;
        *ret_n = c.n;
        return 0;
}

/* ---- presence of an object ---- */

static int cb_present(yajl_val v, const char *path, void *userdata, mg_error_t *err) {
        bool *present = userdata;

        if (!v || YAJL_IS_NULL(v)) {
                *present = false;
                return 0;
        }
        if (!YAJL_IS_OBJECT(v))
                return mg_error_set(err, -EINVAL, "\"%s\" must be an object, got %s", path, mg_json_type_name(v));
        *present = true;
        return 0;
}

int mg_json_get_object_present(yajl_val root, const char *const *path, size_t n, const char *name, bool *ret,
                               mg_error_t *err) {
        bool present = false;
        int r = mg_json_visit(root, path, n, cb_present, &present, err);
        if (r < 0)
                return mg_error_prefix(err, "%s", name);
        *ret = present;
        return 0;
}

int mg_json_get_required_string(yajl_val root, const char *field, const char *name, char **ret, mg_error_t *err) {
        char *s = NULL;
        int r = mg_json_get_string(root, PN(field), name, &s, err);
        if (r < 0)
                return r;
        if (!s)
                return mg_error_set(err, -EINVAL, "%s: \"%s\" is required", name, field);
        *ret = s;
        return 0;
}
