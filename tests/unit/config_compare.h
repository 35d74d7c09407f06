/* SPDX-License-Identifier: Apache-2.0 */
/* Runs both readers of config.json, mg_oci_parse_config (one pass with yajl's callbacks) and
 * mg_oci_parse_config_tree (the yajl tree it replaced), over one document and says how their
 * answers differ: return value, error code and text, or any field of the container. Shared by
 * tests/unit/test_config_stream.c and the config fuzzer (tests/fuzz/fuzz-config.c). */
#ifndef MEMGATE_TEST_CONFIG_COMPARE_H
#define MEMGATE_TEST_CONFIG_COMPARE_H

#include <stdio.h>
#include <string.h>

#include "memgate/oci/container.h"
#include "memgate/oci/parse.h"
#include "memgate/util/error.h"

static inline int cc_str_diff(const char *what, const char *a, const char *b, char *why, size_t n) {
        if (!a && !b)
                return 0;
        if (!a || !b || strcmp(a, b) != 0) {
                snprintf(why, n, "%s: \"%.100s\" vs \"%.100s\"", what, a ? a : "(null)", b ? b : "(null)");
                return 1;
        }
        return 0;
}

static inline int cc_strv_diff(const char *what, char **a, size_t na, char **b, size_t nb, char *why, size_t n) {
        if (!a != !b || na != nb) {
                snprintf(why, n, "%s: %s%zu entries vs %s%zu", what, a ? "" : "nil, ", na, b ? "" : "nil, ", nb);
                return 1;
        }
        for (size_t i = 0; i < na; i++) {
                char w[64];
                snprintf(w, sizeof(w), "%s[%zu]", what, i);
                if (cc_str_diff(w, a[i], b[i], why, n))
                        return 1;
        }
        if (a && (a[na] || b[nb])) {
                snprintf(why, n, "%s: not NULL-terminated", what);
                return 1;
        }
        return 0;
}

/* Whether the two results differ; why says how. a is the one-pass reader's, b the tree's. */
static inline int cc_result_diff(int ra, const mg_container_t *a, const mg_error_t *ea, int rb,
                                 const mg_container_t *b, const mg_error_t *eb, char *why, size_t n) {
        static const mg_container_t zero;
        if (ra != rb) {
                snprintf(why, n, "returns %d (%.300s) vs %d (%.300s)", ra, ra < 0 ? ea->msg : "ok", rb,
                         rb < 0 ? eb->msg : "ok");
                return 1;
        }
        if (ra < 0) {
                if (ea->code != eb->code || strcmp(ea->msg, eb->msg) != 0) {
                        snprintf(why, n, "error %d \"%.300s\" vs %d \"%.300s\"", ea->code, ea->msg, eb->code, eb->msg);
                        return 1;
                }
                if (memcmp(a, &zero, sizeof(zero)) != 0 || memcmp(b, &zero, sizeof(zero)) != 0) {
                        snprintf(why, n, "the container was touched on failure");
                        return 1;
                }
                return 0;
        }
        if (a->is_linux != b->is_linux || a->have_limit != b->have_limit || a->limit_bytes != b->limit_bytes ||
            a->have_swap != b->have_swap || a->swap != b->swap || a->have_reservation != b->have_reservation ||
            a->reservation_bytes != b->reservation_bytes) {
                snprintf(why, n, "linux %d/%d, limit %d %llu / %d %llu, swap %d %lld / %d %lld, reservation %d %llu / %d %llu",
                         a->is_linux, b->is_linux, a->have_limit, (unsigned long long)a->limit_bytes, b->have_limit,
                         (unsigned long long)b->limit_bytes, a->have_swap, (long long)a->swap, b->have_swap,
                         (long long)b->swap, a->have_reservation, (unsigned long long)a->reservation_bytes,
                         b->have_reservation, (unsigned long long)b->reservation_bytes);
                return 1;
        }
        if (cc_str_diff("ociVersion", a->oci_version, b->oci_version, why, n) ||
            cc_str_diff("cgroupsPath", a->cgroups_path, b->cgroups_path, why, n) ||
            cc_str_diff("mems", a->cpuset_mems, b->cpuset_mems, why, n) ||
            cc_str_diff("root.path", a->root_path, b->root_path, why, n) ||
            cc_strv_diff("args", a->args, a->nargs, b->args, b->nargs, why, n) ||
            cc_strv_diff("env", a->env, a->nenv, b->env, b->nenv, why, n))
                return 1;
        if (!a->annotations != !b->annotations || a->nannotations != b->nannotations) {
                snprintf(why, n, "annotations: %zu vs %zu", a->nannotations, b->nannotations);
                return 1;
        }
        for (size_t i = 0; i < a->nannotations; i++)
                if (cc_str_diff("annotation key", a->annotations[i].key, b->annotations[i].key, why, n) ||
                    cc_str_diff("annotation value", a->annotations[i].value, b->annotations[i].value, why, n))
                        return 1;
        return 0;
}

/* Both readers over buf (NUL-terminated, len bytes). Returns whether they differ; *ret_r is the
 * one-pass reader's return value. */
static inline int cc_compare(const char *buf, size_t len, char *why, size_t n, int *ret_r) {
        mg_container_t a = {0}, b = {0};
        mg_error_t ea = {0}, eb = {0};
        int ra = mg_oci_parse_config(buf, len, "config.json", &a, &ea);
        int rb = mg_oci_parse_config_tree(buf, len, "config.json", &b, &eb);
        int d = cc_result_diff(ra, &a, &ea, rb, &b, &eb, why, n);
        mg_container_free(&a);
        mg_container_free(&b);
        if (ret_r)
                *ret_r = ra;
        return d;
}

#endif
