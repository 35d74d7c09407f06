/* SPDX-License-Identifier: Apache-2.0 */
/* The one bounded reader. Nothing it is handed can make it wait: a path is looked at before it is
 * opened and only a regular file is opened (open(2) of a FIFO without a writer blocks forever, and
 * opening a device can act: a tape rewinds, a watchdog arms); the open itself is O_NONBLOCK, so a
 * file swapped for a FIFO between the look and the open still cannot block it. Files of the
 * kernel's own filesystems, which hold neither, skip the look (mg_read_kernel_file_at). An fd that is a
 * pipe by design (stdin) is read either against a deadline (mg_read_fd_until, in a process that
 * may poll) or under a watchdog that kills the reader (the confined child, cli/sandbox.c). */
#define _GNU_SOURCE
#include "memgate/util/read.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "memgate/util/cleanup.h"

const char *mg_file_type_name(mode_t mode) {
        switch (mode & S_IFMT) {
        case S_IFREG:
                return "regular file";
        case S_IFDIR:
                return "directory";
        case S_IFLNK:
                return "symbolic link";
        case S_IFIFO:
                return "FIFO";
        case S_IFSOCK:
                return "socket";
        case S_IFCHR:
                return "character device";
        case S_IFBLK:
                return "block device";
        default:
                return "file of unknown type";
        }
}

int mg_fd_wait_readable(int fd, uint64_t deadline, const char *name, mg_error_t *err) {
        if (deadline == MG_DEADLINE_NONE)
                return 0;
        for (;;) {
                struct pollfd p = {.fd = fd, .events = POLLIN};
                int left = mg_deadline_left_ms(deadline);
                int r = left == 0 ? 0 : poll(&p, 1, left);
                if (r > 0)
                        return 0; /* readable, at EOF, or in error: read() says which */
                if (r == 0)
                        return mg_error_set(err, -ETIME, "%s: nothing more arrived before the deadline", name);
                if (errno != EINTR)
                        return mg_error_set(err, -errno, "%s: poll failed: %s", name, strerror(errno));
        }
}

/* The read loop behind mg_read_fd_until, mg_read_file_at and mg_read_kernel_file_at; st is the
 * fd's (or NULL when fstat failed), for the first buffer's size. one_record: a short read that
 * ends a line ends the file (MG_READ_ONE_RECORD). */
