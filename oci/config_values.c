/* SPDX-License-Identifier: Apache-2.0 */
/* The fields config.c's one-pass reader keeps, and how a value met on a field's path is applied:
 * the Go rules of mg_json_get_* (get.c) for one occurrence at a time, in document order. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_values.h"
#include "memgate/util/number.h"

/* One array per path component, so fields on the same path share the key match (by pointer). */
static const char LINUX[] = "linux", RESOURCES[] = "resources", MEMORY[] = "memory", PROCESS[] = "process",
                  ROOT[] = "root";

const mg_cfg_field_def_t mg_cfg_fields[F_COUNT] = {
        [F_OCI_VERSION] = { { "ociVersion" }, 1, K_STRING, "ociVersion" },
        [F_LINUX] = { { LINUX }, 1, K_PRESENT, "linux" },
        [F_LIMIT] = { { LINUX, RESOURCES, MEMORY, "limit" }, 4, K_INT, "linux.resources.memory.limit" },
        [F_SWAP] = { { LINUX, RESOURCES, MEMORY, "swap" }, 4, K_INT, "linux.resources.memory.swap" },
        [F_RESERVATION] = { { LINUX, RESOURCES, MEMORY, "reservation" }, 4, K_INT,
                            "linux.resources.memory.reservation" },
        [F_ARGS] = { { PROCESS, "args" }, 2, K_STRV, "process.args" },
        [F_ENV] = { { PROCESS, "env" }, 2, K_STRV, "process.env" },
        [F_ANNOTATIONS] = { { "annotations" }, 1, K_KV, "annotations" },
        [F_CGROUPS_PATH] = { { LINUX, "cgroupsPath" }, 2, K_STRING, "linux.cgroupsPath" },
        [F_MEMS] = { { LINUX, RESOURCES, "cpu", "mems" }, 4, K_STRING, "linux.resources.cpu.mems" },
        [F_ROOT_PATH] = { { ROOT, "path" }, 2, K_STRING, "root.path" },
};

/* mg_json_type_name's words */
static const char *const type_names[] = { "null", "boolean", "number", "string", "object", "array" };

