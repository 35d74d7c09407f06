/* SPDX-License-Identifier: Apache-2.0 */
/* The seccomp filter memgate loads on itself before it parses untrusted input, and the
 * fork-and-wait wrapper that keeps the hook's fail-open/fail-closed promise when the filter (or
 * anything else) kills the evaluating process.
 *
 * The filter itself (an allowlist with argument checks: what it allows and why) is in
 * hook/cli/filter_gen.c, which libseccomp turns into a BPF program at build time; here it
 * is only loaded, with the confined process's pid put into tgkill's rule. */
#define _GNU_SOURCE
#include "memgate/cli/sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <sys/mman.h>
#include <time.h>

#include "memgate/outputs/atomic.h"
#include "memgate/outputs/stderr.h"
#include "memgate/util/cleanup.h"
#include "memgate/util/step.h"

/* The generated program: mg_filter[], MG_FILTER_LEN, MG_FILTER_PID_AT (the instruction comparing
 * tgkill's first argument against MG_FILTER_PID_SENTINEL). */
#include <sandbox_filter.h> /* generated in the build tree (CMakeLists.txt) */

int mg_sandbox_enter(mg_error_t *err) {
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return mg_error_set(err, -errno, "sandbox: PR_SET_NO_NEW_PRIVS: %s", strerror(errno));

        /* localtime_r (the syslog timestamp) reads the time zone on first use; do that now, while
         * any file may still be opened, so the confined process only ever uses the cached zone. */
        tzset();

        struct sock_filter prog[MG_FILTER_LEN];
        memcpy(prog, mg_filter, sizeof(prog));
        if (prog[MG_FILTER_PID_AT].k != MG_FILTER_PID_SENTINEL)
                return mg_error_set(err, -EINVAL, "sandbox: the generated filter has no pid slot");
        prog[MG_FILTER_PID_AT].k = (uint32_t)getpid();
        struct sock_fprog fprog = {.len = MG_FILTER_LEN, .filter = prog};
        if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) < 0)
                return mg_error_set(err, -errno, "sandbox: loading the seccomp filter: %s", strerror(errno));
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

/* ---- where the child runs ------------------------------------------------------------------ */

/* The child is forked onto the CPU its parent is about to sleep on. Left to fork balancing, it is
 * put on the other, busy CPU and waits there for the running task's slice to end while this CPU
 * goes idle or to someone else: measured with memgate-runtime create on this 2-CPU VM at load
 * 4-5, fork to the child's first instruction 830 us at the median, 150-270 us pinned, and the
 * whole run 0.4 ms shorter (tests/bench/bench.py, "floor + fork/wait"). The parent gets its own
 * mask back right after the fork, and the child as soon as it runs (a long evaluation may then
 * move). Affinity is inherited across execve: if the old mask cannot be restored (the cpuset
 * changed meanwhile), every CPU is asked for instead, so runc and the container are never left
 * on one CPU. */
typedef struct pin {
        bool pinned;
        cpu_set_t old;
} pin_t;

static void pin_here(pin_t *p) {
        int cpu = sched_getcpu();
        cpu_set_t one;
        p->pinned = false;
        if (cpu < 0 || cpu >= CPU_SETSIZE || sched_getaffinity(0, sizeof(p->old), &p->old) < 0 ||
            !CPU_ISSET(cpu, &p->old) || CPU_COUNT(&p->old) < 2)
                return;
        CPU_ZERO(&one);
        CPU_SET(cpu, &one);
        p->pinned = sched_setaffinity(0, sizeof(one), &one) == 0;
}

static void unpin(const pin_t *p) {
        if (!p->pinned || sched_setaffinity(0, sizeof(p->old), &p->old) == 0)
                return;
        cpu_set_t all;
        memset(&all, 0xff, sizeof(all));
        (void)sched_setaffinity(0, sizeof(all), &all);
}

static void child(int (*fn)(void *userdata), void *userdata, pid_t parent, mg_step_page_t *page,
                  const sigset_t *old_mask, const pin_t *pin) {
        unpin(pin);
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
        pin_t pin;
        pin_here(&pin);
        pid_t pid = fork();
        if (pid == 0)
                child(fn, userdata, parent, page, &old_mask, &pin);
        unpin(&pin);
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
