/* SPDX-License-Identifier: Apache-2.0 */
/* memgate's modes: check and host answer the user (exit 2 when they cannot); hook and precreate
 * run under a runtime, confined by seccomp in a child, and map every internal failure onto the
 * failure policy (cli/failure.h). Every mode runs its evaluation in a child under the watchdog
 * of cli/sandbox.c, so no input (a pipe held open, a hung file system, a full stdout) makes
 * memgate wait past memgate.conf's `deadline`. */
#define _GNU_SOURCE
#include "memgate/cli/modes.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>

#include "memgate/cli/failure.h"
#include "memgate/cli/sandbox.h"
#include "memgate/oci/annotate.h"
#include "memgate/oci/parse.h"
#include "memgate/outputs/report_out.h"
#include "memgate/outputs/stderr.h"
#include "memgate/outputs/syslog.h"
#include "memgate/util/cleanup.h"
#include "memgate/util/io.h"
#include "memgate/util/read.h"
#include "memgate/util/step.h"

static int verdict_exit(const mg_report_t *r) {
        return r->verdict == MG_VERDICT_REFUSE ? MG_EXIT_REFUSE : MG_EXIT_ALLOW;
}

/* Runs fn in a child under the deadline of the site's memgate.conf; a child that does not finish
 * by itself is an internal failure of mode. Without fork, runs fn here. */
static int watched(mg_mode_t mode, const mg_options_t *o, int (*fn)(void *), void *userdata) {
        mg_site_t site = mg_failure_site(&o->eval);
        mg_sandbox_exit_t ex = {0};
        mg_error_t err = {0};
        if (mg_sandbox_run_until(fn, userdata, mg_deadline_after(site.deadline_ms), &ex, &err) < 0) {
                mg_stderr_printf("memgate: warning: %s; evaluating in this process\n", err.msg);
                return fn(userdata);
        }
        if (mg_sandbox_finished(&ex))
                return ex.exit_status;
        return mg_failure_unfinished(mode, &site, &ex);
}

/* ---- check and host ------------------------------------------------------------------------ */

