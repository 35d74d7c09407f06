/* SPDX-License-Identifier: Apache-2.0 */
/* Adding memgate's annotations to a config document, leaving everything else as it was: key
 * order, duplicate keys, numbers as written (1.0 stays 1.0, 9223372036854771712 stays exact),
 * strings byte for byte. */
#include <errno.h>
#include <string.h>

#include <yajl/yajl_gen.h>

#include "memgate/oci/annotate.h"

#include "json.h"

DEFINE_CLEANUP_FUNC(yajl_gen, yajl_gen_free)

#define GEN(call)                                          \
        do {                                               \
                yajl_gen_status _s = (call);               \
                if (_s != yajl_gen_status_ok)              \
                        return gen_error(_s, err);         \
        } while (0)

static int gen_error(yajl_gen_status s, mg_error_t *err) {
        if (s == yajl_gen_invalid_string)
                return mg_error_set(err, -EINVAL, "a string is not valid UTF-8");
        return mg_error_set(err, -EIO, "JSON generator failed (status %d)", (int)s);
}

static int gen_str(yajl_gen g, const char *s, mg_error_t *err) {
        GEN(yajl_gen_string(g, (const unsigned char *)s, strlen(s)));
        return 0;
}

static int gen_value(yajl_gen g, yajl_val v, mg_error_t *err) {
        int r;

        switch (v->type) {
        case yajl_t_string:
                return gen_str(g, v->u.string, err);
        case yajl_t_number:
                /* The text as written, not yajl's double or long long. */
                GEN(yajl_gen_number(g, v->u.number.r, strlen(v->u.number.r)));
                return 0;
        case yajl_t_true:
        case yajl_t_false:
                GEN(yajl_gen_bool(g, v->type == yajl_t_true));
                return 0;
        case yajl_t_null:
                GEN(yajl_gen_null(g));
                return 0;
        case yajl_t_array:
                GEN(yajl_gen_array_open(g));
                for (size_t i = 0; i < v->u.array.len; i++)
                        if ((r = gen_value(g, v->u.array.values[i], err)) < 0)
                                return r;
                GEN(yajl_gen_array_close(g));
                return 0;
        case yajl_t_object:
                GEN(yajl_gen_map_open(g));
                for (size_t i = 0; i < v->u.object.len; i++) {
                        if ((r = gen_str(g, v->u.object.keys[i], err)) < 0 ||
                            (r = gen_value(g, v->u.object.values[i], err)) < 0)
                                return r;
                }
                GEN(yajl_gen_map_close(g));
                return 0;
        default:
                return mg_error_set(err, -EINVAL, "unexpected JSON value type %d", (int)v->type);
        }
}

/* kv[i] is the one that counts for its key (the last of repeats), and is not in existing. */
static bool kv_is_new(const mg_kv_t *kv, size_t n, size_t i, yajl_val existing) {
        for (size_t j = i + 1; j < n; j++)
                if (strcmp(kv[j].key, kv[i].key) == 0)
                        return false;
        if (existing)
                for (size_t k = 0; k < existing->u.object.len; k++)
                        if (strcmp(existing->u.object.keys[k], kv[i].key) == 0)
                                return false;
        return true;
}

/* The annotations object: existing keys in place (values replaced where kv has the key), then
 * the new keys. existing is NULL when there was none (or it was null). */
static int gen_annotations(yajl_gen g, yajl_val existing, const mg_kv_t *kv, size_t n, mg_error_t *err) {
        int r;

        GEN(yajl_gen_map_open(g));
        if (existing)
                for (size_t k = 0; k < existing->u.object.len; k++) {
                        const char *key = existing->u.object.keys[k];
                        const char *nv = mg_kv_find(kv, n, key);
                        if ((r = gen_str(g, key, err)) < 0)
                                return r;
                        r = nv ? gen_str(g, nv, err) : gen_value(g, existing->u.object.values[k], err);
                        if (r < 0)
                                return r;
                }
        for (size_t i = 0; i < n; i++) {
                if (!kv_is_new(kv, n, i, existing))
                        continue;
                if ((r = gen_str(g, kv[i].key, err)) < 0 || (r = gen_str(g, kv[i].value, err)) < 0)
                        return r;
        }
        GEN(yajl_gen_map_close(g));
        return 0;
}

