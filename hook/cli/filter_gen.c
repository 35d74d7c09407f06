/* SPDX-License-Identifier: Apache-2.0 */
/* Build-time generator of memgate's seccomp filter: libseccomp builds the BPF program from the
 * rule list below, and this writes it out as a C header (sandbox.c includes it):
 *
 *   mg_filter_gen OUT.h
 *
 * Why at build time: building the rules and generating the BPF in libseccomp took half a million
 * instructions on every container start (issue 14) for a program that is the same every time.
 * Only one value is not known at build time: tgkill's first argument must be the confined
 * process's own pid. The generator uses a sentinel for it and records the one instruction that
 * compares against it; sandbox.c puts getpid() there before loading.
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
 * cleanly (abort: rt_sigprocmask, tgkill on itself).
 *
 * The program is for the architecture this generator runs on (the build host's: memgate is not
 * cross-compiled); libseccomp adds the architecture check that kills any other ABI. In a sanitizer
 * build this generator is itself compiled with the sanitizer, so the extra calls below are in. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
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

/* Stands for the confined process's pid in tgkill's rule; sandbox.c replaces it. */
#define MG_FILTER_PID_SENTINEL 0x6d677069u /* "mgpi" */

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
        /* The atomic write over an existing file: an exchange of two names, no other renameat2. */
        if ((r = add1(ctx, "renameat2", 4, SCMP_CMP_EQ, RENAME_EXCHANGE, 0)) < 0)
                return r;
        /* syslog: a local datagram socket, nothing that reaches the network. */
        if ((r = add1(ctx, "socket", 0, SCMP_CMP_EQ, AF_UNIX, 0)) < 0)
                return r;
        /* isatty() from stdio. */
        if ((r = add1(ctx, "ioctl", 1, SCMP_CMP_EQ, TCGETS, 0)) < 0)
                return r;
        /* abort() signals the calling thread only: tgkill(own pid, ...), the pid put in at load time. */
        if ((r = add1(ctx, "tgkill", 0, SCMP_CMP_EQ, MG_FILTER_PID_SENTINEL, 0)) < 0)
                return r;
        return 0;
}

static int fail(const char *what, int r) {
        fprintf(stderr, "mg_filter_gen: %s: %s\n", what, strerror(r < 0 ? -r : r));
        return 1;
}

int main(int argc, char *argv[]) {
        if (argc != 2) {
                fprintf(stderr, "usage: mg_filter_gen OUT.h\n");
                return 2;
        }
        scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
        if (!ctx)
                return fail("seccomp_init", ENOMEM);
        /* A binary tree on the syscall number, not a list. When a filter is loaded, the kernel
         * runs it for every syscall number of both ABIs to find the ones it allows whatever their
         * arguments (seccomp_cache_prepare, since 5.11): with a list each run walks it to its end,
         * about 80 instructions for each of ~460 numbers. memgate hook on this project's VM:
         * 3.03 ms with the list, 2.92 ms with the tree (tests/bench/mg-bench-run -n 400). */
        int r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
        if (r < 0)
                return fail("seccomp_attr_set(SCMP_FLTATR_CTL_OPTIMIZE)", r);
        r = build(ctx);
        if (r < 0)
                return fail("building the rules", r);
        /* The raw program, as seccomp_load would hand it to the kernel. */
        int mfd = memfd_create("filter", 0);
        if (mfd < 0)
                return fail("memfd_create", errno);
        if ((r = seccomp_export_bpf(ctx, mfd)) < 0)
                return fail("seccomp_export_bpf", r);
        off_t size = lseek(mfd, 0, SEEK_END);
        if (size <= 0 || size % (off_t)sizeof(struct sock_filter) != 0 || size > 65536)
                return fail("the exported program has an odd size", EINVAL);
        size_t n = (size_t)size / sizeof(struct sock_filter);
        struct sock_filter *prog = calloc(n, sizeof(*prog));
        if (!prog || pread(mfd, prog, (size_t)size, 0) != size)
                return fail("reading the program back", errno ? errno : EIO);

        size_t pid_at = n, hits = 0;
        for (size_t i = 0; i < n; i++)
                if (BPF_CLASS(prog[i].code) == BPF_JMP && BPF_SRC(prog[i].code) == BPF_K &&
                    prog[i].k == MG_FILTER_PID_SENTINEL)
                        pid_at = i, hits++;
        if (hits != 1)
                return fail("the pid sentinel is not compared exactly once", EINVAL);

        FILE *f = fopen(argv[1], "w");
        if (!f)
                return fail(argv[1], errno);
        fprintf(f, "/* Generated by hook/cli/filter_gen.c with libseccomp %u.%u.%u: do not edit. */\n",
                seccomp_version()->major, seccomp_version()->minor, seccomp_version()->micro);
        fprintf(f, "#define MG_FILTER_LEN %zu\n#define MG_FILTER_PID_AT %zu\n#define MG_FILTER_PID_SENTINEL 0x%xu\n",
                n, pid_at, MG_FILTER_PID_SENTINEL);
        fprintf(f, "static const struct sock_filter mg_filter[MG_FILTER_LEN] = {\n");
        for (size_t i = 0; i < n; i++)
                fprintf(f, "        {0x%04x, %u, %u, 0x%08x},\n", prog[i].code, prog[i].jt, prog[i].jf, prog[i].k);
        fprintf(f, "};\n");
        if (fclose(f) != 0)
                return fail(argv[1], errno);
        free(prog);
        seccomp_release(ctx);
        return 0;
}
