/* SPDX-License-Identifier: Apache-2.0 */
/* OCI documents out: a config document with memgate's annotations added. */
#ifndef MEMGATE_OCI_ANNOTATE_H
#define MEMGATE_OCI_ANNOTATE_H

#include <stddef.h>

#include "memgate/oci/container.h"
#include "memgate/util/error.h"

/* Returns a copy of the config document with kv merged into its top-level "annotations"
 * (created when absent or null; the values of keys it has replaced where they stand, every
 * repeat of one; the new keys after its last member, in kv's order, the last of repeats in kv
 * counting). No other byte of the text changes. Refused: a text that is not one JSON object
 * within memgate's limits, two keys Go matches to "annotations", or one that is neither an
 * object nor null; kv that is not UTF-8. */
int mg_oci_add_annotations(const char *buf, size_t len, const char *name, const mg_kv_t *kv, size_t n,
                           char **ret_buf, size_t *ret_len, mg_error_t *err);

#endif
