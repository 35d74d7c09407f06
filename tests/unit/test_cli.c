/* SPDX-License-Identifier: Apache-2.0 */
/* memgate run as a process: the CLI, the exit statuses, the JSON and stderr outputs, hook mode with
 * a state on stdin, and a corpus of malformed inputs that must never crash it. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>

#include "testutil.h"

#define FIX4G "procfs/host-4g-minfree-2g"

static char procfs[512], sysfs[512];

static void use_fixture(const char *name) {
        snprintf(procfs, sizeof(procfs), "%s/proc", tu_fixture(name));
        snprintf(sysfs, sizeof(sysfs), "%s/sys", tu_fixture(name));
}

static void use_peer(const char *name) {
        snprintf(procfs, sizeof(procfs), "%s/proc", tu_peer(name));
        snprintf(sysfs, sizeof(sysfs), "%s/sys", tu_peer(name));
}

/* A bundle directory holding a copy of a peer config (or the given text). */
static char *bundle_with(const char *peer_config, const char *text) {
        char *dir = tu_mkdtemp();
        char path[600];
        snprintf(path, sizeof(path), "%s/config.json", dir);
        if (peer_config) {
                char *c = tu_slurp(tu_peer(peer_config), NULL);
                tu_write(path, c);
                free(c);
        } else
                tu_write(path, text);
        return dir;
}

static yajl_val parse_json(const char *text) {
        char err[256];
        yajl_val v = yajl_tree_parse(text, err, sizeof(err));
        cr_assert_not_null(v, "not JSON (%s): %.300s", err, text);
        return v;
}

static const char *jstr(yajl_val root, const char **path) {
        yajl_val v = yajl_tree_get(root, path, yajl_t_string);
        return v ? YAJL_GET_STRING(v) : NULL;
}

static bool has_code(yajl_val root, const char *code) {
        const char *p[] = {"findings", NULL};
        yajl_val f = yajl_tree_get(root, p, yajl_t_array);
        cr_assert_not_null(f, "no findings array");
        for (size_t i = 0; i < YAJL_GET_ARRAY(f)->len; i++) {
                const char *cp[] = {"code", NULL};
                const char *c = jstr(YAJL_GET_ARRAY(f)->values[i], cp);
                if (c && !strcmp(c, code))
                        return true;
        }
        return false;
}

static long long jint(yajl_val root, const char **path) {
        yajl_val v = yajl_tree_get(root, path, yajl_t_number);
        cr_assert(v && YAJL_IS_INTEGER(v), "no integer at %s", path[0]);
        return YAJL_GET_INTEGER(v);
}

static void run(char *const argv[], const char *in, tu_proc_t *p) {
        tu_run(argv, in, in ? strlen(in) : 0, p);
}

Test(cli, host_json_on_the_incident_host) {
        use_fixture(FIX4G);
        char *argv[] = {(char *)tu_bin(), "host", "--procfs", procfs, "--sysfs", sysfs, "--format", "json", NULL};
        tu_proc_t p;
        run(argv, NULL, &p);
        cr_assert_eq(p.status, 1, "refused: %s", p.err);
        yajl_val j = parse_json(p.out);
        const char *vp[] = {"verdict", NULL};
        cr_assert_str_eq(jstr(j, vp), "refuse");
        cr_assert(has_code(j, "memavailable-zero"));
        cr_assert(has_code(j, "watermark-misconfigured"));
        const char *mt[] = {"host", "meminfo", "MemTotal", NULL};
        cr_assert_eq(jint(j, mt), 3983360, "meminfo in kB as printed");
        const char *ma[] = {"host", "model", "memavailable_kb", NULL};
        cr_assert_eq(jint(j, ma), 0);
        const char *tr[] = {"host", "model", "totalreserve_kb", NULL};
        cr_assert_gt(jint(j, tr), 3000000);
        const char *om[] = {"host", "overcommit_memory", NULL};
        cr_assert_eq(jint(j, om), 0);
        yajl_tree_free(j);
        tu_proc_free(&p);
}

static long long meminfo_now(const char *field) {
        char *mi = tu_slurp("/proc/meminfo", NULL);
        char *at = strstr(mi, field);
        cr_assert_not_null(at);
        long long v = atoll(at + strlen(field) + 1);
        free(mi);
        return v;
}

Test(cli, host_json_matches_the_running_kernel) {
        char *argv[] = {(char *)tu_bin(), "host", "--format", "json", NULL};
        tu_proc_t p;
        run(argv, NULL, &p);
        cr_assert(p.status == 0 || p.status == 1, "%s", p.err);
        long long avail = meminfo_now("MemAvailable:"), limit = meminfo_now("CommitLimit:");
        yajl_val j = parse_json(p.out);
        const char *ma[] = {"host", "model", "memavailable_kb", NULL};
        const char *cl[] = {"host", "model", "commit_limit_kb", NULL};
        const char *rc[] = {"host", "model", "reconstructed", NULL};
        cr_assert(YAJL_IS_TRUE(yajl_tree_get(j, rc, yajl_t_true)), "the live model used zoneinfo");
        long long m = jint(j, ma), c = jint(j, cl);
        cr_assert(llabs(m - avail) * 1000 <= avail * 5, "MemAvailable model %lld kB vs kernel %lld kB", m, avail);
        cr_assert(llabs(c - limit) <= 1024, "CommitLimit model %lld kB vs kernel %lld kB", c, limit);
        yajl_tree_free(j);
        tu_proc_free(&p);
}

