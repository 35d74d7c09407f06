/* SPDX-License-Identifier: Apache-2.0 */
/* OCI documents out: a config document with memgate's annotations added. */
#ifndef MEMGATE_OCI_ANNOTATE_H
#define MEMGATE_OCI_ANNOTATE_H

#include <stddef.h>

#include "memgate/oci/container.h"
#include "memgate/util/error.h"

/* Returns a copy of the config document with kv merged into its top-level "annotations"
 * (created when absent; existing keys replaced). Everything else passes through unchanged:
 * key order, numbers as written, other values. */
int mg_oci_add_annotations(const char *buf, size_t len, const char *name, const mg_kv_t *kv, size_t n,
                           char **ret_buf, size_t *ret_len, mg_error_t *err);

#endif
