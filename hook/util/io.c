/* SPDX-License-Identifier: Apache-2.0 */
#include "memgate/util/io.h"

#include <errno.h>
#include <unistd.h>

int mg_write_all(int fd, const void *data, size_t len) {
        const char *p = data;
        while (len > 0) {
                ssize_t w = write(fd, p, len);
                if (w < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (w == 0)
                        return -EIO;
                p += w;
                len -= (size_t)w;
        }
        return 0;
}
