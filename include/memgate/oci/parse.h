/* SPDX-License-Identifier: Apache-2.0 */
/* OCI documents in: the state a runtime writes on a hook's stdin and a bundle's config.json, read
 * into the plain structs of oci/container.h. yajl is known only inside oci/. */
#ifndef MEMGATE_OCI_PARSE_H
#define MEMGATE_OCI_PARSE_H

#include <stddef.h>

#include "memgate/oci/container.h"
#include "memgate/util/error.h"

#define MG_JSON_MAX_DEPTH 64          /* OCI documents nest < 10 deep */

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

/* The same reading of config.json over a whole yajl tree: the reference mg_oci_parse_config (a
 * one-pass parse that keeps only the fields above) is tested against, value for value and error
 * for error. Not used by memgate itself. */
int mg_oci_parse_config_tree(const char *buf, size_t len, const char *name, mg_container_t *ret,
                             mg_error_t *err);

#endif
