/* SPDX-License-Identifier: Apache-2.0 */
/* LD_PRELOADed into memgate by test_cli: a stand-in for a bug in memgate or in a library it
 * uses. On the first read(2) in a process memgate forked (the confined child: the process that
 * reads the state and config.json), it makes a system call the seccomp allowlist forbids (mkdir).
 * The filter must kill the child, and the parent must map that onto fail-open or fail-closed. If
 * the directory appears, the filter was not there.
 *
 * read(2), not a yajl function as before: yajl is linked into memgate from its static archive
 * (issue 14), and a call inside the executable cannot be interposed; libc's can. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static pid_t first_pid;

__attribute__((constructor)) static void remember_pid(void) {
        first_pid = getpid();
}

static void misbehave(void) {
        const char *dir = getenv("MEMGATE_FORBIDDEN_DIR");
        if (dir && getpid() != first_pid)
                (void)mkdir(dir, 0700);
}

ssize_t read(int fd, void *buf, size_t n) {
        misbehave();
        ssize_t (*real)(int, void *, size_t) = (ssize_t(*)(int, void *, size_t))dlsym(RTLD_NEXT, "read");
        return real ? real(fd, buf, n) : -1;
}

/* What read() becomes under _FORTIFY_SOURCE when the buffer's size is known. */
ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen) {
        misbehave();
        ssize_t (*real)(int, void *, size_t, size_t) =
                (ssize_t(*)(int, void *, size_t, size_t))dlsym(RTLD_NEXT, "__read_chk");
        return real ? real(fd, buf, n, buflen) : -1;
}
