/* SPDX-License-Identifier: Apache-2.0 */
/* The engine-facing modules of memgate-runtime: the runtime log records containerd reads back,
 * engine detection from real command lines, the per-engine hints and commit figures, and the
 * cheap budget check before exec. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "memgate/checks/engine_model.h"
#include "memgate/inputs/engine_detect.h"
#include "memgate/outputs/runtime_log.h"
#include "memgate/cli/runtime_budget.h"
#include "memgate/cli/runtime_out.h"
#include "testutil.h"

static const struct timespec t0 = {.tv_sec = 1700000000, .tv_nsec = 5};

Test(runtime_log, json_record_is_one_escaped_line) {
        mg_buf_t b = {0};
        mg_rtlog_record(&b, MG_RTLOG_JSON, "error", "memgate: refused (x): \"q\" a\\b\nforged\x1b[31m", &t0);
        cr_assert_str_eq(b.data, "{\"level\":\"error\",\"msg\":\"memgate: refused (x): \\\"q\\\" a\\\\b\\nforged"
                                 "\\u001b[31m\",\"time\":\"2023-11-14T22:13:20.000000005Z\"}\n");
        mg_buf_free(&b);
}

Test(runtime_log, text_record_quotes_like_logrus) {
        mg_buf_t b = {0};
        mg_rtlog_record(&b, MG_RTLOG_TEXT, "warning", "a \"b\"\nc\x07", &t0);
        cr_assert_str_eq(b.data, "time=\"2023-11-14T22:13:20.000000005Z\" level=warning msg=\"a \\\"b\\\"\\nc\\x07\"\n");
        mg_buf_free(&b);
}

Test(runtime_log, format_names) {
        cr_assert_eq(mg_rtlog_format_parse("json"), MG_RTLOG_JSON);
        cr_assert_eq(mg_rtlog_format_parse("text"), MG_RTLOG_TEXT);
        cr_assert_eq(mg_rtlog_format_parse(NULL), MG_RTLOG_TEXT);
        cr_assert_eq(mg_rtlog_format_parse("JSON"), MG_RTLOG_TEXT);
}

Test(runtime_log, appends_and_refuses_fifo_and_symlink) {
        char dir[] = "/tmp/mg-rtlog-XXXXXX";
        cr_assert_not_null(mkdtemp(dir));
        char path[256], fifo[256], link[256];
        snprintf(path, sizeof(path), "%s/log.json", dir);
        snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
        snprintf(link, sizeof(link), "%s/link", dir);
        mg_error_t err = {0};
        for (int i = 0; i < 2; i++) {
                int fd = mg_rtlog_open(path, &err);
                cr_assert_geq(fd, 0, "%s", err.msg);
                cr_assert_eq(mg_rtlog_write(fd, "line\n", 5, &err), 0);
                close(fd);
        }
        struct stat st;
        cr_assert_eq(stat(path, &st), 0);
        cr_assert_eq(st.st_size, 10, "two appends, not an overwrite");
        cr_assert_eq(st.st_mode & 0777, 0644);
        cr_assert_eq(mkfifo(fifo, 0600), 0);
        cr_assert_lt(mg_rtlog_open(fifo, &err), 0, "a FIFO with no reader must not block or be written");
        cr_assert_eq(symlink(path, link), 0);
        cr_assert_lt(mg_rtlog_open(link, &err), 0, "a symlink is not followed");
        unlink(link);
        unlink(fifo);
        unlink(path);
        rmdir(dir);
}

#define CMD(s) s, sizeof(s) - 1 /* a literal with its embedded NULs, as /proc/PID/cmdline */

static mg_cengine_t detect(const char *c, size_t len, bool *transparent) {
        bool t = false;
        mg_cengine_t e = mg_cengine_from_cmdline(c, len, &t);
        if (transparent)
                *transparent = t;
        return e;
}

