/* SPDX-License-Identifier: Apache-2.0 */
/* The checks on both sides of every threshold. Hosts start from real captures and are changed
 * field by field; containers are built as structs. */
#include <criterion/criterion.h>
#include <string.h>

#include "memgate/inputs/host_read.h"
#include "memgate/checks/checks.h"
#include "memgate/outputs/annotations.h"
#include "testutil.h"

static mg_host_t host;
static mg_model_t model;
static mg_conf_t conf;
static mg_container_t ctr;
static char *args[8], *env[8];
static mg_kv_t ann[8];

static void set_mi(const char *name, uint64_t v) {
        for (size_t i = 0; i < host.meminfo.n; i++)
                if (!strcmp(host.meminfo.f[i].name, name)) {
                        host.meminfo.f[i].value = v;
                        return;
                }
        cr_assert_fail("no meminfo field %s", name);
}

static void load(const char *capture) {
        char p[512], s[512];
        snprintf(p, sizeof(p), "%s/proc", tu_peer(capture));
        snprintf(s, sizeof(s), "%s/sys", tu_peer(capture));
        mg_roots_t roots = {.procfs = p, .sysfs = s};
        mg_error_t err = {0};
        mg_host_clear(&host);
        cr_assert_eq(mg_host_read(&roots, &host, &err), 0, "%s", err.msg);
        mg_conf_defaults(&conf);
        memset(&ctr, 0, sizeof(ctr));
}

static bool runtime_running; /* evaluate as a hook does, inside a runtime that has started */

static void eval(bool with_container, mg_report_t *r) {
        mg_model_opts_t o = {.heuristic = conf.heuristic, .caller_has_sys_admin = true};
        mg_model_compute(&host, &o, &model);
        static mg_heap_t heap;
        cr_assert_eq(mg_heap_detect(ctr.args, ctr.nargs, ctr.env, ctr.nenv, &heap), 0);
        mg_input_t in = {.host = &host, .model = &model, .container = with_container ? &ctr : NULL,
                         .heap = with_container ? &heap : NULL, .conf = &conf,
                         .runtime_running = runtime_running};
        mg_evaluate(&in, r);
}

static void jvm(uint64_t limit, const char *xmx_env) {
        ctr.is_linux = true;
        ctr.have_limit = limit > 0;
        ctr.limit_bytes = limit;
        args[0] = "/bin/sh";
        args[1] = NULL;
        ctr.args = args;
        ctr.nargs = 1;
        env[0] = (char *)xmx_env;
        ctr.env = env;
        ctr.nenv = 1;
}

static void annotate(const char *k, const char *v) {
        ann[ctr.nannotations] = (mg_kv_t){(char *)k, (char *)v};
        ctr.annotations = ann;
        ctr.nannotations++;
}

/* The 24 GiB capture with vm.min_free_kbytes=2097152, squeezed so that MemFree sits just under
 * the reserve, as kswapd keeps it on the 4 GB host of the incident. */
static void squeeze_to_zero(void) {
        load("procfs/vm-6.18-24g-min_free_kbytes-2g");
        mg_model_t m;
        mg_model_opts_t o = {0};
        mg_model_compute(&host, &o, &m);
        set_mi("MemFree", m.totalreserve_kb - 100 * 1024);
        set_mi("Active(file)", 0);
        set_mi("Inactive(file)", 0);
        set_mi("KReclaimable", 0);
        set_mi("MemAvailable", 0);
}

Test(checks, healthy_host_is_allowed_without_findings) {
        load("procfs/vm-6.18-24g-default");
        mg_report_t r;
        eval(false, &r);
        cr_assert_eq(r.verdict, MG_VERDICT_ALLOW);
        for (size_t i = 0; i < r.n; i++)
                cr_assert_eq(r.findings[i].severity, MG_SEV_INFO, "unexpected %s", r.findings[i].code);
}

