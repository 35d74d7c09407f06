/* SPDX-License-Identifier: Apache-2.0 */
/* memgate-runtime: a runc-compatible wrapper for Docker ("runtimes" in daemon.json) and containerd
 * (runtimes.<name>.options.BinaryName). On create, run and restore it evaluates the bundle,
 * refuses with exit 1, or adds the io.memgate.* annotations to config.json (atomically) and then
 * executes the real runtime with the same arguments. Every other subcommand gets the cheap host
 * budget check and is executed straight away. Its lines go where the engine that called it shows
 * them (cli/runtime_out.h): the runtime's --log file under containerd's shims, else stderr. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "memgate/cli/failure.h"
#include "memgate/cli/runc_argv.h"
#include "memgate/cli/runtime_budget.h"
#include "memgate/cli/runtime_out.h"
#include "memgate/cli/sandbox.h"
#include "memgate/inputs/engine_detect.h"
#include "memgate/evaluate/evaluate.h"
#include "memgate/oci/annotate.h"
#include "memgate/outputs/atomic.h"
#include "memgate/outputs/report_out.h"
#include "memgate/outputs/stderr.h"
#include "memgate/outputs/syslog.h"
#include "memgate/util/buf.h"
#include "memgate/util/escape.h"
#include "memgate/util/cleanup.h"
#include "memgate/util/read.h"
#include "memgate/util/step.h"

/* Set in the environment of the runtime memgate-runtime executes, to the path it executed: a
 * memgate-runtime that finds it set was executed by another one (two copies named runc on PATH,
 * MEMGATE_RUNTIME naming a copy) and stops instead of executing the next copy forever. runc
 * passes no environment of its own to the container's processes or hooks. */
#define MG_REENTRY_ENV "MEMGATE_RUNTIME_EXECUTED"

static const char *env_nonempty(const char *name) {
        const char *v = getenv(name);
        return v && *v ? v : NULL;
}

/* The evaluation's options: the host trees and memgate.conf may be named in the environment,
 * since the engine, not a person, writes this command line. */
static mg_eval_opts_t eval_opts(const mg_wrapper_own_t *own) {
        return (mg_eval_opts_t){
                .roots = {
                        .procfs = env_nonempty("MEMGATE_PROCFS") ?: "/proc",
                        .sysfs = env_nonempty("MEMGATE_SYSFS") ?: "/sys",
                },
                .config_path = own->config ?: env_nonempty("MEMGATE_CONFIG"),
                .host_alone_beyond_limits = true,
        };
}

/* One warning line where this engine shows memgate-runtime's lines (never into the container's
 * own stderr under containerd). */
