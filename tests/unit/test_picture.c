/* SPDX-License-Identifier: Apache-2.0 */
/* The picture checks on structs built here (both sides of every threshold) and on host fixture
 * trees: parent-limit, numa-node-low, fragmentation, slab-unreclaimable, and the per-node table. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "memgate/inputs/host_read.h"
#include "memgate/checks/checks.h"
#include "memgate/inputs/cgroup.h"
#include "memgate/inputs/conf.h"
#include "memgate/inputs/nodemask.h"
#include "memgate/models/kernel.h"
#include "memgate/models/offheap.h"
#include "memgate/outputs/host_text.h"
#include "memgate/workload/heap.h"
#include "memgate/workload/heap_units.h"
#include "memgate/workload/shell.h"
#include "testutil.h"

#define KiB 1024ULL
#define MiB (1024ULL * 1024)
#define GiB (1024ULL * 1024 * 1024)

/* ---- builders ---- */

typedef struct fx {
        mg_host_t host;
        mg_model_t model;
        mg_conf_t conf;
        mg_container_t ctr;
        char *args[4];
        mg_cgroup_t cg;
        mg_heap_t heap;
        mg_input_t in;
        mg_report_t rep;
} fx_t;

static fx_t *fx_new(void) {
        fx_t *f = calloc(1, sizeof(*f));
        cr_assert_not_null(f);
        mg_conf_defaults(&f->conf);
        f->host.page_kb = 4;
        f->host.nodes = calloc(64, sizeof(mg_node_t));
        f->host.buddy = calloc(64, sizeof(mg_buddy_t));
        cr_assert(f->host.nodes && f->host.buddy);
        f->in.host = &f->host;
        f->in.model = &f->model;
        f->in.conf = &f->conf;
        return f;
}

static void fx_free(fx_t *f) {
        mg_host_clear(&f->host);
        free(f);
}

static void meminfo_set(mg_host_t *h, const char *name, uint64_t kb) {
        mg_meminfo_field_t *m = &h->meminfo.f[h->meminfo.n++];
        snprintf(m->name, sizeof(m->name), "%s", name);
        m->value = kb;
        m->kb = true;
}

static void node_add(mg_host_t *h, int id, uint64_t total_kb, uint64_t free_kb, uint64_t file_kb, uint64_t srecl_kb) {
        h->nodes[h->nnodes++] = (mg_node_t){ .id = id, .mem_total_kb = total_kb, .mem_free_kb = free_kb,
                                             .file_pages_kb = file_kb, .sreclaimable_kb = srecl_kb };
}

static void buddy_add(mg_host_t *h, int node, const char *zone, const uint64_t free[11]) {
        mg_buddy_t *b = &h->buddy[h->nbuddy++];
        b->node = node;
        snprintf(b->zone, sizeof(b->zone), "%s", zone);
        memcpy(b->free, free, 11 * sizeof(uint64_t));
        b->norders = 11;
        h->have_buddyinfo = true;
}

/* A container: java with -Xmx<xmx>, a limit (0 = none), a cpuset.mems (NULL = none). */
static void container(fx_t *f, const char *xmx, uint64_t limit, const char *mems) {
        static char opt[32];
        f->args[0] = "java";
        snprintf(opt, sizeof(opt), "-Xmx%s", xmx ? xmx : "600m");
        f->args[1] = xmx ? opt : "-version";
        f->args[2] = "-jar";
        f->args[3] = "app.jar";
        f->ctr.is_linux = true;
        f->ctr.args = f->args;
        f->ctr.nargs = xmx ? 4 : 2;
        f->ctr.have_limit = limit > 0;
        f->ctr.limit_bytes = limit;
        f->ctr.cpuset_mems = (char *)mems;
        f->in.container = &f->ctr;
}