Test(checks, memavailable_zero_names_min_free_kbytes_and_the_fix) {
        squeeze_to_zero();
        mg_report_t r;
        eval(false, &r);
        cr_assert_eq(r.verdict, MG_VERDICT_REFUSE);
        const mg_finding_t *f = mg_report_find(&r, "memavailable-zero");
        cr_assert_not_null(f);
        cr_assert_eq(f->severity, MG_SEV_REFUSE);
        cr_assert(strstr(f->message, "vm.min_free_kbytes=2097152"), "%s", f->message);
        cr_assert(strstr(f->message, "MemAvailable is 0 kB while MemFree is"), "%s", f->message);
        cr_assert(strstr(f->fix, "sysctl -w vm.min_free_kbytes=67584"), "%s", f->fix);
        cr_assert_not_null(mg_report_find(&r, "watermark-misconfigured"));
}

Test(checks, memavailable_zero_without_zoneinfo_says_what_it_cannot_explain) {
        squeeze_to_zero();
        host.have_zoneinfo = false;
        host.nzones = 0;
        snprintf(host.zoneinfo_error, sizeof(host.zoneinfo_error), "/proc/zoneinfo: No such file or directory");
        mg_report_t r;
        eval(false, &r);
        const mg_finding_t *f = mg_report_find(&r, "memavailable-zero");
        cr_assert_not_null(f);
        cr_assert(strstr(f->message, "could not be reconstructed"), "%s", f->message);
        cr_assert(strstr(f->message, "zoneinfo"), "%s", f->message);
        cr_assert_null(mg_report_find(&r, "watermark-misconfigured"), "nothing to judge the reserve with");
}

Test(checks, memavailable_zero_with_a_normal_reserve_blames_real_use) {
        load("procfs/vm-6.18-24g-default");
        mg_model_t m;
        mg_model_opts_t o = {0};
        mg_model_compute(&host, &o, &m);
        set_mi("MemFree", m.totalreserve_kb / 2);
        set_mi("Active(file)", 0);
        set_mi("Inactive(file)", 0);
        set_mi("KReclaimable", 0);
        set_mi("MemAvailable", 0);
        mg_report_t r;
        eval(false, &r);
        const mg_finding_t *f = mg_report_find(&r, "memavailable-zero");
        cr_assert_not_null(f);
        cr_assert(strstr(f->message, "really in use"), "%s", f->message);
        cr_assert_null(mg_report_find(&r, "watermark-misconfigured"));
}

Test(checks, outsized_reserve_warns_before_memavailable_hits_zero) {
        load("procfs/vm-6.18-24g-min_free_kbytes-2g");
        mg_report_t r;
        eval(false, &r);
        cr_assert_null(mg_report_find(&r, "memavailable-zero"), "21 GB are still available");
        const mg_finding_t *f = mg_report_find(&r, "watermark-misconfigured");
        cr_assert_not_null(f, "3 GB of 24 GB reserved is above the 10%% threshold");
        cr_assert_eq(f->severity, MG_SEV_WARN);
        cr_assert_eq(r.verdict, MG_VERDICT_WARN);
        /* Just above the share: with the threshold raised to 13% it is quiet. */
        conf.watermark_warn_percent = 13;
        eval(false, &r);
        cr_assert_null(mg_report_find(&r, "watermark-misconfigured"));
}

Test(checks, watermark_scale_factor_is_named_when_it_is_the_cause) {
        load("procfs/vm-6.18-24g-default");
        host.vm.watermark_scale_factor = 3000;
        /* Scale the printed watermarks as the kernel would: each zone's high grows by 2 x 30% of
         * its managed pages (this VM's zones manage about 7 of its 24 GiB, so that is 4 GiB). */
        for (size_t i = 0; i < host.nzones; i++)
                host.zones[i].high += host.zones[i].managed * 6 / 10;
        mg_report_t r;
        eval(false, &r);
        const mg_finding_t *f = mg_report_find(&r, "watermark-misconfigured");
        cr_assert_not_null(f);
        cr_assert(strstr(f->message, "vm.watermark_scale_factor=3000"), "%s", f->message);
        cr_assert(strstr(f->fix, "vm.watermark_scale_factor=10"), "%s", f->fix);
}

