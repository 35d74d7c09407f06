/* SPDX-License-Identifier: Apache-2.0 */
#include "memgate/util/read.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "memgate/util/cleanup.h"

int mg_read_fd(int fd, const char *name, size_t cap, char **ret_buf, size_t *ret_len, mg_error_t *err) {
        struct stat st;
        size_t size = 4096, len = 0;

        if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
                if ((uint64_t)st.st_size > cap)
                        return mg_error_set(err, -EFBIG, "%s: %jd bytes is over the %zu byte limit", name,
                                            (intmax_t)st.st_size, cap);
                size = (size_t)st.st_size + 1; /* one more, to see EOF in one read */
        }
        if (size > cap + 1)
                size = cap + 1;

        _cleanup_free_ char *buf = malloc(size + 1);
        if (!buf)
                return mg_error_set(err, -ENOMEM, "%s: out of memory", name);

        for (;;) {
                if (len == size) {
                        if (size > cap)
                                return mg_error_set(err, -EFBIG, "%s: larger than the %zu byte limit", name, cap);
                        size_t nsize = size * 2 > cap + 1 ? cap + 1 : size * 2;
                        char *n = realloc(buf, nsize + 1);
                        if (!n)
                                return mg_error_set(err, -ENOMEM, "%s: out of memory", name);
                        buf = n;
                        size = nsize;
                }
                ssize_t r = read(fd, buf + len, size - len);
                if (r < 0) {
                        if (errno == EINTR)
                                continue;
                        return mg_error_set(err, -errno, "%s: read failed: %s", name, strerror(errno));
                }
                if (r == 0)
                        break;
                len += (size_t)r;
        }
        if (len > cap)
                return mg_error_set(err, -EFBIG, "%s: larger than the %zu byte limit", name, cap);
        if (memchr(buf, '\0', len))
                return mg_error_set(err, -EBADMSG, "%s: contains a NUL byte", name);
        buf[len] = '\0';
        *ret_buf = TAKE_PTR(buf);
        if (ret_len)
                *ret_len = len;
        return 0;
}

int mg_read_file_at(int dirfd, const char *path, size_t cap, bool nofollow, char **ret_buf, size_t *ret_len,
                    mg_error_t *err) {
        _cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY | (nofollow ? O_NOFOLLOW : 0));
        if (fd < 0)
                return mg_error_set(err, -errno, "%s: %s", path,
                                    errno == ELOOP && nofollow ? "is a symbolic link, not followed" : strerror(errno));
        struct stat st;
        if (fstat(fd, &st) < 0)
                return mg_error_set(err, -errno, "%s: %s", path, strerror(errno));
        if (S_ISDIR(st.st_mode))
                return mg_error_set(err, -EISDIR, "%s: is a directory", path);
        if (!S_ISREG(st.st_mode))
                return mg_error_set(err, -EINVAL, "%s: not a regular file", path);
        return mg_read_fd(fd, path, cap, ret_buf, ret_len, err);
}