/* cgroup: levels[0] own (limit 0 = none), levels[1] "/parent" with parent_limit, root. */
static void cgroup(fx_t *f, uint64_t own, uint64_t parent_limit) {
        mg_cgroup_t *cg = &f->cg;
        cg->version = 1;
        snprintf(cg->mount, sizeof(cg->mount), "/sys/fs/cgroup/memory");
        cg->nlevels = 3;
        cg->levels[0] = (mg_cgroup_level_t){ .path = "/parent/ctr", .exists = true, .applies = true,
                                             .have_limit = own > 0, .limit_bytes = own };
        cg->levels[1] = (mg_cgroup_level_t){ .path = "/parent", .exists = true, .applies = true,
                                             .have_limit = parent_limit > 0, .limit_bytes = parent_limit };
        cg->levels[2] = (mg_cgroup_level_t){ .path = "/", .exists = true, .applies = true };
        f->in.cgroup = cg;
        f->in.effective_limit_bytes = mg_cgroup_effective_limit(cg, NULL);
}

static const mg_finding_t *run(fx_t *f, const char *code) {
        memset(&f->rep, 0, sizeof(f->rep));
        if (f->in.container) {
                cr_assert_eq(mg_heap_detect(f->ctr.args, f->ctr.nargs, f->ctr.env, f->ctr.nenv, &f->heap), 0);
                f->in.heap = &f->heap;
        }
        mg_check_picture(&f->in, &f->rep);
        return mg_report_find(&f->rep, code);
}

static const mg_evidence_t *ev(const mg_finding_t *f, const char *key) {
        for (size_t i = 0; i < f->nev; i++)
                if (strcmp(f->ev[i].key, key) == 0)
                        return &f->ev[i];
        cr_assert_fail("finding %s has no evidence %s", f->code, key);
        return NULL;
}

/* The JVM's heap + off-heap need under a limit, as the check computes it. */
static uint64_t jvm_need(fx_t *f, uint64_t limit) {
        mg_heap_t h;
        mg_offheap_t est;
        mg_heap_detect(f->ctr.args, f->ctr.nargs, NULL, 0, &h);
        uint64_t heap = mg_heap_effective(&h, limit);
        mg_offheap_estimate(&h, heap, &f->conf.offheap, &est);
        return heap + est.total_bytes;
}

/* ---- parent-limit ---- */

Test(parent_limit, ancestor_below_own_limit) {
        fx_t *f = fx_new();
        container(f, "600m", GiB, NULL);
        cgroup(f, GiB, 256 * MiB);
        const mg_finding_t *p = run(f, "parent-limit");
        cr_assert_not_null(p);
        cr_assert_eq(p->severity, MG_SEV_WARN);
        cr_assert(strstr(p->message, "/parent") && strstr(p->message, "256 MiB") && strstr(p->message, "1.0 GiB"),
                  "%s", p->message);
        cr_assert(strstr(p->fix, "/sys/fs/cgroup/memory/parent/memory.limit_in_bytes"), "%s", p->fix);
        cr_assert_str_eq(ev(p, "ancestor")->s, "/parent");
        cr_assert_eq(ev(p, "ancestor_limit_bytes")->u, 256 * MiB);
        cr_assert_eq(ev(p, "container_limit_bytes")->u, GiB);
        cr_assert_eq(ev(p, "heap_bytes")->u, 600 * MiB);
        cr_assert_str_eq(ev(p, "reason")->s, "below-container-limit");
        fx_free(f);
}

Test(parent_limit, ancestor_at_or_above_own_limit_is_fine) {
        fx_t *f = fx_new();
        container(f, "600m", GiB, NULL);
        cgroup(f, GiB, GiB);
        cr_assert_null(run(f, "parent-limit"), "equal to the own limit: the container's own limit decides");
        cgroup(f, GiB, 2 * GiB);
        cr_assert_null(run(f, "parent-limit"));
        fx_free(f);
}

Test(parent_limit, ancestor_below_heap_need_without_own_limit) {
        fx_t *f = fx_new();
        container(f, "600m", 0, NULL);
        uint64_t need = jvm_need(f, 0);
        cr_assert_gt(need, 600 * MiB);
        cgroup(f, 0, need - 1);
        const mg_finding_t *p = run(f, "parent-limit");
        cr_assert_not_null(p, "an ancestor 1 byte below heap + off-heap");
        cr_assert_str_eq(ev(p, "reason")->s, "below-heap-need");
        cr_assert_eq(ev(p, "need_bytes")->u, need);
        cr_assert(strstr(p->message, "no limit of its own"), "%s", p->message);
        cgroup(f, 0, need);
        cr_assert_null(run(f, "parent-limit"), "exactly the need fits");
        fx_free(f);
}