Test(cli, host_text_shows_budget_cause_and_fix) {
        use_fixture(FIX4G);
        char *argv[] = {(char *)tu_bin(), "host", "--procfs", procfs, "--sysfs", sysfs, NULL};
        tu_proc_t p;
        run(argv, NULL, &p);
        cr_assert_eq(p.status, 1);
        cr_assert(strstr(p.out, "watermark reserve"), "%s", p.out);
        cr_assert(strstr(p.out, "MemAvailable"), "%s", p.out);
        cr_assert(strstr(p.out, "fix:   lower it, e.g. sysctl -w vm.min_free_kbytes=67584"), "%s", p.out);
        cr_assert(strstr(p.out, "Verdict: refuse"), "%s", p.out);
        tu_proc_free(&p);
}

Test(cli, check_podman_java_config_warns) {
        use_peer("procfs/vm-6.18-24g-default");
        char *b = bundle_with("generated/podman-4.3.1-memory-1g-java-env-config.json", NULL);
        char *argv[] = {(char *)tu_bin(), "check", "--bundle", b, "--procfs", procfs, "--sysfs", sysfs, "--format",
                        "json", NULL};
        tu_proc_t p;
        run(argv, NULL, &p);
        cr_assert_eq(p.status, 0, "a warning allows: %s", p.err);
        yajl_val j = parse_json(p.out);
        const char *vp[] = {"verdict", NULL};
        cr_assert_str_eq(jstr(j, vp), "warn");
        cr_assert(has_code(j, "offheap-margin"));
        const char *lim[] = {"container", "limit_bytes", NULL};
        cr_assert_eq(jint(j, lim), 1073741824);
        const char *av[] = {"annotations", "io.memgate.verdict", NULL};
        cr_assert_str_eq(jstr(j, av), "warn", "the report carries the annotations memgate adds");
        const char *af[] = {"annotations", "io.memgate.findings", NULL};
        cr_assert_str_eq(jstr(j, af), "offheap-margin");
        yajl_tree_free(j);
        tu_proc_free(&p);
        tu_rmrf(b);
        free(b);
}

Test(cli, check_policy_warn_turns_a_refusal_into_exit_0) {
        use_fixture(FIX4G);
        char *b = bundle_with("generated/runc-1.1.5-spec.json", NULL);
        char *argv[] = {(char *)tu_bin(), "check", "--bundle", b, "--procfs", procfs, "--sysfs", sysfs, NULL};
        tu_proc_t p;
        run(argv, NULL, &p);
        cr_assert_eq(p.status, 1);
        tu_proc_free(&p);
        char *argv2[] = {(char *)tu_bin(), "check", "--bundle", b, "--procfs", procfs, "--sysfs", sysfs,
                         "--policy", "warn", NULL};
        run(argv2, NULL, &p);
        cr_assert_eq(p.status, 0, "%s", p.err);
        cr_assert(strstr(p.out, "downgraded by --policy warn"), "%s", p.out);
        tu_proc_free(&p);
        tu_rmrf(b);
        free(b);
}

Test(cli, check_config_file_errors_name_file_and_line) {
        use_peer("procfs/vm-6.18-24g-default");
        char *b = bundle_with("generated/runc-1.1.5-spec.json", NULL);
        char conf[600];
        snprintf(conf, sizeof(conf), "%s/memgate.conf", b);
        tu_write(conf, "policy = warn\nwatermark_percent = 5\n");
        char *argv[] = {(char *)tu_bin(), "check", "--bundle", b, "--procfs", procfs, "--sysfs", sysfs, "--config",
                        conf, NULL};
        tu_proc_t p;
        run(argv, NULL, &p);
        cr_assert_eq(p.status, 2);
        cr_assert(strstr(p.err, "memgate.conf:2: unknown key \"watermark_percent\""), "%s", p.err);
        tu_proc_free(&p);
        tu_rmrf(b);
        free(b);
}

Test(cli, check_unreadable_inputs_exit_2) {
        char *argv[] = {(char *)tu_bin(), "check", "--bundle", "/nonexistent-bundle", NULL};
        tu_proc_t p;
        run(argv, NULL, &p);
        cr_assert_eq(p.status, 2);
        cr_assert(strstr(p.err, "/nonexistent-bundle"), "%s", p.err);
        tu_proc_free(&p);

        char *b = bundle_with("generated/runc-1.1.5-spec.json", NULL);
        char *argv2[] = {(char *)tu_bin(), "check", "--bundle", b, "--procfs", "/nonexistent-procfs", NULL};
        run(argv2, NULL, &p);
        cr_assert_eq(p.status, 2);
        cr_assert(strstr(p.err, "/nonexistent-procfs"), "the error names the tree: %s", p.err);
        tu_proc_free(&p);

        use_fixture("procfs/bad-meminfo");
        char *argv3[] = {(char *)tu_bin(), "check", "--bundle", b, "--procfs", procfs, "--sysfs", sysfs, NULL};
        run(argv3, NULL, &p);
        cr_assert_eq(p.status, 2);
        cr_assert(strstr(p.err, "meminfo:"), "%s", p.err);
        tu_proc_free(&p);
        tu_rmrf(b);
        free(b);
}

