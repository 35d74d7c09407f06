/* SPDX-License-Identifier: Apache-2.0 */
/* The one bounded reader for stdin, config.json, memgate.conf and /proc files. */
#ifndef MEMGATE_UTIL_READ_H
#define MEMGATE_UTIL_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "memgate/util/deadline.h"
#include "memgate/util/error.h"

/* Caps on what memgate will read; every read goes through mg_read_* with one of these. */
#define MG_CAP_STATE (1u << 20)       /* OCI state on stdin: 1 MiB */
#define MG_CAP_CONFIG (16u << 20)     /* config.json: 16 MiB */
#define MG_CAP_PROC (4u << 20)        /* a /proc or /sys file: 4 MiB (zoneinfo on big hosts) */
#define MG_CAP_CONF (1u << 20)        /* memgate.conf */

/* Read a whole file (relative to dirfd, AT_FDCWD for plain paths) with a size cap.
 * Handles st_size == 0 (/proc), refuses embedded NUL bytes and files larger than cap
 * (-EFBIG). The buffer is NUL terminated. O_NOFOLLOW when nofollow (a symlink: -ELOOP).
 * Never waits: anything but a regular file (a FIFO, a socket, a device) is refused before it is
 * opened (-EINVAL, -EISDIR), and the open is O_NONBLOCK. */
int mg_read_file_at(int dirfd, const char *path, size_t cap, bool nofollow, char **ret_buf, size_t *ret_len,
                    mg_error_t *err);
/* mg_read_file_at for a file of the kernel's own filesystems, always with O_NOFOLLOW: the caller
 * vouches that dirfd is a directory on procfs, sysfs or a cgroup filesystem (fstatfs said so),
 * where no FIFO or device can sit, so the file is opened without the look first (one system call
 * and one path walk less; the opened fd must still be a regular file). With MG_READ_ONE_RECORD
 * a read shorter than asked for that ends a line ends the file: right for a file the kernel
 * prints as one record (a sysctl, a single-value cgroup control file such as memory.max, a sysfs
 * attribute, a single_open seq_file such as meminfo; not cgroup.procs or tasks),
 * which hands its whole text to the first read large enough; wrong for a seq_file of many
 * records (zoneinfo, buddyinfo), where a short read may only mean the next record did not fit. */
#define MG_READ_ONE_RECORD 1u
/* Whether fd (a directory) is on procfs, sysfs or a cgroup filesystem, the ones
 * mg_read_kernel_file_at may be handed: fstatfs's f_type. */
bool mg_fd_on_kernel_fs(int fd);
int mg_read_kernel_file_at(int dirfd, const char *path, size_t cap, unsigned flags, char **ret_buf, size_t *ret_len,
                           mg_error_t *err);
/* The open behind it, for readers of their own (util/lines.h): an O_RDONLY|O_NONBLOCK fd of a
 * regular file, or a negative errno with err naming the file as name (path when NULL). */
int mg_open_regular_at(int dirfd, const char *path, const char *name, bool nofollow, mg_error_t *err);
/* Same for an already open fd (stdin). Blocks as long as the fd does: use it only where a watchdog
 * bounds the process (the confined child), or use mg_read_fd_until. */
int mg_read_fd(int fd, const char *name, size_t cap, char **ret_buf, size_t *ret_len, mg_error_t *err);
/* Same, but gives up at the deadline (mg_deadline_after; MG_DEADLINE_NONE: never) with -ETIME:
 * polls before every read, so it suits a pipe held open with no data. On -ETIME, and only then,
 * *ret_buf and *ret_len hold what did arrive (NUL terminated, unchecked; the caller frees it).
 * Not for the confined child (poll is outside the seccomp allowlist). */
int mg_read_fd_until(int fd, const char *name, size_t cap, uint64_t deadline, char **ret_buf, size_t *ret_len,
                     mg_error_t *err);

/* Waits until fd is readable (or at EOF, or in error) or the deadline passes: 0, or -ETIME with
 * err saying "<name>: nothing more arrived before the deadline". For a read loop of its own. */
int mg_fd_wait_readable(int fd, uint64_t deadline, const char *name, mg_error_t *err);

/* "regular file", "FIFO", "character device", ...: for messages. */
const char *mg_file_type_name(mode_t mode);

#endif