Test(parent_limit, not_applied_ancestor_or_no_container) {
        fx_t *f = fx_new();
        container(f, "600m", GiB, NULL);
        cgroup(f, GiB, 256 * MiB);
        f->cg.levels[1].applies = false; /* v1 use_hierarchy=0 above */
        cr_assert_null(run(f, "parent-limit"));
        f->cg.levels[1].applies = true;
        f->cg.levels[1].exists = false;
        cr_assert_null(run(f, "parent-limit"), "a missing cgroup has no limit");
        f->cg.levels[1].exists = true;
        f->in.container = NULL; /* host mode */
        cr_assert_null(run(f, "parent-limit"));
        fx_free(f);
}

Test(parent_limit, no_runtime_no_own_limit_no_finding) {
        fx_t *f = fx_new();
        container(f, NULL, 0, NULL);
        f->args[0] = "nginx";
        cgroup(f, 0, 256 * MiB);
        cr_assert_null(run(f, "parent-limit"), "the ancestor is simply the container's limit");
        fx_free(f);
}

/* ---- numa-node-low ---- */

/* Two 16 GiB nodes: node 0 with free0 kB free (nothing reclaimable), node 1 with 10 GiB free. */
static void two_nodes(fx_t *f, uint64_t free0_kb) {
        node_add(&f->host, 0, 16 * GiB / KiB, free0_kb, 0, 0);
        node_add(&f->host, 1, 16 * GiB / KiB, 10 * GiB / KiB, 0, 0);
}

Test(numa, pinned_to_a_low_node) {
        fx_t *f = fx_new();
        two_nodes(f, 100 * MiB / KiB);
        container(f, NULL, 0, "0");
        const mg_finding_t *n = run(f, "numa-node-low");
        cr_assert_not_null(n);
        cr_assert(strstr(n->message, "node 0: 100 MiB free") && strstr(n->message, "node 1: 10.0 GiB free"), "%s",
                  n->message);
        cr_assert_str_eq(ev(n, "allowed_nodes")->s, "0");
        cr_assert_str_eq(ev(n, "other_nodes")->s, "1");
        cr_assert_eq(ev(n, "allowed_free_kb")->u, 100 * MiB / KiB);
        cr_assert(strstr(n->fix, "(e.g. podman run --cpuset-mems=0,1)"), "%s", n->fix);
        f->conf.engine = MG_CENGINE_DOCKER;
        n = run(f, "numa-node-low");
        cr_assert(strstr(n->fix, "(e.g. docker run --cpuset-mems=0,1)"), "%s", n->fix);
        f->conf.engine = MG_CENGINE_CRI; /* a pod spec has no such field: no command to suggest */
        n = run(f, "numa-node-low");
        cr_assert(strstr(n->fix, "linux.resources.cpu.mems (nodes 0,1)") && !strstr(n->fix, " run "), "%s", n->fix);
        fx_free(f);
}

Test(numa, pinned_to_the_node_that_has_memory) {
        fx_t *f = fx_new();
        two_nodes(f, 100 * MiB / KiB);
        container(f, NULL, 0, "1");
        cr_assert_null(run(f, "numa-node-low"));
        container(f, NULL, 0, "0-1");
        cr_assert_null(run(f, "numa-node-low"), "every node allowed: nothing better elsewhere");
        container(f, NULL, 0, NULL);
        cr_assert_null(run(f, "numa-node-low"), "no cpuset: the container may use every node");
        fx_free(f);
}

Test(numa, low_mark_both_sides) {
        /* 16 GiB node: 5% = 838861 kB (> 256 MiB floor). */
        uint64_t mark = 16 * GiB / KiB * 5 / 100;
        fx_t *f = fx_new();
        two_nodes(f, mark);
        container(f, NULL, 0, "0");
        cr_assert_null(run(f, "numa-node-low"), "at the mark");
        f->host.nodes[0].mem_free_kb = mark - 1;
        cr_assert_not_null(run(f, "numa-node-low"), "one kB under the mark");
        /* A small node: the 256 MiB floor rules. */
        f->host.nodes[0] = (mg_node_t){ .id = 0, .mem_total_kb = 2 * GiB / KiB, .mem_free_kb = 256 * MiB / KiB };
        cr_assert_null(run(f, "numa-node-low"));
        f->host.nodes[0].mem_free_kb = 256 * MiB / KiB - 1;
        cr_assert_not_null(run(f, "numa-node-low"));
        fx_free(f);
}

