/* SPDX-License-Identifier: Apache-2.0 */
/* The fleet modules: keyed control files, the running-containers walk on the v2 fixture tree, and
 * the Prometheus output's escaping and special values. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memgate/inputs/containers.h"
#include "memgate/outputs/prometheus.h"

static const char *fixtures(void) {
        const char *f = getenv("MEMGATE_FIXTURES");
        cr_assert(f, "MEMGATE_FIXTURES is not set");
        return f;
}

Test(keyed, finds_exact_keys_only) {
        uint64_t v = 0;
        const char *ev = "low 0\nhigh 0\nmax 14\noom 3\noom_kill 2\noom_group_kill 0\n";
        cr_assert_eq(mg_keyed_u64(ev, "oom_kill", &v), 0);
        cr_assert_eq(v, 2);
        cr_assert_eq(mg_keyed_u64(ev, "oom", &v), 0);
        cr_assert_eq(v, 3);
        cr_assert_eq(mg_keyed_u64(ev, "oom_k", &v), -ENOENT);
        cr_assert_eq(mg_keyed_u64("", "oom_kill", &v), -ENOENT);
        cr_assert_eq(mg_keyed_u64("oom_kill 7", "oom_kill", &v), 0, "no trailing newline");
        cr_assert_eq(v, 7);
}

Test(keyed, rejects_malformed_values) {
        uint64_t v = 42;
        cr_assert_eq(mg_keyed_u64("oom_kill -1\n", "oom_kill", &v), -EINVAL);
        cr_assert_eq(mg_keyed_u64("oom_kill 99999999999999999999999\n", "oom_kill", &v), -EINVAL);
        cr_assert_eq(mg_keyed_u64("oom_kill 12abc\n", "oom_kill", &v), -EINVAL);
        cr_assert_eq(mg_keyed_u64("oom_kill \n", "oom_kill", &v), -EINVAL);
        cr_assert_eq(v, 42, "untouched on failure");
}

static mg_roots_t v2_roots(char *buf, size_t n) {
        snprintf(buf, n, "%s/cgroup/v2-running/sys", fixtures());
        return (mg_roots_t){.procfs = "/proc", .sysfs = buf};
}

static bool only_scopes(const char *path, void *ud) {
        (*(int *)ud)++;
        return strstr(path, ".scope") != NULL;
}

Test(containers, share_and_filter) {
        char sys[4096];
        mg_roots_t roots = v2_roots(sys, sizeof(sys));
        mg_containers_t c = {0};
        mg_error_t err = {0};
        int calls = 0;

        /* Every cgroup with a limit, no filter: cron.service (99%) counts too. */
        cr_assert_eq(mg_containers_read(&roots, 90, NULL, NULL, &c, &err), 0, "%s", err.msg);
        cr_assert_eq(c.version, 2);
        bool cron = false;
        for (size_t i = 0; i < c.nkept; i++)
                cron |= strstr(c.kept[i].path, "cron.service") != NULL;
        cr_assert(cron);
        mg_containers_clear(&c);
        cr_assert_null(c.kept);

        /* A filter sees every cgroup below the root, once. */
        cr_assert_eq(mg_containers_read(&roots, 90, only_scopes, &calls, &c, &err), 0);
        cr_assert_eq(calls, 10);
        cr_assert_eq(c.matched, 3);
        cr_assert_eq(c.near, 2, "docker 96%%, containerd 94%%; crio 28%% is not");
        mg_containers_clear(&c);

        /* At 100% nothing is above the share; at 1% every scope is. */
        cr_assert_eq(mg_containers_read(&roots, 100, only_scopes, &calls, &c, &err), 0);
        cr_assert_eq(c.near, 0);
        mg_containers_clear(&c);
        cr_assert_eq(mg_containers_read(&roots, 1, only_scopes, &calls, &c, &err), 0);
        cr_assert_eq(c.near, 3);
        mg_containers_clear(&c);
}

Test(containers, errors) {
        mg_containers_t c = {0};
        mg_error_t err = {0};
        mg_roots_t none = {.procfs = "/proc", .sysfs = "/nonexistent-memgate"};
        char sys[4096];
        mg_roots_t roots = v2_roots(sys, sizeof(sys));
        cr_assert_eq(mg_containers_read(&roots, 0, NULL, NULL, &c, &err), -EINVAL);
        cr_assert_eq(mg_containers_read(&roots, 101, NULL, NULL, &c, &err), -EINVAL);
        cr_assert_lt(mg_containers_read(&none, 90, NULL, NULL, &c, &err), 0);
        cr_assert(err.msg[0]);
        cr_assert_null(c.kept, "untouched on failure");
}

Test(prometheus, label_values_are_escaped) {
        mg_buf_t b = {0};
        mg_prom_label_value(&b, "a\"b\\c\nd");
        cr_assert_str_eq(b.data, "a\\\"b\\\\c\\nd");
        mg_buf_free(&b);
}

Test(prometheus, report_special_values) {
        mg_report_t r = {0};
        mg_host_t h = {0};
        mg_model_t m = {.overcommit_memory = 1, .memtotal_kb = 1024};
        mg_finding_t *f = mg_report_add(&r, "odd\"code", MG_SEV_WARN, "x");
        cr_assert(f);
        mg_report_add(&r, "odd\"code", MG_SEV_WARN, "again"); /* one series per code and severity */
        snprintf(h.kernel, sizeof(h.kernel), "6.1\n");
        mg_report_ctx_t ctx = {.mode = "host", .report = &r, .host = &h, .model = &m,
                               .containers_error = "no memory hierarchy"};
        mg_buf_t b = {0};
        mg_report_prometheus(&ctx, &b);
        cr_assert(b.data && !b.overflow);
        cr_assert(strstr(b.data, "memgate_commit_headroom_bytes +Inf\n"));
        cr_assert(strstr(b.data, "memgate_container_starts_remaining +Inf\n"));
        cr_assert(strstr(b.data, "kernel=\"6.1\\n\""));
        const char *s = strstr(b.data, "memgate_finding{code=\"odd\\\"code\",severity=\"warn\"} 1\n");
        cr_assert(s);
        cr_assert_null(strstr(s + 1, "memgate_finding{"), "a duplicate series");
        cr_assert(strstr(b.data, "memgate_containers_listed 0\n"));
        cr_assert_null(strstr(b.data, "memgate_kernel_memavailable_bytes"), "unknown is left out, not 0");
        mg_buf_free(&b);
}
