/* SPDX-License-Identifier: Apache-2.0 */
/* What mg_oci_add_annotations promises, checked on its output by memgate's own config reader:
 * the annotated document reads as the original does, field for field, except that its
 * annotations are the original's (each in its place, a value memgate sets replaced) followed by
 * the keys memgate adds that were not there, in the order of their last entry in kv. Shared by
 * tests/unit/test_annotate.c and the config fuzzer (tests/fuzz/fuzz-config.c). */
#ifndef MEMGATE_TEST_ANNOTATE_CHECK_H
#define MEMGATE_TEST_ANNOTATE_CHECK_H

#include <stdlib.h>

#include "config_compare.h"

/* Whether out is not what annotating in with kv must give; why says how. in must be a document
 * mg_oci_parse_config accepts. */
static inline int ac_wrong(const char *in, size_t len, const mg_kv_t *kv, size_t n, const char *out, size_t olen,
                           char *why, size_t wn) {
        mg_container_t a = {0}, b = {0};
        mg_error_t ea = {0}, eb = {0};
        int ra = mg_oci_parse_config(in, len, "config.json", &a, &ea);
        int rb = mg_oci_parse_config(out, olen, "config.json", &b, &eb);
        int d = 1;
        mg_kv_t *want = calloc(a.nannotations + n + 1, sizeof(*want));
        if (ra < 0) {
                snprintf(why, wn, "the original does not parse: %.200s", ea.msg);
        } else if (want) {
                size_t m = 0;
                for (size_t i = 0; i < a.nannotations; i++) {
                        const char *nv = mg_kv_find(kv, n, a.annotations[i].key);
                        want[m++] = (mg_kv_t){ a.annotations[i].key, nv ? (char *)nv : a.annotations[i].value };
                }
                for (size_t i = 0; i < n; i++) {
                        bool later = false;
                        for (size_t j = i + 1; j < n; j++)
                                later |= strcmp(kv[j].key, kv[i].key) == 0;
                        if (!later && !mg_kv_find(a.annotations, a.nannotations, kv[i].key))
                                want[m++] = (mg_kv_t){ (char *)kv[i].key, (char *)kv[i].value };
                }
                mg_kv_t *had = a.annotations;
                size_t nhad = a.nannotations;
                a.annotations = want, a.nannotations = m;
                d = cc_result_diff(0, &a, &ea, rb, &b, &eb, why, wn);
                a.annotations = had, a.nannotations = nhad;
        } else {
                snprintf(why, wn, "out of memory");
        }
        free(want);
        mg_container_free(&a);
        mg_container_free(&b);
        return d;
}

#endif
