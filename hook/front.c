/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "memgate/front.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>

#include "memgate/atomic.h"
#include "memgate/log.h"
#include "memgate/oci.h"
#include "memgate/report.h"
#include "memgate/sandbox.h"

static void write_all(int fd, const char *data, size_t len) {
        while (len > 0) {
                ssize_t w = write(fd, data, len);
                if (w < 0) {
                        if (errno == EINTR)
                                continue;
                        return;
                }
                data += w;
                len -= (size_t)w;
        }
}

static void print_buf(int fd, const mg_buf_t *b) {
        if (b->data)
                write_all(fd, b->data, b->len);
}

static void eprint(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void eprint(const char *fmt, ...) {
        mg_buf_t b = {0};
        va_list ap;
        va_start(ap, fmt);
        mg_buf_vprintf(&b, fmt, ap);
        va_end(ap);
        print_buf(STDERR_FILENO, &b);
        mg_buf_free(&b);
}

mg_report_ctx_t mg_front_ctx(const char *mode, const mg_evaluation_t *ev, const char *bundle) {
        return (mg_report_ctx_t){
                .mode = mode,
                .report = &ev->report,
                .host = &ev->host,
                .model = &ev->model,
                .container = ev->have_container ? &ev->container : NULL,
                .state = ev->have_state ? &ev->state : NULL,
                .effective_limit_bytes = ev->effective_limit_bytes,
                .bundle = bundle,
                .annotations = ev->annotations,
                .nannotations = ev->nannotations,
        };
}

/* The report on stdout in the chosen format. */
static int print_report(const mg_options_t *o, const mg_report_ctx_t *ctx) {
        if (o->format == MG_FORMAT_JSON) {
                _cleanup_free_ char *json = NULL;
                size_t len = 0;
                mg_error_t err = {0};
                if (mg_oci_report_json(ctx, &json, &len, &err) < 0) {
                        eprint("memgate: error: %s\n", err.msg);
                        return -EIO;
                }
                write_all(STDOUT_FILENO, json, len);
                write_all(STDOUT_FILENO, "\n", 1);
                return 0;
        }
        mg_buf_t b = {0};
        mg_report_text(ctx, &b);
        print_buf(STDOUT_FILENO, &b);
        mg_buf_free(&b);
        return 0;
}

void mg_front_print_findings(const mg_report_t *r) {
        mg_buf_t b = {0};
        for (size_t i = 0; i < r->n; i++)
                if (r->findings[i].severity != MG_SEV_INFO)
                        mg_finding_line(&r->findings[i], r->policy_downgraded, &b);
        print_buf(STDERR_FILENO, &b);
        mg_buf_free(&b);
}

static int verdict_exit(const mg_report_t *r) {
        return r->verdict == MG_VERDICT_REFUSE ? MG_EXIT_REFUSE : MG_EXIT_ALLOW;
}

/* ---- check and host ------------------------------------------------------------------------ */

int mg_front_check(const mg_options_t *o) {
        mg_evaluation_t ev = {0};
        mg_error_t err = {0};
        _cleanup_free_ char *config = NULL;
        size_t len = 0;
        _cleanup_close_ int dirfd = -1;
        int r, rc = MG_EXIT_USAGE;

        if (mg_engine_conf(o, &ev.conf, &err) < 0)
                goto fail;
        dirfd = open(o->bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dirfd < 0) {
                mg_error_set(&err, -errno, "bundle \"%s\": %s", o->bundle, strerror(errno));
                goto fail;
        }
        r = mg_read_file_at(dirfd, "config.json", MG_CAP_CONFIG, true, &config, &len, &err);
        if (r < 0) {
                mg_error_prefix(&err, "bundle \"%s\"", o->bundle);
                goto fail;
        }
        if (mg_engine_evaluate(o, config, len, "config.json", &ev, &err) < 0)
                goto fail;
        mg_report_ctx_t ctx = mg_front_ctx("check", &ev, o->bundle);
        if (print_report(o, &ctx) < 0)
                goto done;
        rc = verdict_exit(&ev.report);
        goto done;
fail:
        eprint("memgate: error: %s\n", err.msg);
done:
        mg_evaluation_free(&ev);
        return rc;
}

int mg_front_host(const mg_options_t *o) {
        mg_evaluation_t ev = {0};
        mg_error_t err = {0};
        int rc = MG_EXIT_USAGE;

        if (mg_engine_conf(o, &ev.conf, &err) < 0 || mg_engine_evaluate(o, NULL, 0, NULL, &ev, &err) < 0) {
                eprint("memgate: error: %s\n", err.msg);
                goto done;
        }
        mg_report_ctx_t ctx = mg_front_ctx("host", &ev, NULL);
        if (print_report(o, &ctx) == 0)
                rc = verdict_exit(&ev.report);
done:
        mg_evaluation_free(&ev);
        return rc;
}

/* ---- hook ---------------------------------------------------------------------------------- */



void mg_front_log_findings(const char *ident, const char *id, const mg_report_t *r) {
        if (!id)
                id = "?";
        mg_log_t log;
        mg_log_open(&log, ident, NULL);
        mg_log(&log, LOG_INFO, "container %s: verdict %s%s", id, mg_verdict_name(r->verdict),
               r->policy_downgraded ? " (a refusal downgraded by policy)" : "");
        for (size_t i = 0; i < r->n; i++) {
                const mg_finding_t *f = &r->findings[i];
                int prio = f->severity == MG_SEV_REFUSE ? LOG_ERR : f->severity == MG_SEV_WARN ? LOG_WARNING : LOG_INFO;
                mg_log(&log, prio, "container %s: %s (%s): %s%s%s", id, mg_severity_name(f->severity), f->code,
                       f->message, f->fix[0] ? "; " : "", f->fix);
        }
        mg_log_close(&log);
}

void mg_front_write_report(int dirfd, const mg_report_ctx_t *ctx) {
        _cleanup_free_ char *json = NULL;
        size_t len = 0;
        mg_error_t err = {0};
        if (mg_oci_report_json(ctx, &json, &len, &err) < 0 ||
            mg_write_atomic_at(dirfd, "memgate.json", json, len, 0600, &err) < 0)
                eprint("memgate: warning: could not write memgate.json: %s\n", err.msg);
}

/* An internal failure: reported, and the start goes on unless fail-closed. */
static int hook_failure(bool fail_closed, const mg_error_t *err) {
        eprint("memgate: %s: %s\n", fail_closed ? "error, refusing (fail closed)" : "error, allowing (fail open)",
               err->msg);
        mg_log_t log;
        mg_log_open(&log, "memgate", NULL);
        mg_log(&log, LOG_ERR, "internal error (%s): %s", fail_closed ? "fail closed" : "fail open", err->msg);
        mg_log_close(&log);
        return fail_closed ? MG_EXIT_REFUSE : MG_EXIT_ALLOW;
}

/* fail_closed as the site's memgate.conf and the command line set it, for a parent whose child
 * could not say. */
static bool site_fail_closed(const mg_options_t *o) {
        mg_conf_t conf;
        mg_error_t cerr = {0};
        return o->fail_closed || (mg_engine_conf(o, &conf, &cerr) == 0 && conf.fail_closed);
}

static int child_killed(const mg_options_t *o, const mg_sandbox_exit_t *ex) {
        mg_error_t err = {0};
        mg_error_set(&err, -EINTR, "the evaluation was killed by signal %d (%s)%s", ex->signal, strsignal(ex->signal),
                     ex->signal == SIGSYS ? ": a system call outside memgate's seccomp allowlist, please report it"
                                          : "");
        return hook_failure(site_fail_closed(o), &err);
}

/* The evaluation proper, in the confined child (see mg_front_hook). */
static int hook_confined(void *userdata) {
        const mg_options_t *o = userdata;
        mg_evaluation_t ev = {0};
        mg_error_t err = {0};
        _cleanup_free_ char *state = NULL, *config = NULL;
        _cleanup_close_ int dirfd = -1;
        size_t slen = 0, clen = 0;
        int rc;

        /* Before the first byte of the state is read: everything after runs under the seccomp
         * allowlist. The sandbox is defence in depth; a kernel without seccomp still gets the
         * checks, with a warning. */
        if (mg_sandbox_enter(&err) < 0) {
                eprint("memgate: warning: %s; evaluating without the sandbox\n", err.msg);
                err = (mg_error_t){0};
        }
        if (mg_engine_conf(o, &ev.conf, &err) < 0) {
                rc = hook_failure(o->fail_closed, &err);
                goto done;
        }
        if (mg_read_fd(STDIN_FILENO, "state on stdin", MG_CAP_STATE, &state, &slen, &err) < 0 ||
            mg_oci_parse_state(state, slen, "state on stdin", &ev.state, &err) < 0)
                goto fail;
        ev.have_state = true;
        if (!ev.state.bundle || ev.state.bundle[0] != '/') {
                mg_error_set(&err, -EINVAL, "state on stdin: bundle \"%s\" is not an absolute path",
                             ev.state.bundle ? ev.state.bundle : "");
                goto fail;
        }
        dirfd = open(ev.state.bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dirfd < 0) {
                mg_error_set(&err, -errno, "bundle \"%s\": %s", ev.state.bundle, strerror(errno));
                goto fail;
        }
        if (mg_read_file_at(dirfd, "config.json", MG_CAP_CONFIG, true, &config, &clen, &err) < 0) {
                mg_error_prefix(&err, "bundle \"%s\"", ev.state.bundle);
                goto fail;
        }
        if (mg_engine_evaluate(o, config, clen, "config.json", &ev, &err) < 0)
                goto fail;

        mg_report_ctx_t ctx = mg_front_ctx("hook", &ev, ev.state.bundle);
        if (ev.conf.write_report)
                mg_front_write_report(dirfd, &ctx);
        if (ev.conf.syslog)
                mg_front_log_findings("memgate", ev.state.id, &ev.report);
        mg_front_print_findings(&ev.report);
        if (o->format_set)
                print_report(o, &ctx);
        rc = verdict_exit(&ev.report);
        goto done;
fail:
        rc = hook_failure(ev.conf.fail_closed || o->fail_closed, &err);
done:
        mg_evaluation_free(&ev);
        return rc;
}

/* The hook runs the evaluation in a child confined by seccomp and waits for it. A child that
 * dies (SIGSYS from the filter, or any crash) is an internal failure like any other: reported,
 * logged, and mapped to allow (fail open) or refuse (--fail-closed / fail_closed in the config).
 * The parent reads nothing untrusted: only the site's own memgate.conf, to know that policy. */
int mg_front_hook(const mg_options_t *o) {
        mg_sandbox_exit_t ex = {0};
        mg_error_t err = {0};
        if (mg_sandbox_run(hook_confined, (void *)o, &ex, &err) < 0) {
                eprint("memgate: warning: %s; evaluating in this process\n", err.msg);
                return hook_confined((void *)o);
        }
        if (ex.exited)
                return ex.exit_status;
        return child_killed(o, &ex);
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
        mg_evaluation_t ev = {0};
        mg_error_t err = {0};
        _cleanup_free_ char *out = NULL;
        size_t olen = 0;
        int rc;

        if (mg_sandbox_enter(&err) < 0) {
                eprint("memgate: warning: %s; evaluating without the sandbox\n", err.msg);
                err = (mg_error_t){0};
        }
        if (mg_engine_conf(job->o, &ev.conf, &err) < 0 ||
            mg_engine_evaluate(job->o, job->config, job->clen, "config on stdin", &ev, &err) < 0)
                goto fail;
        mg_front_print_findings(&ev.report);
        if (ev.report.verdict == MG_VERDICT_REFUSE) {
                rc = MG_EXIT_REFUSE;
                goto done;
        }
        if (mg_oci_add_annotations(job->config, job->clen, "config on stdin", ev.annotations, ev.nannotations, &out,
                                   &olen, &err) < 0)
                goto fail;
        write_all(job->outfd, out, olen);
        rc = MG_EXIT_ALLOW;
        goto done;
fail:
        rc = hook_failure(ev.conf.fail_closed || job->o->fail_closed, &err);
        if (rc == MG_EXIT_ALLOW)
                write_all(job->outfd, job->config, job->clen);
done:
        mg_evaluation_free(&ev);
        return rc;
}

/* The parent reads the raw bytes (to pass them through if all else fails) and parses nothing; a
 * confined child evaluates and writes the result into an anonymous file, which the parent copies
 * to stdout only when the child finished: podman never gets half a config. */
int mg_front_precreate(const mg_options_t *o) {
        mg_error_t err = {0};
        _cleanup_free_ char *config = NULL, *out = NULL;
        _cleanup_close_ int memfd = -1;
        size_t clen = 0, olen = 0;
        mg_sandbox_exit_t ex = {0};

        if (mg_read_fd(STDIN_FILENO, "config on stdin", MG_CAP_CONFIG, &config, &clen, &err) < 0) {
                /* Nothing sane to pass through. */
                eprint("memgate: error: %s\n", err.msg);
                return MG_EXIT_REFUSE;
        }
        precreate_job_t job = {.o = o, .config = config, .clen = clen, .outfd = STDOUT_FILENO};
        memfd = memfd_create("memgate-precreate", MFD_CLOEXEC);
        if (memfd < 0 || (job.outfd = memfd, mg_sandbox_run(precreate_confined, &job, &ex, &err) < 0)) {
                eprint("memgate: warning: %s; evaluating in this process\n",
                       memfd < 0 ? strerror(errno) : err.msg);
                job.outfd = STDOUT_FILENO;
                return precreate_confined(&job);
        }
        if (!ex.exited) {
                int rc = child_killed(o, &ex);
                if (rc == MG_EXIT_ALLOW)
                        write_all(STDOUT_FILENO, config, clen);
                return rc;
        }
        if (lseek(memfd, 0, SEEK_SET) < 0 ||
            mg_read_fd(memfd, "precreate output", 2 * (size_t)MG_CAP_CONFIG, &out, &olen, &err) < 0) {
                int rc = hook_failure(site_fail_closed(o), &err);
                if (rc == MG_EXIT_ALLOW)
                        write_all(STDOUT_FILENO, config, clen);
                return rc;
        }
        write_all(STDOUT_FILENO, out, olen);
        return ex.exit_status;
}
