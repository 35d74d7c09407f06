/* SPDX-License-Identifier: Apache-2.0 */
/* The seccomp filter memgate loads on itself before it parses untrusted input, and the
 * fork-and-wait wrapper that keeps the hook's fail-open/fail-closed promise when the filter (or
 * anything else) kills the evaluating process.
 *
 * Why an allowlist with argument checks rather than a denylist: the hook runs as root on every
 * container start, on JSON an image author controls. If a parser bug ever gives an attacker
 * control of the process, the filter decides what that control is worth. With this list it is
 * worth: reading files root can read (the report could leak them only into memgate.json in the
 * bundle), creating new files with O_EXCL and renaming/unlinking files. It is not worth a
 * shell (no execve), a new process (no fork/clone), a network connection (AF_UNIX only), a
 * write into an existing file (no openat with O_WRONLY/O_RDWR/O_TRUNC/O_APPEND except the exact
 * O_CREAT|O_EXCL temp-file flags), mounts, ptrace, module loading, or changing credentials.
 * Path arguments cannot be inspected by seccomp, which is why renameat and unlinkat stay open;
 * both are needed by the atomic memgate.json write.
 *
 * The list was taken from `strace -f -c` of real `memgate hook` runs (with and without syslog,
 * memgate.json, the libcgroup backend and a cgroup v2 host), plus what glibc needs to fail
 * cleanly (abort: rt_sigprocmask, tgkill on itself). */
#define _GNU_SOURCE
#include "memgate/cli/sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "memgate/outputs/atomic.h"
#include "memgate/util/cleanup.h"

#if defined(__SANITIZE_ADDRESS__)
#define MG_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(undefined_behavior_sanitizer)
#define MG_SANITIZED 1
#endif
#endif

DEFINE_CLEANUP_FUNC(scmp_filter_ctx, seccomp_release)

/* Allowed whatever their arguments: they act on fds memgate already holds, on its own memory,
 * or on nothing at all. */
static const char *const allowed[] = {
        /* I/O on open fds */
        "read", "readv", "pread64", "write", "writev", "close", "lseek", "fstat", "newfstatat", "statx",
        "fstatfs", "getdents64", "fcntl", "fsync", "fdatasync", "fchmod", "fchown",
        /* memory (malloc, yajl) */
        "brk", "mmap", "munmap", "mremap", "madvise", "mprotect",
        /* time, identity, randomness */
        "clock_gettime", "gettimeofday", "time", "getpid", "gettid", "getuid", "geteuid", "getgid", "getegid",
        "getrandom", "uname",
        /* the atomic write of memgate.json (paths cannot be filtered; see above) */
        "renameat", "unlinkat",
        /* syslog to /dev/log over the AF_UNIX socket allowed below */
        "connect", "sendto", "sendmsg",
        /* signals, threads' locks, leaving */
        "rt_sigreturn", "rt_sigprocmask", "rt_sigaction", "futex", "exit", "exit_group", "restart_syscall",
};

#ifdef MG_SANITIZED
/* AddressSanitizer and UBSan need these to start threads' alternate stacks and to print a report.
 * Only in sanitizer builds, which never ship; nothing here widens what the tests prove. */
static const char *const allowed_sanitized[] = {
        "sigaltstack", "prlimit64", "getrlimit", "sched_yield", "readlink", "readlinkat", "nanosleep",
        "clock_nanosleep", "sched_getaffinity", "getppid",
};
#endif

static int add(scmp_filter_ctx ctx, const char *name, unsigned n, const struct scmp_arg_cmp *args) {
        int nr = seccomp_syscall_resolve_name(name);
        if (nr == __NR_SCMP_ERROR)
                return 0; /* not on this architecture */
        return seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, nr, n, args);
}

/* One argument comparison, all fields set (libseccomp's SCMP_A*_32 macros leave datum_b to
 * the compiler). Values are compared as the kernel passes them: ints as their 32-bit pattern. */