/* Field f has an error: it is read no further, and the error is kept if no lower field has one. */
static void field_error(mg_cfg_reader_t *p, int f, int code, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
static void field_error(mg_cfg_reader_t *p, int f, int code, const char *fmt, ...) {
        p->dead |= (uint16_t)(1u << f);
        if (f >= p->err_field)
                return;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(p->ferr.msg, sizeof(p->ferr.msg), fmt, ap);
        va_end(ap);
        p->ferr.code = code;
        p->err_field = f;
}

char *mg_cfg_copy_str(const unsigned char *s, size_t l) {
        size_t n = strnlen((const char *)s, l);
        char *c = malloc(n + 1);
        if (c) {
                memcpy(c, s, n);
                c[n] = '\0';
        }
        return c;
}

static void strvec_free(mg_cfg_strvec_t *v) {
        free(v->v);
        mg_arena_free(&v->arena);
        *v = (mg_cfg_strvec_t){};
}

static void reset(mg_cfg_reader_t *p, int f) {
        switch (mg_cfg_fields[f].kind) {
        case K_STRING:
                free(p->str[f]);
                p->str[f] = NULL;
                break;
        case K_PRESENT:
        case K_INT:
                p->flag[f] = false;
                break;
        case K_STRV:
                strvec_free(&p->strv[f]);
                break;
        case K_KV:
                mg_kv_free(p->kv, p->nkv);
                p->kv = NULL;
                p->nkv = p->capkv = 0;
                break;
        }
}

/* linux.resources.memory.*: Go *int64 from the number as written, parsed strictly (as
 * mg_json_get_int64 does); -1 is "unlimited", other negatives make runc fail. */
static void number(mg_cfg_reader_t *p, int f, const char *s, size_t l) {
        const char *path = mg_cfg_fields[f].full;
        char small[64];
        char *big = NULL, *raw = small;
        int64_t x;

        if (l >= sizeof(small)) {
                big = malloc(l + 1);
                if (!big) {
                        p->oom = true;
                        return;
                }
                raw = big;
        }
        memcpy(raw, s, l);
        raw[l] = '\0';
        int r = mg_parse_i64(raw, &x);
        if (r == -ERANGE)
                field_error(p, f, -ERANGE, "\"%s\" is out of range: %.40s", path, raw);
        else if (r < 0)
                field_error(p, f, -EINVAL, "\"%s\" must be an integer, got %.40s", path, raw);
        else if (x < -1)
                field_error(p, f, -ERANGE, "\"%s\" is out of range: %" PRId64 " (allowed %" PRId64 "..%" PRId64 ")",
                            path, x, (int64_t)-1, INT64_MAX);
        else {
                p->flag[f] = true;
                p->num[f] = x;
        }
        free(big);
}

int mg_cfg_strv_done(mg_cfg_reader_t *p, int f) {
        mg_cfg_strvec_t v = p->tmp;
        p->tmp = (mg_cfg_strvec_t){};
        if (p->dead & (1u << f)) {
                strvec_free(&v);
                return 0;
        }
        if (!v.v && !(v.v = calloc(1, sizeof(char *)))) { /* [] is an empty array, not nil */
                strvec_free(&v);
                return -ENOMEM;
        }
        v.v[v.n] = NULL;
        reset(p, f);
        p->strv[f] = v;
        return 0;
}

/* The value of field f itself (the last component of its path). */
static void final_value(mg_cfg_reader_t *p, int f, enum mg_cfg_type t, const unsigned char *s, size_t l) {
        const char *path = mg_cfg_fields[f].full;

        switch (mg_cfg_fields[f].kind) {
        case K_STRING:
                if (t == T_STRING) {
                        char *c = mg_cfg_copy_str(s, l);
                        if (!c) {
                                p->oom = true;
                                return;
                        }
                        free(p->str[f]);
                        p->str[f] = c;
                } else if (t != T_NULL) /* Go leaves a string field alone on null */
                        field_error(p, f, -EINVAL, "\"%s\" must be a string, got %s", path, type_names[t]);
                break;
        case K_PRESENT:
                if (t == T_OBJECT || t == T_NULL)
                        p->flag[f] = t == T_OBJECT;
                else
                        field_error(p, f, -EINVAL, "\"%s\" must be an object, got %s", path, type_names[t]);
                break;
        case K_INT:
                if (t == T_NUMBER)
                        number(p, f, (const char *)s, l);
                else if (t == T_NULL) /* a Go pointer: null means absent again */
                        p->flag[f] = false;
                else
                        field_error(p, f, -EINVAL, "\"%s\" must be an integer, got %s", path, type_names[t]);
                break;
        case K_STRV:
                if (t == T_ARRAY) {
                        p->tmp = (mg_cfg_strvec_t){};
                        p->next_collect = (int8_t)f;
                } else if (t == T_NULL) /* a slice set to nil */
                        reset(p, f);
                else
                        field_error(p, f, -EINVAL, "\"%s\" must be an array of strings, got %s", path, type_names[t]);
                break;
        case K_KV:
                if (t == T_OBJECT)
                        p->next_collect = (int8_t)f; /* its members merge into the map */
                else if (t == T_NULL) /* a map set to nil */
                        reset(p, f);
                else
                        field_error(p, f, -EINVAL, "\"%s\" must be an object of strings, got %s", path, type_names[t]);
                break;
        }
}

void mg_cfg_path_value(mg_cfg_reader_t *p, unsigned level, uint16_t m, enum mg_cfg_type t, const unsigned char *s,
                       size_t l) {
        for (int f = 0; f < F_COUNT; f++) {
                if (!(m & (1u << f)))
                        continue;
                if (level + 1 == mg_cfg_fields[f].n)
                        final_value(p, f, t, s, l);
                else if (t == T_NULL) /* a Go pointer set to nil: what was below is gone */
                        reset(p, f);
                else if (t == T_OBJECT) {
                        p->next_mask |= (uint16_t)(1u << f);
                        p->next_level = (uint8_t)(level + 1);
                } else {
                        char prefix[256];
                        size_t o = 0;
                        for (unsigned i = 0; i <= level; i++)
                                o += (size_t)snprintf(prefix + o, sizeof(prefix) - o, "%s%s", i ? "." : "",
                                                      mg_cfg_fields[f].path[i]);
                        field_error(p, f, -EINVAL, "\"%s\" must be an object, got %s", prefix, type_names[t]);
                }
        }
}

void mg_cfg_collect(mg_cfg_reader_t *p, const mg_cfg_frame_t *fr, enum mg_cfg_type t, const unsigned char *s,
                    size_t l) {
        int f = fr->collect;
        const char *path = mg_cfg_fields[f].full;

        if (mg_cfg_fields[f].kind == K_STRV) {
                mg_cfg_strvec_t *v = &p->tmp;
                if (t != T_STRING && t != T_NULL) {
                        field_error(p, f, -EINVAL, "\"%s[%zu]\" must be a string, got %s", path, fr->count - 1,
                                    type_names[t]);
                        strvec_free(v);
                        return;
                }
                /* Cannot happen: check_limits' value limit is the same number and counts these. */
                if (v->n >= MG_OCI_MAX_STRV) {
                        field_error(p, f, -E2BIG, "\"%s\" has more than %u entries", path, MG_OCI_MAX_STRV);
                        return;
                }
                if (v->n == v->cap) {
                        size_t ncap = v->cap ? v->cap * 2 : 8;
                        char **nv = reallocarray(v->v, ncap + 1, sizeof(char *)); /* + the NULL */
                        if (!nv) {
                                p->oom = true;
                                return;
                        }
                        v->v = nv;
                        v->cap = ncap;
                }
                /* Go: a null element stays the zero string; a string ends at a NUL as the tree
                 * reader's C strings do (mg_cfg_copy_str) */
                char *c = mg_arena_strndup(&v->arena, (const char *)s, t == T_STRING ? strnlen((const char *)s, l) : 0);
                if (!c) {
                        p->oom = true;
                        return;
                }
                v->v[v->n++] = c;
                return;
        }

        char *key = p->key;
        p->key = NULL;
        if (t != T_STRING && t != T_NULL) {
                field_error(p, f, -EINVAL, "\"%s\" value of \"%.80s\" must be a string, got %s", path, key,
                            type_names[t]);
                free(key);
                return;
        }
        if (p->nkv >= MG_OCI_MAX_STRV) { /* as mg_json_get_kv; cannot happen under the value limit */
                field_error(p, f, -E2BIG, "\"%s\" has more than %u entries", path, MG_OCI_MAX_STRV);
                free(key);
                return;
        }
        if (p->nkv == p->capkv) {
                size_t ncap = p->capkv ? p->capkv * 2 : 16;
                mg_kv_t *nkv = reallocarray(p->kv, ncap, sizeof(mg_kv_t));
                if (!nkv) {
                        free(key);
                        p->oom = true;
                        return;
                }
                p->kv = nkv;
                p->capkv = ncap;
        }
        char *value = t == T_STRING ? mg_cfg_copy_str(s, l) : strdup(""); /* Go's zero string for a null */
        if (!value) {
                free(key);
                p->oom = true;
                return;
        }
        p->kv[p->nkv++] = (mg_kv_t){ .key = key, .value = value };
}

void mg_cfg_reader_free(mg_cfg_reader_t *p) {
        if (p->h)
                yajl_free(p->h);
        for (int f = 0; f < F_COUNT; f++) {
                free(p->str[f]);
                strvec_free(&p->strv[f]);
        }
        strvec_free(&p->tmp);
        mg_kv_free(p->kv, p->nkv);
        free(p->key);
}

int mg_cfg_result(mg_cfg_reader_t *p, const char *name, mg_container_t *ret, mg_error_t *err) {
        if (p->root_type != T_OBJECT)
                return mg_error_set(err, -EINVAL, "%s: must be a JSON object, got %s", name, type_names[p->root_type]);
        if (p->err_field != F_OCI_VERSION && !p->str[F_OCI_VERSION])
                return mg_error_set(err, -EINVAL, "%s: \"%s\" is required", name, "ociVersion");
        if (p->err_field < F_COUNT) {
                *err = p->ferr;
                return mg_error_prefix(err, "%s", name);
        }
        if (mg_json_kv_dedup(p->kv, &p->nkv, "annotations", err) < 0)
                return mg_error_prefix(err, "%s", name);

        bool have_limit = p->flag[F_LIMIT] && p->num[F_LIMIT] > 0;
        bool have_reservation = p->flag[F_RESERVATION] && p->num[F_RESERVATION] > 0;
        *ret = (mg_container_t){
                .oci_version = TAKE_PTR(p->str[F_OCI_VERSION]),
                .is_linux = p->flag[F_LINUX],
                .have_limit = have_limit,
                .limit_bytes = have_limit ? (uint64_t)p->num[F_LIMIT] : 0,
                .have_swap = p->flag[F_SWAP],
                .swap = p->flag[F_SWAP] ? p->num[F_SWAP] : 0,
                .have_reservation = have_reservation,
                .reservation_bytes = have_reservation ? (uint64_t)p->num[F_RESERVATION] : 0,
                .args = TAKE_PTR(p->strv[F_ARGS].v),
                .nargs = p->strv[F_ARGS].n,
                .env = TAKE_PTR(p->strv[F_ENV].v),
                .nenv = p->strv[F_ENV].n,
                .annotations = TAKE_PTR(p->kv),
                .nannotations = p->nkv,
                .strings = p->strv[F_ARGS].arena,
                .cgroups_path = TAKE_PTR(p->str[F_CGROUPS_PATH]),
                .cpuset_mems = TAKE_PTR(p->str[F_MEMS]),
                .root_path = TAKE_PTR(p->str[F_ROOT_PATH]),
        };
        mg_arena_move(&ret->strings, &p->strv[F_ENV].arena); /* args' and env's strings, freed together */
        p->strv[F_ARGS].arena = (mg_arena_t){};
        p->strv[F_ARGS].n = p->strv[F_ENV].n = p->nkv = 0;
        return 0;
}