Test(cli, check_never_follows_a_symlinked_config) {
        char *b = tu_mkdtemp();
        char target[600], link[600];
        snprintf(target, sizeof(target), "%s/real.json", b);
        snprintf(link, sizeof(link), "%s/config.json", b);
        char *c = tu_slurp(tu_peer("generated/runc-1.1.5-spec.json"), NULL);
        tu_write(target, c);
        free(c);
        cr_assert_eq(symlink(target, link), 0);
        char *argv[] = {(char *)tu_bin(), "check", "--bundle", b, NULL};
        tu_proc_t p;
        run(argv, NULL, &p);
        cr_assert_eq(p.status, 2);
        cr_assert(strstr(p.err, "symbolic link"), "%s", p.err);
        tu_proc_free(&p);
        tu_rmrf(b);
        free(b);
}

Test(cli, usage_errors_exit_2) {
        const char *cases[][4] = {
                {"", NULL},
                {"launch", NULL},
                {"host", "--format", "xml", NULL},
                {"host", "--policy", "block", NULL},
                {"check", NULL},
                {"host", "--no-such-option", NULL},
                {"host", "extra", NULL},
                {"host", "--heuristic", "ancient", NULL},
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                char *argv[6] = {(char *)tu_bin()};
                size_t n = 1;
                for (size_t k = 0; k < 4 && cases[i][k]; k++)
                        if (*cases[i][k])
                                argv[n++] = (char *)cases[i][k];
                argv[n] = NULL;
                tu_proc_t p;
                run(argv, NULL, &p);
                cr_assert_eq(p.status, 2, "case %zu (%s): status %d", i, cases[i][0], p.status);
                cr_assert(strncmp(p.err, "memgate: ", 9) == 0, "%s", p.err);
                tu_proc_free(&p);
        }
}

static char *state_for(const char *bundle, const char *status) {
        char *s = NULL;
        cr_assert(asprintf(&s, "{\"ociVersion\":\"1.0.2\",\"id\":\"cli-test\",\"status\":\"%s\",\"pid\":%d,"
                               "\"bundle\":\"%s\",\"annotations\":{}}",
                           status, getpid(), bundle) > 0);
        return s;
}

Test(cli, hook_refuses_with_the_documented_stderr_line) {
        use_fixture(FIX4G);
        char *b = bundle_with("generated/runc-1.1.5-spec.json", NULL);
        char *st = state_for(b, "creating");
        char *argv[] = {(char *)tu_bin(), "hook", "--procfs", procfs, "--sysfs", sysfs, NULL};
        tu_proc_t p;
        run(argv, st, &p);
        cr_assert_eq(p.status, 1, "%s", p.err);
        cr_assert(strncmp(p.err, "memgate: refused (memavailable-zero): MemAvailable is 0 kB while MemFree is 2.9 GiB: "
                                 "vm.min_free_kbytes=2097152 makes the watermarks reserve 3.0 GiB of 3.8 GiB; lower "
                                 "it, e.g. sysctl -w vm.min_free_kbytes=67584",
                          strlen("memgate: refused (memavailable-zero): MemAvailable is 0 kB while MemFree is 2.9 GiB: "
                                 "vm.min_free_kbytes=2097152 makes the watermarks reserve 3.0 GiB of 3.8 GiB; lower "
                                 "it, e.g. sysctl -w vm.min_free_kbytes=67584")) == 0,
                  "%s", p.err);
        cr_assert_str_eq(p.out, "", "hook prints no report unless --format is given");
        /* The full report lands in the bundle. */
        char path[600];
        snprintf(path, sizeof(path), "%s/memgate.json", b);
        char *rep = tu_slurp(path, NULL);
        yajl_val j = parse_json(rep);
        const char *vp[] = {"verdict", NULL};
        cr_assert_str_eq(jstr(j, vp), "refuse");
        const char *idp[] = {"container", "id", NULL};
        cr_assert_str_eq(jstr(j, idp), "cli-test");
        struct stat sb;
        cr_assert_eq(stat(path, &sb), 0);
        cr_assert_eq(sb.st_mode & 0777, 0600, "the report may name env settings: not world-readable");
        yajl_tree_free(j);
        free(rep);
        free(st);
        tu_proc_free(&p);
        tu_rmrf(b);
        free(b);
}