Test(numa, reclaimable_cache_counts_half) {
        fx_t *f = fx_new();
        two_nodes(f, 100 * MiB / KiB);
        container(f, NULL, 0, "0");
        /* 100 MiB free + half of 2 GiB page cache = 1.1 GiB > 5% of 16 GiB. */
        f->host.nodes[0].file_pages_kb = 2 * GiB / KiB;
        cr_assert_eq(mg_node_available_kb(&f->host.nodes[0]), (100 * MiB + GiB) / KiB);
        cr_assert_null(run(f, "numa-node-low"), "page cache is reclaimable");
        fx_free(f);
}

Test(numa, below_the_container_limit) {
        fx_t *f = fx_new();
        two_nodes(f, 2 * GiB / KiB); /* well above the 5% mark */
        container(f, NULL, 4 * GiB, "0");
        const mg_finding_t *n = run(f, "numa-node-low");
        cr_assert_not_null(n, "2 GiB on the only allowed node for a 4 GiB container");
        cr_assert(strstr(n->message, "less than its memory limit of 4.0 GiB"), "%s", n->message);
        container(f, NULL, GiB, "0");
        cr_assert_null(run(f, "numa-node-low"), "a 1 GiB container fits");
        fx_free(f);
}

Test(numa, cgroup_effective_mems_when_spec_has_none) {
        fx_t *f = fx_new();
        two_nodes(f, 100 * MiB / KiB);
        container(f, NULL, 0, NULL);
        cgroup(f, 0, 0);
        f->cg.have_mems = true;
        snprintf(f->cg.mems, sizeof(f->cg.mems), "0");
        snprintf(f->cg.mems_path, sizeof(f->cg.mems_path), "/parent");
        const mg_finding_t *n = run(f, "numa-node-low");
        cr_assert_not_null(n);
        cr_assert(strstr(ev(n, "source")->s, "/parent"), "%s", ev(n, "source")->s);
        snprintf(f->cg.mems, sizeof(f->cg.mems), "0-1");
        cr_assert_null(run(f, "numa-node-low"));
        fx_free(f);
}

Test(numa, host_mode_imbalance_and_single_node) {
        fx_t *f = fx_new();
        two_nodes(f, 100 * MiB / KiB);
        const mg_finding_t *n = run(f, "numa-node-low");
        cr_assert_not_null(n, "host mode: node 0 short while node 1 has memory");
        cr_assert_str_eq(ev(n, "low_nodes")->s, "0");
        f->host.nodes[0].mem_free_kb = 8 * GiB / KiB;
        cr_assert_null(run(f, "numa-node-low"));
        f->host.nodes[0].mem_free_kb = f->host.nodes[1].mem_free_kb = 10 * MiB / KiB;
        cr_assert_null(run(f, "numa-node-low"), "every node short: the host's problem, not NUMA's");
        fx_t *g = fx_new();
        node_add(&g->host, 0, 16 * GiB / KiB, 10 * MiB / KiB, 0, 0);
        container(g, NULL, 0, "0");
        cr_assert_null(run(g, "numa-node-low"), "one node: nowhere else to go");
        fx_free(f);
        fx_free(g);
}

Test(numa, malformed_mems_is_ignored_not_crashed) {
        fx_t *f = fx_new();
        two_nodes(f, 100 * MiB / KiB);
        container(f, NULL, 0, "0-");
        cr_assert_null(run(f, "numa-node-low"));
        container(f, NULL, 0, "7");
        cr_assert_null(run(f, "numa-node-low"), "nodes the host lacks: the runtime refuses them");
        fx_free(f);
}

/* ---- fragmentation ---- */

static const uint64_t FRAG[11] = { 7000, 1500, 750, 0, 0, 0, 0, 0, 0, 0, 0 };
static const uint64_t HEALTHY[11] = { 40, 30, 21, 13, 8, 7, 5, 3, 1, 1, 2537 };
static const uint64_t ONE_ORDER3[11] = { 7000, 1500, 750, 1, 0, 0, 0, 0, 0, 0, 0 };

