/* SPDX-License-Identifier: Apache-2.0 */
/* OCI documents: the only module that knows yajl. Reads state and config into plain structs,
 * adds annotations to a config document, and writes the JSON report. */
#ifndef MEMGATE_OCI_H
#define MEMGATE_OCI_H

#include "memgate/container.h"
#include "memgate/finding.h"
#include "memgate/host.h"
#include "memgate/model.h"

/* Most values (array elements, object members) a state or config may hold: yajl's tree costs
 * about 90 bytes per value, so a 16 MiB config of "1,1,1,..." would take 740 MB. Real configs hold
 * hundreds; an environment this long could not be exec'd anyway. */
#define MG_JSON_MAX_VALUES (1u << 18)

/* Rejects documents nested deeper than max_depth (yajl has no limit of its own), without
 * parsing them. Strings are skipped correctly. */
int mg_json_check_depth(const char *buf, size_t len, unsigned max_depth, mg_error_t *err);

/* buf must be NUL-terminated (mg_read_* does that); len excludes the NUL. name is for messages.
 * Both read the document as runc's Go decoder does (oci/json.h): keys match case-insensitively,
 * duplicate keys apply in order (last scalar wins, objects merge, null resets), invalid UTF-8 and
 * \u0000 in strings become U+FFFD. Comments, more than MG_JSON_MAX_DEPTH levels or
 * MG_JSON_MAX_VALUES values, and any wrong type or out-of-range number in a field memgate reads
 * are refused with a message naming the field. A negative errno is returned, ret untouched. */
int mg_oci_parse_state(const char *buf, size_t len, const char *name, mg_state_t *ret, mg_error_t *err);
int mg_oci_parse_config(const char *buf, size_t len, const char *name, mg_container_t *ret, mg_error_t *err);

/* Returns a copy of the config document with kv merged into its top-level "annotations"
 * (created when absent; existing keys replaced). Everything else passes through unchanged:
 * key order, numbers as written, other values. */
int mg_oci_add_annotations(const char *buf, size_t len, const char *name, const mg_kv_t *kv, size_t n,
                           char **ret_buf, size_t *ret_len, mg_error_t *err);

/* The --format json report. container/state may be NULL. */
typedef struct mg_report_ctx {
        const char *mode;                 /* "hook", "check", "host" */
        const mg_report_t *report;
        const mg_host_t *host;
        const mg_model_t *model;
        const mg_container_t *container;
        const mg_state_t *state;
        uint64_t effective_limit_bytes;
        const char *bundle;
        const mg_kv_t *annotations;       /* the io.memgate.* annotations this evaluation yields */
        size_t nannotations;
} mg_report_ctx_t;

int mg_oci_report_json(const mg_report_ctx_t *ctx, char **ret_buf, size_t *ret_len, mg_error_t *err);

#endif
