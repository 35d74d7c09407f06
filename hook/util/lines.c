/* SPDX-License-Identifier: Apache-2.0 */
#include "memgate/util/lines.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "memgate/util/cleanup.h"
#include "memgate/util/read.h"
#include "memgate/util/step.h"

#define CHUNK (64u * 1024)

int mg_read_lines_at(int dirfd, const char *path, const char *name, size_t max_total, size_t max_line, mg_line_fn fn,
                     void *userdata, mg_error_t *err) {
        if (!name)
                name = path;
        /* Only a regular file is opened, and without blocking (util/read.h). */
        mg_step("reading %s", name);
        _cleanup_close_ int fd = mg_open_regular_at(dirfd, path, name, true, err);
        if (fd < 0)
                return fd;

        /* buf holds the partial line carried over plus one chunk. */
        size_t cap = max_line + CHUNK + 1, have = 0, total = 0, lineno = 0;
        _cleanup_free_ char *buf = malloc(cap);
        if (!buf)
                return mg_error_set(err, -ENOMEM, "%s: out of memory", name);
        for (;;) {
                ssize_t r = read(fd, buf + have, cap - 1 - have);
                if (r < 0) {
                        if (errno == EINTR)
                                continue;
                        return mg_error_set(err, -errno, "%s: read failed: %s", name, strerror(errno));
                }
                total += (size_t)r;
                if (total > max_total)
                        return mg_error_set(err, -EFBIG, "%s: larger than the %zu byte limit", name, max_total);
                if (memchr(buf + have, '\0', (size_t)r))
                        return mg_error_set(err, -EBADMSG, "%s: contains a NUL byte", name);
                have += (size_t)r;
                bool eof = r == 0;
                size_t start = 0;
                for (;;) {
                        char *nl = memchr(buf + start, '\n', have - start);
                        size_t len = nl ? (size_t)(nl - (buf + start)) : have - start;
                        if (!nl && !(eof && len > 0))
                                break;
                        if (len > max_line)
                                return mg_error_set(err, -E2BIG, "%s:%zu: line longer than %zu bytes", name,
                                                    lineno + 1, max_line);
                        buf[start + len] = '\0';
                        int rc = fn(buf + start, len, ++lineno, userdata, err);
                        if (rc < 0)
                                return rc;
                        start += len + (nl ? 1 : 0);
                        if (!nl)
                                break;
                }
                memmove(buf, buf + start, have - start);
                have -= start;
                if (have > max_line)
                        return mg_error_set(err, -E2BIG, "%s:%zu: line longer than %zu bytes", name, lineno + 1,
                                            max_line);
                if (eof)
                        return 0;
        }
}