Test(fragmentation, normal_zone_without_order3_blocks) {
        fx_t *f = fx_new();
        buddy_add(&f->host, 0, "DMA32", HEALTHY);
        buddy_add(&f->host, 0, "Normal", FRAG);
        const mg_finding_t *x = run(f, "fragmentation");
        cr_assert_not_null(x, "DMA32's blocks do not save Normal allocations");
        cr_assert(strstr(x->message, "node 0 Normal") && strstr(x->message, "order 3"), "%s", x->message);
        cr_assert(strstr(x->message, "lowmem_reserve"), "%s", x->message);
        cr_assert_str_eq(x->fix, "echo 1 > /proc/sys/vm/compact_memory (and consider sysctl -w "
                                 "vm.compaction_proactiveness=20 to keep compacting)");
        cr_assert_eq(ev(x, "low_order_blocks")->u, 7000 + 1500 + 750);
        cr_assert_eq(ev(x, "dma32_high_order_blocks")->u, 13 + 8 + 7 + 5 + 3 + 1 + 1 + 2537);
        fx_free(f);
}

Test(fragmentation, one_order3_block_is_enough) {
        fx_t *f = fx_new();
        buddy_add(&f->host, 0, "Normal", ONE_ORDER3);
        cr_assert_null(run(f, "fragmentation"));
        f->host.buddy[0].free[3] = 0;
        f->host.buddy[0].free[10] = 1;
        cr_assert_null(run(f, "fragmentation"), "an order-10 block counts too");
        f->host.buddy[0].free[10] = 0;
        cr_assert_not_null(run(f, "fragmentation"));
        fx_free(f);
}

Test(fragmentation, dma32_only_host) {
        fx_t *f = fx_new();
        buddy_add(&f->host, 0, "DMA", HEALTHY);
        buddy_add(&f->host, 0, "DMA32", FRAG);
        const mg_finding_t *x = run(f, "fragmentation");
        cr_assert_not_null(x, "without Normal, DMA32 is where allocations land");
        cr_assert(strstr(x->message, "node 0 DMA32"), "%s", x->message);
        f->host.have_buddyinfo = false;
        cr_assert_null(run(f, "fragmentation"), "no buddyinfo, no judgement");
        fx_free(f);
}

Test(fragmentation, nodes_the_container_may_use) {
        fx_t *f = fx_new();
        buddy_add(&f->host, 0, "Normal", HEALTHY);
        buddy_add(&f->host, 1, "Normal", FRAG);
        cr_assert_not_null(run(f, "fragmentation"), "host mode names the fragmented node");
        container(f, NULL, 0, "1");
        const mg_finding_t *x = run(f, "fragmentation");
        cr_assert_not_null(x, "pinned to node 1");
        cr_assert(strstr(x->message, "node 1 Normal"), "%s", x->message);
        container(f, NULL, 0, "0");
        cr_assert_null(run(f, "fragmentation"));
        container(f, NULL, 0, NULL);
        cr_assert_null(run(f, "fragmentation"), "may fall back to node 0");
        fx_free(f);
}

/* ---- slab-unreclaimable ---- */

Test(slab, ten_percent_both_sides) {
        fx_t *f = fx_new();
        meminfo_set(&f->host, "MemTotal", 8000000);
        meminfo_set(&f->host, "SUnreclaim", 800000);
        cr_assert_null(run(f, "slab-unreclaimable"), "exactly 10%");
        f->host.meminfo.f[1].value = 800001;
        const mg_finding_t *s = run(f, "slab-unreclaimable");
        cr_assert_not_null(s);
        cr_assert(strstr(s->message, "10.0%"), "%s", s->message);
        cr_assert(strstr(s->fix, "slabtop") && strstr(s->fix, "/proc/slabinfo"), "%s", s->fix);
        cr_assert_eq(ev(s, "sunreclaim_kb")->u, 800001);
        cr_assert_eq(ev(s, "memtotal_kb")->u, 8000000);
        fx_free(f);
}

Test(slab, missing_fields_or_huge_values) {
        fx_t *f = fx_new();
        meminfo_set(&f->host, "MemTotal", 8000000);
        cr_assert_null(run(f, "slab-unreclaimable"), "no SUnreclaim line");
        meminfo_set(&f->host, "SUnreclaim", UINT64_MAX);
        cr_assert_not_null(run(f, "slab-unreclaimable"), "saturating arithmetic, no wrap");
        fx_free(f);
}

