/* SPDX-License-Identifier: Apache-2.0 */
/* The one bounded reader for stdin, config.json, memgate.conf and /proc files. */
#ifndef MEMGATE_UTIL_READ_H
#define MEMGATE_UTIL_READ_H

#include <stdbool.h>
#include <stddef.h>

#include "memgate/util/error.h"

/* Caps on what memgate will read; every read goes through mg_read_* with one of these. */
#define MG_CAP_STATE (1u << 20)       /* OCI state on stdin: 1 MiB */
#define MG_CAP_CONFIG (16u << 20)     /* config.json: 16 MiB */
#define MG_CAP_PROC (4u << 20)        /* a /proc or /sys file: 4 MiB (zoneinfo on big hosts) */
#define MG_CAP_CONF (1u << 20)        /* memgate.conf */

/* Read a whole file (relative to dirfd, AT_FDCWD for plain paths) with a size cap.
 * Handles st_size == 0 (/proc), refuses embedded NUL bytes and files larger than cap
 * (-EFBIG). The buffer is NUL terminated. O_NOFOLLOW when nofollow. */
int mg_read_file_at(int dirfd, const char *path, size_t cap, bool nofollow, char **ret_buf, size_t *ret_len,
                    mg_error_t *err);
/* Same for an already open fd (stdin). */
int mg_read_fd(int fd, const char *name, size_t cap, char **ret_buf, size_t *ret_len, mg_error_t *err);

#endif
