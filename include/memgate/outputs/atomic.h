/* SPDX-License-Identifier: Apache-2.0 */
/* Writes that cannot corrupt: a temp file in the same directory (relative to its fd), fsync,
 * rename over the target, never following a symlink. */
#ifndef MEMGATE_OUTPUTS_ATOMIC_H
#define MEMGATE_OUTPUTS_ATOMIC_H

#include <fcntl.h>
#include <sys/types.h>

#include "memgate/util/error.h"

/* Replaces dirfd/name with data. When name exists as a regular file, the new file gets its mode
 * and owner; otherwise default_mode. A symlink at name is replaced, never followed. On any
 * failure the original is left intact and the temp file removed; err says what failed. */
int mg_write_atomic_at(int dirfd, const char *name, const void *data, size_t len, mode_t default_mode,
                       mg_error_t *err);

/* The exact flags the temp file is created with (the seccomp filter allows openat with exactly
 * these, so a confined memgate can create a fresh file but not open an existing one). */
#define MG_ATOMIC_TEMP_FLAGS (O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC)

#endif
