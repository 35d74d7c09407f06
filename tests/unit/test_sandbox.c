/* SPDX-License-Identifier: Apache-2.0 */
/* The seccomp filter is really in place: each forbidden call kills a child that entered the
 * sandbox with SIGSYS, and everything memgate itself does after entering (reads, the atomic
 * memgate.json write, syslog) still works. Every case runs in a forked child so the Criterion
 * worker is never confined. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <errno.h>
#include <linux/fs.h>
#include <sched.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include "memgate/cli/sandbox.h"
#include "memgate/outputs/atomic.h"
#include "memgate/util/read.h"
#include "testutil.h"

static char *dir;
static void setup(void) { dir = tu_mkdtemp(); }
static void teardown(void) {
        tu_rmrf(dir);
        free(dir);
}
TestSuite(sandbox, .init = setup, .fini = teardown);

/* Runs body in a child that first enters the sandbox; returns the raw wait status. Exit 100:
 * the sandbox could not be entered. */
static int confined(void (*body)(void)) {
        pid_t pid = fork();
        cr_assert(pid >= 0);
        if (pid == 0) {
                mg_error_t err = {0};
                if (mg_sandbox_enter(&err) < 0)
                        _exit(100);
                body();
                _exit(0);
        }
        int st;
        cr_assert_eq(waitpid(pid, &st, 0), pid);
        cr_assert(!(WIFEXITED(st) && WEXITSTATUS(st) == 100), "mg_sandbox_enter failed in the child");
        return st;
}

static void assert_killed(int st, const char *what) {
        cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS, "%s was not killed by the filter (status 0x%x)", what,
                  st);
}

static void assert_clean(int st, const char *what) {
        cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s failed under the filter (status 0x%x%s)", what, st,
                  WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS ? ", SIGSYS: a needed call is missing" : "");
}

static void do_mkdir(void) { (void)mkdir(dir, 0700); }
static void do_inet(void) { (void)socket(AF_INET, SOCK_STREAM, 0); }
static void do_exec(void) {
        char *argv[] = {"/bin/true", NULL};
        execv(argv[0], argv);
}
static void do_fork(void) {
        if (fork() == 0)
                _exit(0);
}
static void do_ptrace(void) { (void)ptrace(PTRACE_TRACEME, 0, NULL, NULL); }
static void do_kill_parent(void) { (void)kill(getppid(), SIGTERM); }
static void do_chmod_path(void) { (void)chmod(dir, 0777); }
static void do_symlink(void) {
        if (symlinkat("/etc/shadow", AT_FDCWD, "/tmp/memgate-sandbox-link") < 0)
                _exit(3); /* refused with an errno instead of killed: the test sees exit 3 */
}

static char existing[1024];
static void do_open_write(void) { (void)open(existing, O_WRONLY | O_CLOEXEC); }
static void do_open_trunc(void) { (void)open(existing, O_RDONLY | O_TRUNC | O_CLOEXEC); }
static void do_open_append(void) { (void)open(existing, O_WRONLY | O_APPEND | O_CLOEXEC); }
static void do_open_creat(void) { (void)open(existing, O_CREAT | O_WRONLY | O_CLOEXEC, 0600); }

/* The calls allowed only with certain arguments, each with an argument the filter refuses: a
 * wrong jump in the generated program (a tree since the filter is optimised) would let one by. */
static void do_ioctl_tiocsti(void) {
        char c = 'x';
        (void)ioctl(STDIN_FILENO, TIOCSTI, &c);
}
static void do_rename_noreplace(void) {
        (void)syscall(SYS_renameat2, AT_FDCWD, "/nonexistent-a", AT_FDCWD, "/nonexistent-b", RENAME_NOREPLACE);
}
static void do_tgkill_other(void) { (void)syscall(SYS_tgkill, getppid(), getppid(), 0); }
static void do_socket_netlink(void) { (void)socket(AF_NETLINK, SOCK_RAW, 0); }
static void do_x32_getpid(void) { (void)syscall(0x40000000 | SYS_getpid); }
static void do_openat_tmpfile(void) { (void)openat(AT_FDCWD, "/tmp", O_TMPFILE | O_WRONLY, 0600); }

Test(sandbox, argument_checks_refuse_what_they_do_not_name) {
        assert_killed(confined(do_ioctl_tiocsti), "ioctl(TIOCSTI)");
        assert_killed(confined(do_rename_noreplace), "renameat2(RENAME_NOREPLACE)");
        assert_killed(confined(do_tgkill_other), "tgkill of another process");
        assert_killed(confined(do_socket_netlink), "socket(AF_NETLINK)");
        assert_killed(confined(do_x32_getpid), "getpid through the x32 ABI");
        assert_killed(confined(do_openat_tmpfile), "openat(O_TMPFILE)");
}

Test(sandbox, forbidden_calls_kill_with_sigsys) {
        assert_killed(confined(do_mkdir), "mkdir");
        assert_killed(confined(do_inet), "socket(AF_INET)");
        assert_killed(confined(do_exec), "execve");
        assert_killed(confined(do_fork), "fork");
        assert_killed(confined(do_ptrace), "ptrace");
        assert_killed(confined(do_kill_parent), "kill of another process");
        assert_killed(confined(do_chmod_path), "chmod by path");
        assert_killed(confined(do_symlink), "symlink");
        struct stat st;
        cr_assert_eq(stat(dir, &st), 0);
        cr_assert_neq(st.st_mode & 07777, 0777, "the chmod went through");
}