Test(checks, mode2_refuses_when_the_reservation_does_not_fit) {
        load("procfs/vm-6.18-24g-overcommit2-ratio30");
        mg_report_t r;
        eval(false, &r);
        cr_assert_null(mg_report_find(&r, "commit-exhausted"), "7 GB of headroom");
        /* Leave 150 MiB: less than runc's 232 MiB. */
        set_mi("Committed_AS", 7405224 - 150 * 1024);
        eval(false, &r);
        const mg_finding_t *f = mg_report_find(&r, "commit-exhausted");
        cr_assert_not_null(f);
        cr_assert_eq(r.verdict, MG_VERDICT_REFUSE);
        cr_assert(strstr(f->message, "vm.overcommit_memory=2"), "%s", f->message);
        cr_assert(strstr(f->fix, "vm.overcommit_ratio="), "%s", f->fix);
        cr_assert(strstr(f->message, "plus a 43 MiB user reserve"), "%s", f->message);
        /* 300 MiB of headroom fits runc (232 MiB) and its user reserve (43 MiB). */
        set_mi("Committed_AS", 7405224 - 300 * 1024);
        eval(false, &r);
        cr_assert_null(mg_report_find(&r, "commit-exhausted"));
}

/* Issue 12's field case on Docker: under mode 2 every running container keeps a
 * containerd-shim-runc-v2 committed, and each start adds the shim's growth after runc create. */
Test(checks, mode2_engine_commit_and_few_starts) {
        load("procfs/vm-6.18-24g-overcommit2-ratio30");
        mg_report_t r;
        conf.engine = MG_CENGINE_DOCKER;
        conf.engine_auto = false;
        /* 280 MiB: enough for runc and its user reserve (275 MiB), not with the shim's 16 MiB growth. */
        set_mi("Committed_AS", 7405224 - 280 * 1024);
        eval(false, &r);
        const mg_finding_t *f = mg_report_find(&r, "commit-exhausted");
        cr_assert_not_null(f, "Docker: runc + the shim's growth + the user reserve do not fit in 280 MiB");
        cr_assert(strstr(f->message, "container runtime 232 MiB + the shim's growth 16 MiB"), "%s", f->message);
        cr_assert(strstr(f->fix, "(each running container keeps a containerd-shim-runc-v2 per container of about 136 MiB "
                                 "committed)"), "%s", f->fix);
        conf.engine = MG_CENGINE_PODMAN;
        eval(false, &r);
        cr_assert_null(mg_report_find(&r, "commit-exhausted"), "podman starts no shim");
        cr_assert_null(mg_report_find(&r, "commit-few-starts"), "conmon keeps nothing worth counting");

        /* 300 MiB (the field case's 266 MiB plus what runc's figure grew by in the kernel lab):
         * this start fits, the next does not. */
        conf.engine = MG_CENGINE_DOCKER;
        set_mi("Committed_AS", 7405224 - 300 * 1024);
        eval(false, &r);
        cr_assert_null(mg_report_find(&r, "commit-exhausted"));
        f = mg_report_find(&r, "commit-few-starts");
        cr_assert_not_null(f);
        cr_assert_eq(f->severity, MG_SEV_WARN);
        cr_assert_eq(r.verdict, MG_VERDICT_WARN);
        cr_assert(strstr(f->message, "room for 0 more container starts"), "%s", f->message);
        cr_assert(strstr(f->message, "a containerd-shim-runc-v2 per container of about 136 MiB"), "%s", f->message);
        cr_assert(strstr(f->fix, "vm.overcommit_ratio="), "%s", f->fix);

        /* 540 MiB: one more start fits, fewer than commit_min_starts (2). */
        set_mi("Committed_AS", 7405224 - 540 * 1024);
        eval(false, &r);
        f = mg_report_find(&r, "commit-few-starts");
        cr_assert_not_null(f);
        cr_assert(strstr(f->message, "room for 1 more container start ("), "%s", f->message);
        conf.commit_min_starts = 1;
        eval(false, &r);
        cr_assert_null(mg_report_find(&r, "commit-few-starts"), "one fits and one is asked for");
        conf.commit_min_starts = 2;
        /* 840 MiB: four more fit. */
        set_mi("Committed_AS", 7405224 - 840 * 1024);
        eval(false, &r);
        cr_assert_null(mg_report_find(&r, "commit-few-starts"));
        /* engine_commit = 0 overrides the shim's figure. */
        set_mi("Committed_AS", 7405224 - 300 * 1024);
        conf.engine_commit_kb = 0;
        eval(false, &r);
        cr_assert_null(mg_report_find(&r, "commit-few-starts"));
}

