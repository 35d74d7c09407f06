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
#include <time.h>
#include <unistd.h>

#include <sys/mman.h>
#include <time.h>

#include "memgate/outputs/atomic.h"
#include "memgate/outputs/stderr.h"
#include "memgate/util/cleanup.h"
#include "memgate/util/step.h"

#if defined(__SANITIZE_ADDRESS__)
#define MG_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(undefined_behavior_sanitizer)
#define MG_SANITIZED 1
#endif
#endif

DEFINE_CLEANUP_FUNC(scmp_filter_ctx, seccomp_release)

/* Allowed whatever their arguments: they act on fds memgate already holds, on its own memory,
 * or on nothing at all.
 *
 * What glibc can be made to do by input a container controls was audited against this list
 * (issue 10; tests/unit/test_confined.c and tests/hostile/ prove it on the real binaries) and the
 * code, not the list, was changed where glibc reached further: qsort(3) calls sysinfo from 128
 * elements on (memgate sorts with mg_sort); faccessat(AT_SYMLINK_NOFOLLOW) is faccessat2
 * (fstatat instead); localtime_r reads the zone file on first use (tzset before the filter).
 * Large allocations need only brk/mmap/mremap/munmap/madvise; stdio fstat and TCGETS; strerror
 * and strsignal read no catalogue in the C locale memgate never leaves (no setlocale). */
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

        /* localtime_r (the syslog timestamp) reads the time zone on first use; do that now, while
         * any file may still be opened, so the confined process only ever uses the cached zone. */
        tzset();

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

/* ---- the watchdog: one child, a deadline, and the termination signals passed on ------------- */

/* How long a stopped child gets to remove its temp file and leave before SIGKILL, and how long a
 * SIGKILLed one is waited for before it is given up (stuck in the kernel: a hung NFS or FUSE read). */
#define GRACE_MS 250

static const int stop_signals[] = {SIGTERM, SIGINT, SIGHUP};

/* The child's handler: remove the temp file being written, then die of the signal as if there had
 * been no handler. Async-signal-safe; every call is inside the seccomp allowlist. */
static void on_stop_signal(int sig) {
        mg_atomic_discard_temp();
        struct sigaction dfl = {.sa_handler = SIG_DFL};
        (void)sigaction(sig, &dfl, NULL);
        sigset_t s;
        sigemptyset(&s);
        sigaddset(&s, sig);
        (void)sigprocmask(SIG_UNBLOCK, &s, NULL);
        (void)raise(sig);
        _exit(128 + sig);
}

static struct timespec ms_timespec(int ms) {
        return (struct timespec){.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
}

/* Waits for the next watched signal until at; returns it, 0 on timeout. */
static int next_signal(const sigset_t *watch, uint64_t at) {
        int left = mg_deadline_left_ms(at);
        struct timespec ts = ms_timespec(left < 0 ? 0 : left);
        int sig = sigtimedwait(watch, NULL, left < 0 ? NULL : &ts);
        if (sig < 0)
                return errno == EAGAIN ? 0 : -errno;
        return sig;
}

/* Reaps pid if it has ended; true with *st filled. */
static bool reaped(pid_t pid, int *st) {
        for (;;) {
                pid_t r = waitpid(pid, st, WNOHANG);
                if (r == pid)
                        return true;
                if (r < 0 && errno == EINTR)
                        continue;
                return false;
        }
}

static bool reap_within(pid_t pid, const sigset_t *watch, int ms, int *st) {
        uint64_t at = mg_deadline_after((uint64_t)ms);
        for (;;) {
                if (reaped(pid, st))
                        return true;
                if (mg_deadline_left_ms(at) == 0)
                        return false;
                (void)next_signal(watch, at); /* SIGCHLD wakes us; a repeated SIGTERM changes nothing */
        }
}

/* Stops the child: sig (SIGTERM lets it remove its temp file), then SIGKILL, unless it is writing:
 * then it is inside a system call (an fsync on a busy disk can take seconds), and the pending
 * SIGTERM makes it remove its temp file and die as soon as the call returns, which SIGKILL would
 * not. A child that is still there is left to that and reported as such. */
static bool stop_child(pid_t pid, const sigset_t *watch, int sig, const mg_step_page_t *page, int *st) {
        (void)kill(pid, sig);
        if (reap_within(pid, watch, GRACE_MS, st))
                return true;
        if (!mg_step_page_writing(page))
                (void)kill(pid, SIGKILL);
        return reap_within(pid, watch, GRACE_MS, st);
}

static void child(int (*fn)(void *userdata), void *userdata, pid_t parent, mg_step_page_t *page,
                  const sigset_t *old_mask) {
        /* Die with the parent, but by SIGTERM, so a temp file in the bundle goes too (a runtime's hook
         * timeout SIGKILLs the process it started, which is the parent). Parent already gone: stop. */
        if (prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0) < 0 || getppid() != parent)
                _exit(127);
        mg_step_attach(page);
        struct sigaction sa = {.sa_handler = on_stop_signal};
        sigfillset(&sa.sa_mask);
        sigset_t mask = *old_mask;
        for (size_t i = 0; i < ELEMENTSOF(stop_signals); i++) {
                (void)sigaction(stop_signals[i], &sa, NULL);
                sigdelset(&mask, stop_signals[i]);
        }
        (void)sigprocmask(SIG_SETMASK, &mask, NULL);
        int rc = fn(userdata);
        fflush(NULL);
        _exit(rc & 0xff);
}

