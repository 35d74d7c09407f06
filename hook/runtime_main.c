/* SPDX-License-Identifier: Apache-2.0 */
/* memgate-runtime: a runc-compatible wrapper for Docker ("runtimes" in daemon.json) and containerd
 * (runtimes.<name>.options.BinaryName). On create and run it evaluates the bundle, refuses with
 * exit 1, or adds the io.memgate.* annotations to config.json (atomically) and then executes the
 * real runtime with the same arguments. Every other subcommand is executed straight away. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "memgate/atomic.h"
#include "memgate/checks.h"
#include "memgate/engine.h"
#include "memgate/front.h"
#include "memgate/oci.h"
#include "memgate/report.h"
#include "memgate/sandbox.h"
#include "memgate/wrapper.h"

typedef enum outcome {
        OUTCOME_RUN,     /* exec the runtime */
        OUTCOME_REFUSE,  /* exit 1 */
} outcome_t;

static const char *env_nonempty(const char *name) {
        const char *v = getenv(name);
        return v && *v ? v : NULL;
}

/* An internal failure: fail open (warn, run) unless the site asked for fail_closed. */
static outcome_t internal_failure(bool fail_closed, const mg_error_t *err) {
        if (fail_closed) {
                fprintf(stderr, "memgate: refused (internal-error): %s; fail_closed is set in memgate.conf\n",
                        err->msg);
                return OUTCOME_REFUSE;
        }
        fprintf(stderr, "memgate: warning: %s; starting the container without memgate's check\n", err->msg);
        return OUTCOME_RUN;
}

/* Evaluates the bundle and, unless refused, rewrites its config.json with the annotations. */
static outcome_t evaluate(const mg_wrapper_own_t *own, const mg_runc_cmd_t *cmd) {
        const char *bundle = cmd->bundle ? cmd->bundle : ".";
        _cleanup_close_ int dirfd = -1;
        _cleanup_free_ char *config = NULL, *annotated = NULL;
        size_t config_len = 0, annotated_len = 0;
        mg_error_t err = { 0 };
        outcome_t out = OUTCOME_RUN;
        mg_options_t o = {
                .mode = MG_MODE_WRAPPER,
                .roots = {
                        .procfs = env_nonempty("MEMGATE_PROCFS") ?: "/proc",
                        .sysfs = env_nonempty("MEMGATE_SYSFS") ?: "/sys",
                },
                .bundle = bundle,
                .config_path = own->config ?: env_nonempty("MEMGATE_CONFIG"),
                .format = MG_FORMAT_TEXT,
        };
        mg_evaluation_t ev = { 0 };

        if (mg_engine_conf(&o, &ev.conf, &err) < 0) {
                /* memgate.conf itself is unusable, so its fail_closed cannot be known: fail open */
                out = internal_failure(false, &err);
                goto finish;
        }

        dirfd = open(bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dirfd < 0) {
                mg_error_set(&err, -errno, "cannot open bundle \"%s\": %s", bundle, strerror(errno));
                out = internal_failure(ev.conf.fail_closed, &err);
                goto finish;
        }
        if (mg_read_file_at(dirfd, "config.json", MG_CAP_CONFIG, true, &config, &config_len, &err) < 0) {
                mg_error_prefix(&err, "bundle \"%s\"", bundle);
                out = internal_failure(ev.conf.fail_closed, &err);
                goto finish;
        }
        if (mg_engine_evaluate(&o, config, config_len, "config.json", &ev, &err) < 0) {
                out = internal_failure(ev.conf.fail_closed, &err);
                goto finish;
        }

        mg_front_print_findings(&ev.report);
        if (ev.conf.syslog)
                mg_front_log_findings("memgate-runtime", cmd->id, &ev.report);
        if (ev.conf.write_report) {
                mg_report_ctx_t ctx = mg_front_ctx("wrapper", &ev, bundle);
                mg_front_write_report(dirfd, &ctx);
        }
        if (ev.report.verdict == MG_VERDICT_REFUSE) {
                out = OUTCOME_REFUSE;
                goto finish;
        }

        if (mg_oci_add_annotations(config, config_len, "config.json", ev.annotations, ev.nannotations, &annotated,
                                   &annotated_len, &err) < 0 ||
            mg_write_atomic_at(dirfd, "config.json", annotated, annotated_len, 0644, &err) < 0) {
                mg_error_prefix(&err, "cannot annotate \"%s/config.json\"", bundle);
                out = internal_failure(ev.conf.fail_closed, &err);
        }

finish:
        mg_evaluation_free(&ev);
        return out;
}

typedef struct eval_job {
        const mg_wrapper_own_t *own;
        const mg_runc_cmd_t *cmd;
} eval_job_t;

