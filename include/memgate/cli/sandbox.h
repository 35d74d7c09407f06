/* SPDX-License-Identifier: Apache-2.0 */
/* Self-confinement: after every file memgate needs is open, a seccomp filter allows only the
 * system calls the remaining work uses.
 *
 * Two pieces:
 *  - mg_sandbox_enter() loads the filter into the calling process. Call it once the site's own
 *    configuration is read and before the first byte of untrusted input (the OCI state on stdin,
 *    config.json) is parsed. A disallowed call kills the process with SIGSYS.
 *  - mg_sandbox_run() runs a function in a forked child and reports how the child ended, so a
 *    child killed by the filter (or crashing in any other way) can still be mapped onto the hook's
 *    fail-open / fail-closed policy by a parent that never touched untrusted input. */
#ifndef MEMGATE_CLI_SANDBOX_H
#define MEMGATE_CLI_SANDBOX_H

#include <stdbool.h>

#include "memgate/util/error.h"

/* Loads the filter (no_new_privs first). A disallowed call kills the process.
 *
 * What stays allowed (see sandbox.c for the full list and why): reading and writing open fds,
 * memory management, openat read-only (flags without any write/create/truncate bit), openat
 * with exactly MG_ATOMIC_TEMP_FLAGS (an O_EXCL temp file for mg_write_atomic_at), fchmod,
 * fchown, fsync, renameat, unlinkat of files, an AF_UNIX socket for syslog, and leaving.
 * Everything else (execve, fork/clone, ptrace, mount, mkdir, link/symlink, path-based chmod or
 * chown, inet sockets, kill of other processes, setuid...) kills the process. */
int mg_sandbox_enter(mg_error_t *err);

/* How a child run by mg_sandbox_run ended. */
typedef struct mg_sandbox_exit {
        bool exited;   /* true: exit_status is valid; false: killed by signal */
        int exit_status;
        int signal;    /* the killing signal (SIGSYS: the seccomp filter) */
} mg_sandbox_exit_t;

/* Forks; the child runs fn(userdata) and exits with its return value (stdio flushed); the
 * parent waits for it and fills ret. The child dies with the parent (PR_SET_PDEATHSIG), so a
 * runtime that kills the hook on its timeout kills both. Returns 0, or a negative errno when
 * the fork or wait itself failed (ret untouched). */
int mg_sandbox_run(int (*fn)(void *userdata), void *userdata, mg_sandbox_exit_t *ret, mg_error_t *err);

#endif