static void out_warning(const mg_rt_out_t *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out_warning(const mg_rt_out_t *out, const char *fmt, ...) {
        mg_buf_t b = {0};
        va_list ap;
        va_start(ap, fmt);
        mg_buf_vprintf(&b, fmt, ap);
        va_end(ap);
        if (b.data)
                mg_rt_out_line(out, false, b.data);
        mg_buf_free(&b);
}

/* memgate itself failed: the wrapper's policy (cli/failure.h), its line where the engine shows it. */
static int failure(const mg_rt_out_t *out, bool fail_closed, const mg_error_t *err) {
        mg_buf_t b = {0};
        mg_failure_wrapper_line(fail_closed, err, &b);
        if (b.data)
                mg_rt_out_line(out, fail_closed, b.data);
        mg_buf_free(&b);
        return mg_failure_wrapper_log(fail_closed, err);
}

/* Evaluates the bundle and, unless refused, rewrites its config.json with the annotations.
 * Returns MG_EXIT_ALLOW (execute the runtime) or MG_EXIT_REFUSE. */
static int evaluate(const mg_wrapper_own_t *own, const mg_site_t *site, const mg_runc_cmd_t *cmd,
                    mg_cengine_t detected, mg_rt_out_t *out) {
        const char *bundle = cmd->bundle ? cmd->bundle : ".";
        const mg_eval_opts_t o = eval_opts(own);
        _cleanup_evaluation_ mg_evaluation_t *ev = mg_evaluation_new();
        _cleanup_close_ int dirfd = -1;
        _cleanup_free_ char *config = NULL, *annotated = NULL;
        size_t config_len = 0, annotated_len = 0;
        mg_error_t err = {0};
        bool fail_closed = false; /* until memgate.conf says otherwise */

        if (!ev) {
                mg_error_set(&err, -ENOMEM, "out of memory");
                goto fail;
        }
        if (mg_site_conf(site, &ev->conf, &err) < 0)
                goto fail; /* memgate.conf itself is unusable, so its fail_closed cannot be known */
        fail_closed = ev->conf.fail_closed;
        if (ev->conf.engine_auto)
                ev->conf.engine = detected;
        mg_rt_out_set_engine(out, ev->conf.engine);

        mg_step("opening the bundle %s", bundle);
        dirfd = open(bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
        if (dirfd < 0) {
                mg_error_set(&err, -errno, "cannot open bundle \"%s\": %s", bundle, strerror(errno));
                goto fail;
        }
        mg_step("reading %s/config.json", bundle);
        int r = mg_read_file_at(dirfd, "config.json", MG_CAP_CONFIG, true, &config, &config_len, &err);
        if (r < 0) {
                mg_error_prefix(&err, "bundle \"%s\"", bundle);
                if (!mg_eval_config_beyond_limits(r))
                        goto fail;
                mg_eval_skip_container(ev, &err); /* judged on the host alone, never switched off */
                err = (mg_error_t){0};
        }
        if (mg_eval_run(&o, config, config_len, "config.json", ev, &err) < 0)
                goto fail;
        if (ev->container_unread[0])
                out_warning(out, "memgate: warning: %s; the container's own settings were not read, the host alone "
                            "was judged", ev->container_unread);

        mg_rt_out_findings(out, &ev->report);
        if (ev->conf.syslog)
                mg_log_findings("memgate-runtime", cmd->id, &ev->report);
        if (ev->conf.write_report) {
                mg_report_ctx_t ctx = mg_eval_report_ctx(ev, "wrapper", bundle);
                mg_step("writing %s/memgate.json", bundle);
                mg_report_write_bundle(dirfd, &ctx, ev->conf.fsync);
        }
        if (ev->report.verdict == MG_VERDICT_REFUSE)
                return MG_EXIT_REFUSE;
        if (ev->container_unread[0])
                return MG_EXIT_ALLOW; /* nothing to annotate: config.json stays as it is */

        mg_step("writing %s/config.json", bundle);
        if (mg_oci_add_annotations(config, config_len, "config.json", ev->annotations, ev->nannotations, &annotated,
                                   &annotated_len, &err) < 0 ||
            mg_write_atomic_flags(dirfd, "config.json", annotated, annotated_len, 0644,
                                  ev->conf.fsync ? MG_ATOMIC_FSYNC : 0, &err) < 0) {
                /* The container was judged and allowed; only the annotations are missing (two
                 * "annotations" keys, which runc merges and memgate will not guess at, no memory,
                 * or a failed write): not a failure of the check, so neither fail_closed nor
                 * "without memgate's check" applies. */
                out_warning(out, "memgate: warning: allowed, but cannot annotate \"%s/config.json\": %s; it is left "
                            "as it was", bundle, err.msg);
        }
        return MG_EXIT_ALLOW;
fail:
        return failure(out, fail_closed, &err);
}

typedef struct eval_job {
        const mg_wrapper_own_t *own;
        const mg_site_t *site;
        const mg_runc_cmd_t *cmd;
        mg_cengine_t engine;
        mg_rt_out_t *out;
} eval_job_t;

/* The evaluation in a child confined by seccomp: exit 1 refuses, 0 runs. The filter forbids
 * execve, so the runtime is executed by the parent, which reads nothing untrusted. */
static int evaluate_confined(void *userdata) {
        const eval_job_t *job = userdata;
        mg_error_t err = {0};
        if (mg_sandbox_enter(&err) < 0) {
                mg_buf_t b = {0};
                mg_buf_printf(&b, "memgate: warning: %s; evaluating without the sandbox", err.msg);
                if (b.data)
                        mg_rt_out_line(job->out, false, b.data);
                mg_buf_free(&b);
        }
        return evaluate(job->own, job->site, job->cmd, job->engine, job->out);
}

static int evaluate_sandboxed(const mg_wrapper_own_t *own, const mg_runc_cmd_t *cmd, mg_cengine_t engine,
                              mg_rt_out_t *out) {
        mg_sandbox_exit_t ex = {0};
        mg_error_t err = {0};
        const mg_eval_opts_t o = eval_opts(own);
        const mg_site_t site = mg_failure_site(&o);
        eval_job_t job = {.own = own, .site = &site, .cmd = cmd, .engine = engine, .out = out};

        if (mg_sandbox_run_until(evaluate_confined, &job, mg_deadline_after(site.deadline_ms), &ex, &err) < 0) {
                mg_buf_t b = {0};
                mg_buf_printf(&b, "memgate: warning: %s; evaluating in this process", err.msg);
                if (b.data)
                        mg_rt_out_line(out, false, b.data);
                mg_buf_free(&b);
                return evaluate(own, &site, cmd, engine, out);
        }
        if (mg_sandbox_finished(&ex))
                return ex.exit_status == MG_EXIT_REFUSE ? MG_EXIT_REFUSE : MG_EXIT_ALLOW;
        /* Killed (the filter's SIGSYS, or a crash), past the deadline, or the wrapper itself was told
         * to stop (then it dies of that signal and runs nothing): the site's policy. */
        mg_failure_unfinished_error(MG_MODE_WRAPPER, &site, &ex, &err);
        return failure(out, site.fail_closed, &err);
}

/* After an unparseable command line: was it perhaps a create or run? Then fail_closed applies. */
static bool maybe_creates(int argc, char *argv[], int first) {
        for (int i = first; i < argc; i++)
                if (strcmp(argv[i], "create") == 0 || strcmp(argv[i], "run") == 0 || strcmp(argv[i], "restore") == 0)
                        return true;
        return false;
}

static int unparseable(const mg_wrapper_own_t *own, int argc, char *argv[], const mg_error_t *perr,
                       const mg_rt_out_t *out) {
        mg_error_t err = *perr;
        if (!maybe_creates(argc, argv, own->first))
                return MG_EXIT_ALLOW; /* not ours to judge: runc will complain about its own syntax */
        const mg_eval_opts_t o = eval_opts(own);
        mg_error_prefix(&err, "cannot read the runc command line");
        return failure(out, mg_failure_site_closed(&o), &err);
}

/* exec, start, kill, delete and the rest: two reads answer whether runc can run at all now. Only
 * when it cannot is memgate.conf read (exec_check) and the engine looked up, to say so where
 * the engine shows it; by default runc runs anyway. Returns MG_EXIT_ALLOW or MG_EXIT_REFUSE. */
static int budget_check(const mg_wrapper_own_t *own, const mg_runc_cmd_t *cmd) {
        mg_budget_t b;
        const char *code = NULL;
        char why[1024];
        if (mg_budget_read(env_nonempty("MEMGATE_PROCFS") ?: "/proc", &b) < 0 ||
            !mg_budget_verdict(&b, cmd->command, &code, why, sizeof(why)))
                return MG_EXIT_ALLOW;

        const mg_eval_opts_t o = eval_opts(own);
        mg_conf_t conf;
        mg_cengine_t engine = mg_cengine_detect("/proc", getppid());
        if (mg_eval_conf(&o, &conf, NULL) < 0)
                mg_conf_defaults(&conf);
        if (conf.exec_check == MG_EXEC_CHECK_OFF)
                return MG_EXIT_ALLOW;
        if (!conf.engine_auto)
                engine = conf.engine;
        /* Only exec may be refused: kill, delete and the rest are how memory is freed again. */
        bool refuse = conf.exec_check == MG_EXEC_CHECK_REFUSE && strcmp(cmd->command, "exec") == 0;

        mg_rt_out_t out;
        mg_rt_out_open(&out, cmd, engine);
        mg_buf_t line = {0};
        mg_buf_printf(&line, "memgate: %s (%s): %s", refuse ? "refused" : "warning", code, why);
        /* "error" in the runtime log even as a warning: containerd's shim shows the last error
         * there when runc then dies, and reads nothing when it does not. */
        if (line.data)
                mg_rt_out_line(&out, true, line.data);
        if (conf.syslog)
                mg_log_once("memgate-runtime", refuse ? LOG_ERR : LOG_WARNING, "runc %s: %s (%s): %s", cmd->command,
                            refuse ? "refused" : "warning", code, why);
        mg_buf_free(&line);
        mg_rt_out_close(&out);
        return refuse ? MG_EXIT_REFUSE : MG_EXIT_ALLOW;
}

/* A line about memgate-runtime itself (no runtime to execute, re-entry), where the engine shows it. */
static void say(const mg_runc_cmd_t *cmd, mg_buf_t *line) {
        mg_rt_out_t out;
        mg_rt_out_open(&out, cmd, mg_cengine_detect("/proc", getppid()));
        if (line->data)
                mg_rt_out_line(&out, true, line->data);
        mg_buf_free(line);
        mg_rt_out_close(&out);
}

int main(int argc, char *argv[]) {
        mg_wrapper_own_t own;
        mg_runc_cmd_t cmd;
        mg_error_t err = {0};
        struct stat self_st, *self = NULL;
        _cleanup_free_ char *runtime = NULL;

        if (mg_wrapper_split_own(argc, argv, &own, &err) < 0) {
                mg_stderr_printf("memgate-runtime: %s\n", err.msg);
                return 2;
        }

        mg_error_t perr = {0};
        bool parsed = mg_runc_parse(argc, argv, own.first, &cmd, &perr) == 0;
        if (!parsed)
                cmd = (mg_runc_cmd_t){.command_index = -1};

        const char *prev = getenv(MG_REENTRY_ENV);
        if (prev) {
                mg_buf_t line = {0};
                mg_buf_printf(&line, "memgate-runtime: re-entry: another memgate-runtime executed this one as the "
                                     "container runtime \"");
                mg_buf_escape_str(&line, prev);
                mg_buf_printf(&line, "\"; two copies named runc on PATH, or MEMGATE_RUNTIME naming a copy, would "
                                     "execute each other forever: point MEMGATE_RUNTIME or --memgate-runtime=PATH at "
                                     "the real runc");
                say(&cmd, &line);
                return 127;
        }

        if (stat("/proc/self/exe", &self_st) == 0)
                self = &self_st;
        const char *spec = own.runtime ?: env_nonempty("MEMGATE_RUNTIME") ?: MG_DEFAULT_RUNTIME;
        if (mg_runtime_resolve(spec, getenv("PATH"), self, &runtime, &err) < 0) {
                mg_buf_t line = {0};
                mg_buf_printf(&line, "memgate-runtime: cannot find the container runtime: ");
                mg_buf_escape_str(&line, err.msg); /* it quotes MEMGATE_RUNTIME and PATH */
                mg_buf_printf(&line, " (set MEMGATE_RUNTIME or --memgate-runtime=PATH)");
                say(&cmd, &line);
                return 127;
        }

        int verdict = MG_EXIT_ALLOW;
        if (!parsed) {
                mg_rt_out_t out;
                mg_rt_out_open(&out, NULL, MG_CENGINE_UNKNOWN);
                verdict = unparseable(&own, argc, argv, &perr, &out);
        } else if (cmd.evaluate) {
                mg_cengine_t engine = mg_cengine_detect("/proc", getppid());
                mg_rt_out_t out;
                mg_rt_out_open(&out, &cmd, engine);
                verdict = evaluate_sandboxed(&own, &cmd, engine, &out);
                mg_rt_out_close(&out);
        } else if (cmd.command) {
                verdict = budget_check(&own, &cmd);
        }
        if (verdict == MG_EXIT_REFUSE)
                return MG_EXIT_REFUSE;
        if (setenv(MG_REENTRY_ENV, runtime, 1) < 0) {
                mg_stderr_printf("memgate-runtime: out of memory\n");
                return 126;
        }

        /* The runtime gets exactly the arguments it would have had, memgate's own options removed. */
        size_t n = (size_t)(argc - own.first);
        char **args = calloc(n + 2, sizeof(char *));
        if (!args) {
                mg_stderr_printf("memgate-runtime: out of memory\n");
                return 126;
        }
        args[0] = runtime;
        memcpy(args + 1, argv + own.first, n * sizeof(char *));
        execv(runtime, args);
        mg_stderr_printf("memgate-runtime: cannot execute \"%s\": %s\n", runtime, strerror(errno));
        return 126;
}
