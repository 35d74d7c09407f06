/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "memgate/cli/failure.h"

#include <errno.h>
#include <signal.h>
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

bool mg_failure_site_closed(const mg_eval_opts_t *o) {
        mg_conf_t conf;
        mg_error_t cerr = {0};
        return o->fail_closed || (mg_eval_conf(o, &conf, &cerr) == 0 && conf.fail_closed);
}

void mg_failure_killed(const mg_sandbox_exit_t *ex, mg_error_t *err) {
        mg_error_set(err, -EINTR, "the evaluation was killed by signal %d (%s)%s", ex->signal, strsignal(ex->signal),
                     ex->signal == SIGSYS ? ": a system call outside memgate's seccomp allowlist, please report it"
                                          : "");
}
