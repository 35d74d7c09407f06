/* SPDX-License-Identifier: Apache-2.0 */
/* The kernel log parser behind `memgate explain`, with the classifier, the owner decoding and
 * both outputs on every event it emits. Unlike the other targets the input may hold NUL bytes
 * and need not be text: a log file or a kmsg record is whatever bytes the reader got. The input
 * is fed in pieces split at '\n', the way the readers feed it, and once more in one piece as a
 * single long line (cut at MG_KL_LINE_MAX by the parser). */
#include "fuzz.h"
#include "memgate/checks/explain.h"
#include "memgate/inputs/kernlog.h"
#include "memgate/oci/explain_json.h"
#include "memgate/outputs/explain_text.h"

static mg_explain_json_t *json;

static void emit(const mg_kl_event_t *e, void *userdata) {
        (void)userdata;
        mg_explanation_t x;
        mg_explain_event(e, &x);
        mg_buf_t b = {0};
        mg_explain_text_event(&b, e, &x);
        mg_buf_free(&b);
        const char *buf;
        size_t n;
        mg_error_t err = {0};
        if (json && mg_explain_json_event(json, e, &x, &buf, &n, &err) < 0)
                __builtin_trap(); /* the generator must accept everything the parser produces */
}

static mg_kl_parser_t p; /* fixed size, reused */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        const char *s = (const char *)data, *end = s + size;
        const char *buf;
        size_t n;
        mg_error_t err = {0};
        uint64_t counts[MG_X_UNKNOWN + 1] = {0};

        if (mg_explain_json_begin(&json, &buf, &n, &err) < 0)
                json = NULL;
        mg_kl_init(&p, emit, NULL);
        for (const char *c = s; c < end;) {
                const char *nl = memchr(c, '\n', (size_t)(end - c));
                size_t len = (size_t)((nl ? nl : end) - c);
                mg_kl_feed(&p, c, len);
                c = nl ? nl + 1 : end;
        }
        mg_kl_finish(&p);
        mg_kl_init(&p, emit, NULL);
        mg_kl_feed(&p, s, size);
        mg_kl_finish(&p);
        if (json) {
                if (mg_explain_json_end(json, counts, &p, 0, &buf, &n, &err) < 0)
                        __builtin_trap();
                mg_explain_json_free(json);
                json = NULL;
        }
        mg_buf_t b = {0};
        mg_explain_text_summary(&b, counts, &p);
        mg_buf_free(&b);
        mg_cg_owner_t o;
        char path[512];
        size_t k = size < sizeof(path) - 1 ? size : sizeof(path) - 1;
        memcpy(path, data, k);
        path[k] = '\0';
        (void)mg_cg_owner_decode(path, &o);
        return 0;
}