Test(cli, hook_accepts_crun_state_and_prints_json_when_asked) {
        use_peer("procfs/vm-6.18-24g-default");
        char *b = bundle_with("generated/crun-1.8.1-spec.json", NULL);
        char *st = NULL;
        cr_assert(asprintf(&st, "{\"ociVersion\":\"1.0.0\",\"id\":\"crun1\",\"pid\":%d,\"root\":\"rootfs\","
                                "\"bundle\":\"%s\",\"status\":\"created\"}",
                           getpid(), b) > 0);
        char *argv[] = {(char *)tu_bin(), "hook", "--procfs", procfs, "--sysfs", sysfs, "--format", "json", NULL};
        tu_proc_t p;
        run(argv, st, &p);
        cr_assert_eq(p.status, 0, "%s", p.err);
        yajl_val j = parse_json(p.out);
        const char *vp[] = {"verdict", NULL};
        cr_assert_str_eq(jstr(j, vp), "allow");
        yajl_tree_free(j);
        free(st);
        tu_proc_free(&p);
        tu_rmrf(b);
        free(b);
}

Test(cli, hook_fails_open_unless_fail_closed) {
        char *argv[] = {(char *)tu_bin(), "hook", NULL};
        tu_proc_t p;
        run(argv, "{\"ociVersion\": 12", &p);
        cr_assert_eq(p.status, 0, "a broken input never takes a node down");
        cr_assert(strstr(p.err, "memgate: error, allowing (fail open)"), "%s", p.err);
        tu_proc_free(&p);
        char *argv2[] = {(char *)tu_bin(), "hook", "--fail-closed", NULL};
        run(argv2, "{\"ociVersion\": 12", &p);
        cr_assert_eq(p.status, 1);
        cr_assert(strstr(p.err, "fail closed"), "%s", p.err);
        tu_proc_free(&p);
}

Test(cli, hook_replaces_a_planted_report_symlink_without_following_it) {
        use_peer("procfs/vm-6.18-24g-default");
        char *b = bundle_with("generated/runc-1.1.5-spec.json", NULL);
        char victim[600], link[600];
        snprintf(victim, sizeof(victim), "%s/victim", b);
        snprintf(link, sizeof(link), "%s/memgate.json", b);
        tu_write(victim, "precious");
        cr_assert_eq(symlink(victim, link), 0);
        char *st = state_for(b, "creating");
        char *argv[] = {(char *)tu_bin(), "hook", "--procfs", procfs, "--sysfs", sysfs, NULL};
        tu_proc_t p;
        run(argv, st, &p);
        cr_assert_eq(p.status, 0, "%s", p.err);
        char *v = tu_slurp(victim, NULL);
        cr_assert_str_eq(v, "precious", "the symlink's target is untouched");
        struct stat sb;
        cr_assert_eq(lstat(link, &sb), 0);
        cr_assert(S_ISREG(sb.st_mode), "memgate.json is now a regular file");
        free(v);
        free(st);
        tu_proc_free(&p);
        tu_rmrf(b);
        free(b);
}

Test(cli, precreate_adds_annotations_and_nothing_else) {
        use_peer("procfs/vm-6.18-24g-default");
        char *in = tu_slurp(tu_peer("generated/podman-4.3.1-memory-1g-java-env-config.json"), NULL);
        char *argv[] = {(char *)tu_bin(), "precreate", "--procfs", procfs, "--sysfs", sysfs, NULL};
        tu_proc_t p;
        run(argv, in, &p);
        cr_assert_eq(p.status, 0, "%s", p.err);
        yajl_val j = parse_json(p.out), orig = parse_json(in);
        const char *vp[] = {"annotations", "io.memgate.verdict", NULL};
        cr_assert_str_eq(jstr(j, vp), "warn");
        const char *fp[] = {"annotations", "io.memgate.findings", NULL};
        cr_assert(strstr(jstr(j, fp), "offheap-margin"));
        const char *kept[] = {"annotations", "io.container.manager", NULL};
        cr_assert_str_eq(jstr(j, kept), "libpod");
        const char *lim[] = {"linux", "resources", "memory", "limit", NULL};
        cr_assert_eq(jint(j, lim), jint(orig, lim));
        const char *a0[] = {"process", "args", NULL};
        cr_assert_eq(YAJL_GET_ARRAY(yajl_tree_get(j, a0, yajl_t_array))->len,
                     YAJL_GET_ARRAY(yajl_tree_get(orig, a0, yajl_t_array))->len);
        yajl_tree_free(j);
        yajl_tree_free(orig);
        free(in);
        tu_proc_free(&p);
}

Test(cli, precreate_refuses_with_exit_1) {
        use_fixture(FIX4G);
        char *in = tu_slurp(tu_peer("generated/podman-4.3.1-config.json"), NULL);
        char *argv[] = {(char *)tu_bin(), "precreate", "--procfs", procfs, "--sysfs", sysfs, NULL};
        tu_proc_t p;
        run(argv, in, &p);
        cr_assert_eq(p.status, 1);
        cr_assert(strstr(p.err, "memgate: refused (memavailable-zero)"), "%s", p.err);
        free(in);
        tu_proc_free(&p);
}

