/* SPDX-License-Identifier: Apache-2.0 */
/* Old and hostile /proc trees (tests/fixtures/procfs/gen-hostile.py) and hosts larger than any fixed
 * cap: no figure may wrap (the sanitizer build runs this suite with -fno-sanitize-recover, so an
 * overflow is a crash here), an absent MemAvailable is unknown and never zero, and a host with
 * hundreds of nodes or megabytes of zoneinfo is read whole. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "memgate/checks/checks.h"
#include "memgate/inputs/conf.h"
#include "memgate/inputs/host_read.h"
#include "memgate/models/kernel.h"
#include "memgate/outputs/annotations.h"
#include "memgate/outputs/host_text.h"
#include "memgate/outputs/text.h"
#include "memgate/workload/heap.h"
#include "testutil.h"

static mg_host_t host;
static mg_model_t model;
static mg_conf_t conf;
static mg_report_t rep;

static void load(const char *tree) {
        char p[PATH_MAX], s[PATH_MAX];
        snprintf(p, sizeof(p), "%s/proc", tu_fixture(tree));
        snprintf(s, sizeof(s), "%s/sys", tu_fixture(tree));
        mg_roots_t roots = {.procfs = p, .sysfs = s};
        mg_error_t err = {0};
        mg_host_clear(&host);
        cr_assert_eq(mg_host_read(&roots, &host, &err), 0, "%s: %s", tree, err.msg);
        mg_conf_defaults(&conf);
        mg_model_opts_t o = {.heuristic = conf.heuristic, .caller_has_sys_admin = true};
        mg_model_compute(&host, &o, &model);
}

/* A JVM container with -Xmx<xmx> under a 1 GiB limit, evaluated on the loaded host. */
static void evaluate_jvm(const char *xmx_opt) {
        static char *args[] = {"java", NULL, "-jar", "app.jar", NULL};
        static mg_container_t ctr;
        static mg_heap_t heap;
        args[1] = (char *)xmx_opt;
        ctr = (mg_container_t){.is_linux = true, .have_limit = true, .limit_bytes = 1ULL << 30, .args = args,
                               .nargs = 4};
        cr_assert_eq(mg_heap_detect(ctr.args, ctr.nargs, NULL, 0, &heap), 0);
        mg_input_t in = {.host = &host, .model = &model, .container = &ctr, .heap = &heap, .conf = &conf};
        mg_evaluate(&in, &rep);
}

static void evaluate_host(void) {
        mg_input_t in = {.host = &host, .model = &model, .conf = &conf};
        mg_evaluate(&in, &rep);
}

static char *text_report(void) {
        mg_buf_t b = {0};
        mg_report_ctx_t ctx = {.mode = "host", .report = &rep, .host = &host, .model = &model};
        mg_report_text(&ctx, &b);
        cr_assert(!b.overflow);
        return b.data;
}

Test(hostile_proc, memavailable_absent_is_unknown_not_zero) {
        load("procfs/old-3.10-no-memavailable");
        cr_assert(!model.have_kernel_memavailable);
        cr_assert(!model.have_memavailable, "no MemAvailable and no zoneinfo: nothing to know it from");
        uint64_t kb = 12345;
        cr_assert(!mg_model_memavailable(&model, &kb));
        evaluate_host();
        cr_assert_null(mg_report_find(&rep, "memavailable-zero"), "an absent MemAvailable was judged as 0 kB");
        evaluate_jvm("-Xmx600m");
        cr_assert_null(mg_report_find(&rep, "memavailable-zero"));
        cr_assert_neq(rep.verdict, MG_VERDICT_REFUSE);
        char *t = text_report();
        cr_assert(strstr(t, "unknown"), "%s", t);
        cr_assert_null(strstr(t, "kernel says 0 kB"), "%s", t);
        free(t);
        mg_kv_t kv[16];
        int n = mg_report_annotations(&rep, &model, kv, 16);
        cr_assert_geq(n, 2);
        for (int i = 0; i < n; i++)
                cr_assert_str_neq(kv[i].key, "io.memgate.memavailable-kb", "an unknown figure was annotated");
        mg_kv_clear(kv, (size_t)n);
}

Test(hostile_proc, memavailable_reconstructed_on_an_old_kernel) {
        load("procfs/old-3.10-zoneinfo");
        cr_assert(!model.have_kernel_memavailable);
        cr_assert(model.have_memavailable && model.reconstructed);
        cr_assert_gt(model.memavailable_kb, 2ULL << 20, "the 4 GB host has about 2.9 GiB free");
        evaluate_host();
        cr_assert_null(mg_report_find(&rep, "memavailable-zero"));
        char *t = text_report();
        cr_assert(strstr(t, "does not print MemAvailable"), "%s", t);
        free(t);
}