static int gen_document(yajl_gen g, yajl_val root, const mg_kv_t *kv, size_t n, mg_error_t *err) {
        size_t found = SIZE_MAX;
        int r;

        /* runc matches "Annotations" or "ANNOTATIONS" to the same field and merges repeats; with
         * more than one such key there is no single place where a replaced value would win for
         * sure, so such a document is refused rather than guessed at. */
        for (size_t i = 0; i < root->u.object.len; i++) {
                if (!mg_json_key_match(root->u.object.keys[i], "annotations"))
                        continue;
                if (found != SIZE_MAX)
                        return mg_error_set(err, -EINVAL, "\"annotations\" appears more than once");
                yajl_val a = root->u.object.values[i];
                if (!YAJL_IS_OBJECT(a) && !YAJL_IS_NULL(a))
                        return mg_error_set(err, -EINVAL, "\"annotations\" must be an object, got %s",
                                            mg_json_type_name(a));
                found = i;
        }

        GEN(yajl_gen_map_open(g));
        for (size_t i = 0; i < root->u.object.len; i++) {
                if ((r = gen_str(g, root->u.object.keys[i], err)) < 0)
                        return r;
                if (i == found) {
                        yajl_val a = root->u.object.values[i];
                        r = gen_annotations(g, YAJL_IS_OBJECT(a) ? a : NULL, kv, n, err);
                } else
                        r = gen_value(g, root->u.object.values[i], err);
                if (r < 0)
                        return r;
        }
        if (found == SIZE_MAX) {
                if ((r = gen_str(g, "annotations", err)) < 0 || (r = gen_annotations(g, NULL, kv, n, err)) < 0)
                        return r;
        }
        GEN(yajl_gen_map_close(g));
        return 0;
}

/* The generator's whole life between a setjmp and yajl's allocations (see mg_json_alloc_t). */
static int gen_guarded(mg_json_alloc_t *alloc, yajl_gen *g, yajl_val root, const mg_kv_t *kv, size_t n,
                       mg_error_t *err) {
        if (setjmp(alloc->on_oom))
                return -ENOMEM;
        *g = yajl_gen_alloc(&alloc->funcs);
        if (!*g)
                return -ENOMEM;
        yajl_gen_config(*g, yajl_gen_beautify, 1);
        yajl_gen_config(*g, yajl_gen_indent_string, "  ");
        yajl_gen_config(*g, yajl_gen_validate_utf8, 1);
        /* yajl_gen_escape_solidus stays off: "/" is written as it came. */
        return gen_document(*g, root, kv, n, err);
}

int mg_oci_add_annotations(const char *buf, size_t len, const char *name, const mg_kv_t *kv, size_t n,
                           char **ret_buf, size_t *ret_len, mg_error_t *err) {
        _cleanup_yajl_ yajl_val root = NULL;
        _cleanup_(yajl_gen_freep) yajl_gen g = NULL;
        int r;

        if (!name)
                name = "config.json";
        if (n > 0 && !kv)
                return mg_error_set(err, -EINVAL, "%s: no annotations given", name);
        for (size_t i = 0; i < n; i++)
                if (!kv[i].key || !kv[i].value)
                        return mg_error_set(err, -EINVAL, "%s: annotation %zu has no key or value", name, i);

        /* strict: a document that would need its strings rewritten is refused, not changed. */
        r = mg_json_parse(buf, len, name, true, &root, err);
        if (r < 0)
                return r;
        if (!YAJL_IS_OBJECT(root))
                return mg_error_set(err, -EINVAL, "%s: must be a JSON object, got %s", name, mg_json_type_name(root));

        mg_json_alloc_t alloc;
        mg_json_alloc_init(&alloc);
        r = gen_guarded(&alloc, &g, root, kv, n, err);
        if (r == -ENOMEM)
                return mg_error_set(err, -ENOMEM, "%s: out of memory writing the annotated config", name);
        if (r < 0)
                return mg_error_prefix(err, "%s", name);

        const unsigned char *out;
        size_t outlen;
        if (yajl_gen_get_buf(g, &out, &outlen) != yajl_gen_status_ok)
                return mg_error_set(err, -EIO, "%s: JSON generator failed", name);
        char *copy = malloc(outlen + 1);
        if (!copy)
                return mg_error_set(err, -ENOMEM, "%s: out of memory", name);
        memcpy(copy, out, outlen);
        copy[outlen] = '\0';
        *ret_buf = copy;
        if (ret_len)
                *ret_len = outlen;
        return 0;
}