Test(checks, fix_hints_follow_the_engine) {
        load("procfs/vm-6.18-24g-default");
        jvm(MG_GIB, "JAVA_TOOL_OPTIONS=-Xmx900m");
        mg_report_t r;
        const struct { mg_cengine_t e; const char *hint; } cases[] = {
                {MG_CENGINE_DOCKER, "(e.g. docker run -m 1156m)"},
                {MG_CENGINE_CRI, "(e.g. resources.limits.memory: 1156Mi in the pod spec)"},
                {MG_CENGINE_CONTAINERD, "(e.g. ctr run --memory-limit 1212153856)"},
                {MG_CENGINE_PODMAN, "(e.g. podman run -m 1156m)"},
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                conf.engine = cases[i].e;
                eval(true, &r);
                const mg_finding_t *f = mg_report_find(&r, "offheap-margin");
                cr_assert_not_null(f);
                cr_assert(strstr(f->fix, cases[i].hint), "%s: %s", mg_cengine_name(cases[i].e), f->fix);
        }
}

/* In a hook, runc's own commit is already in Committed_AS: only the user reserve and the
 * program's start-up commit are still to come (kernel lab: the hook saw runc's 208 MiB gone). */
Test(checks, mode2_in_a_hook_does_not_count_the_runtime_twice) {
        load("procfs/vm-6.18-24g-overcommit2-ratio30");
        mg_report_t r;
        set_mi("Committed_AS", 7405224 - 100 * 1024);
        eval(true, &r);
        cr_assert_not_null(mg_report_find(&r, "commit-exhausted"), "before runc: 100 MiB < 232 + 43 MiB");
        runtime_running = true;
        eval(true, &r);
        cr_assert_null(mg_report_find(&r, "commit-exhausted"), "in the hook: 100 MiB > the 43 MiB user reserve");
        set_mi("Committed_AS", 7405224 - 30 * 1024);
        eval(true, &r);
        const mg_finding_t *f = mg_report_find(&r, "commit-exhausted");
        runtime_running = false;
        cr_assert_not_null(f, "in the hook: 30 MiB < the 43 MiB user reserve");
        cr_assert(strstr(f->message, "already committed"), "%s", f->message);
}

/* A Go program replaces runc init at execve: its 45 MiB start-up commit is below runc init's
 * 79 MiB and adds nothing to the start's peak (kernel lab: a Go hello container failed and ran
 * at the same headrooms as busybox true); a JVM's initial heap adds what is beyond it. */
