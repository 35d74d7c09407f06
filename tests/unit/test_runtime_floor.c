/* SPDX-License-Identifier: Apache-2.0 */
/* runtime-floor on both sides of the floor: a memory limit below what runc init needs in the
 * container's cgroup is refused; at the floor, without a limit, or with the floor switched off
 * (runtime_floor = 0, crun nodes) it is not. The host is a real capture; only the container
 * changes. */
#include <criterion/criterion.h>
#include <string.h>

#include "memgate/checks/checks.h"
#include "memgate/inputs/conf.h"
#include "memgate/inputs/host_read.h"
#include "testutil.h"

#define MiB (1024ULL * 1024)

static mg_host_t host;
static mg_model_t model;
static mg_conf_t conf;
static mg_container_t ctr;
static mg_heap_t heap;
static char *args[] = {"/bin/true", NULL};

static void setup(void) {
        char p[512], s[512];
        snprintf(p, sizeof(p), "%s/proc", tu_peer("procfs/vm-6.18-24g-default"));
        snprintf(s, sizeof(s), "%s/sys", tu_peer("procfs/vm-6.18-24g-default"));
        mg_roots_t roots = {.procfs = p, .sysfs = s};
        mg_error_t err = {0};
        cr_assert_eq(mg_host_read(&roots, &host, &err), 0, "%s", err.msg);
        mg_model_opts_t o = {.caller_has_sys_admin = true};
        mg_model_compute(&host, &o, &model);
        mg_conf_defaults(&conf);
        memset(&ctr, 0, sizeof(ctr));
        ctr.is_linux = true;
        ctr.args = args;
        ctr.nargs = 1;
        memset(&heap, 0, sizeof(heap));
}

static const mg_finding_t *floor_finding(uint64_t own_limit, uint64_t effective, mg_report_t *r) {
        ctr.have_limit = own_limit > 0;
        ctr.limit_bytes = own_limit;
        mg_input_t in = {.host = &host, .model = &model, .container = &ctr, .heap = &heap, .conf = &conf,
                         .effective_limit_bytes = effective};
        mg_evaluate(&in, r);
        for (size_t i = 0; i < r->n; i++)
                if (!strcmp(r->findings[i].code, "runtime-floor"))
                        return &r->findings[i];
        return NULL;
}

TestSuite(runtime_floor, .init = setup);

Test(runtime_floor, default_is_the_lab_figure) {
        cr_assert_eq(conf.runtime_floor_kb, 16 * 1024);
}

Test(runtime_floor, below_the_floor_is_refused) {
        mg_report_t r;
        const mg_finding_t *f = floor_finding(8 * MiB, 0, &r);
        cr_assert_not_null(f, "an 8 MiB limit is below runc init's floor");
        cr_assert_eq(f->severity, MG_SEV_REFUSE);
        cr_assert_eq(r.verdict, MG_VERDICT_REFUSE);
        cr_assert_not_null(strstr(f->message, "limit 8 MiB"), "%s", f->message);
        cr_assert_not_null(strstr(f->message, "container init was OOM-killed"), "%s", f->message);
        cr_assert_not_null(strstr(f->fix, "-m 16m"), "%s", f->fix);
}

Test(runtime_floor, both_sides_of_the_floor) {
        mg_report_t r;
        cr_assert_not_null(floor_finding(16 * MiB - 4096, 0, &r), "one page under the floor");
        cr_assert_null(floor_finding(16 * MiB, 0, &r), "at the floor");
        cr_assert_null(floor_finding(1024 * MiB, 0, &r));
}

Test(runtime_floor, no_limit_no_finding) {
        mg_report_t r;
        cr_assert_null(floor_finding(0, 0, &r));
}

Test(runtime_floor, an_ancestor_limit_below_the_floor) {
        mg_report_t r;
        const mg_finding_t *f = floor_finding(1024 * MiB, 12 * MiB, &r);
        cr_assert_not_null(f);
        cr_assert_not_null(strstr(f->message, "ancestor"), "%s", f->message);
}

Test(runtime_floor, switched_off_and_set_from_the_conf) {
        mg_report_t r;
        mg_error_t err = {0};
        cr_assert_eq(mg_conf_parse("runtime_floor = 0\n", "memgate.conf", &conf, &err), 0, "%s", err.msg);
        cr_assert_null(floor_finding(4 * MiB, 0, &r), "runtime_floor = 0 switches the check off");
        cr_assert_eq(mg_conf_parse("runtime_floor = 2M\n", "memgate.conf", &conf, &err), 0, "%s", err.msg);
        cr_assert_null(floor_finding(4 * MiB, 0, &r));
        cr_assert_not_null(floor_finding(1 * MiB, 0, &r));
}