Test(engine_detect, containerd_shims_by_namespace) {
        /* the running shims' command lines, as /proc showed them here */
        cr_assert_eq(detect(CMD("/usr/bin/containerd-shim-runc-v2\0-namespace\0moby\0-id\0abc\0-address\0"
                                "/run/containerd/containerd.sock\0"), NULL),
                     MG_CENGINE_DOCKER);
        cr_assert_eq(detect(CMD("/usr/bin/containerd-shim-runc-v2\0-namespace\0k8s.io\0-id\0abc\0-address\0/s\0"), NULL),
                     MG_CENGINE_CRI);
        cr_assert_eq(detect(CMD("/usr/bin/containerd-shim-runc-v2\0-namespace\0default\0-id\0x\0"), NULL),
                     MG_CENGINE_CONTAINERD);
        cr_assert_eq(detect(CMD("containerd-shim\0--namespace=moby\0-workdir\0/w\0"), NULL), MG_CENGINE_DOCKER);
        cr_assert_eq(detect(CMD("containerd-shim-runc-v2\0-id\0x\0"), NULL), MG_CENGINE_CONTAINERD);
        /* a namespace flag cut off at the end names nothing, and reads nothing past the buffer */
        cr_assert_eq(detect(CMD("containerd-shim-runc-v2\0-namespace\0mo"), NULL), MG_CENGINE_CONTAINERD);
}

Test(engine_detect, conmon_podman_crio_and_others) {
        cr_assert_eq(detect(CMD("/usr/bin/conmon\0--api-version\0001\0-c\0abc\0--exit-command\0/usr/bin/podman\0"), NULL),
                     MG_CENGINE_PODMAN);
        cr_assert_eq(detect(CMD("/usr/bin/conmon\0-b\0/run/containers/storage/x\0--log-path\0/var/log/pods/x\0"), NULL),
                     MG_CENGINE_CRIO);
        cr_assert_eq(detect(CMD("/usr/bin/crio\0"), NULL), MG_CENGINE_CRIO);
        bool t = false;
        cr_assert_eq(detect(CMD("/bin/sh\0/usr/local/bin/runc-wrapper\0"), &t), MG_CENGINE_UNKNOWN);
        cr_assert(t, "a shell between the engine and memgate-runtime is looked through");
        cr_assert_eq(detect(CMD("/usr/sbin/sshd\0"), &t), MG_CENGINE_UNKNOWN);
        cr_assert_not(t);
        cr_assert_eq(detect("", 0, NULL), MG_CENGINE_UNKNOWN);
        cr_assert_eq(detect("no-nul-at-all", 13, NULL), MG_CENGINE_UNKNOWN);
}

Test(engine_detect, names_round_trip) {
        const char *n[] = {"unknown", "docker", "cri", "containerd", "podman", "cri-o"};
        for (size_t i = 0; i < sizeof(n) / sizeof(n[0]); i++) {
                mg_cengine_t e;
                cr_assert_eq(mg_cengine_parse(n[i], &e), 0);
                cr_assert_str_eq(mg_cengine_name(e), n[i]);
        }
        mg_cengine_t e;
        cr_assert_lt(mg_cengine_parse("Docker", &e), 0);
        cr_assert(mg_cengine_reads_runtime_log(MG_CENGINE_CRI));
        cr_assert_not(mg_cengine_reads_runtime_log(MG_CENGINE_PODMAN));
}

Test(engine_detect, this_process_is_run_by_no_engine) {
        /* criterion's runner is the parent: not an engine, not looked through */
        cr_assert_eq(mg_cengine_detect("/proc", getppid()), MG_CENGINE_UNKNOWN);
        cr_assert_eq(mg_cengine_detect("/nonexistent", getppid()), MG_CENGINE_UNKNOWN);
}

/* A procfs tree of processes: pid, its parent, its command line (NUL-separated, len bytes). */
static void fake_proc(const char *root, int pid, int ppid, const char *cmd, size_t len) {
        char p[512];
        snprintf(p, sizeof(p), "%s/%d", root, pid);
        cr_assert_eq(mkdir(p, 0755), 0);
        snprintf(p, sizeof(p), "%s/%d/stat", root, pid);
        char stat[128];
        snprintf(stat, sizeof(stat), "%d (x) S %d 1 1 0 -1\n", pid, ppid);
        tu_write(p, stat);
        snprintf(p, sizeof(p), "%s/%d/cmdline", root, pid);
        FILE *f = fopen(p, "w");
        cr_assert_not_null(f);
        cr_assert_eq(fwrite(cmd, 1, len, f), len);
        cr_assert_eq(fclose(f), 0);
}

