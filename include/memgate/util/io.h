/* SPDX-License-Identifier: Apache-2.0 */
/* Writing a whole buffer to an fd. */
#ifndef MEMGATE_UTIL_IO_H
#define MEMGATE_UTIL_IO_H

#include <stddef.h>

/* Writes all len bytes, retrying on EINTR and short writes. 0, or a negative errno (-EIO when
 * the fd takes nothing). */
int mg_write_all(int fd, const void *data, size_t len);

#endif
