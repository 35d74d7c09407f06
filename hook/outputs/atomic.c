/* SPDX-License-Identifier: Apache-2.0 */
/* Atomic replacement of one file in a directory, relative to the directory's fd.
 *
 * The sequence: a temp file ".<name>.XXXXXX" created next to the target with
 * O_CREAT|O_EXCL|O_NOFOLLOW (so a planted symlink or file at the temp name is never reused),
 * all bytes written, owner and mode copied from the file it replaces, fsync, renameat over the
 * target, fsync of the directory. A reader sees either the old file or the new one, never a
 * torn one, and a crash (or SIGKILL) at any point leaves at worst a stray temp file beside an
 * intact original. The two fsyncs are optional (mg_write_atomic_flags): they buy durability
 * across a power loss, not atomicity, which the rename alone gives.
 *
 * Over an existing file the two names are exchanged (renameat2 RENAME_EXCHANGE) and the temp
 * name, which then holds the old file, is unlinked; where the file system cannot exchange, a
 * plain rename. Readers see the same: the old file or the new one. What it saves: ext4
 * (auto_da_alloc) starts writing the new data out on a rename over a file, so the next rewrite
 * frees allocated blocks (discarded there and then on a discard mount), about 120 us a rewrite
 * of memgate.json on this project's VM. Without the fsyncs a power loss may then leave the file
 * empty, as it always could for the first report in a fresh bundle (nothing to replace, no
 * flush); with them it cannot.
 *
 * Symlinks: the target is inspected with AT_SYMLINK_NOFOLLOW. When <name> is a symbolic link,
 * the rename replaces the link itself with a regular file; the file it pointed to is never
 * opened, read or changed, and the new file gets default_mode and memgate's own owner (a link's
 * owner says nothing about who should own the data). This is what a hook running as root on a
 * bundle an image author may have prepared must do: `config.json -> /etc/shadow` must not turn
 * into a write to /etc/shadow.
 *
 * The exact open flags of the temp file are exported as MG_ATOMIC_TEMP_FLAGS in atomic.h so the
 * seccomp filter can allow openat with exactly these flags and nothing else.
 *
 * Killed writers leave nothing behind:
 *  - The temp file being written is registered (with termination signals blocked around its
 *    creation and its rename, so the registry never names a file that is not ours or no longer
 *    exists); mg_atomic_discard_temp(), async-signal-safe, removes it. The confined child's
 *    SIGTERM handler calls it (cli/sandbox.c), and the child gets SIGTERM when its parent dies.
 *  - A writer holds an OFD write lock on its temp file from creation to rename. Before creating
 *    its own, a write sweeps the directory for temp files of the same name pattern whose writer is
 *    gone: it takes a read lock on each, which fails while a live writer holds its write lock and
 *    succeeds once the writer died (the kernel drops the lock with the last fd, even on SIGKILL).
 *    A sweeper unlinks only while it holds that read lock. So a writer whose own lock fails after
 *    the create (a sweeper got there between the create and the lock), or succeeds on a file that
 *    no longer has a name (the sweeper was quicker still), leaves it and takes another name. So a concurrent writer's
 *    file is never removed under it, and a SIGKILLed writer's file goes at the next write. Where
 *    the file system has no OFD locks, only files older than MG_ATOMIC_STALE_NOLOCK_SEC go. */
#define _GNU_SOURCE
#include "memgate/outputs/atomic.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "memgate/util/cleanup.h"
#include "memgate/util/io.h"
#include "memgate/util/step.h"

/* Room in NAME_MAX for ".", "." and six suffix characters. */
#define TEMP_EXTRA 8
#define TEMP_SUFFIX 6
#define TEMP_ATTEMPTS 64

static const char alphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/* The temp file this process is writing, for mg_atomic_discard_temp(). Written only while the
 * termination signals are blocked; read by the signal handler only when active. */
static struct {
        volatile sig_atomic_t active;
        int dirfd;
        char name[NAME_MAX + 1];
} current = {.dirfd = -1};

void mg_atomic_discard_temp(void) {
        if (current.active) {
                current.active = 0;
                (void)unlinkat(current.dirfd, current.name, 0);
                mg_step_writing(0);
        }
}

static void set_active(int on) {
        current.active = on;
        mg_step_writing(on);
}

/* Termination signals held off around the steps that change what the registry must say. */
static void hold_signals(sigset_t *old) {
        sigset_t s;
        sigemptyset(&s);
        sigaddset(&s, SIGTERM);
        sigaddset(&s, SIGINT);
        sigaddset(&s, SIGHUP);
        (void)sigprocmask(SIG_BLOCK, &s, old);
}

static void release_signals(const sigset_t *old) {
        (void)sigprocmask(SIG_SETMASK, old, NULL);
}

static int ofd_lock(int fd, short type) {
        struct flock fl = {.l_type = type, .l_whence = SEEK_SET};
        return fcntl(fd, F_OFD_SETLK, &fl) < 0 ? -errno : 0;
}

/* A lock failing because someone holds a conflicting one, not because locks are unsupported. */
static bool lock_is_held(int r) {
        return r == -EAGAIN || r == -EACCES;
}

/* The writer's lock on its fresh temp file. False: a sweeper took the file between the create and
 * the lock (it holds it, or already unlinked it while holding it): find another name. Without OFD
 * locks the file is written unlocked and only the age rule protects it. */
static bool claim_temp(int fd) {
        int r = ofd_lock(fd, F_WRLCK);
        if (lock_is_held(r))
                return false;
        struct stat st;
        return r < 0 || fstat(fd, &st) < 0 || st.st_nlink > 0;
}