/* ---- malformed inputs -------------------------------------------------------------------- */

static const char *bad_configs[] = {
        "",
        " ",
        "null",
        "[]",
        "\"config\"",
        "42",
        "{",
        "{\"ociVersion\": \"1.0.2\",",
        "{\"ociVersion\": \"1.0.2\"} trailing",
        "{\"ociVersion\": 1}",
        "{\"ociVersion\": \"1.0.2\", \"process\": []}",
        "{\"ociVersion\": \"1.0.2\", \"process\": {\"args\": \"java -Xmx1g\"}}",
        "{\"ociVersion\": \"1.0.2\", \"process\": {\"args\": [1, 2]}}",
        "{\"ociVersion\": \"1.0.2\", \"process\": {\"args\": [\"java\"], \"env\": {\"A\": \"B\"}}}",
        "{\"ociVersion\": \"1.0.2\", \"process\": {\"args\": [\"java\"], \"env\": [5]}}",
        "{\"ociVersion\": \"1.0.2\", \"linux\": []}",
        "{\"ociVersion\": \"1.0.2\", \"linux\": {\"resources\": \"lots\"}}",
        "{\"ociVersion\": \"1.0.2\", \"linux\": {\"resources\": {\"memory\": []}}}",
        "{\"ociVersion\": \"1.0.2\", \"linux\": {\"resources\": {\"memory\": {\"limit\": \"1g\"}}}}",
        "{\"ociVersion\": \"1.0.2\", \"linux\": {\"resources\": {\"memory\": {\"limit\": 1.5}}}}",
        "{\"ociVersion\": \"1.0.2\", \"linux\": {\"resources\": {\"memory\": {\"limit\": 1e400}}}}",
        "{\"ociVersion\": \"1.0.2\", \"linux\": {\"resources\": {\"memory\": {\"limit\": 99999999999999999999999}}}}",
        "{\"ociVersion\": \"1.0.2\", \"linux\": {\"resources\": {\"memory\": {\"limit\": -99999999999999999999}}}}",
        "{\"ociVersion\": \"1.0.2\", \"linux\": {\"resources\": {\"memory\": {\"swap\": true}}}}",
        "{\"ociVersion\": \"1.0.2\", \"linux\": {\"cgroupsPath\": 7}}",
        "{\"ociVersion\": \"1.0.2\", \"linux\": {\"resources\": {\"cpu\": {\"mems\": [0]}}}}",
        "{\"ociVersion\": \"1.0.2\", \"annotations\": []}",
        "{\"ociVersion\": \"1.0.2\", \"annotations\": {\"io.memgate.jvm.classes\": 15000}}",
        "{\"ociVersion\": \"1.0.2\", \"root\": \"rootfs\"}",
        "{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": false}}",
        "{\"ociVersion\": \"1.0.2\", \"process\": {\"env\": \"A=B\"}}",
        "{\"ociVersion\": \"1.0.2\", \"linux\": {\"resources\": {\"memory\": {\"reservation\": \"x\"}}}}",
        "{\"ociVersion\": \"1.0.2\" \"process\": {}}",
        "{'ociVersion': '1.0.2'}",
        "{\"ociVersion\": \"1.0.2\", \"process\": {\"args\": [\"java\"]}, \"process\": 5}",
        "\xef\xbb\xbf{\"ociVersion\": \"1.0.2\"}",
        "{\"ociVersion\": \"1.0.2\", \"linux\": {\"resources\": {\"memory\": {\"limit\": 1073741824}}}, \"x\": [[[[[",
        "/* comment */ {\"ociVersion\": \"1.0.2\"}",
};

static const char *bad_states[] = {
        "",
        "{}",
        "[]",
        "{\"ociVersion\":\"1.0.2\",\"id\":\"x\",\"status\":\"creating\",\"pid\":1}",
        "{\"ociVersion\":\"1.0.2\",\"id\":\"x\",\"status\":\"creating\",\"pid\":-1,\"bundle\":\"/tmp\"}",
        "{\"ociVersion\":\"1.0.2\",\"id\":\"x\",\"status\":\"creating\",\"pid\":\"1\",\"bundle\":\"/tmp\"}",
        "{\"ociVersion\":\"1.0.2\",\"id\":\"x\",\"status\":\"creating\",\"pid\":1099511627776,\"bundle\":\"/tmp\"}",
        "{\"ociVersion\":\"1.0.2\",\"id\":\"x\",\"status\":\"exploding\",\"pid\":1,\"bundle\":\"/tmp\"}",
        "{\"ociVersion\":\"1.0.2\",\"id\":7,\"status\":\"creating\",\"pid\":1,\"bundle\":\"/tmp\"}",
        "{\"ociVersion\":\"1.0.2\",\"id\":\"x\",\"status\":\"creating\",\"pid\":1,\"bundle\":\"relative/bundle\"}",
        "{\"ociVersion\":\"1.0.2\",\"id\":\"x\",\"status\":\"creating\",\"pid\":1,\"bundle\":\"/nonexistent-bundle\"}",
        "{\"ociVersion\":\"1.0.2\",\"id\":\"x\",\"status\":\"creating\",\"pid\":1,\"bundle\":\"/tmp\","
        "\"annotations\":{\"a\":1}}",
};