Test(checks, mode2_counts_the_program_beyond_runc_init) {
        load("procfs/vm-6.18-24g-overcommit2-ratio30");
        set_mi("Committed_AS", 7405224 - 280 * 1024);
        mg_report_t r;
        jvm(0, "GOMEMLIMIT=64MiB");
        eval(true, &r);
        cr_assert_null(mg_report_find(&r, "commit-exhausted"), "280 MiB fits runc 232 + 43 with a Go program");
        env[0] = "JAVA_TOOL_OPTIONS=-Xms256m -Xmx256m";
        eval(true, &r);
        const mg_finding_t *f = mg_report_find(&r, "commit-exhausted");
        cr_assert_not_null(f, "-Xms256m + 64 MiB is 241 MiB beyond runc init's 79");
        cr_assert(strstr(f->message, "JVM start-up 241 MiB beyond runc init's"), "%s", f->message);
}

Test(checks, mode2_counts_the_jvm_initial_heap) {
        load("procfs/vm-6.18-24g-overcommit2-ratio30");
        set_mi("Committed_AS", 7405224 - 600 * 1024);
        mg_report_t r;
        jvm(4 * MG_GIB, "JAVA_TOOL_OPTIONS=-Xmx1g");
        eval(true, &r);
        cr_assert_null(mg_report_find(&r, "commit-exhausted"), "600 MiB covers runc + a 64 MiB initial heap");
        env[0] = "JAVA_TOOL_OPTIONS=-Xms1g -Xmx1g";
        eval(true, &r);
        cr_assert_not_null(mg_report_find(&r, "commit-exhausted"), "-Xms1g commits 1 GiB at start");
}

Test(checks, mode0_modern_ignores_committed_above_limit) {
        load("procfs/vm-6.18-24g-default");
        set_mi("Committed_AS", 40000000); /* far above CommitLimit: normal on 5.2+ */
        mg_report_t r;
        eval(false, &r);
        cr_assert_null(mg_report_find(&r, "commit-exhausted"));
        cr_assert_eq(r.verdict, MG_VERDICT_ALLOW);
}

Test(checks, mode0_modern_refuses_a_single_request_above_ram) {
        load("procfs/vm-6.18-24g-default");
        mg_report_t r;
        jvm(0, "JAVA_TOOL_OPTIONS=-Xms32g -Xmx32g");
        eval(true, &r);
        const mg_finding_t *f = mg_report_find(&r, "commit-exhausted");
        cr_assert_not_null(f);
        cr_assert(strstr(f->message, "larger than RAM + swap"), "%s", f->message);
}

Test(checks, mode0_legacy_refuses_when_free_minus_reserve_is_short) {
        squeeze_to_zero();
        host.kmajor = 4;
        host.kminor = 19;
        snprintf(host.kernel, sizeof(host.kernel), "4.19.0-27-amd64");
        mg_report_t r;
        eval(false, &r);
        const mg_finding_t *f = mg_report_find(&r, "commit-exhausted");
        cr_assert_not_null(f);
        cr_assert(strstr(f->message, "pre-5.2"), "%s", f->message);
        cr_assert(strstr(f->message, "vm.min_free_kbytes=2097152"), "%s", f->message);
        /* The same host told the kernel backports the 5.2 heuristic: no commit refusal. */
        conf.heuristic = MG_HEUR_MODERN;
        eval(false, &r);
        cr_assert_null(mg_report_find(&r, "commit-exhausted"));
}

Test(checks, mode0_legacy_allows_a_roomy_host) {
        load("procfs/vm-6.18-24g-default");
        host.kmajor = 4;
        host.kminor = 19;
        mg_report_t r;
        eval(false, &r);
        cr_assert_null(mg_report_find(&r, "commit-exhausted"));
}

Test(checks, mode1_only_notes_the_oom_killer) {
        load("procfs/vm-6.18-24g-default");
        host.vm.overcommit_memory = 1;
        set_mi("Committed_AS", 90000000);
        mg_report_t r;
        eval(false, &r);
        cr_assert_null(mg_report_find(&r, "commit-exhausted"));
        const mg_finding_t *f = mg_report_find(&r, "overcommit-always");
        cr_assert_not_null(f);
        cr_assert_eq(f->severity, MG_SEV_INFO);
        cr_assert_eq(r.verdict, MG_VERDICT_ALLOW);
}