/* ".<name>.XXXXXX" with the suffix alphabet of temp_name. */
static bool is_temp_of(const char *entry, const char *name) {
        size_t n = strlen(name);
        if (entry[0] != '.' || strncmp(entry + 1, name, n) != 0 || entry[n + 1] != '.')
                return false;
        const char *suffix = entry + n + 2;
        if (strlen(suffix) != TEMP_SUFFIX)
                return false;
        for (size_t i = 0; i < TEMP_SUFFIX; i++)
                if (!memchr(alphabet, suffix[i], sizeof(alphabet) - 1))
                        return false;
        return true;
}

/* Removes the temp file entry (already known to be a regular file of ours) if its writer is gone.
 * The read lock is held across the unlink: a writer that created the file but has not locked it
 * yet fails to lock and gives the name up. */
static bool remove_if_abandoned(int dirfd, const char *entry, const struct stat *st) {
        _cleanup_close_ int fd = openat(dirfd, entry, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
        struct stat cur;
        if (fd < 0 || fstat(fd, &cur) < 0 || cur.st_ino != st->st_ino || cur.st_dev != st->st_dev)
                return false;
        int r = ofd_lock(fd, F_RDLCK);
        if (lock_is_held(r))
                return false; /* a live writer */
        if (r < 0) {
                /* No OFD locks on this file system: only the old ones. */
                struct timespec now = {0};
                (void)clock_gettime(CLOCK_REALTIME, &now);
                if (now.tv_sec - st->st_mtim.tv_sec <= MG_ATOMIC_STALE_NOLOCK_SEC)
                        return false;
        }
        return unlinkat(dirfd, entry, 0) == 0;
}

int mg_atomic_sweep(int dirfd, const char *name) {
        int removed = 0;
        int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        DIR *d = fdopendir(fd);
        if (!d) {
                int e = errno;
                close(fd);
                return -e;
        }
        uid_t me = geteuid();
        struct dirent *e;
        while ((e = readdir(d))) {
                struct stat st;
                if (!is_temp_of(e->d_name, name) || fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
                    !S_ISREG(st.st_mode) || st.st_uid != me)
                        continue; /* only what memgate itself would have made */
                if (remove_if_abandoned(dirfd, e->d_name, &st))
                        removed++;
        }
        closedir(d);
        return removed;
}

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
        static uint64_t counter;
        struct timespec ts = {0};
        (void)clock_gettime(CLOCK_MONOTONIC, &ts);
        uint64_t x = ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec ^ ((uint64_t)getpid() << 40) ^
                     (++counter * 0x9e3779b97f4a7c15ull) ^ attempt;
        char suffix[TEMP_SUFFIX + 1];
        for (size_t i = 0; i < TEMP_SUFFIX; i++) {
                x ^= x >> 33;
                x *= 0xff51afd7ed558ccdull;
                x ^= x >> 29;
                suffix[i] = alphabet[x % (sizeof(alphabet) - 1)];
        }
        suffix[TEMP_SUFFIX] = '\0';
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
        return mg_write_atomic_flags(dirfd, name, data, len, default_mode, MG_ATOMIC_FSYNC, err);
}

int mg_write_atomic_flags(int dirfd, const char *name, const void *data, size_t len, mode_t default_mode,
                          unsigned flags, mg_error_t *err) {
        const bool durable = flags & MG_ATOMIC_FSYNC;
        int r = valid_name(name);
        if (r < 0)
                return mg_error_set(err, r, "cannot write \"%s\": not a plain file name", name ? name : "(null)");
        if (len > 0 && !data)
                return mg_error_set(err, -EINVAL, "cannot write %s: no data", name);

        /* What is there now decides the new file's mode and owner; never follow a link. */
        struct stat old;
        bool keep_owner = false, replaces = false;
        mode_t mode = default_mode & 07777;
        if (fstatat(dirfd, name, &old, AT_SYMLINK_NOFOLLOW) == 0) {
                replaces = true;
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

        /* What killed writers left, before adding a file of our own. */
        (void)mg_atomic_sweep(dirfd, name);

        char tmp[NAME_MAX + 1];
        _cleanup_close_ int fd = -1;
        sigset_t held;
        for (unsigned i = 0; i < TEMP_ATTEMPTS && fd < 0; i++) {
                temp_name(tmp, sizeof(tmp), name, i);
                hold_signals(&held);
                fd = openat(dirfd, tmp, MG_ATOMIC_TEMP_FLAGS, 0600);
                int e = fd < 0 ? errno : 0;
                if (fd >= 0 && !claim_temp(fd)) {
                        close(TAKE_FD(fd)); /* the sweeper that took it removes it */
                        e = EEXIST;
                } else if (fd >= 0) {
                        current.dirfd = dirfd;
                        snprintf(current.name, sizeof(current.name), "%s", tmp);
                        set_active(1);
                }
                release_signals(&held);
                if (fd < 0 && e != EEXIST)
                        return report(err, e, name, "creating a temporary file");
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
        if (durable && fsync(fd) < 0) {
                r = -errno;
                goto fail;
        }
        /* The fd (and its lock) stays open until the rename: a sweeper must not take the file. */
        step = "rename";
        hold_signals(&held);
        if (replaces && renameat2(dirfd, tmp, dirfd, name, RENAME_EXCHANGE) == 0)
                (void)unlinkat(dirfd, tmp, 0); /* the old file, now under the temp name */
        else if (renameat(dirfd, tmp, dirfd, name) < 0) {
                r = -errno;
                release_signals(&held);
                goto fail;
        }
        set_active(0);
        release_signals(&held);
        (void)close(TAKE_FD(fd)); /* the new file is in place and its data was fsync'd */

        return durable ? sync_dir(dirfd, name, err) : 0;

fail:
        hold_signals(&held);
        (void)unlinkat(dirfd, tmp, 0);
        set_active(0);
        release_signals(&held);
        return report(err, -r, name, step);
}