/* ---- fixture trees read the way memgate reads a host ---- */

static void read_tree(const char *rel, mg_host_t *h) {
        mg_host_clear(h);
        char proc[PATH_MAX], sys[PATH_MAX];
        snprintf(proc, sizeof(proc), "%s/proc", tu_fixture(rel));
        snprintf(sys, sizeof(sys), "%s/sys", tu_fixture(rel));
        mg_roots_t roots = { .procfs = proc, .sysfs = sys };
        mg_error_t err = {0};
        cr_assert_eq(mg_host_read(&roots, h, &err), 0, "%s: %s", rel, err.msg);
}

Test(picture_trees, two_nodes_node1_low_and_fragmented) {
        fx_t *f = fx_new();
        read_tree("procfs/host-2node-node1-low", &f->host);
        cr_assert_eq(f->host.nnodes, 2);
        const mg_finding_t *n = run(f, "numa-node-low");
        cr_assert_not_null(n);
        cr_assert_str_eq(ev(n, "low_nodes")->s, "1");
        const mg_finding_t *x = run(f, "fragmentation");
        cr_assert_not_null(x);
        cr_assert(strstr(x->message, "node 1 Normal") && !strstr(x->message, "node 0"), "%s", x->message);
        cr_assert_null(run(f, "slab-unreclaimable"));

        container(f, "600m", GiB, "1");
        cr_assert_not_null(run(f, "numa-node-low"));
        cr_assert_not_null(run(f, "fragmentation"));
        container(f, "600m", GiB, "0");
        cr_assert_null(run(f, "numa-node-low"));
        cr_assert_null(run(f, "fragmentation"));
        fx_free(f);
}

Test(picture_trees, slab_leak_host) {
        fx_t *f = fx_new();
        read_tree("procfs/host-8g-slab-unreclaim", &f->host);
        const mg_finding_t *s = run(f, "slab-unreclaimable");
        cr_assert_not_null(s);
        cr_assert_eq(ev(s, "sunreclaim_kb")->u, 1650000);
        cr_assert_null(run(f, "numa-node-low"));
        cr_assert_null(run(f, "fragmentation"));
        fx_free(f);
}

Test(picture_trees, real_capture_is_quiet) {
        char proc[PATH_MAX], sys[PATH_MAX];
        snprintf(proc, sizeof(proc), "%s/proc", tu_peer("procfs/vm-6.18-24g-default"));
        snprintf(sys, sizeof(sys), "%s/sys", tu_peer("procfs/vm-6.18-24g-default"));
        mg_roots_t roots = { .procfs = proc, .sysfs = sys };
        mg_error_t err = {0};
        fx_t *f = fx_new();
        mg_host_clear(&f->host);
        cr_assert_eq(mg_host_read(&roots, &f->host, &err), 0, "%s", err.msg);
        memset(&f->rep, 0, sizeof(f->rep));
        mg_check_picture(&f->in, &f->rep);
        cr_assert_eq(f->rep.n, 0, "a healthy 24 GiB VM: %s", f->rep.n ? f->rep.findings[0].message : "");
        fx_free(f);
}

/* ---- memgate host's per-node table ---- */

Test(picture_text, per_node_table) {
        fx_t *f = fx_new();
        read_tree("procfs/host-2node-node1-low", &f->host);
        mg_buf_t out = {0};
        mg_host_nodes_text(&f->host, &out);
        cr_assert_not_null(out.data);
        cr_assert(strstr(out.data, "NUMA nodes"), "%s", out.data);
        cr_assert(strstr(out.data, "DMA:10 DMA32:10 Normal:10"), "node 0's zones: %s", out.data);
        cr_assert(strstr(out.data, "Normal:2\n"), "node 1's highest free order is 2: %s", out.data);
        cr_assert(strstr(out.data, "0.3%"), "node 1 free %%: %s", out.data);
        mg_buf_free(&out);

        mg_host_t empty = {0};
        mg_host_nodes_text(&empty, &out);
        cr_assert_eq(out.len, 0, "nothing to show, nothing printed");
        fx_free(f);
}