Test(cli, malformed_configs_are_refused_cleanly_by_check) {
        use_peer("procfs/vm-6.18-24g-default");
        for (size_t i = 0; i < sizeof(bad_configs) / sizeof(bad_configs[0]); i++) {
                char *b = bundle_with(NULL, bad_configs[i]);
                char *argv[] = {(char *)tu_bin(), "check", "--bundle", b, "--procfs", procfs, "--sysfs", sysfs, NULL};
                tu_proc_t p;
                run(argv, NULL, &p);
                cr_assert_eq(p.status, 2, "config %zu (%.60s): status %d, stderr %s", i, bad_configs[i], p.status,
                             p.err);
                cr_assert(strncmp(p.err, "memgate: error: ", 16) == 0, "config %zu: %s", i, p.err);
                cr_assert(strstr(p.err, "config.json"), "config %zu: the error names the file: %s", i, p.err);
                tu_proc_free(&p);
                tu_rmrf(b);
                free(b);
        }
}

Test(cli, malformed_configs_fail_open_in_hook_mode) {
        use_peer("procfs/vm-6.18-24g-default");
        for (size_t i = 0; i < sizeof(bad_configs) / sizeof(bad_configs[0]); i++) {
                char *b = bundle_with(NULL, bad_configs[i]);
                char *st = state_for(b, "creating");
                char *argv[] = {(char *)tu_bin(), "hook", "--procfs", procfs, "--sysfs", sysfs, NULL};
                tu_proc_t p;
                run(argv, st, &p);
                cr_assert_eq(p.status, 0, "config %zu: status %d, %s", i, p.status, p.err);
                cr_assert(strstr(p.err, "fail open"), "config %zu: %s", i, p.err);
                tu_proc_free(&p);
                free(st);
                tu_rmrf(b);
                free(b);
        }
}

Test(cli, malformed_states_fail_open) {
        for (size_t i = 0; i < sizeof(bad_states) / sizeof(bad_states[0]); i++) {
                char *argv[] = {(char *)tu_bin(), "hook", NULL};
                tu_proc_t p;
                run(argv, bad_states[i], &p);
                cr_assert_eq(p.status, 0, "state %zu: status %d, %s", i, p.status, p.err);
                cr_assert(strstr(p.err, "fail open"), "state %zu: %s", i, p.err);
                tu_proc_free(&p);
        }
}

Test(cli, deep_and_huge_inputs_are_refused_without_crashing) {
        /* 300,000 nested arrays crash yajl_tree_free on an 8 MiB stack: the depth check comes first. */
        size_t n = 300000;
        char *deep = malloc(2 * n + 64);
        size_t off = (size_t)sprintf(deep, "{\"ociVersion\":\"1.0.2\",\"x\":");
        memset(deep + off, '[', n);
        memset(deep + off + n, ']', n);
        strcpy(deep + off + 2 * n, "}");
        char *b = bundle_with(NULL, deep);
        char *argv[] = {(char *)tu_bin(), "check", "--bundle", b, NULL};
        tu_proc_t p;
        run(argv, NULL, &p);
        cr_assert_eq(p.status, 2, "%s", p.err);
        cr_assert(strstr(p.err, "deep"), "%s", p.err);
        tu_proc_free(&p);
        /* A 64 MiB state: over the cap, refused, fail open. */
        size_t big = 64u << 20;
        char *huge = malloc(big + 1);
        memset(huge, ' ', big);
        huge[big] = '\0';
        char *argv2[] = {(char *)tu_bin(), "hook", NULL};
        tu_run(argv2, huge, big, &p);
        cr_assert_eq(p.status, 0, "%s", p.err);
        cr_assert(strstr(p.err, "limit"), "%s", p.err);
        tu_proc_free(&p);
        free(huge);
        free(deep);
        tu_rmrf(b);
        free(b);
}

/* precreate parses untrusted input too: its evaluation runs in the seccomp-confined child, and the
 * filter is loaded before the first host file or byte of config is looked at. */
Test(cli, precreate_evaluates_under_the_seccomp_filter) {
        if (access("/usr/bin/strace", X_OK) != 0)
                cr_skip_test("SKIP: strace is not installed (apt-get install strace)");
        char *trace = tu_mkdtemp(), out[600];
        snprintf(out, sizeof(out), "%s/trace", trace);
        /* LeakSanitizer cannot run under ptrace (Sanitize builds). */
        setenv("ASAN_OPTIONS", "detect_leaks=0", 1);
        char *in = tu_slurp(tu_peer("generated/podman-4.3.1-config.json"), NULL);
        char *argv[] = {"/usr/bin/strace", "-f", "-o", out, "-e", "trace=seccomp,openat", (char *)tu_bin(),
                        "precreate", NULL};
        tu_proc_t p;
        run(argv, in, &p);
        cr_assert_eq(p.status, 0, "%s", p.err);
        char *t = tu_slurp(out, NULL);
        char *filter = strstr(t, "seccomp(SECCOMP_SET_MODE_FILTER, 0,");
        char *meminfo = strstr(t, "meminfo");
        cr_assert_not_null(filter, "no seccomp filter loaded:\n%s", t);
        cr_assert_not_null(meminfo, "%s", t);
        cr_assert_lt(filter, meminfo, "the filter must be in place before host files are read");
        free(t);
        free(in);
        tu_proc_free(&p);
        tu_rmrf(trace);
        free(trace);
}

