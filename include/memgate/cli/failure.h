/* SPDX-License-Identifier: Apache-2.0 */
/* The one failure policy of every front end: what happens when memgate itself fails (an unreadable
 * state, config or /proc, out of memory, a killed evaluation), as opposed to a refusal.
 *   check, host        the error on stderr, exit 2: the user asked and gets no answer.
 *   hook, precreate    fail open (exit 0, the start goes on) unless fail_closed (exit 1); the error
 *                      on stderr and in syslog. A broken memgate never takes a node down.
 *   memgate-runtime    the same policy; it starts the container (or refuses with
 *                      "memgate: refused (internal-error)") and logs to syslog too. */
#ifndef MEMGATE_CLI_FAILURE_H
#define MEMGATE_CLI_FAILURE_H

#include <stdbool.h>

#include "memgate/cli/options.h"
#include "memgate/cli/sandbox.h"
#include "memgate/util/buf.h"
#include "memgate/util/error.h"

/* Reports err for mode under fail_closed and returns the exit status (MG_EXIT_*). */
int mg_failure(mg_mode_t mode, bool fail_closed, const mg_error_t *err);

/* memgate-runtime's part of that, for callers that put the line elsewhere than stderr (the
 * runtime's --log under containerd): the line without a newline, and the syslog record plus the
 * exit status. */
void mg_failure_wrapper_line(bool fail_closed, const mg_error_t *err, mg_buf_t *out);
int mg_failure_wrapper_log(bool fail_closed, const mg_error_t *err);

/* fail_closed as the site's memgate.conf and the command line set it, for a parent whose confined
 * child could not say (an unreadable memgate.conf counts as fail open). */
bool mg_failure_site_closed(const mg_eval_opts_t *o);

/* What the parent of a confined evaluation takes from memgate.conf before the child starts: the
 * policy for its failures and the deadline. An unreadable memgate.conf gives the defaults (fail
 * open unless --fail-closed, MG_DEADLINE_DEFAULT_MS); the child reports the error itself. The
 * child inherits the whole reading (the fork copies it), so memgate.conf is read once per start
 * and the deadline and the policy the child judges by come from the same version of the file. */
typedef struct mg_site {
        bool fail_closed;
        uint64_t deadline_ms;
        bool read;          /* filled by mg_failure_site */
        int conf_r;         /* mg_eval_conf's result */
        mg_conf_t conf;     /* when conf_r is 0 */
        mg_error_t conf_err; /* when it is not */
} mg_site_t;
mg_site_t mg_failure_site(const mg_eval_opts_t *o);
/* The site's memgate.conf as mg_eval_conf gave it: its result, with *ret or *err filled. */
int mg_site_conf(const mg_site_t *site, mg_conf_t *ret, mg_error_t *err);

/* The error for an evaluation the sandbox saw die. */
void mg_failure_killed(const mg_sandbox_exit_t *ex, mg_error_t *err);

/* An evaluation that did not finish by itself (!mg_sandbox_finished): past the deadline ("did not
 * finish within the deadline of 2 s ...; it was reading the state on stdin"), killed, or stopped
 * because memgate was. Reports it for mode under site's policy and returns the exit status; when
 * memgate itself got SIGTERM/SIGINT/SIGHUP it prints one line naming the step and dies of that
 * signal instead. */
int mg_failure_unfinished(mg_mode_t mode, const mg_site_t *site, const mg_sandbox_exit_t *ex);
/* The error mg_failure_unfinished reports, for a caller with more to do (precreate passes the
 * config through); like it, dies of the signal when memgate itself was told to stop. */
void mg_failure_unfinished_error(mg_mode_t mode, const mg_site_t *site, const mg_sandbox_exit_t *ex,
                                 mg_error_t *err);
/* "<what>: nothing more arrived within the deadline of 2 s (memgate.conf deadline)". */
void mg_failure_deadline_error(const mg_site_t *site, const char *what, mg_error_t *err);

#endif