int mg_sandbox_run_until(int (*fn)(void *userdata), void *userdata, uint64_t deadline, mg_sandbox_exit_t *ret,
                         mg_error_t *err) {
        pid_t parent = getpid();
        sigset_t watch, old_mask;
        struct sigaction dfl = {.sa_handler = SIG_DFL}, old_chld;
        int st = 0;

        /* The page the child publishes its steps in; without it the deadline still holds, unnamed. */
        mg_step_page_t *page = mmap(NULL, sizeof(*page), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (page == MAP_FAILED)
                page = NULL;

        sigemptyset(&watch);
        sigaddset(&watch, SIGCHLD);
        for (size_t i = 0; i < ELEMENTSOF(stop_signals); i++)
                sigaddset(&watch, stop_signals[i]);
        (void)sigprocmask(SIG_BLOCK, &watch, &old_mask);
        /* SIGCHLD inherited as SIG_IGN would reap the child behind our back. */
        (void)sigaction(SIGCHLD, &dfl, &old_chld);

        fflush(NULL); /* nothing buffered may be written twice */
        pid_t pid = fork();
        if (pid == 0)
                child(fn, userdata, parent, page, &old_mask);
        int r = 0;
        if (pid < 0) {
                r = mg_error_set(err, -errno, "sandbox: fork: %s", strerror(errno));
                goto out;
        }

        mg_sandbox_exit_t ex = {0};
        bool done = false;
        while (!done) {
                int sig = next_signal(&watch, deadline);
                if (reaped(pid, &st)) {
                        done = true;
                } else if (sig == SIGTERM || sig == SIGINT || sig == SIGHUP) {
                        ex.parent_signal = sig; /* passed on: the child removes its temp file and leaves */
                        ex.left_behind = !stop_child(pid, &watch, sig, page, &st);
                        done = true;
                } else if (sig == 0) {
                        ex.timed_out = true;
                        ex.left_behind = !stop_child(pid, &watch, SIGTERM, page, &st);
                        done = true;
                }
        }
        if (!ex.left_behind && WIFEXITED(st)) {
                ex.exited = true;
                ex.exit_status = WEXITSTATUS(st);
                /* Finished on its own just as the deadline passed: its verdict stands. */
                if (ex.timed_out && ex.exit_status != 128 + SIGTERM)
                        ex.timed_out = false;
        } else if (!ex.left_behind && WIFSIGNALED(st))
                ex.signal = WTERMSIG(st);
        mg_step_read(page, ex.step, sizeof(ex.step));
        ex.pid = pid;
        *ret = ex;
        /* What this process says next about a child that got stuck must not get stuck itself
         * (the child may have filled the stderr pipe). */
        if (!mg_sandbox_finished(&ex))
                mg_stderr_bound_wait(GRACE_MS);
out:
        (void)sigaction(SIGCHLD, &old_chld, NULL);
        (void)sigprocmask(SIG_SETMASK, &old_mask, NULL);
        if (page)
                (void)munmap(page, sizeof(*page));
        return r;
}

int mg_sandbox_run(int (*fn)(void *userdata), void *userdata, mg_sandbox_exit_t *ret, mg_error_t *err) {
        return mg_sandbox_run_until(fn, userdata, MG_DEADLINE_NONE, ret, err);
}

void mg_sandbox_reraise(int sig) {
        struct sigaction dfl = {.sa_handler = SIG_DFL};
        (void)sigaction(sig, &dfl, NULL);
        sigset_t s;
        sigemptyset(&s);
        sigaddset(&s, sig);
        (void)sigprocmask(SIG_UNBLOCK, &s, NULL);
        (void)raise(sig);
        _exit(128 + sig);
}
