/* SPDX-License-Identifier: Apache-2.0 */
/* Atomic replacement of one file in a directory, relative to the directory's fd.
 *
 * The sequence: a temp file ".<name>.XXXXXX" created next to the target with
 * O_CREAT|O_EXCL|O_NOFOLLOW (so a planted symlink or file at the temp name is never reused),
 * all bytes written, owner and mode copied from the file it replaces, fsync, renameat over the
 * target, fsync of the directory. A reader sees either the old file or the new one, never a
 * torn one, and a crash (or SIGKILL) at any point leaves at worst a stray temp file beside an
 * intact original.
 *
 * Symlinks: the target is inspected with AT_SYMLINK_NOFOLLOW. When <name> is a symbolic link,
 * the rename replaces the link itself with a regular file; the file it pointed to is never
 * opened, read or changed, and the new file gets default_mode and memgate's own owner (a link's
 * owner says nothing about who should own the data). This is what a hook running as root on a
 * bundle an image author may have prepared must do: `config.json -> /etc/shadow` must not turn
 * into a write to /etc/shadow.
 *
 * The exact open flags of the temp file are exported as MG_ATOMIC_TEMP_FLAGS in atomic.h so the
 * seccomp filter can allow openat with exactly these flags and nothing else. */
#define _GNU_SOURCE
#include "memgate/outputs/atomic.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "memgate/util/cleanup.h"
#include "memgate/util/io.h"

/* Room in NAME_MAX for ".", "." and six suffix characters. */
#define TEMP_EXTRA 8
#define TEMP_ATTEMPTS 64

static const char *why(int e, const char *name, char *buf, size_t n) {
        switch (e) {
        case ENOSPC:
        case EDQUOT:
                snprintf(buf, n, "no space left on device writing %s", name);
                break;
        case EROFS:
                snprintf(buf, n, "cannot write %s: the bundle is on a read-only file system", name);
                break;
        default:
                snprintf(buf, n, "cannot write %s: %s", name, strerror(e));
                break;
        }
        return buf;
}

static int report(mg_error_t *err, int e, const char *name, const char *step) {
        char b[400];
        return mg_error_set(err, -e, "%s (%s)", why(e, name, b, sizeof(b)), step);
}

/* A suffix unlikely to collide; collisions only cost a retry since the create is O_EXCL. No
 * getrandom: this runs under the seccomp filter, which keeps its list short. */
static void temp_name(char *buf, size_t n, const char *name, unsigned attempt) {
        static const char alphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        static uint64_t counter;
        struct timespec ts = {0};
        (void)clock_gettime(CLOCK_MONOTONIC, &ts);
        uint64_t x = ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec ^ ((uint64_t)getpid() << 40) ^
                     (++counter * 0x9e3779b97f4a7c15ull) ^ attempt;
        char suffix[7];
        for (size_t i = 0; i < 6; i++) {
                x ^= x >> 33;
                x *= 0xff51afd7ed558ccdull;
                x ^= x >> 29;
                suffix[i] = alphabet[x % (sizeof(alphabet) - 1)];
        }
        suffix[6] = '\0';
        snprintf(buf, n, ".%s.%s", name, suffix);
}

static int valid_name(const char *name) {
        if (!name || !*name || strchr(name, '/') || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
                return -EINVAL;
        if (strlen(name) + TEMP_EXTRA > NAME_MAX)
                return -ENAMETOOLONG;
        return 0;
}

/* The new name is in place; make the directory entry durable. A file system that cannot fsync
 * a directory (EINVAL) has nothing to flush. */
static int sync_dir(int dirfd, const char *name, mg_error_t *err) {
        _cleanup_close_ int dfd = -1;
        int fd = dirfd;
        if (dirfd == AT_FDCWD) {
                dfd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                fd = dfd;
        }
        if (fd >= 0 && fsync(fd) < 0 && errno != EINVAL && errno != EROFS)
                return mg_error_set(err, -errno, "%s was replaced, but syncing its directory failed: %s", name,
                                    strerror(errno));
        return 0;
}

int mg_write_atomic_at(int dirfd, const char *name, const void *data, size_t len, mode_t default_mode,
                       mg_error_t *err) {
        int r = valid_name(name);
        if (r < 0)
                return mg_error_set(err, r, "cannot write \"%s\": not a plain file name", name ? name : "(null)");
        if (len > 0 && !data)
                return mg_error_set(err, -EINVAL, "cannot write %s: no data", name);

        /* What is there now decides the new file's mode and owner; never follow a link. */
        struct stat old;
        bool keep_owner = false;
        mode_t mode = default_mode & 07777;
        if (fstatat(dirfd, name, &old, AT_SYMLINK_NOFOLLOW) == 0) {
                if (S_ISDIR(old.st_mode))
                        return mg_error_set(err, -EISDIR, "cannot write %s: it is a directory", name);
                if (S_ISREG(old.st_mode)) {
                        mode = old.st_mode & 07777;
                        keep_owner = true;
                } else if (!S_ISLNK(old.st_mode))
                        return mg_error_set(err, -EINVAL, "cannot write %s: it exists and is not a regular file",
                                            name);
        } else if (errno != ENOENT)
                return report(err, errno, name, "stat");

        char tmp[NAME_MAX + 1];
        _cleanup_close_ int fd = -1;
        for (unsigned i = 0; i < TEMP_ATTEMPTS && fd < 0; i++) {
                temp_name(tmp, sizeof(tmp), name, i);
                fd = openat(dirfd, tmp, MG_ATOMIC_TEMP_FLAGS, 0600);
                if (fd < 0 && errno != EEXIST)
                        return report(err, errno, name, "creating a temporary file");
        }
        if (fd < 0)
                return mg_error_set(err, -EEXIST, "cannot write %s: no free temporary name after %d tries", name,
                                    TEMP_ATTEMPTS);

        const char *step = "write";
        if ((r = mg_write_all(fd, data, len)) < 0)
                goto fail;
        if (keep_owner) {
                struct stat cur;
                step = "fstat";
                if (fstat(fd, &cur) < 0) {
                        r = -errno;
                        goto fail;
                }
                /* chown before chmod: chown clears set-id bits. */
                step = "fchown";
                if ((cur.st_uid != old.st_uid || cur.st_gid != old.st_gid) &&
                    fchown(fd, old.st_uid, old.st_gid) < 0) {
                        r = -errno;
                        goto fail;
                }
        }
        step = "fchmod";
        if (fchmod(fd, mode) < 0) {
                r = -errno;
                goto fail;
        }
        step = "fsync";
        if (fsync(fd) < 0) {
                r = -errno;
                goto fail;
        }
        step = "close";
        if (close(TAKE_FD(fd)) < 0 && errno != EINTR) {
                r = -errno;
                goto fail;
        }
        step = "rename";
        if (renameat(dirfd, tmp, dirfd, name) < 0) {
                r = -errno;
                goto fail;
        }

        return sync_dir(dirfd, name, err);

fail:
        (void)unlinkat(dirfd, tmp, 0);
        return report(err, -r, name, step);
}