/* The evaluation in a child confined by seccomp: exit 1 refuses, 0 runs. The filter forbids
 * execve, so the runtime is executed by the parent, which reads nothing untrusted. */
static int evaluate_confined(void *userdata) {
        const eval_job_t *job = userdata;
        mg_error_t err = { 0 };
        if (mg_sandbox_enter(&err) < 0)
                fprintf(stderr, "memgate: warning: %s; evaluating without the sandbox\n", err.msg);
        return evaluate(job->own, job->cmd) == OUTCOME_REFUSE ? 1 : 0;
}

static outcome_t evaluate_sandboxed(const mg_wrapper_own_t *own, const mg_runc_cmd_t *cmd) {
        eval_job_t job = { .own = own, .cmd = cmd };
        mg_sandbox_exit_t ex = { 0 };
        mg_error_t err = { 0 };

        if (mg_sandbox_run(evaluate_confined, &job, &ex, &err) < 0) {
                fprintf(stderr, "memgate: warning: %s; evaluating in this process\n", err.msg);
                return evaluate(own, cmd);
        }
        if (ex.exited)
                return ex.exit_status == 1 ? OUTCOME_REFUSE : OUTCOME_RUN;

        /* Killed (the filter's SIGSYS, or a crash): an internal failure under the site's policy. */
        mg_options_t o = { .config_path = own->config ?: env_nonempty("MEMGATE_CONFIG") };
        mg_conf_t conf;
        mg_error_t cerr = { 0 };
        bool fail_closed = mg_engine_conf(&o, &conf, &cerr) == 0 && conf.fail_closed;
        mg_error_set(&err, -EINTR, "the evaluation was killed by signal %d (%s)", ex.signal, strsignal(ex.signal));
        return internal_failure(fail_closed, &err);
}

/* After an unparseable command line: was it perhaps a create or run? Then fail_closed applies. */
static bool maybe_creates(int argc, char *argv[], int first) {
        for (int i = first; i < argc; i++)
                if (strcmp(argv[i], "create") == 0 || strcmp(argv[i], "run") == 0)
                        return true;
        return false;
}

static outcome_t unparseable(const mg_wrapper_own_t *own, int argc, char *argv[], const mg_error_t *perr) {
        mg_error_t err = *perr;
        mg_options_t o = { .config_path = own->config ?: env_nonempty("MEMGATE_CONFIG") };
        mg_conf_t conf;
        bool fail_closed = false;

        if (!maybe_creates(argc, argv, own->first))
                return OUTCOME_RUN; /* not ours to judge: runc will complain about its own syntax */
        if (mg_engine_conf(&o, &conf, NULL) == 0)
                fail_closed = conf.fail_closed;
        mg_error_prefix(&err, "cannot read the runc command line");
        return internal_failure(fail_closed, &err);
}

int main(int argc, char *argv[]) {
        mg_wrapper_own_t own;
        mg_runc_cmd_t cmd;
        mg_error_t err = { 0 };
        struct stat self_st, *self = NULL;
        _cleanup_free_ char *runtime = NULL;

        if (mg_wrapper_split_own(argc, argv, &own, &err) < 0) {
                fprintf(stderr, "memgate-runtime: %s\n", err.msg);
                return 2;
        }

        if (stat("/proc/self/exe", &self_st) == 0)
                self = &self_st;
        const char *spec = own.runtime ?: env_nonempty("MEMGATE_RUNTIME") ?: MG_DEFAULT_RUNTIME;
        if (mg_runtime_resolve(spec, getenv("PATH"), self, &runtime, &err) < 0) {
                fprintf(stderr, "memgate-runtime: cannot find the container runtime: %s (set MEMGATE_RUNTIME or "
                        "--memgate-runtime=PATH)\n", err.msg);
                return 127;
        }

        outcome_t out = OUTCOME_RUN;
        if (mg_runc_parse(argc, argv, own.first, &cmd, &err) < 0)
                out = unparseable(&own, argc, argv, &err);
        else if (cmd.evaluate)
                out = evaluate_sandboxed(&own, &cmd);
        if (out == OUTCOME_REFUSE)
                return 1;

        /* The runtime gets exactly the arguments it would have had, memgate's own options removed. */
        size_t n = (size_t)(argc - own.first);
        char **args = calloc(n + 2, sizeof(char *));
        if (!args) {
                fprintf(stderr, "memgate-runtime: out of memory\n");
                return 126;
        }
        args[0] = runtime;
        memcpy(args + 1, argv + own.first, n * sizeof(char *));
        execv(runtime, args);
        fprintf(stderr, "memgate-runtime: cannot execute \"%s\": %s\n", runtime, strerror(errno));
        return 126;
}