/* Opens the bundle directory; O_DIRECTORY refuses anything else (a FIFO, a device) unopened. */
static int open_bundle(const char *bundle, mg_error_t *err) {
        mg_step("opening the bundle %s", bundle);
        int fd = open(bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
        if (fd < 0)
                return mg_error_set(err, -errno, "bundle \"%s\": %s", bundle, strerror(errno));
        return fd;
}

static int read_bundle_config(int dirfd, const char *bundle, char **ret, size_t *ret_len, mg_error_t *err) {
        mg_step("reading %s/config.json", bundle);
        int r = mg_read_file_at(dirfd, "config.json", MG_CAP_CONFIG, true, ret, ret_len, err);
        if (r < 0)
                mg_error_prefix(err, "bundle \"%s\"", bundle);
        return r;
}

static int print_report(const mg_options_t *o, const mg_report_ctx_t *ctx, mg_error_t *err) {
        mg_step("writing the report to stdout");
        return mg_report_print(STDOUT_FILENO, o->format, ctx, err);
}

static int check_run(void *userdata) {
        const mg_options_t *o = userdata;
        _cleanup_evaluation_ mg_evaluation_t *ev = mg_evaluation_new();
        mg_error_t err = {0};
        _cleanup_free_ char *config = NULL;
        size_t len = 0;
        _cleanup_close_ int dirfd = -1;

        if (!ev) {
                mg_error_set(&err, -ENOMEM, "out of memory");
                goto fail;
        }
        if (mg_eval_conf(&o->eval, &ev->conf, &err) < 0)
                goto fail;
        if ((dirfd = open_bundle(o->bundle, &err)) < 0 || read_bundle_config(dirfd, o->bundle, &config, &len, &err) < 0)
                goto fail;
        if (mg_eval_run(&o->eval, config, len, "config.json", ev, &err) < 0)
                goto fail;
        mg_report_ctx_t ctx = mg_eval_report_ctx(ev, "check", o->bundle);
        if (print_report(o, &ctx, &err) < 0)
                goto fail;
        return verdict_exit(&ev->report);
fail:
        return mg_failure(MG_MODE_CHECK, false, &err);
}

int mg_mode_check(const mg_options_t *o) {
        return watched(MG_MODE_CHECK, o, check_run, (void *)o);
}

static int host_run(void *userdata) {
        const mg_options_t *o = userdata;
        _cleanup_evaluation_ mg_evaluation_t *ev = mg_evaluation_new();
        mg_error_t err = {0};

        if (!ev) {
                mg_error_set(&err, -ENOMEM, "out of memory");
                goto fail;
        }
        mg_eval_opts_t eo = o->eval;
        eo.containers = true; /* the running containers near their limit, in host mode only */
        if (mg_eval_conf(&eo, &ev->conf, &err) < 0 || mg_eval_run(&eo, NULL, 0, NULL, ev, &err) < 0)
                goto fail;
        mg_report_ctx_t ctx = mg_eval_report_ctx(ev, "host", NULL);
        if (print_report(o, &ctx, &err) < 0)
                goto fail;
        return verdict_exit(&ev->report);
fail:
        return mg_failure(MG_MODE_HOST, false, &err);
}

int mg_mode_host(const mg_options_t *o) {
        return watched(MG_MODE_HOST, o, host_run, (void *)o);
}

/* ---- hook ---------------------------------------------------------------------------------- */

/* Loads the seccomp filter before the first byte of untrusted input. The sandbox is defence in
 * depth: a kernel without seccomp still gets the checks, with a warning. */
static void confine(void) {
        mg_error_t err = {0};
        if (mg_sandbox_enter(&err) < 0)
                mg_stderr_printf("memgate: warning: %s; evaluating without the sandbox\n", err.msg);
}

/* The evaluation proper, in the confined child (see mg_mode_hook). */
static int hook_confined(void *userdata) {
        const mg_options_t *o = userdata;
        _cleanup_evaluation_ mg_evaluation_t *ev = NULL;
        mg_error_t err = {0};
        _cleanup_free_ char *state = NULL, *config = NULL;
        _cleanup_close_ int dirfd = -1;
        size_t slen = 0, clen = 0;
        bool fail_closed = o->eval.fail_closed;

        confine();
        ev = mg_evaluation_new();
        if (!ev) {
                mg_error_set(&err, -ENOMEM, "out of memory");
                goto fail;
        }
        if (mg_eval_conf(&o->eval, &ev->conf, &err) < 0)
                goto fail;
        fail_closed = ev->conf.fail_closed;
        /* A pipe by design: the watchdog bounds this read (poll is outside the filter). */
        mg_step("reading the state on stdin");
        if (mg_read_fd(STDIN_FILENO, "state on stdin", MG_CAP_STATE, &state, &slen, &err) < 0 ||
            mg_oci_parse_state(state, slen, "state on stdin", &ev->state, &err) < 0)
                goto fail;
        ev->have_state = true;
        if (!ev->state.bundle || ev->state.bundle[0] != '/') {
                mg_error_set(&err, -EINVAL, "state on stdin: bundle \"%s\" is not an absolute path",
                             ev->state.bundle ? ev->state.bundle : "");
                goto fail;
        }
        if ((dirfd = open_bundle(ev->state.bundle, &err)) < 0 ||
            read_bundle_config(dirfd, ev->state.bundle, &config, &clen, &err) < 0)
                goto fail;
        if (mg_eval_run(&o->eval, config, clen, "config.json", ev, &err) < 0)
                goto fail;

        mg_report_ctx_t ctx = mg_eval_report_ctx(ev, "hook", ev->state.bundle);
        if (ev->conf.write_report) {
                mg_step("writing %s/memgate.json", ev->state.bundle);
                mg_report_write_bundle(dirfd, &ctx, ev->conf.fsync);
        }
        if (ev->conf.syslog) {
                mg_step("logging to syslog");
                mg_log_findings("memgate", ev->state.id, &ev->report);
        }
        mg_step("writing the findings to stderr");
        mg_stderr_findings(&ev->report);
        if (o->format_set && print_report(o, &ctx, &err) < 0)
                mg_stderr_printf("memgate: warning: %s\n", err.msg);
        return verdict_exit(&ev->report);
fail:
        return mg_failure(MG_MODE_HOOK, fail_closed, &err);
}

/* The hook runs the evaluation in a child confined by seccomp and waits for it, at most until the
 * deadline. A child that dies (SIGSYS from the filter, or any crash) or overruns is an internal
 * failure like any other. The parent reads nothing untrusted: only the site's own memgate.conf,
 * to know the policy and the deadline. */
int mg_mode_hook(const mg_options_t *o) {
        return watched(MG_MODE_HOOK, o, hook_confined, (void *)o);
}

/* ---- precreate (podman) -------------------------------------------------------------------- */

/* podman's precreate stage: the proposed config on stdin, the config to use on stdout. On an
 * internal error the input goes back unchanged (fail open) so podman never loses the config. */
typedef struct precreate_job {
        const mg_options_t *o;
        const char *config;
        size_t clen;
        int outfd; /* where the confined child writes the config podman will use */
} precreate_job_t;

/* The evaluation proper, in the confined child: findings on stderr, the config on job->outfd. */
static int precreate_confined(void *userdata) {
        const precreate_job_t *job = userdata;
        _cleanup_evaluation_ mg_evaluation_t *ev = NULL;
        mg_error_t err = {0};
        _cleanup_free_ char *out = NULL;
        size_t olen = 0;
        bool fail_closed = job->o->eval.fail_closed;
        int rc;

        confine();
        ev = mg_evaluation_new();
        if (!ev) {
                mg_error_set(&err, -ENOMEM, "out of memory");
                goto fail;
        }
        if (mg_eval_conf(&job->o->eval, &ev->conf, &err) < 0)
                goto fail;
        fail_closed = ev->conf.fail_closed;
        if (mg_eval_run(&job->o->eval, job->config, job->clen, "config on stdin", ev, &err) < 0)
                goto fail;
        mg_stderr_findings(&ev->report);
        if (ev->report.verdict == MG_VERDICT_REFUSE)
                return MG_EXIT_REFUSE;
        if (mg_oci_add_annotations(job->config, job->clen, "config on stdin", ev->annotations, ev->nannotations, &out,
                                   &olen, &err) < 0)
                goto fail;
        if ((rc = mg_write_all(job->outfd, out, olen)) < 0) {
                mg_error_set(&err, rc, "writing the config: %s", strerror(-rc));
                goto fail;
        }
        return MG_EXIT_ALLOW;
fail:
        rc = mg_failure(MG_MODE_PRECREATE, fail_closed, &err);
        if (rc == MG_EXIT_ALLOW)
                (void)mg_write_all(job->outfd, job->config, job->clen);
        return rc;
}

/* Passes the config through unchanged (fail open) or refuses, as the policy says. */
static int precreate_failed(const mg_site_t *site, const mg_error_t *err, const char *config, size_t clen) {
        int rc = mg_failure(MG_MODE_PRECREATE, site->fail_closed, err);
        if (rc == MG_EXIT_ALLOW && mg_write_all(STDOUT_FILENO, config, clen) < 0)
                return MG_EXIT_REFUSE; /* podman would get half a config */
        return rc;
}

/* The parent reads the raw bytes (to pass them through if all else fails) and parses nothing; a
 * confined child evaluates and writes the result into an anonymous file, which the parent copies
 * to stdout only when the child finished: podman never gets half a config. */
int mg_mode_precreate(const mg_options_t *o) {
        mg_error_t err = {0};
        _cleanup_free_ char *config = NULL, *out = NULL;
        _cleanup_close_ int memfd = -1;
        size_t clen = 0, olen = 0;
        mg_sandbox_exit_t ex = {0};
        const mg_site_t site = mg_failure_site(&o->eval);
        const uint64_t deadline = mg_deadline_after(site.deadline_ms);

        int r = mg_read_fd_until(STDIN_FILENO, "config on stdin", MG_CAP_CONFIG, deadline, &config, &clen, &err);
        if (r == -ETIME) {
                /* podman closes stdin after the config: pass on what came, as it came. */
                mg_failure_deadline_error(&site, "config on stdin", &err);
                return precreate_failed(&site, &err, config, clen);
        }
        if (r < 0) {
                /* Nothing sane to pass through. */
                mg_stderr_printf("memgate: error: %s\n", err.msg);
                return MG_EXIT_REFUSE;
        }
        precreate_job_t job = {.o = o, .config = config, .clen = clen, .outfd = STDOUT_FILENO};
        memfd = memfd_create("memgate-precreate", MFD_CLOEXEC);
        if (memfd < 0 ||
            (job.outfd = memfd, mg_sandbox_run_until(precreate_confined, &job, deadline, &ex, &err) < 0)) {
                mg_stderr_printf("memgate: warning: %s; evaluating in this process\n",
                                 memfd < 0 ? strerror(errno) : err.msg);
                job.outfd = STDOUT_FILENO;
                return precreate_confined(&job);
        }
        if (!mg_sandbox_finished(&ex)) {
                mg_failure_unfinished_error(MG_MODE_PRECREATE, &site, &ex, &err);
                return precreate_failed(&site, &err, config, clen);
        }
        if (lseek(memfd, 0, SEEK_SET) < 0 ||
            mg_read_fd(memfd, "precreate output", 2 * (size_t)MG_CAP_CONFIG, &out, &olen, &err) < 0)
                return precreate_failed(&site, &err, config, clen);
        if (mg_write_all(STDOUT_FILENO, out, olen) < 0)
                return MG_EXIT_REFUSE;
        return ex.exit_status;
}