static int add1(scmp_filter_ctx ctx, const char *name, unsigned arg, enum scmp_compare op, uint64_t a, uint64_t b) {
        struct scmp_arg_cmp c = {.arg = arg, .op = op, .datum_a = a, .datum_b = b};
        return add(ctx, name, 1, &c);
}

/* Open flags that could change an existing file or make a new one (O_TMPFILE without the
 * O_DIRECTORY bit it includes, which plain directory opens use). */
#define WRITE_FLAGS ((uint32_t)(O_WRONLY | O_RDWR | O_CREAT | O_TRUNC | O_APPEND | (__O_TMPFILE & ~O_DIRECTORY)))

static int build(scmp_filter_ctx ctx) {
        int r;
        for (size_t i = 0; i < ELEMENTSOF(allowed); i++)
                if ((r = add(ctx, allowed[i], 0, NULL)) < 0)
                        return r;
#ifdef MG_SANITIZED
        for (size_t i = 0; i < ELEMENTSOF(allowed_sanitized); i++)
                if ((r = add(ctx, allowed_sanitized[i], 0, NULL)) < 0)
                        return r;
#endif
        /* Reading: any openat without a write, create or truncate bit (O_PATH is fine). */
        if ((r = add1(ctx, "openat", 2, SCMP_CMP_MASKED_EQ, WRITE_FLAGS, 0)) < 0)
                return r;
        /* Writing: only a fresh O_EXCL file, exactly as mg_write_atomic_at creates its temp. */
        if ((r = add1(ctx, "openat", 2, SCMP_CMP_EQ, (uint32_t)MG_ATOMIC_TEMP_FLAGS, 0)) < 0)
                return r;
        /* syslog: a local datagram socket, nothing that reaches the network. */
        if ((r = add1(ctx, "socket", 0, SCMP_CMP_EQ, AF_UNIX, 0)) < 0)
                return r;
        /* isatty() from stdio. */
        if ((r = add1(ctx, "ioctl", 1, SCMP_CMP_EQ, TCGETS, 0)) < 0)
                return r;
        /* abort() signals the calling thread only. */
        if ((r = add1(ctx, "tgkill", 0, SCMP_CMP_EQ, (uint32_t)getpid(), 0)) < 0)
                return r;
        return 0;
}

int mg_sandbox_enter(mg_error_t *err) {
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return mg_error_set(err, -errno, "sandbox: PR_SET_NO_NEW_PRIVS: %s", strerror(errno));

        _cleanup_(seccomp_releasep) scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
        if (!ctx)
                return mg_error_set(err, -ENOMEM, "sandbox: seccomp_init failed");
        int r = build(ctx);
        if (r < 0)
                return mg_error_set(err, r, "sandbox: building the seccomp filter: %s", strerror(-r));
        r = seccomp_load(ctx);
        if (r < 0)
                return mg_error_set(err, r, "sandbox: loading the seccomp filter: %s", strerror(-r));
        return 0;
}

int mg_sandbox_run(int (*fn)(void *userdata), void *userdata, mg_sandbox_exit_t *ret, mg_error_t *err) {
        pid_t parent = getpid();
        fflush(NULL); /* nothing buffered may be written twice */
        pid_t pid = fork();
        if (pid < 0)
                return mg_error_set(err, -errno, "sandbox: fork: %s", strerror(errno));
        if (pid == 0) {
                /* Die with the parent; if it is already gone, do nothing. */
                if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() != parent)
                        _exit(127);
                int rc = fn(userdata);
                fflush(NULL);
                _exit(rc & 0xff);
        }
        int st;
        for (;;) {
                if (waitpid(pid, &st, 0) == pid)
                        break;
                if (errno != EINTR)
                        return mg_error_set(err, -errno, "sandbox: waiting for the evaluation: %s", strerror(errno));
        }
        if (WIFEXITED(st))
                *ret = (mg_sandbox_exit_t){.exited = true, .exit_status = WEXITSTATUS(st)};
        else
                *ret = (mg_sandbox_exit_t){.exited = false, .signal = WIFSIGNALED(st) ? WTERMSIG(st) : 0};
        return 0;
}