Test(checks, offheap_anchor_800m_in_1g_is_flagged) {
        load("procfs/vm-6.18-24g-default");
        jvm(MG_GIB, "JAVA_TOOL_OPTIONS=-Xmx800m");
        mg_report_t r;
        eval(true, &r);
        const mg_finding_t *f = mg_report_find(&r, "offheap-margin");
        cr_assert_not_null(f, "the Spring app that was OOM-killed at start");
        cr_assert_eq(f->severity, MG_SEV_WARN);
        cr_assert(strstr(f->message, "-Xmx800m"), "%s", f->message);
        cr_assert(strstr(f->message, "JAVA_TOOL_OPTIONS"), "%s", f->message);
        cr_assert(strstr(f->fix, "-Xmx"), "%s", f->fix);
        cr_assert_eq(r.verdict, MG_VERDICT_WARN);
}

Test(checks, offheap_anchor_600m_in_1g_is_not_flagged) {
        load("procfs/vm-6.18-24g-default");
        jvm(MG_GIB, "JAVA_TOOL_OPTIONS=-Xmx600m");
        mg_report_t r;
        eval(true, &r);
        cr_assert_null(mg_report_find(&r, "offheap-margin"), "that app ran");
        cr_assert(r.judged_heap);
        cr_assert_eq(r.heap_bytes, 600 * MG_MIB);
}

Test(checks, offheap_heap_at_the_limit_refuses) {
        load("procfs/vm-6.18-24g-default");
        jvm(MG_GIB, "JAVA_TOOL_OPTIONS=-Xmx1g");
        mg_report_t r;
        eval(true, &r);
        const mg_finding_t *f = mg_report_find(&r, "offheap-margin");
        cr_assert_not_null(f);
        cr_assert_eq(f->severity, MG_SEV_REFUSE);
        env[0] = "JAVA_TOOL_OPTIONS=-Xmx1023m";
        eval(true, &r);
        f = mg_report_find(&r, "offheap-margin");
        cr_assert_eq(f->severity, MG_SEV_WARN, "one MiB under the limit is a warning");
}

Test(checks, offheap_hints_raise_the_need) {
        load("procfs/vm-6.18-24g-default");
        jvm(MG_GIB, "JAVA_TOOL_OPTIONS=-Xmx600m");
        annotate("io.memgate.jvm.classes", "60000");
        annotate("io.memgate.jvm.threads", "400");
        mg_report_t r;
        eval(true, &r);
        cr_assert_not_null(mg_report_find(&r, "offheap-margin"), "60k classes and 400 threads need more than 424 MiB");
}

Test(checks, offheap_bad_hint_is_reported_not_ignored) {
        load("procfs/vm-6.18-24g-default");
        jvm(MG_GIB, "JAVA_TOOL_OPTIONS=-Xmx600m");
        annotate("io.memgate.jvm.classes", "lots");
        mg_report_t r;
        eval(true, &r);
        const mg_finding_t *f = mg_report_find(&r, "annotation-invalid");
        cr_assert_not_null(f);
        cr_assert(strstr(f->message, "io.memgate.jvm.classes"), "%s", f->message);
}

Test(checks, offheap_judges_the_effective_limit) {
        load("procfs/vm-6.18-24g-default");
        jvm(4 * MG_GIB, "JAVA_TOOL_OPTIONS=-Xmx600m");
        mg_model_opts_t o = {0};
        mg_model_compute(&host, &o, &model);
        mg_heap_t heap;
        cr_assert_eq(mg_heap_detect(ctr.args, ctr.nargs, ctr.env, ctr.nenv, &heap), 0);
        mg_input_t in = {.host = &host, .model = &model, .container = &ctr, .heap = &heap, .conf = &conf,
                         .effective_limit_bytes = 256 * MG_MIB};
        mg_report_t r;
        mg_evaluate(&in, &r);
        const mg_finding_t *f = mg_report_find(&r, "offheap-margin");
        cr_assert_not_null(f);
        cr_assert_eq(f->severity, MG_SEV_REFUSE, "600 MiB of heap under a 256 MiB parent");
        cr_assert(strstr(f->message, "effective memory limit"), "%s", f->message);
}