Test(hostile_proc, huge_values_never_wrap) {
        load("procfs/hostile-huge-values");
        cr_assert_geq(model.totalreserve_kb, 1ULL << 40, "a reserve of 2^48-page zones cannot come out small");
        cr_assert_geq(model.memtotal_kb, (UINT64_MAX / 1024) - 1);
        evaluate_jvm("-Xmx600m");
        const mg_finding_t *c = mg_report_find(&rep, "commit-exhausted");
        cr_assert_not_null(c, "Committed_AS at CommitLimit under mode 2 must be refused");
        /* A ratio fix must raise the ratio; here no ratio is enough, so it names overcommit_kbytes. */
        const char *r = strstr(c->fix, "overcommit_ratio=");
        if (r && strstr(r, "(now ")) {
                unsigned long long want = strtoull(r + 17, NULL, 10), now = strtoull(strstr(r, "(now ") + 5, NULL, 10);
                cr_assert_gt(want, now, "fix goes backwards: %s", c->fix);
        }
        cr_assert(strstr(c->fix, "overcommit_kbytes="), "%s", c->fix);
        for (size_t i = 0; i < rep.n; i++) {
                cr_assert_null(strstr(rep.findings[i].message, "(now 0)"), "%s", rep.findings[i].message);
                cr_assert_null(strstr(rep.findings[i].message, "leaving -0"), "%s", rep.findings[i].message);
        }
        char *t = text_report();
        cr_assert(strstr(t, "17179869184.0 GiB"), "2^64 kB prints saturated, never wrapped: %s", t);
        free(t);
}

Test(hostile_proc, two_hundred_nodes_are_all_read) {
        load("procfs/many-nodes-200");
        cr_assert_eq(host.nnodes, 200, "nodes read: %zu", host.nnodes);
        cr_assert_eq(host.nzones, 400, "zones read: %zu", host.nzones);
        cr_assert_eq(host.zones_listed, 400);
        cr_assert_eq(host.nbuddy, 400);
        cr_assert_eq(host.nodes[199].id, 199);
        mg_buf_t b = {0};
        mg_host_nodes_text(&host, &b);
        cr_assert(strstr(b.data, "\n  199 "), "node 199 is in the table: %.400s", b.data);
        mg_buf_free(&b);
}

/* A zoneinfo of a 192-CPU, 8-node host: megabytes of per-cpu pagesets, over the 4 MiB whole-file
 * cap that used to fail the evaluation. Written next to a copy of a fixture tree. */
Test(hostile_proc, zoneinfo_of_a_big_host_is_streamed) {
        char tmpl[] = "/tmp/memgate-bigzi-XXXXXX";
        cr_assert_not_null(mkdtemp(tmpl));
        char cmd[PATH_MAX * 2 + 64];
        snprintf(cmd, sizeof(cmd), "cp -r '%s/proc' '%s/sys' '%s/'", tu_fixture("procfs/host-4g-default"),
                 tu_fixture("procfs/host-4g-default"), tmpl);
        cr_assert_eq(system(cmd), 0);
        char path[PATH_MAX];
        snprintf(path, sizeof(path), "%s/proc/zoneinfo", tmpl);
        FILE *f = fopen(path, "w");
        cr_assert_not_null(f);
        const char *zones[] = {"DMA32", "Normal", "Movable"};
        for (int node = 0; node < 8; node++)
                for (int z = 0; z < 3; z++) {
                        fprintf(f, "Node %d, zone %8s\n  pages free     1000\n        boost    0\n        min      10\n"
                                   "        low      20\n        high     30\n        spanned  4096\n"
                                   "        present  4096\n        managed  4000\n        protection: (0, 0, 0, 0, 0)\n"
                                   "      nr_free_pages 1000\n  pagesets\n",
                                node, zones[z]);
                        for (int cpu = 0; cpu < 192; cpu++)
                                fprintf(f, "    cpu: %d\n              count: 12\n              high:  378\n"
                                           "              batch: 63\n  vm stats threshold: 24\n"
                                           "              high_min:  378\n              high_max:  3780\n"
                                           "%*s\n",
                                        cpu, 3000, "");
                        fprintf(f, "  node_unreclaimable:  0\n  start_pfn:           1\n");
                }
        cr_assert_eq(fclose(f), 0);
        struct stat st;
        cr_assert_eq(stat(path, &st), 0);
        cr_assert_gt(st.st_size, 4 << 20, "the file must be over the old 4 MiB cap: %jd", (intmax_t)st.st_size);

        char p[PATH_MAX], s[PATH_MAX];
        snprintf(p, sizeof(p), "%s/proc", tmpl);
        snprintf(s, sizeof(s), "%s/sys", tmpl);
        mg_roots_t roots = {.procfs = p, .sysfs = s};
        mg_error_t err = {0};
        mg_host_clear(&host);
        cr_assert_eq(mg_host_read(&roots, &host, &err), 0, "%s", err.msg);
        cr_assert(host.have_zoneinfo);
        cr_assert_eq(host.nzones, 24, "zones: %zu", host.nzones);
        cr_assert_eq(host.zones[23].node, 7);
        cr_assert_str_eq(host.zones[23].name, "Movable");
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpl);
        cr_assert_eq(system(cmd), 0);
}
