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
#include <unistd.h>

#include "memgate/cli/failure.h"
#include "memgate/cli/sandbox.h"
#include "memgate/inputs/engine_detect.h"
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

/* Who ran memgate (the OCI runtime for a hook, the engine for precreate), taken before the fork:
 * the confined child may not call getppid, and its own parent is only memgate's watchdog. */
static pid_t caller;

/* memgate.conf as the watchdog read it before the fork (cli/failure.h); the child judges by the
 * same reading instead of opening the file again. */
static mg_site_t watch_site;

/* engine = auto (memgate.conf): the engine found from the caller's chain (engine_detect.c), for the
 * fix hints and the commit model, as memgate-runtime finds it from its parent. Reads only
 * /proc/PID/{cmdline,stat} of the runtime and its parents, never the container's. */
static void detect_engine(mg_conf_t *c) {
        if (c->engine_auto && caller > 1)
                c->engine = mg_cengine_detect("/proc", caller);
}

/* Runs fn in a child under the deadline of the site's memgate.conf; a child that does not finish
 * by itself is an internal failure of mode. Without fork, runs fn here. */
static int watched(mg_mode_t mode, const mg_options_t *o, int (*fn)(void *), void *userdata) {
        caller = getppid();
        watch_site = mg_failure_site(&o->eval);
        mg_sandbox_exit_t ex = {0};
        mg_error_t err = {0};
        if (mg_sandbox_run_until(fn, userdata, mg_deadline_after(watch_site.deadline_ms), &ex, &err) < 0) {
                mg_stderr_printf("memgate: warning: %s; evaluating in this process\n", err.msg);
                return fn(userdata);
        }
        if (mg_sandbox_finished(&ex))
                return ex.exit_status;
        return mg_failure_unfinished(mode, &watch_site, &ex);
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
        if (mg_site_conf(&watch_site, &ev->conf, &err) < 0)
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
        if (mg_site_conf(&watch_site, &ev->conf, &err) < 0 || mg_eval_run(&eo, NULL, 0, NULL, ev, &err) < 0)
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

/* A config beyond memgate's limits was not read: say so once the host alone was judged. */
static void warn_unread(const mg_evaluation_t *ev) {
        if (ev->container_unread[0])
                mg_stderr_printf("memgate: warning: %s; the container's own settings were not read, the host alone "
                                 "was judged\n", ev->container_unread);
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
        mg_eval_opts_t eo = o->eval;
        int r;

        eo.host_alone_beyond_limits = true;
        confine();
        ev = mg_evaluation_new();
        if (!ev) {
                mg_error_set(&err, -ENOMEM, "out of memory");
                goto fail;
        }
        if (mg_site_conf(&watch_site, &ev->conf, &err) < 0)
                goto fail;
        fail_closed = ev->conf.fail_closed;
        detect_engine(&ev->conf);
        /* A pipe by design: the watchdog bounds this read (poll is outside the filter). */
        mg_step("reading the state on stdin");
        r = mg_read_fd(STDIN_FILENO, "state on stdin", MG_CAP_STATE, &state, &slen, &err);
        if (r >= 0)
                r = mg_oci_parse_state(state, slen, "state on stdin", &ev->state, &err);
        if (r < 0 && !mg_eval_config_beyond_limits(r))
                goto fail;
        if (r < 0) {
                /* runc copies the config's annotations into the state, so a container can make the
                 * state as large as it likes: judge the host alone (no bundle is known to write to). */
                mg_state_free(&ev->state);
                ev->state = (mg_state_t){0};
                mg_eval_skip_container(ev, &err);
                err = (mg_error_t){0};
        } else
                ev->have_state = true;
        if (!ev->have_state) {
                if (mg_eval_run(&eo, NULL, 0, NULL, ev, &err) < 0)
                        goto fail;
                warn_unread(ev);
                if (ev->conf.syslog) {
                        mg_step("logging to syslog");
                        mg_log_findings("memgate", NULL, &ev->report);
                }
                mg_step("writing the findings to stderr");
                mg_stderr_findings(&ev->report);
                mg_report_ctx_t hctx = mg_eval_report_ctx(ev, "hook", NULL);
                if (o->format_set && print_report(o, &hctx, &err) < 0)
                        mg_stderr_printf("memgate: warning: %s\n", err.msg);
                return verdict_exit(&ev->report);
        }
        if (!ev->state.bundle || ev->state.bundle[0] != '/') {
                mg_error_set(&err, -EINVAL, "state on stdin: bundle \"%s\" is not an absolute path",
                             ev->state.bundle ? ev->state.bundle : "");
                goto fail;
        }
        if ((dirfd = open_bundle(ev->state.bundle, &err)) < 0)
                goto fail;
        if ((r = read_bundle_config(dirfd, ev->state.bundle, &config, &clen, &err)) < 0) {
                if (!mg_eval_config_beyond_limits(r))
                        goto fail;
                mg_eval_skip_container(ev, &err); /* judged on the host alone, never switched off */
                err = (mg_error_t){0};
        }
        if (mg_eval_run(&eo, config, clen, "config.json", ev, &err) < 0)
                goto fail;
        warn_unread(ev);

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
 * internal error the input goes back unchanged (fail open) so podman never loses the config:
 * also when it is larger than memgate reads (MG_CAP_CONFIG) or memory runs out, since the bytes
 * can always be streamed through without holding them. */
typedef struct precreate_job {
        const mg_options_t *o;
        const char *config;
        size_t clen;
        const mg_error_t *unread; /* the config was beyond memgate's limits: judge the host alone */
        int outfd; /* where the confined child writes the config podman will use */
} precreate_job_t;

/* The child's exit status asking the parent to pass the config through unchanged: the child
 * already reported why, and wrote nothing the parent will use. */
#define PRECREATE_PASS 3

/* The evaluation proper, in the confined child: findings on stderr, the config on job->outfd
 * (complete, or the exit status is not MG_EXIT_ALLOW). */
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
        if (mg_site_conf(&watch_site, &ev->conf, &err) < 0)
                goto fail;
        fail_closed = ev->conf.fail_closed;
        detect_engine(&ev->conf);
        if (job->unread)
                mg_eval_skip_container(ev, job->unread);
        mg_eval_opts_t eo = job->o->eval;
        eo.host_alone_beyond_limits = true;
        if (mg_eval_run(&eo, job->unread ? NULL : job->config, job->clen, "config on stdin", ev, &err) < 0)
                goto fail;
        warn_unread(ev);
        mg_stderr_findings(&ev->report);
        if (ev->report.verdict == MG_VERDICT_REFUSE)
                return MG_EXIT_REFUSE;
        if (ev->container_unread[0])
                return PRECREATE_PASS; /* nothing to annotate: the config goes through as it came */
        if (mg_oci_add_annotations(job->config, job->clen, "config on stdin", ev->annotations, ev->nannotations, &out,
                                   &olen, &err) < 0) {
                /* Judged and allowed; only the annotations cannot be added (two "annotations" keys,
                 * which runc merges and memgate will not guess at, or no memory): the config goes on
                 * as it came. */
                mg_stderr_printf("memgate: warning: allowed, but cannot annotate the config: %s; passed on as it came\n",
                                 err.msg);
                return PRECREATE_PASS;
        }
        if ((rc = mg_write_all(job->outfd, out, olen)) < 0) {
                mg_error_set(&err, rc, "writing the config: %s", strerror(-rc));
                goto fail;
        }
        return MG_EXIT_ALLOW;
fail:
        rc = mg_failure(MG_MODE_PRECREATE, fail_closed, &err);
        return rc == MG_EXIT_ALLOW ? PRECREATE_PASS : rc;
}

/* Copies in to out until in ends; a fixed buffer, so it needs no memory. A pipe (stdin) is
 * waited on only until the deadline (deadline 0: in is a file that never makes anyone wait). */
static int copy_fd(int in, int out, uint64_t deadline) {
        static char chunk[64 * 1024];
        for (;;) {
                if (deadline && mg_fd_wait_readable(in, deadline, "config on stdin", NULL) < 0)
                        return -ETIME;
                ssize_t n = read(in, chunk, sizeof(chunk));
                if (n < 0 && (errno == EINTR || errno == EAGAIN))
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        return 0;
                int r = mg_write_all(out, chunk, (size_t)n);
                if (r < 0)
                        return r;
        }
}

/* The config goes to podman exactly as it came: the bytes read so far, then (rest_until, a
 * deadline) the rest of stdin. */
static int pass_through(const char *head, size_t hlen, uint64_t rest_until) {
        if (mg_write_all(STDOUT_FILENO, head, hlen) < 0 ||
            (rest_until && copy_fd(STDIN_FILENO, STDOUT_FILENO, rest_until) < 0))
                return MG_EXIT_REFUSE; /* podman would get half a config */
        return MG_EXIT_ALLOW;
}

/* Passes the config through unchanged (fail open) or refuses, as the policy says. */
static int precreate_failed(const mg_site_t *site, const mg_error_t *err, const char *config, size_t clen,
                            uint64_t rest_until) {
        int rc = mg_failure(MG_MODE_PRECREATE, site->fail_closed, err);
        return rc == MG_EXIT_ALLOW ? pass_through(config, clen, rest_until) : rc;
}

/* Reads the config on stdin, any bytes, up to MG_CAP_CONFIG, waiting no longer than deadline.
 * 0 with all of it; else -EFBIG (too large) or -ENOMEM with *ret and *ret_len holding the bytes
 * read so far (the rest is still on stdin) and err saying so; -ETIME when nothing more came by
 * the deadline; any other failure reading stdin is -errno. */
static int precreate_read(uint64_t deadline, char **ret, size_t *ret_len, mg_error_t *err) {
        char *buf = NULL;
        size_t len = 0, cap = 0;
        int r = 0;

        for (;;) {
                if (len == cap) {
                        if (cap > MG_CAP_CONFIG) {
                                r = mg_error_set(err, -EFBIG, "config on stdin: larger than %u MiB, more than memgate reads",
                                                 MG_CAP_CONFIG >> 20);
                                break;
                        }
                        size_t ncap = cap ? 2 * cap : 64 * 1024;
                        if (ncap > (size_t)MG_CAP_CONFIG + 1)
                                ncap = (size_t)MG_CAP_CONFIG + 1;
                        char *nbuf = realloc(buf, ncap + 1);
                        if (!nbuf) {
                                r = mg_error_set(err, -ENOMEM, "config on stdin: out of memory after %zu bytes", len);
                                break;
                        }
                        buf = nbuf;
                        cap = ncap;
                }
                if ((r = mg_fd_wait_readable(STDIN_FILENO, deadline, "config on stdin", err)) < 0)
                        break;
                ssize_t n = read(STDIN_FILENO, buf + len, cap - len);
                if (n < 0 && (errno == EINTR || errno == EAGAIN))
                        continue;
                if (n < 0) {
                        r = mg_error_set(err, -errno, "config on stdin: %s", strerror(errno));
                        break;
                }
                if (n == 0)
                        break;
                len += (size_t)n;
        }
        if (buf)
                buf[len] = '\0';
        *ret = buf;
        *ret_len = len;
        return r;
}

/* The parent reads the raw bytes (to pass them through if all else fails) and parses nothing; a
 * confined child evaluates and writes the result into an anonymous file, which the parent copies
 * to stdout only when the child finished: podman never gets half a config. */
int mg_mode_precreate(const mg_options_t *o) {
        mg_error_t err = {0};
        _cleanup_free_ char *config = NULL;
        _cleanup_close_ int memfd = -1;
        size_t clen = 0;
        mg_sandbox_exit_t ex = {0};
        watch_site = mg_failure_site(&o->eval);
        const uint64_t deadline = mg_deadline_after(watch_site.deadline_ms);
        int rc;

        caller = getppid();
        int r = precreate_read(deadline, &config, &clen, &err);
        if (r == -ETIME) {
                /* podman closes stdin after the config: pass on what came, as it came. */
                mg_failure_deadline_error(&watch_site, "config on stdin", &err);
                return precreate_failed(&watch_site, &err, config, clen, 0);
        }
        if (r == -ENOMEM)
                return precreate_failed(&watch_site, &err, config, clen, deadline);
        if (r < 0 && r != -EFBIG) /* stdin itself failed: what was read is all there is to give back */
                return precreate_failed(&watch_site, &err, config, clen, 0);
        /* Larger than memgate reads: the host is judged alone, and the config (its first bytes
         * here, the rest still on stdin) goes through as it came unless the host refuses. */
        const uint64_t rest = r == -EFBIG ? deadline : 0;
        mg_error_t unread = err;
        precreate_job_t job = {.o = o, .config = config, .clen = clen, .unread = rest ? &unread : NULL,
                               .outfd = STDOUT_FILENO};
        memfd = memfd_create("memgate-precreate", MFD_CLOEXEC);
        if (memfd < 0 ||
            (job.outfd = memfd, mg_sandbox_run_until(precreate_confined, &job, deadline, &ex, &err) < 0)) {
                mg_stderr_printf("memgate: warning: %s; evaluating in this process\n",
                                 memfd < 0 ? strerror(errno) : err.msg);
                job.outfd = STDOUT_FILENO;
                rc = precreate_confined(&job);
                return rc == PRECREATE_PASS ? pass_through(config, clen, rest) : rc;
        }
        if (!mg_sandbox_finished(&ex)) {
                mg_failure_unfinished_error(MG_MODE_PRECREATE, &watch_site, &ex, &err);
                return precreate_failed(&watch_site, &err, config, clen, rest);
        }
        if (ex.exit_status == PRECREATE_PASS)
                return pass_through(config, clen, rest);
        if (ex.exit_status != MG_EXIT_ALLOW)
                return ex.exit_status;
        if (lseek(memfd, 0, SEEK_SET) < 0) {
                mg_error_set(&err, -errno, "reading back the annotated config: %s", strerror(errno));
                return precreate_failed(&watch_site, &err, config, clen, rest);
        }
        if (copy_fd(memfd, STDOUT_FILENO, 0) < 0)
                return MG_EXIT_REFUSE; /* podman would get half a config */
        return MG_EXIT_ALLOW;
}
