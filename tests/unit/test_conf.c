/* SPDX-License-Identifier: Apache-2.0 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "memgate/inputs/conf.h"
#include "testutil.h"

Test(conf, defaults_are_documented_values) {
        mg_conf_t c;
        mg_conf_defaults(&c);
        cr_assert_eq(c.policy, MG_POLICY_ENFORCE);
        cr_assert_not(c.allow_opt_out, "opting out is the site's choice, off by default");
        cr_assert_not(c.fail_closed);
        cr_assert_eq(c.runtime_reserve_kb, 232 * 1024, "runc in the kernel lab: failed up to 260 MiB, ran from 280");
        cr_assert_eq(c.go_start_kb, 45 * 1024, "a Go 1.19 hello, kernel lab");
        cr_assert_eq(c.watermark_warn_percent, 10);
}

Test(conf, every_kind_of_value_parses) {
        mg_conf_t c;
        mg_conf_defaults(&c);
        mg_error_t err = {0};
        const char *text = "# site policy\n"
                           "policy = warn\n"
                           "\n"
                           "allow_opt_out = yes   # containers may say off\n"
                           "runtime_reserve = 1M\n"
                           "overcommit_heuristic = legacy\n"
                           "jvm_classes = 30000\n"
                           "jvm_code_cache = 96M\n"
                           "watermark_warn_percent = 25\n";
        cr_assert_eq(mg_conf_parse(text, "memgate.conf", &c, &err), 0, "%s", err.msg);
        cr_assert_eq(c.policy, MG_POLICY_WARN);
        cr_assert(c.allow_opt_out);
        cr_assert_eq(c.runtime_reserve_kb, 1024);
        cr_assert_eq(c.heuristic, MG_HEUR_LEGACY);
        cr_assert_eq(c.offheap.jvm_classes, 30000);
        cr_assert_eq(c.offheap.jvm_code_cache, 96 * MG_MIB);
        cr_assert_eq(c.watermark_warn_percent, 25);
}

Test(conf, unknown_key_names_file_and_line) {
        mg_conf_t c;
        mg_conf_defaults(&c);
        mg_conf_t before = c;
        mg_error_t err = {0};
        cr_assert_eq(mg_conf_parse("policy = warn\n\nrunc_reserve = 1M\n", "/etc/memgate/memgate.conf", &c, &err),
                     -EINVAL);
        cr_assert_str_eq(err.msg, "/etc/memgate/memgate.conf:3: unknown key \"runc_reserve\"");
        cr_assert_eq(memcmp(&c, &before, sizeof(c)), 0, "nothing applied from a refused file");
}

Test(conf, malformed_lines_are_refused) {
        static const char *bad[] = {
                "policy warn\n",         "= warn\n",          "policy =\n",
                "policy = block\n",      "allow_opt_out = maybe\n", "runtime_reserve = 12q\n",
                "runtime_reserve = -1M\n", "jvm_gc_percent = 101\n", "jvm_classes = 99999999999999999999\n",
                "overcommit_heuristic = new\n",
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                mg_conf_t c;
                mg_conf_defaults(&c);
                mg_error_t err = {0};
                cr_assert_eq(mg_conf_parse(bad[i], "m.conf", &c, &err), -EINVAL, "accepted: %s", bad[i]);
                cr_assert(strncmp(err.msg, "m.conf:1: ", 10) == 0, "no file:line in \"%s\"", err.msg);
        }
}

Test(conf, missing_default_file_is_fine_but_missing_explicit_file_is_not) {
        mg_conf_t c;
        mg_conf_defaults(&c);
        mg_error_t err = {0};
        cr_assert_eq(mg_conf_load("/nonexistent/memgate.conf", false, &c, &err), 0);
        cr_assert_eq(mg_conf_load("/nonexistent/memgate.conf", true, &c, &err), -ENOENT);
        cr_assert(strstr(err.msg, "/nonexistent/memgate.conf"), "%s", err.msg);
}

Test(conf, sizes_accept_binary_units) {
        uint64_t v;
        cr_assert_eq(mg_parse_size("512M", &v), 0);
        cr_assert_eq(v, 512 * MG_MIB);
        cr_assert_eq(mg_parse_size("2GiB", &v), 0);
        cr_assert_eq(v, 2 * MG_GIB);
        cr_assert_eq(mg_parse_size("64kB", &v), 0);
        cr_assert_eq(v, 65536);
        cr_assert_eq(mg_parse_size("32Mi", &v), 0, "Kubernetes spelling");
        cr_assert_eq(v, 32 * MG_MIB);
        cr_assert_eq(mg_parse_size("7", &v), 0);
        cr_assert_eq(v, 7);
        cr_assert_eq(mg_parse_size("17179869184G", &v), -ERANGE);
        cr_assert_eq(mg_parse_size("1.5G", &v), -EINVAL);
        cr_assert_eq(mg_parse_size("G", &v), -EINVAL);
}

/* The shipped example lists every default: parsing it must change nothing. */
Test(conf, shipped_example_is_the_defaults) {
        char path[1024];
        snprintf(path, sizeof(path), "%s/contrib/memgate.conf.example", getenv("MEMGATE_SRC"));
        mg_conf_t d, c;
        mg_conf_defaults(&d);
        mg_conf_defaults(&c);
        c.offheap.jvm_classes = 1; /* so that "unchanged" is something the file must restore */
        c.deadline_ms = 1;
        mg_error_t err = {0};
        cr_assert_eq(mg_conf_load(path, true, &c, &err), 0, "%s", err.msg);
#define SAME(f) cr_assert_eq(c.f, d.f, "memgate.conf.example: %s differs from the default", #f)
        SAME(policy);
        SAME(allow_opt_out);
        SAME(fail_closed);
        SAME(heuristic);
        SAME(runtime_reserve_kb);
        SAME(go_start_kb);
        SAME(jvm_start_extra_kb);
        SAME(runtime_floor_kb);
        SAME(watermark_warn_percent);
        SAME(write_report);
        SAME(fsync);
        SAME(syslog);
        SAME(engine_auto);
        SAME(engine);
        SAME(engine_commit_kb);
        SAME(commit_min_starts);
        SAME(exec_check);
        SAME(deadline_ms);
        SAME(offheap.jvm_classes);
        SAME(offheap.jvm_threads);
        SAME(offheap.jvm_metaspace_base);
        SAME(offheap.jvm_bytes_per_class);
        SAME(offheap.jvm_code_cache);
        SAME(offheap.jvm_thread_stack);
        SAME(offheap.jvm_gc_percent);
        SAME(offheap.jvm_direct);
        SAME(offheap.jvm_other);
        SAME(offheap.node_young);
        SAME(offheap.node_extra);
        SAME(offheap.go_headroom_percent);
        SAME(offheap.go_fixed);
        SAME(offheap.dotnet_extra);
#undef SAME
}
