/* SPDX-License-Identifier: Apache-2.0 */
/* Self-confinement: after every file memgate needs is open, a seccomp filter allows only the
 * system calls the remaining work uses.
 *
 * Two pieces:
 *  - mg_sandbox_enter() loads the filter into the calling process. Call it once the site's own
 *    configuration is read and before the first byte of untrusted input (the OCI state on stdin,
 *    config.json) is parsed. A disallowed call kills the process with SIGSYS.
 *  - mg_sandbox_run_until() runs a function in a forked child and reports how the child ended, so
 *    a child killed by the filter (or crashing in any other way) can still be mapped onto the
 *    hook's fail-open / fail-closed policy by a parent that never touched untrusted input. It is
 *    also the watchdog that keeps memgate from waiting forever: the child gets until the deadline
 *    (memgate.conf `deadline`), and says what it is doing (util/step.h) so that the parent can
 *    name what it waited for. SIGTERM, SIGINT and SIGHUP sent to the parent are passed on. */
#ifndef MEMGATE_CLI_SANDBOX_H
#define MEMGATE_CLI_SANDBOX_H

#include <stdbool.h>
#include <stdint.h>

#include "memgate/util/deadline.h"
#include "memgate/util/error.h"
#include "memgate/util/step.h"

/* Loads the filter (no_new_privs first). A disallowed call kills the process.
 *
 * What stays allowed (see sandbox.c for the full list and why): reading and writing open fds,
 * memory management, openat read-only (flags without any write/create/truncate bit), openat
 * with exactly MG_ATOMIC_TEMP_FLAGS (an O_EXCL temp file for mg_write_atomic_at), fchmod,
 * fchown, fsync, renameat, unlinkat of files, an AF_UNIX socket for syslog, and leaving.
 * Everything else (execve, fork/clone, ptrace, mount, mkdir, link/symlink, path-based chmod or
 * chown, inet sockets, kill of other processes, setuid...) kills the process. */
int mg_sandbox_enter(mg_error_t *err);

/* How a child run by mg_sandbox_run_until ended. */
typedef struct mg_sandbox_exit {
        bool exited;   /* true: exit_status is valid; false: killed by signal */
        int exit_status;
        int signal;    /* the killing signal (SIGSYS: the seccomp filter) */
        bool timed_out;    /* the deadline passed first: the child was stopped (SIGTERM, then SIGKILL) */
        int parent_signal; /* SIGTERM, SIGINT or SIGHUP memgate received and passed on to the child */
        bool left_behind;  /* the child could not be reaped even after SIGKILL (stuck in the kernel) */
        char step[MG_STEP_MAX]; /* the child's last step (util/step.h): what it was doing or waiting for */
        int pid;           /* the child's (still running when left_behind) */
} mg_sandbox_exit_t;

/* The child finished by itself: exit_status is its answer. */
static inline bool mg_sandbox_finished(const mg_sandbox_exit_t *ex) {
        return ex->exited && !ex->timed_out && !ex->parent_signal;
}

/* Forks; the child runs fn(userdata) and exits with its return value (stdio flushed); the parent
 * waits for it until deadline (mg_deadline_after; MG_DEADLINE_NONE: no limit) and fills ret.
 *  - At the deadline the child gets SIGTERM, then SIGKILL 250 ms later; ret->timed_out.
 *  - SIGTERM, SIGINT or SIGHUP to the parent is passed on the same way; ret->parent_signal (the
 *    caller then reports and dies of it: mg_sandbox_reraise).
 *  - In the child those signals remove the temp file of an atomic write in progress
 *    (mg_atomic_discard_temp) before it dies, and it gets SIGTERM when the parent dies
 *    (PR_SET_PDEATHSIG), so a runtime that SIGKILLs the hook on its timeout leaves no litter.
 * Returns 0, or a negative errno when the fork itself failed (ret untouched). */
int mg_sandbox_run_until(int (*fn)(void *userdata), void *userdata, uint64_t deadline, mg_sandbox_exit_t *ret,
                         mg_error_t *err);
/* mg_sandbox_run_until without a deadline. */
int mg_sandbox_run(int (*fn)(void *userdata), void *userdata, mg_sandbox_exit_t *ret, mg_error_t *err);

/* Dies of sig (default action, unblocked); for a parent that was told to stop. */
void mg_sandbox_reraise(int sig) __attribute__((noreturn));

#endif