Test(sandbox, existing_files_cannot_be_opened_for_writing) {
        snprintf(existing, sizeof(existing), "%s/config.json", dir);
        tu_write(existing, "{}");
        assert_killed(confined(do_open_write), "open O_WRONLY");
        assert_killed(confined(do_open_trunc), "open O_TRUNC");
        assert_killed(confined(do_open_append), "open O_APPEND");
        assert_killed(confined(do_open_creat), "open O_CREAT without O_EXCL");
        char *s = tu_slurp(existing, NULL);
        cr_assert_str_eq(s, "{}");
        free(s);
}

static void do_read_proc(void) {
        char *buf = NULL;
        size_t len = 0;
        mg_error_t err = {0};
        if (mg_read_file_at(AT_FDCWD, "/proc/meminfo", MG_CAP_PROC, true, &buf, &len, &err) < 0 || len == 0)
                _exit(1);
        int fd = open("/proc/self", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                _exit(2);
        free(buf);
        /* The live host's path: fstatfs of the root, then its files without the look. */
        int proc = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (proc < 0 || !mg_fd_on_kernel_fs(proc))
                _exit(4);
        buf = NULL;
        if (mg_read_kernel_file_at(proc, "sys/vm/overcommit_memory", MG_CAP_PROC, MG_READ_ONE_RECORD, &buf, &len,
                                   &err) < 0 || len == 0)
                _exit(5);
        free(buf);
}

static int bundle_fd = -1;
static void do_atomic(void) {
        mg_error_t err = {0};
        if (mg_write_atomic_at(bundle_fd, "memgate.json", "{\"verdict\":\"allow\"}", 19, 0600, &err) < 0)
                _exit(1);
        if (mg_write_atomic_at(bundle_fd, "memgate.json", "{\"verdict\":\"warn\"}", 18, 0600, &err) < 0)
                _exit(2);
}

static void do_syslog(void) {
        openlog("memgate-test", LOG_PID | LOG_NDELAY, LOG_DAEMON);
        syslog(LOG_DEBUG, "memgate sandbox test: syslog works under the filter");
        closelog();
}

static void do_abort(void) { abort(); }

Test(sandbox, what_memgate_does_after_entering_still_works) {
        assert_clean(confined(do_read_proc), "reading /proc");
        bundle_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        cr_assert(bundle_fd >= 0);
        assert_clean(confined(do_atomic), "the atomic memgate.json write");
        char path[1024];
        snprintf(path, sizeof(path), "%s/memgate.json", dir);
        char *s = tu_slurp(path, NULL);
        cr_assert_str_eq(s, "{\"verdict\":\"warn\"}");
        free(s);
        close(bundle_fd);
        assert_clean(confined(do_syslog), "syslog");
        int st = confined(do_abort);
        cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT, "abort() must still abort, not die of SIGSYS (0x%x)", st);
}

static int returns_three(void *u) { return 3; }
static int violates(void *u) {
        mg_error_t err = {0};
        if (mg_sandbox_enter(&err) < 0)
                return 100;
        do_mkdir();
        return 0;
}

Test(sandbox, run_reports_exit_and_seccomp_kill) {
        mg_sandbox_exit_t ex = {0};
        mg_error_t err = {0};
        cr_assert_eq(mg_sandbox_run(returns_three, NULL, &ex, &err), 0, "%s", err.msg);
        cr_assert(ex.exited);
        cr_assert_eq(ex.exit_status, 3);
        cr_assert_eq(mg_sandbox_run(violates, NULL, &ex, &err), 0, "%s", err.msg);
        cr_assert(!ex.exited, "the violating child exited with %d", ex.exit_status);
        cr_assert_eq(ex.signal, SIGSYS);
        /* The parent itself is not confined. */
        cr_assert_eq(mkdir(dir, 0700), -1);
        cr_assert_eq(errno, EEXIST);
}

/* The child is forked pinned to its parent's CPU (sandbox.c, "where the child runs"): both must
 * have their whole mask back, or runc and the container after it would inherit one CPU. */
static int child_has_two_or_more_cpus(void *u) {
        cpu_set_t s;
        return sched_getaffinity(0, sizeof(s), &s) == 0 ? CPU_COUNT(&s) : 0;
}

Test(sandbox, neither_process_is_left_on_one_cpu) {
        cpu_set_t before, after;
        cr_assert_eq(sched_getaffinity(0, sizeof(before), &before), 0);
        if (CPU_COUNT(&before) < 2)
                cr_skip_test("one CPU: nothing is pinned");
        mg_sandbox_exit_t ex = {0};
        mg_error_t err = {0};
        cr_assert_eq(mg_sandbox_run(child_has_two_or_more_cpus, NULL, &ex, &err), 0, "%s", err.msg);
        cr_assert(ex.exited);
        cr_assert_eq(ex.exit_status, CPU_COUNT(&before) & 0xff, "the child ran on %d of %d CPUs", ex.exit_status,
                     CPU_COUNT(&before));
        cr_assert_eq(sched_getaffinity(0, sizeof(after), &after), 0);
        cr_assert(CPU_EQUAL(&before, &after), "the parent kept %d of %d CPUs", CPU_COUNT(&after), CPU_COUNT(&before));
}