/* No ".memgate.json.*" temp file is left in the bundle. */
static void assert_no_report_temp(const char *bundle) {
        DIR *d = opendir(bundle);
        cr_assert_not_null(d, "%s: %s", bundle, strerror(errno));
        for (struct dirent *e; (e = readdir(d));)
                cr_assert_neq(strncmp(e->d_name, ".memgate.json.", 14), 0, "a temp file was left in %s: %s", bundle,
                              e->d_name);
        closedir(d);
}

/* memgate.json's durability is memgate.conf's choice: by default the new report is renamed into
 * place without fsync (atomic, not durable); with fsync = yes the file and the directory are
 * fsync'd. Either way the report is there, whole, and no temp file is left. */
static int hook_fsyncs(const char *conf_text) {
        char *trace = tu_mkdtemp(), out[600], conf[600], report[700];
        snprintf(out, sizeof(out), "%s/trace", trace);
        snprintf(conf, sizeof(conf), "%s/memgate.conf", trace);
        tu_write(conf, conf_text);
        use_peer("procfs/vm-6.18-24g-default");
        char *b = bundle_with("generated/runc-1.1.5-spec.json", NULL);
        char *st = state_for(b, "creating");
        setenv("ASAN_OPTIONS", "detect_leaks=0", 1); /* LeakSanitizer cannot run under ptrace */
        char *argv[] = {"/usr/bin/strace", "-f", "-o", out, "-e", "trace=fsync,fdatasync,renameat", (char *)tu_bin(),
                        "hook", "--config", conf, "--procfs", procfs, "--sysfs", sysfs, NULL};
        tu_proc_t p;
        run(argv, st, &p);
        cr_assert_eq(p.status, 0, "%s", p.err);
        char *t = tu_slurp(out, NULL);
        cr_assert(strstr(t, "\"memgate.json\") = 0"), "memgate.json was not renamed into place:\n%s", t);
        int n = 0;
        for (char *q = t; (q = strstr(q, "sync(")); q++)
                n++;
        snprintf(report, sizeof(report), "%s/memgate.json", b);
        char *json = tu_slurp(report, NULL);
        yajl_val v = parse_json(json);
        yajl_tree_free(v);
        assert_no_report_temp(b);
        free(json);
        free(t);
        free(st);
        tu_proc_free(&p);
        tu_rmrf(b);
        free(b);
        tu_rmrf(trace);
        free(trace);
        return n;
}

Test(cli, memgate_json_is_fsyncd_only_when_asked) {
        if (access("/usr/bin/strace", X_OK) != 0)
                cr_skip_test("SKIP: strace is not installed (apt-get install strace)");
        cr_assert_eq(hook_fsyncs("syslog = no\n"), 0, "fsync by default");
        cr_assert_eq(hook_fsyncs("syslog = no\nfsync = yes\n"), 2, "the file and its directory");
}

/* A second hook on one bundle replaces memgate.json by exchanging the two names (no flush of the
 * new data on ext4, hook/outputs/atomic.c), under the seccomp filter: the exchange must be
 * allowed, the old file (a hard link keeps it) left as it was, and no temp file left behind. */
Test(cli, a_rewrite_of_memgate_json_exchanges_names_under_the_filter) {
        if (access("/usr/bin/strace", X_OK) != 0)
                cr_skip_test("SKIP: strace is not installed (apt-get install strace)");
        char *trace = tu_mkdtemp(), out[600], conf[600], report[700], keep[700];
        snprintf(out, sizeof(out), "%s/trace", trace);
        snprintf(conf, sizeof(conf), "%s/memgate.conf", trace);
        tu_write(conf, "syslog = no\n");
        use_peer("procfs/vm-6.18-24g-default");
        char *b = bundle_with("generated/runc-1.1.5-spec.json", NULL);
        char *st = state_for(b, "creating");
        snprintf(report, sizeof(report), "%s/memgate.json", b);
        snprintf(keep, sizeof(keep), "%s/old-report", trace);
        char *first[] = {(char *)tu_bin(), "hook", "--config", conf, "--procfs", procfs, "--sysfs", sysfs, NULL};
        tu_proc_t p;
        run(first, st, &p);
        cr_assert_eq(p.status, 0, "%s", p.err);
        tu_proc_free(&p);
        cr_assert_eq(link(report, keep), 0, "link: %s", strerror(errno));
        tu_write(keep, "{\"old\": true}\n"); /* the old inode's content, to find it again */

        setenv("ASAN_OPTIONS", "detect_leaks=0", 1); /* LeakSanitizer cannot run under ptrace */
        char *second[] = {"/usr/bin/strace", "-f", "-o", out, "-e", "trace=renameat,renameat2,unlinkat", (char *)tu_bin(),
                          "hook", "--config", conf, "--procfs", procfs, "--sysfs", sysfs, NULL};
        run(second, st, &p);
        cr_assert_eq(p.status, 0, "%s", p.err);
        cr_assert_null(strstr(p.err, "killed by signal"), "%s", p.err);
        char *t = tu_slurp(out, NULL);
        cr_assert(strstr(t, "\"memgate.json\", RENAME_EXCHANGE) = 0"), "memgate.json was not exchanged:\n%s", t);
        char *json = tu_slurp(report, NULL), *old = tu_slurp(keep, NULL);
        yajl_val v = parse_json(json);
        yajl_tree_free(v);
        cr_assert_str_eq(old, "{\"old\": true}\n", "the replaced file was changed");
        cr_assert_null(strstr(json, "\"old\""), "memgate.json is still the old file");
        assert_no_report_temp(b);
        free(json);
        free(old);
        free(t);
        free(st);
        tu_proc_free(&p);
        tu_rmrf(b);
        free(b);
        tu_rmrf(trace);
        free(trace);
}

