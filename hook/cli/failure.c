/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "memgate/cli/failure.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "memgate/outputs/stderr.h"
#include "memgate/outputs/syslog.h"

int mg_failure(mg_mode_t mode, bool fail_closed, const mg_error_t *err) {
        const char *msg = err && err->msg[0] ? err->msg : "unknown error";
        switch (mode) {
        case MG_MODE_CHECK:
        case MG_MODE_HOST:
                mg_stderr_printf("memgate: error: %s\n", msg);
                return MG_EXIT_USAGE;
        case MG_MODE_WRAPPER: {
                mg_buf_t b = {0};
                mg_failure_wrapper_line(fail_closed, err, &b);
                if (b.data)
                        mg_stderr_printf("%s\n", b.data);
                mg_buf_free(&b);
                return mg_failure_wrapper_log(fail_closed, err);
        }
        case MG_MODE_HOOK:
        case MG_MODE_PRECREATE:
        default:
                mg_stderr_printf("memgate: %s: %s\n",
                                 fail_closed ? "error, refusing (fail closed)" : "error, allowing (fail open)", msg);
                mg_log_once("memgate", LOG_ERR, "internal error (%s): %s", fail_closed ? "fail closed" : "fail open",
                            msg);
                return fail_closed ? MG_EXIT_REFUSE : MG_EXIT_ALLOW;
        }
}

void mg_failure_wrapper_line(bool fail_closed, const mg_error_t *err, mg_buf_t *out) {
        const char *msg = err && err->msg[0] ? err->msg : "unknown error";
        if (fail_closed)
                mg_buf_printf(out, "memgate: refused (internal-error): %s; fail_closed is set in memgate.conf", msg);
        else
                mg_buf_printf(out, "memgate: warning: %s; starting the container without memgate's check", msg);
}

int mg_failure_wrapper_log(bool fail_closed, const mg_error_t *err) {
        const char *msg = err && err->msg[0] ? err->msg : "unknown error";
        mg_log_once("memgate-runtime", LOG_ERR, "internal error (%s): %s", fail_closed ? "fail closed" : "fail open",
                    msg);
        return fail_closed ? MG_EXIT_REFUSE : MG_EXIT_ALLOW;
}

mg_site_t mg_failure_site(const mg_eval_opts_t *o) {
        mg_site_t s = {.read = true};
        s.conf_r = mg_eval_conf(o, &s.conf, &s.conf_err);
        s.fail_closed = s.conf_r < 0 ? o->fail_closed : s.conf.fail_closed;
        s.deadline_ms = s.conf_r < 0 ? MG_DEADLINE_DEFAULT_MS : s.conf.deadline_ms;
        return s;
}

int mg_site_conf(const mg_site_t *site, mg_conf_t *ret, mg_error_t *err) {
        if (!site->read) /* a mode that evaluates without its watchdog's reading: a bug, said as one */
                return mg_error_set(err, -EINVAL, "internal error: memgate.conf was not read before the evaluation");
        if (site->conf_r < 0) {
                if (err)
                        *err = site->conf_err;
                return site->conf_r;
        }
        *ret = site->conf;
        return 0;
}

bool mg_failure_site_closed(const mg_eval_opts_t *o) {
        return mg_failure_site(o).fail_closed;
}

/* " while reading /proc/zoneinfo", or nothing when the child had not said. */
static void while_step(const mg_sandbox_exit_t *ex, char *buf, size_t n) {
        snprintf(buf, n, "%s%s", ex->step[0] ? " while " : "", ex->step);
}

void mg_failure_killed(const mg_sandbox_exit_t *ex, mg_error_t *err) {
        char w[MG_STEP_MAX + 8];
        while_step(ex, w, sizeof(w));
        mg_error_set(err, -EINTR, "the evaluation was killed by signal %d (%s)%s%s", ex->signal, strsignal(ex->signal),
                     w,
                     ex->signal == SIGSYS ? ": a system call outside memgate's seccomp allowlist, please report it"
                                          : "");
}

static void duration(uint64_t ms, char *buf, size_t n) {
        if (ms % 1000 == 0)
                snprintf(buf, n, "%" PRIu64 " s", ms / 1000);
        else
                snprintf(buf, n, "%" PRIu64 " ms", ms);
}

void mg_failure_unfinished_error(mg_mode_t mode, const mg_site_t *site, const mg_sandbox_exit_t *ex,
                                  mg_error_t *err) {
        char d[32];
        duration(site->deadline_ms, d, sizeof(d));
        const char *stuck = ex->left_behind ? " (it is stuck in a system call and ends when that returns)" : "";
        if (ex->parent_signal) {
                char w[MG_STEP_MAX + 8];
                while_step(ex, w, sizeof(w));
                mg_stderr_printf("memgate: stopped by signal %d (%s)%s%s\n", ex->parent_signal,
                                 strsignal(ex->parent_signal), w, stuck);
                mg_log_once(mode == MG_MODE_WRAPPER ? "memgate-runtime" : "memgate", LOG_WARNING,
                            "stopped by signal %d (%s)%s%s", ex->parent_signal, strsignal(ex->parent_signal), w, stuck);
                mg_sandbox_reraise(ex->parent_signal);
        }
        if (ex->timed_out)
                mg_error_set(err, -ETIME, "the evaluation did not finish within the deadline of %s (memgate.conf "
                             "deadline); it was %s%s",
                             d, ex->step[0] ? ex->step : "starting", stuck);
        else if (!ex->exited)
                mg_failure_killed(ex, err);
        else
                mg_error_set(err, -EIO, "the evaluation ended with status %d", ex->exit_status);
}

int mg_failure_unfinished(mg_mode_t mode, const mg_site_t *site, const mg_sandbox_exit_t *ex) {
        mg_error_t err = {0};
        mg_failure_unfinished_error(mode, site, ex, &err);
        return mg_failure(mode, site->fail_closed, &err);
}

void mg_failure_deadline_error(const mg_site_t *site, const char *what, mg_error_t *err) {
        char d[32];
        duration(site->deadline_ms, d, sizeof(d));
        mg_error_set(err, -ETIME, "%s: nothing more arrived within the deadline of %s (memgate.conf deadline)", what,
                     d);
}