static int read_sized(int fd, const struct stat *st, const char *name, size_t cap, uint64_t deadline, bool one_record,
                      char **ret_buf, size_t *ret_len, mg_error_t *err) {
        size_t size = 4096, len = 0;
        int r;

        if (st && S_ISREG(st->st_mode) && st->st_size > 0) {
                if ((uint64_t)st->st_size > cap)
                        return mg_error_set(err, -EFBIG, "%s: %jd bytes is over the %zu byte limit", name,
                                            (intmax_t)st->st_size, cap);
                size = (size_t)st->st_size + 1; /* one more, to see EOF in one read */
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
                if ((r = mg_fd_wait_readable(fd, deadline, name, err)) < 0) {
                        buf[len] = '\0'; /* what did arrive, for a caller that passes it on */
                        *ret_buf = TAKE_PTR(buf);
                        if (ret_len)
                                *ret_len = len;
                        return r;
                }
                ssize_t n = read(fd, buf + len, size - len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN && deadline != MG_DEADLINE_NONE)
                                continue; /* an O_NONBLOCK pipe someone else drained first */
                        return mg_error_set(err, -errno, "%s: read failed: %s", name, strerror(errno));
                }
                if (n == 0)
                        break;
                len += (size_t)n;
                if (one_record && len < size && buf[len - 1] == '\n')
                        break; /* the whole record fitted: the read to EOF would return 0 */
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

int mg_read_fd_until(int fd, const char *name, size_t cap, uint64_t deadline, char **ret_buf, size_t *ret_len,
                     mg_error_t *err) {
        struct stat st;
        return read_sized(fd, fstat(fd, &st) == 0 ? &st : NULL, name, cap, deadline, false, ret_buf, ret_len, err);
}

int mg_read_fd(int fd, const char *name, size_t cap, char **ret_buf, size_t *ret_len, mg_error_t *err) {
        return mg_read_fd_until(fd, name, cap, MG_DEADLINE_NONE, ret_buf, ret_len, err);
}

/* opened: the file was opened before its type was known (mg_read_kernel_file_at). */
static int not_regular(mg_error_t *err, const char *path, mode_t mode, bool opened) {
        if (S_ISDIR(mode))
                return mg_error_set(err, -EISDIR, "%s: is a directory", path);
        if (S_ISLNK(mode))
                return mg_error_set(err, -ELOOP, "%s: is a symbolic link, not followed", path);
        return mg_error_set(err, -EINVAL, "%s: is a %s, not a regular file: %s", path, mg_file_type_name(mode),
                            opened ? "not read" : "not opened (reading it could block)");
}

/* mg_open_regular_at, with the opened file's stat in *st. */
static int open_regular(int dirfd, const char *path, const char *name, bool nofollow, struct stat *ret_st,
                        mg_error_t *err) {
        struct stat pre, st;
        if (!name)
                name = path;

        /* Look first: only a regular file is opened at all. */
        if (fstatat(dirfd, path, &pre, nofollow ? AT_SYMLINK_NOFOLLOW : 0) < 0)
                return mg_error_set(err, -errno, "%s: %s", name, strerror(errno));
        if (!S_ISREG(pre.st_mode))
                return not_regular(err, name, pre.st_mode, false);

        _cleanup_close_ int fd = openat(dirfd, path,
                                        O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | (nofollow ? O_NOFOLLOW : 0));
        if (fd < 0)
                return mg_error_set(err, -errno, "%s: %s", name,
                                    errno == ELOOP && nofollow ? "is a symbolic link, not followed" : strerror(errno));
        if (fstat(fd, &st) < 0)
                return mg_error_set(err, -errno, "%s: %s", name, strerror(errno));
        if (!S_ISREG(st.st_mode))
                return not_regular(err, name, st.st_mode, true);
        if (st.st_dev != pre.st_dev || st.st_ino != pre.st_ino)
                return mg_error_set(err, -EAGAIN, "%s: replaced while it was being opened", name);
        *ret_st = st;
        return TAKE_FD(fd);
}

int mg_open_regular_at(int dirfd, const char *path, const char *name, bool nofollow, mg_error_t *err) {
        struct stat st;
        return open_regular(dirfd, path, name, nofollow, &st, err);
}

int mg_read_file_at(int dirfd, const char *path, size_t cap, bool nofollow, char **ret_buf, size_t *ret_len,
                    mg_error_t *err) {
        struct stat st;
        _cleanup_close_ int fd = open_regular(dirfd, path, NULL, nofollow, &st, err);
        if (fd < 0)
                return fd;
        /* The open's fstat sizes the buffer: no second one. */
        return read_sized(fd, &st, path, cap, MG_DEADLINE_NONE, false, ret_buf, ret_len, err);
}

bool mg_fd_on_kernel_fs(int fd) {
        struct statfs sfs;
        if (fstatfs(fd, &sfs) < 0)
                return false;
        return sfs.f_type == PROC_SUPER_MAGIC || sfs.f_type == SYSFS_MAGIC || sfs.f_type == CGROUP_SUPER_MAGIC ||
               sfs.f_type == CGROUP2_SUPER_MAGIC;
}

int mg_read_kernel_file_at(int dirfd, const char *path, size_t cap, unsigned flags, char **ret_buf, size_t *ret_len,
                           mg_error_t *err) {
        struct stat st;
        /* No look first: the caller vouches that dirfd is on procfs, sysfs or a cgroup
         * filesystem, which hold no FIFO or device whose open could wait or act. */
        _cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW);
        if (fd < 0)
                return mg_error_set(err, -errno, "%s: %s", path,
                                    errno == ELOOP ? "is a symbolic link, not followed" : strerror(errno));
        if (fstat(fd, &st) < 0)
                return mg_error_set(err, -errno, "%s: %s", path, strerror(errno));
        if (!S_ISREG(st.st_mode))
                return not_regular(err, path, st.st_mode, true);
        return read_sized(fd, &st, path, cap, MG_DEADLINE_NONE, (flags & MG_READ_ONE_RECORD) != 0, ret_buf, ret_len,
                          err);
}
