/* SPDX-License-Identifier: Apache-2.0 */
/* LD_PRELOADed into memgate by test_nowait: a stand-in for a hung file system (an NFS server gone,
 * a stuck FUSE daemon). In a forked process only (the evaluating child, never the parent that
 * watches it), an openat of a path ending in $MEMGATE_BLOCK_OPEN, or an fsync while
 * $MEMGATE_BLOCK_FSYNC is set, never returns: it blocks in read(2) of a pipe nobody writes, which
 * is inside the seccomp allowlist like the read of a hung file it stands for. The pipe and the
 * real functions are set up in a constructor, before memgate forks or loads its filter. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int (*real_openat)(int, const char *, int, ...);
static int (*real_openat_2)(int, const char *, int);
static int (*real_fsync)(int);
static int hang_fd = -1;
static pid_t first_pid;
static char block_open[256];
static int block_fsync;

__attribute__((constructor)) static void setup(void) {
        int p[2];
        real_openat = (int (*)(int, const char *, int, ...))dlsym(RTLD_NEXT, "openat");
        real_openat_2 = (int (*)(int, const char *, int))dlsym(RTLD_NEXT, "__openat_2");
        real_fsync = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
        if (pipe(p) == 0)
                hang_fd = p[0]; /* p[1] stays open: the read never sees EOF */
        first_pid = getpid();
        const char *o = getenv("MEMGATE_BLOCK_OPEN");
        if (o)
                strncpy(block_open, o, sizeof(block_open) - 1);
        block_fsync = getenv("MEMGATE_BLOCK_FSYNC") != NULL;
}

static void hang(void) {
        char c;
        for (;;)
                if (read(hang_fd, &c, 1) < 0 && errno != EINTR)
                        return;
}

static int ends_with(const char *s, const char *suffix) {
        size_t n = strlen(s), m = strlen(suffix);
        return m > 0 && n >= m && strcmp(s + n - m, suffix) == 0;
}

int openat(int dirfd, const char *path, int flags, ...) {
        mode_t mode = 0;
        if (flags & (O_CREAT | __O_TMPFILE)) {
                va_list ap;
                va_start(ap, flags);
                mode = va_arg(ap, mode_t);
                va_end(ap);
        }
        if (getpid() != first_pid && ends_with(path, block_open))
                hang();
        return real_openat(dirfd, path, flags, mode);
}

/* What _FORTIFY_SOURCE makes of an openat whose flags are not a constant. */
int __openat_2(int dirfd, const char *path, int flags);
int __openat_2(int dirfd, const char *path, int flags) {
        if (getpid() != first_pid && ends_with(path, block_open))
                hang();
        return real_openat_2 ? real_openat_2(dirfd, path, flags) : real_openat(dirfd, path, flags);
}

int fsync(int fd) {
        if (getpid() != first_pid && block_fsync)
                hang();
        return real_fsync(fd);
}
