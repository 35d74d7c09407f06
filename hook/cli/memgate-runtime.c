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

#include "memgate/cli/failure.h"
#include "memgate/cli/runc_argv.h"
#include "memgate/cli/sandbox.h"
#include "memgate/evaluate/evaluate.h"
#include "memgate/oci/annotate.h"
#include "memgate/outputs/atomic.h"
#include "memgate/outputs/report_out.h"
#include "memgate/outputs/stderr.h"
#include "memgate/outputs/syslog.h"
#include "memgate/util/cleanup.h"
#include "memgate/util/read.h"

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
        };
}

/* Evaluates the bundle and, unless refused, rewrites its config.json with the annotations.
 * Returns MG_EXIT_ALLOW (execute the runtime) or MG_EXIT_REFUSE. */
static int evaluate(const mg_wrapper_own_t *own, const mg_runc_cmd_t *cmd) {
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
        if (mg_eval_conf(&o, &ev->conf, &err) < 0)
                goto fail; /* memgate.conf itself is unusable, so its fail_closed cannot be known */
        fail_closed = ev->conf.fail_closed;

        dirfd = open(bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dirfd < 0) {
                mg_error_set(&err, -errno, "cannot open bundle \"%s\": %s", bundle, strerror(errno));
                goto fail;
        }
        if (mg_read_file_at(dirfd, "config.json", MG_CAP_CONFIG, true, &config, &config_len, &err) < 0) {
                mg_error_prefix(&err, "bundle \"%s\"", bundle);
                goto fail;
        }
        if (mg_eval_run(&o, config, config_len, "config.json", ev, &err) < 0)
                goto fail;

        mg_stderr_findings(&ev->report);
        if (ev->conf.syslog)
                mg_log_findings("memgate-runtime", cmd->id, &ev->report);
        if (ev->conf.write_report) {
                mg_report_ctx_t ctx = mg_eval_report_ctx(ev, "wrapper", bundle);
                mg_report_write_bundle(dirfd, &ctx);
        }
        if (ev->report.verdict == MG_VERDICT_REFUSE)
                return MG_EXIT_REFUSE;

        if (mg_oci_add_annotations(config, config_len, "config.json", ev->annotations, ev->nannotations, &annotated,
                                   &annotated_len, &err) < 0 ||
            mg_write_atomic_at(dirfd, "config.json", annotated, annotated_len, 0644, &err) < 0) {
                mg_error_prefix(&err, "cannot annotate \"%s/config.json\"", bundle);
                goto fail;
        }
        return MG_EXIT_ALLOW;
fail:
        return mg_failure(MG_MODE_WRAPPER, fail_closed, &err);
}

typedef struct eval_job {
        const mg_wrapper_own_t *own;
        const mg_runc_cmd_t *cmd;
} eval_job_t;

/* The evaluation in a child confined by seccomp: exit 1 refuses, 0 runs. The filter forbids
 * execve, so the runtime is executed by the parent, which reads nothing untrusted. */
static int evaluate_confined(void *userdata) {
        const eval_job_t *job = userdata;
        mg_error_t err = {0};
        if (mg_sandbox_enter(&err) < 0)
                mg_stderr_printf("memgate: warning: %s; evaluating without the sandbox\n", err.msg);
        return evaluate(job->own, job->cmd);
}

static int evaluate_sandboxed(const mg_wrapper_own_t *own, const mg_runc_cmd_t *cmd) {
        eval_job_t job = {.own = own, .cmd = cmd};
        mg_sandbox_exit_t ex = {0};
        mg_error_t err = {0};

        if (mg_sandbox_run(evaluate_confined, &job, &ex, &err) < 0) {
                mg_stderr_printf("memgate: warning: %s; evaluating in this process\n", err.msg);
                return evaluate(own, cmd);
        }
        if (ex.exited)
                return ex.exit_status == MG_EXIT_REFUSE ? MG_EXIT_REFUSE : MG_EXIT_ALLOW;
        /* Killed (the filter's SIGSYS, or a crash): an internal failure under the site's policy. */
        const mg_eval_opts_t o = eval_opts(own);
        mg_failure_killed(&ex, &err);
        return mg_failure(MG_MODE_WRAPPER, mg_failure_site_closed(&o), &err);
}

/* After an unparseable command line: was it perhaps a create or run? Then fail_closed applies. */
static bool maybe_creates(int argc, char *argv[], int first) {
        for (int i = first; i < argc; i++)
                if (strcmp(argv[i], "create") == 0 || strcmp(argv[i], "run") == 0)
                        return true;
        return false;
}

static int unparseable(const mg_wrapper_own_t *own, int argc, char *argv[], const mg_error_t *perr) {
        mg_error_t err = *perr;
        if (!maybe_creates(argc, argv, own->first))
                return MG_EXIT_ALLOW; /* not ours to judge: runc will complain about its own syntax */
        const mg_eval_opts_t o = eval_opts(own);
        mg_error_prefix(&err, "cannot read the runc command line");
        return mg_failure(MG_MODE_WRAPPER, mg_failure_site_closed(&o), &err);
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

        if (stat("/proc/self/exe", &self_st) == 0)
                self = &self_st;
        const char *spec = own.runtime ?: env_nonempty("MEMGATE_RUNTIME") ?: MG_DEFAULT_RUNTIME;
        if (mg_runtime_resolve(spec, getenv("PATH"), self, &runtime, &err) < 0) {
                mg_stderr_printf("memgate-runtime: cannot find the container runtime: %s (set MEMGATE_RUNTIME or "
                                 "--memgate-runtime=PATH)\n",
                                 err.msg);
                return 127;
        }

        int out = MG_EXIT_ALLOW;
        if (mg_runc_parse(argc, argv, own.first, &cmd, &err) < 0)
                out = unparseable(&own, argc, argv, &err);
        else if (cmd.evaluate)
                out = evaluate_sandboxed(&own, &cmd);
        if (out == MG_EXIT_REFUSE)
                return MG_EXIT_REFUSE;

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
