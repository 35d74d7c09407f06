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

/* The temp file of a write in progress, if any, is removed; then nothing is. Async-signal-safe:
 * for a SIGTERM handler of a process that may be killed mid-write. */
void mg_atomic_discard_temp(void);

/* Removes the temp files of name's pattern (".<name>.XXXXXX", regular, owned by this user) in
 * dirfd whose writer is gone: no OFD lock held on them, or, where the file system has no OFD locks,
 * older than MG_ATOMIC_STALE_NOLOCK_SEC. mg_write_atomic_at calls it before each write. Returns
 * how many it removed, or a negative errno when the directory cannot be listed. */
int mg_atomic_sweep(int dirfd, const char *name);
#define MG_ATOMIC_STALE_NOLOCK_SEC 600 /* twice the longest `deadline` memgate.conf allows */

/* The same, with a choice of durability. Without MG_ATOMIC_FSYNC the new file is renamed over the
 * old one without fsync of the file or the directory: every reader still sees the old file or
 * the new one, never a torn one (rename(2) is atomic); what is given up is that the new file
 * survives a power loss in the next seconds (on a tmpfs, nothing: fsync there is a no-op).
 * mg_write_atomic_at is this with MG_ATOMIC_FSYNC. */
#define MG_ATOMIC_FSYNC 1u
int mg_write_atomic_flags(int dirfd, const char *name, const void *data, size_t len, mode_t default_mode,
                          unsigned flags, mg_error_t *err);

/* The exact flags the temp file is created with (the seccomp filter allows openat with exactly
 * these, so a confined memgate can create a fresh file but not open an existing one). */
#define MG_ATOMIC_TEMP_FLAGS (O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC)

#endif