/* A hook's parent chain: memgate's watchdog, the OCI runtime, then conmon or the shim. */
Test(engine_detect, a_hook_looks_through_memgate_and_the_runtime) {
        char *root = tu_mkdtemp();
        fake_proc(root, 10, 9, CMD("/usr/libexec/memgate\0hook\0"));
        fake_proc(root, 9, 8, CMD("/usr/bin/runc\0--root\0/run/runc\0create\0x\0"));
        fake_proc(root, 8, 1, CMD("/usr/bin/conmon\0-c\0x\0--exit-command\0/usr/bin/podman\0"));
        cr_assert_eq(mg_cengine_detect(root, 10), MG_CENGINE_PODMAN);

        fake_proc(root, 20, 19, CMD("memgate\0hook\0"));
        fake_proc(root, 19, 18, CMD("crun\0create\0x\0"));
        fake_proc(root, 18, 1, CMD("/usr/bin/conmon\0-b\0/run/containers/storage/x\0"));
        cr_assert_eq(mg_cengine_detect(root, 20), MG_CENGINE_CRIO, "conmon without podman is CRI-O's");

        fake_proc(root, 30, 29, CMD("memgate\0hook\0"));
        fake_proc(root, 29, 28, CMD("runc\0create\0x\0"));
        fake_proc(root, 28, 1, CMD("/usr/bin/containerd-shim-runc-v2\0-namespace\0moby\0-id\0x\0"));
        cr_assert_eq(mg_cengine_detect(root, 30), MG_CENGINE_DOCKER);

        /* runc run by hand from a terminal: no engine */
        fake_proc(root, 40, 39, CMD("memgate\0hook\0"));
        fake_proc(root, 39, 38, CMD("runc\0run\0x\0"));
        fake_proc(root, 38, 1, CMD("/usr/sbin/sshd\0"));
        cr_assert_eq(mg_cengine_detect(root, 40), MG_CENGINE_UNKNOWN);

        /* a loop of transparent processes ends after a few hops */
        fake_proc(root, 50, 51, CMD("sh\0"));
        fake_proc(root, 51, 50, CMD("sh\0"));
        cr_assert_eq(mg_cengine_detect(root, 50), MG_CENGINE_UNKNOWN);
        tu_rmrf(root);
        free(root);
}

Test(engine_model, hints_per_engine) {
        char b[128];
        mg_engine_limit_hint(MG_CENGINE_DOCKER, 1156, b, sizeof(b));
        cr_assert_str_eq(b, "docker run -m 1156m");
        mg_engine_limit_hint(MG_CENGINE_CRI, 1156, b, sizeof(b));
        cr_assert_str_eq(b, "resources.limits.memory: 1156Mi in the pod spec");
        mg_engine_limit_hint(MG_CENGINE_CONTAINERD, 1156, b, sizeof(b));
        cr_assert_str_eq(b, "ctr run --memory-limit 1212153856");
        mg_engine_limit_hint(MG_CENGINE_PODMAN, 1156, b, sizeof(b));
        cr_assert_str_eq(b, "podman run -m 1156m");
        mg_engine_limit_hint(MG_CENGINE_UNKNOWN, 7, b, sizeof(b));
        cr_assert_str_eq(b, "podman run -m 7m");
}

Test(engine_model, commit_figures_and_override) {
        cr_assert_eq(mg_engine_commit(MG_CENGINE_DOCKER, false, UINT64_MAX).keep_kb, MG_SHIM_COMMIT_KB);
        cr_assert_eq(mg_engine_commit(MG_CENGINE_DOCKER, false, UINT64_MAX).growth_kb, MG_SHIM_GROWTH_KB);
        cr_assert_eq(mg_engine_commit(MG_CENGINE_CRI, false, UINT64_MAX).keep_kb, MG_SHIM_COMMIT_KB);
        cr_assert_eq(mg_engine_commit(MG_CENGINE_CRI, false, UINT64_MAX).growth_kb, 0, "the pod's shim runs already");
        cr_assert_eq(mg_engine_commit(MG_CENGINE_CRI, true, UINT64_MAX).growth_kb, MG_SHIM_GROWTH_KB);
        cr_assert_eq(mg_engine_commit(MG_CENGINE_PODMAN, false, UINT64_MAX).keep_kb, 0);
        cr_assert_null(mg_engine_commit(MG_CENGINE_UNKNOWN, false, UINT64_MAX).keeper);
        mg_engine_commit_t c = mg_engine_commit(MG_CENGINE_PODMAN, false, 2048);
        cr_assert_eq(c.keep_kb, 2048);
        cr_assert_not_null(c.keeper);
        cr_assert_eq(mg_engine_commit(MG_CENGINE_DOCKER, false, 0).keep_kb, 0);
}