/* The confined hook on the live host (no --procfs/--sysfs): the container's cgroup is looked up
 * from the state's pid (this test's own process) with direct reads under the seccomp filter. A
 * read the filter does not allow would kill the child and fail open with exit 0, so the test
 * looks at stderr and at memgate.json, which names no cgroup error when the lookup worked. */
Test(cli, hook_on_the_live_host_reads_its_cgroup_under_the_filter) {
        if (access("/sys/fs/cgroup", F_OK) != 0)
                cr_skip_test("SKIP: no /sys/fs/cgroup on this host");
        char *b = bundle_with("generated/runc-1.1.5-spec.json", NULL);
        char *st = state_for(b, "creating");
        char conf[700], report[700];
        snprintf(conf, sizeof(conf), "%s/memgate.conf", b);
        tu_write(conf, "syslog = no\n");
        char *argv[] = {(char *)tu_bin(), "hook", "--config", conf, NULL};
        tu_proc_t p;
        run(argv, st, &p);
        cr_assert_null(strstr(p.err, "killed by signal"), "%s", p.err);
        cr_assert_null(strstr(p.err, "error"), "%s", p.err);
        snprintf(report, sizeof(report), "%s/memgate.json", b);
        char *json = tu_slurp(report, NULL);
        cr_assert_null(strstr(json, "cgroup_error"), "the cgroup was not found: %s", json);
        free(json);
        free(st);
        tu_proc_free(&p);
        tu_rmrf(b);
        free(b);
}

/* A real memgate hook whose confined evaluation breaks the seccomp rules (a preloaded library
 * calls mkdir on the child's first read): the kernel kills the child with SIGSYS, and the parent
 * turns that into the documented policy instead of a killed hook, which runc would take as a
 * refusal. A preload needs a dynamic memgate: tu_bin_preloadable, the static one's twin. */
Test(cli, a_killed_evaluation_fails_open_or_closed) {
        const char *so = getenv("MEMGATE_PRELOAD_FORBIDDEN");
        if (!so || !*so)
                cr_skip_test("SKIP: MEMGATE_PRELOAD_FORBIDDEN is not set: run through ctest");
        use_peer("procfs/vm-6.18-24g-default");
        char *b = bundle_with("generated/runc-1.1.5-spec.json", NULL);
        char forbidden[600];
        snprintf(forbidden, sizeof(forbidden), "%s/forbidden", b);
        setenv("LD_PRELOAD", so, 1);
        setenv("MEMGATE_FORBIDDEN_DIR", forbidden, 1);
        setenv("ASAN_OPTIONS", "verify_asan_link_order=0:detect_leaks=0", 1); /* Sanitize builds */
        char *st = state_for(b, "creating");
        char *argv[] = {(char *)tu_bin_preloadable(), "hook", "--procfs", procfs, "--sysfs", sysfs, NULL};
        tu_proc_t p;
        run(argv, st, &p);
        cr_assert_eq(p.status, 0, "fail open: %s", p.err);
        cr_assert(strstr(p.err, "killed by signal 31"), "%s", p.err);
        cr_assert(strstr(p.err, "error, allowing (fail open)"), "%s", p.err);
        cr_assert_neq(access(forbidden, F_OK), 0, "mkdir went through: no filter in the child");
        tu_proc_free(&p);
        char *argv2[] = {(char *)tu_bin_preloadable(), "hook", "--fail-closed", "--procfs", procfs, "--sysfs", sysfs, NULL};
        run(argv2, st, &p);
        cr_assert_eq(p.status, 1, "fail closed: %s", p.err);
        cr_assert(strstr(p.err, "error, refusing (fail closed)"), "%s", p.err);
        tu_proc_free(&p);
        free(st);
        tu_rmrf(b);
        free(b);
}
