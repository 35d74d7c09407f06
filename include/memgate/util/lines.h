/* SPDX-License-Identifier: Apache-2.0 */
/* Reading a file line by line with bounded memory: for inputs that real large hosts make bigger
 * than any sensible whole-file cap (/proc/zoneinfo of a host with hundreds of CPUs and nodes). */
#ifndef MEMGATE_UTIL_LINES_H
#define MEMGATE_UTIL_LINES_H

#include <stdbool.h>
#include <stddef.h>

#include "memgate/util/error.h"

/* Called for each line (without its newline; NUL-free), numbered from 1. A negative return stops
 * the read and is returned. */
typedef int (*mg_line_fn)(const char *line, size_t len, size_t lineno, void *userdata, mg_error_t *err);

/* Opens dirfd/path (O_NOFOLLOW, O_NONBLOCK; a regular file only: never a FIFO or device that could
 * block) and calls fn for each line. At most max_total bytes are read (-EFBIG beyond), and no line
 * may be longer than max_line (-E2BIG), so memory stays within max_line whatever the file's size.
 * A NUL byte is an error (-EBADMSG). Messages name the file as `name` (path when NULL). */
int mg_read_lines_at(int dirfd, const char *path, const char *name, size_t max_total, size_t max_line, mg_line_fn fn,
                     void *userdata, mg_error_t *err);

#endif