Test(engine_model, starts_that_fit) {
        cr_assert_eq(mg_starts_that_fit(-5, 100), 0);
        cr_assert_eq(mg_starts_that_fit(0, 100), 0);
        cr_assert_eq(mg_starts_that_fit(99, 100), 0);
        cr_assert_eq(mg_starts_that_fit(1000, 330), 3);
        cr_assert_eq(mg_starts_that_fit(1000, 0), UINT64_MAX);
}

/* Mode 2 with 149 MiB of headroom: less than runc exec needs. */
static const char field_meminfo[] = "MemTotal:        8000000 kB\nMemFree:         3000000 kB\n"
                                    "MemAvailable:    3500000 kB\nCommitLimit:     5033165 kB\n"
                                    "Committed_AS:    4880000 kB\n";

Test(budget, parses_and_flags_commit) {
        mg_budget_t b = {.overcommit_memory = 2};
        mg_budget_parse_meminfo(field_meminfo, sizeof(field_meminfo) - 1, &b);
        cr_assert(b.have_available);
        cr_assert_eq(b.available_kb, 3500000);
        cr_assert_eq(b.commit_limit_kb, 5033165);
        char line[1024];
        const char *code = NULL;
        cr_assert(mg_budget_verdict(&b, "exec", &code, line, sizeof(line)));
        cr_assert_str_eq(code, "commit-exhausted");
        cr_assert(strstr(line, "vm.overcommit_memory=2: Committed_AS is 4.7 GiB of CommitLimit 4.8 GiB, leaving 150 MiB"), "%s", line);
        cr_assert(strstr(line, "runc exec needs about 232 MiB"), "%s", line);
        b.overcommit_memory = 0;
        cr_assert_not(mg_budget_verdict(&b, "exec", &code, line, sizeof(line)), "mode 0 does not account commit: %s", line);
}

Test(budget, memavailable_zero_and_absent) {
        static const char zero[] = "MemTotal: 4000000 kB\nMemFree: 3000000 kB\nMemAvailable: 0 kB\n";
        static const char old[] = "MemTotal: 4000000 kB\nMemFree: 1000 kB\n";
        mg_budget_t b = {.overcommit_memory = 0};
        mg_budget_parse_meminfo(zero, sizeof(zero) - 1, &b);
        char line[1024];
        const char *code = NULL;
        cr_assert(mg_budget_verdict(&b, "exec", &code, line, sizeof(line)));
        cr_assert_str_eq(code, "memavailable-zero");
        cr_assert(strstr(line, "MemAvailable is 0 kB while MemFree is 2.9 GiB: runc exec may die"), "%s", line);
        mg_budget_t o = {.overcommit_memory = 0};
        mg_budget_parse_meminfo(old, sizeof(old) - 1, &o);
        cr_assert_not(o.have_available);
        cr_assert_not(mg_budget_verdict(&o, "exec", &code, line, sizeof(line)), "absent MemAvailable is unknown, not zero");
}

Test(budget, this_host_reads) {
        mg_budget_t b;
        cr_assert_eq(mg_budget_read("/proc", &b), 0);
        cr_assert(b.commit_limit_kb > 0);
        cr_assert(b.overcommit_memory >= 0);
        cr_assert_lt(mg_budget_read("/nonexistent", &b), 0);
}

/* ---- where memgate-runtime's lines go ---- */

static char *slurp(const char *path) {
        FILE *f = fopen(path, "r");
        cr_assert_not_null(f, "%s", path);
        static char buf[16384];
        size_t n = fread(buf, 1, sizeof(buf) - 1, f);
        buf[n] = '\0';
        fclose(f);
        return buf;
}

static void two_refusals_one_warning(mg_report_t *r) {
        memset(r, 0, sizeof(*r));
        mg_finding_fix(mg_report_add(r, "watermark-misconfigured", MG_SEV_WARN, "reserve W"), "fix W");
        mg_finding_fix(mg_report_add(r, "memavailable-zero", MG_SEV_REFUSE, "cause A"), "fix A");
        mg_finding_fix(mg_report_add(r, "commit-exhausted", MG_SEV_REFUSE, "cause B"), "fix B");
        mg_report_add(r, "overcommit-always", MG_SEV_INFO, "a note");
        r->verdict = MG_VERDICT_REFUSE;
}