Test(checks, no_limit_no_offheap_judgement) {
        load("procfs/vm-6.18-24g-default");
        jvm(0, "JAVA_TOOL_OPTIONS=-Xmx800m");
        mg_report_t r;
        eval(true, &r);
        cr_assert_null(mg_report_find(&r, "offheap-margin"));
        cr_assert_not(r.judged_heap);
}

Test(checks, site_policy_warn_downgrades_a_refusal) {
        squeeze_to_zero();
        conf.policy = MG_POLICY_WARN;
        mg_report_t r;
        eval(false, &r);
        cr_assert_not_null(mg_report_find(&r, "memavailable-zero"));
        cr_assert_eq(r.verdict, MG_VERDICT_WARN);
        cr_assert(r.policy_downgraded);
}

Test(checks, container_may_ask_to_be_warned) {
        squeeze_to_zero();
        jvm(0, "X=1");
        annotate("io.memgate.policy", "warn");
        mg_report_t r;
        eval(true, &r);
        cr_assert_eq(r.verdict, MG_VERDICT_WARN);
        cr_assert(strstr(r.policy_source, "io.memgate.policy"));
}

Test(checks, opting_out_needs_the_site_to_allow_it) {
        squeeze_to_zero();
        jvm(0, "X=1");
        annotate("io.memgate.policy", "off");
        mg_report_t r;
        eval(true, &r);
        cr_assert_eq(r.verdict, MG_VERDICT_REFUSE, "allow_opt_out is off by default");
        cr_assert_not_null(mg_report_find(&r, "opt-out-denied"));
        conf.allow_opt_out = true;
        eval(true, &r);
        cr_assert_eq(r.verdict, MG_VERDICT_ALLOW);
        cr_assert_not_null(mg_report_find(&r, "opted-out"));
        cr_assert_null(mg_report_find(&r, "memavailable-zero"), "nothing is checked");
}

Test(checks, annotations_carry_verdict_and_codes) {
        load("procfs/vm-6.18-24g-min_free_kbytes-2g");
        jvm(MG_GIB, "JAVA_TOOL_OPTIONS=-Xmx900m");
        mg_report_t r;
        eval(true, &r);
        mg_kv_t kv[16];
        int rn = mg_report_annotations(&r, &model, kv, 16);
        cr_assert_geq(rn, 2);
        size_t n = (size_t)rn;
        cr_assert_str_eq(kv[0].key, "io.memgate.verdict");
        cr_assert_str_eq(kv[0].value, "warn");
        cr_assert_str_eq(kv[1].key, "io.memgate.findings");
        cr_assert(strstr(kv[1].value, "offheap-margin") && strstr(kv[1].value, "watermark-misconfigured"), "%s",
                  kv[1].value);
        bool room = false;
        for (size_t i = 0; i < n; i++)
                room = room || (!strcmp(kv[i].key, "io.memgate.offheap-room-bytes") && !strcmp(kv[i].value, "130023424"));
        cr_assert(room, "1 GiB - 900 MiB = 124 MiB of room");
        mg_kv_clear(kv, n);
}

Test(checks, a_heap_option_the_runtime_refuses_is_reported) {
        load("procfs/vm-6.18-24g-default");
        jvm(MG_GIB, "JAVA_TOOL_OPTIONS=-Xmx12q");
        mg_report_t r;
        eval(true, &r);
        const mg_finding_t *f = mg_report_find(&r, "heap-option-invalid");
        cr_assert_not_null(f);
        cr_assert(strstr(f->message, "-Xmx12q"), "%s", f->message);
        cr_assert_eq(r.verdict, MG_VERDICT_WARN);
}