/* Under a containerd shim: the log gets the warning, then one error record with every refusal
 * (the shim shows the last error); stderr, the container's own, gets nothing. */
Test(runtime_out, shim_writes_the_log_and_not_stderr) {
        char dir[] = "/tmp/mg-rtout-XXXXXX";
        cr_assert_not_null(mkdtemp(dir));
        char logp[256], errp[256];
        snprintf(logp, sizeof(logp), "%s/log.json", dir);
        snprintf(errp, sizeof(errp), "%s/stderr", dir);
        int efd = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        cr_assert_geq(efd, 0);
        cr_assert_eq(dup2(efd, STDERR_FILENO), STDERR_FILENO);
        mg_runc_cmd_t cmd = {.log = logp, .log_format = "json"};
        mg_rt_out_t out;
        mg_rt_out_open(&out, &cmd, MG_CENGINE_DOCKER);
        cr_assert_geq(out.log_fd, 0);
        cr_assert_not(out.to_stderr);
        mg_report_t r;
        two_refusals_one_warning(&r);
        mg_rt_out_findings(&out, &r);
        mg_rt_out_close(&out);
        cr_assert_str_eq(slurp(errp), "", "nothing on the container's stderr");
        char *log = slurp(logp);
        char *nl = strchr(log, '\n');
        cr_assert_not_null(nl);
        *nl = '\0';
        cr_assert(strstr(log, "{\"level\":\"warning\",\"msg\":\"memgate: warning (watermark-misconfigured): reserve W; "
                              "fix W\",\"time\":\""), "%s", log);
        char *second = nl + 1;
        cr_assert(strstr(second, "{\"level\":\"error\",\"msg\":\"memgate: refused (memavailable-zero): cause A; fix A\\n"
                                 "memgate: refused (commit-exhausted): cause B; fix B\",\"time\":\""), "%s", second);
        cr_assert_eq(strchr(second, '\n'), second + strlen(second) - 1, "two records, no more: %s", second);
        cr_assert_null(strstr(second, "a note"), "notes stay out");
        tu_rmrf(dir);
}

/* podman, CRI-O and a person read stderr; a log given as well gets the records too. */
Test(runtime_out, podman_writes_stderr) {
        char dir[] = "/tmp/mg-rtout-XXXXXX";
        cr_assert_not_null(mkdtemp(dir));
        char logp[256], errp[256];
        snprintf(logp, sizeof(logp), "%s/oci-log", dir);
        snprintf(errp, sizeof(errp), "%s/stderr", dir);
        int efd = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        cr_assert_geq(efd, 0);
        cr_assert_eq(dup2(efd, STDERR_FILENO), STDERR_FILENO);
        mg_runc_cmd_t cmd = {.log = logp};
        mg_rt_out_t out;
        mg_rt_out_open(&out, &cmd, MG_CENGINE_PODMAN);
        cr_assert(out.to_stderr);
        cr_assert_eq(out.format, MG_RTLOG_TEXT);
        mg_report_t r;
        two_refusals_one_warning(&r);
        mg_rt_out_findings(&out, &r);
        mg_rt_out_close(&out);
        cr_assert_str_eq(slurp(errp), "memgate: warning (watermark-misconfigured): reserve W; fix W\n"
                                      "memgate: refused (memavailable-zero): cause A; fix A\n"
                                      "memgate: refused (commit-exhausted): cause B; fix B\n");
        cr_assert(strstr(slurp(logp), " level=error msg=\"memgate: refused (memavailable-zero): cause A; fix A\\n"),
                  "%s", slurp(logp));
        tu_rmrf(dir);
}

/* A shim's log that cannot be opened: stderr is better than nothing. */
Test(runtime_out, unopenable_log_falls_back_to_stderr) {
        mg_runc_cmd_t cmd = {.log = "/nonexistent-dir/log.json", .log_format = "json"};
        mg_rt_out_t out;
        mg_rt_out_open(&out, &cmd, MG_CENGINE_CRI);
        cr_assert_lt(out.log_fd, 0);
        cr_assert(out.to_stderr);
        mg_rt_out_set_engine(&out, MG_CENGINE_CONTAINERD);
        cr_assert(out.to_stderr);
}
