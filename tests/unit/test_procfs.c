/* SPDX-License-Identifier: Apache-2.0 */
/* The host readers (hook/inputs/host_read.c and its parsers) on the real captures in tests/fixtures/peer, the
 * generated fixture trees, the live /proc, and on broken input. */
#include <criterion/criterion.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include "memgate/inputs/host.h"
#include "memgate/inputs/host_read.h"
#include "memgate/inputs/meminfo.h"
#include "memgate/inputs/nodemask.h"
#include "memgate/inputs/nodes.h"
#include "memgate/inputs/zoneinfo.h"
#include "testutil.h"

static mg_host_t host; /* big: keep it off the stack */

static int read_tree(const char *base, const char *name, mg_host_t *h, mg_error_t *err) {
        char proc[PATH_MAX], sys[PATH_MAX];
        snprintf(proc, sizeof(proc), "%s/%s/proc", base, name);
        snprintf(sys, sizeof(sys), "%s/%s/sys", base, name);
        mg_roots_t roots = { .procfs = proc, .sysfs = sys };
        mg_host_t tmp;
        int r = mg_host_read(&roots, &tmp, err);
        if (r == 0) { /* the last tree read replaces (and frees) the one before */
                mg_host_clear(h);
                *h = tmp;
        }
        return r;
}

static void read_peer(const char *name, mg_host_t *h) {
        char base[PATH_MAX];
        snprintf(base, sizeof(base), "%s", tu_peer("procfs"));
        mg_error_t err = { 0 };
        int r = read_tree(base, name, h, &err);
        cr_assert_eq(r, 0, "%s: %s", name, err.msg);
}

static void read_fixture(const char *name, mg_host_t *h) {
        char base[PATH_MAX];
        snprintf(base, sizeof(base), "%s", tu_fixture("procfs"));
        mg_error_t err = { 0 };
        int r = read_tree(base, name, h, &err);
        cr_assert_eq(r, 0, "%s: %s", name, err.msg);
}

static const mg_zone_t *zone(const mg_host_t *h, int node, const char *name) {
        for (size_t i = 0; i < h->nzones; i++)
                if (h->zones[i].node == node && strcmp(h->zones[i].name, name) == 0)
                        return &h->zones[i];
        cr_assert_fail("no zone %s on node %d", name, node);
        return NULL;
}

static uint64_t mi(const mg_host_t *h, const char *name) {
        uint64_t v;
        cr_assert_eq(mg_meminfo_get(&h->meminfo, name, &v), 0, "no %s in meminfo", name);
        return v;
}

/* ---- the real captures ---- */

Test(procfs, peer_min_free_2g_meminfo) {
        read_peer("vm-6.18-24g-min_free_kbytes-2g", &host);
        cr_assert_eq(host.meminfo.n, 54, "every field of the capture kept (got %zu)", host.meminfo.n);
        cr_assert_str_eq(host.meminfo.f[0].name, "MemTotal", "fields in file order");
        cr_assert_eq(mi(&host, "MemTotal"), 24684084);
        cr_assert_eq(mi(&host, "MemAvailable"), 21301332);
        cr_assert_eq(mi(&host, "VmallocTotal"), 34359738367ULL);
        cr_assert_str_eq(host.meminfo.f[host.meminfo.n - 1].name, "DirectMap1G");
        /* units: HugePages_* are counts, Hugepagesize is kB */
        for (size_t i = 0; i < host.meminfo.n; i++) {
                bool count = strncmp(host.meminfo.f[i].name, "HugePages_", 10) == 0;
                cr_assert_eq(host.meminfo.f[i].kb, !count, "%s unit flag", host.meminfo.f[i].name);
        }
        cr_assert_eq(host.vm.min_free_kbytes, 2097152);
        cr_assert(host.vm.have_min_free_kbytes && host.vm.have_watermark_boost_factor);
        cr_assert_eq(host.vm.watermark_boost_factor, 15000);
        cr_assert_eq(host.vm.user_reserve_kbytes, 100403);
}

Test(procfs, peer_min_free_2g_zones) {
        read_peer("vm-6.18-24g-min_free_kbytes-2g", &host);
        cr_assert(host.have_zoneinfo);
        cr_assert_eq(host.nzones, 5, "DMA DMA32 Normal Movable Device, empty ones included");
        const mg_zone_t *dma = zone(&host, 0, "DMA");
        cr_assert_eq(dma->free, 3840);
        cr_assert_eq(dma->high, 1652);
        cr_assert_eq(dma->managed, 3840);
        cr_assert_eq(dma->nprotection, 5);
        uint64_t prot[] = { 0, 3019, 7115, 7115, 7115 };
        for (size_t i = 0; i < 5; i++)
                cr_assert_eq(dma->protection[i], prot[i], "DMA protection[%zu]", i);
        const mg_zone_t *n = zone(&host, 0, "Normal");
        cr_assert_eq(n->min, 301181);
        cr_assert_eq(n->low, 376476);
        cr_assert_eq(n->high, 451771);
        cr_assert_eq(n->managed, 1048576);
        cr_assert_eq(n->boost, 0);
        const mg_zone_t *mov = zone(&host, 0, "Movable");
        cr_assert_eq(mov->managed, 0, "a zone with managed 0 still counts");
        cr_assert_eq(mov->high, 32);
        /* The per-cpu pagesets print "high:  4471": must not overwrite the zone's high. */
        cr_assert_eq(zone(&host, 0, "DMA32")->high, 333003);
}

Test(procfs, peer_all_captures_parse) {
        const char *names[] = { "vm-6.18-24g-default", "vm-6.18-24g-min_free_kbytes-2g",
                                "vm-6.18-24g-overcommit2-ratio30" };
        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                read_peer(names[i], &host);
                cr_assert_eq(host.kmajor, 6, "%s", names[i]);
                cr_assert_eq(host.kminor, 18);
                cr_assert_str_eq(host.kernel, "6.18.44-fc-v669");
                cr_assert_eq(host.nzones, 5);
                cr_assert(host.have_buddyinfo);
                cr_assert_eq(host.nbuddy, 3);
                cr_assert_eq(host.nnodes, 1);
                cr_assert_eq(host.nodes[0].id, 0);
                cr_assert_eq(host.page_kb, (uint64_t)sysconf(_SC_PAGESIZE) / 1024);
        }
        read_peer("vm-6.18-24g-overcommit2-ratio30", &host);
        cr_assert_eq(host.vm.overcommit_memory, 2);
        cr_assert_eq(host.vm.overcommit_ratio, 30);
}

Test(procfs, peer_buddyinfo_and_node) {
        read_peer("vm-6.18-24g-min_free_kbytes-2g", &host);
        const mg_buddy_t *b = &host.buddy[2];
        cr_assert_str_eq(b->zone, "Normal");
        cr_assert_eq(b->node, 0);
        cr_assert_eq(b->norders, 11);
        uint64_t want[] = { 6, 381, 404, 242, 169, 408, 337, 241, 219, 141, 757 };
        for (size_t i = 0; i < 11; i++)
                cr_assert_eq(b->free[i], want[i], "order %zu", i);
        cr_assert_eq(host.nodes[0].mem_total_kb, 7301324);
        cr_assert_eq(host.nodes[0].mem_free_kb, 7009208);
        cr_assert_eq(host.nodes[0].file_pages_kb, 102136);
        cr_assert_eq(host.nodes[0].sreclaimable_kb, 64392);
}

/* ---- the live kernel ---- */

Test(procfs, live_proc) {
        if (access("/proc/zoneinfo", R_OK) != 0)
                cr_skip_test("SKIP: /proc/zoneinfo is not readable here, live check impossible");
        mg_error_t err = { 0 };
        mg_roots_t roots = { .procfs = "/proc", .sysfs = "/sys" };
        mg_host_clear(&host);
        cr_assert_eq(mg_host_read(&roots, &host, &err), 0, "%s", err.msg);
        cr_assert_gt(mi(&host, "MemTotal"), 0);
        cr_assert_gt(host.meminfo.n, 20);
        cr_assert(host.have_zoneinfo);
        cr_assert_gt(host.nzones, 0);
        cr_assert_gt(host.kmajor, 2, "osrelease %s", host.kernel);
        /* The live release comes from uname(2): the same text as the file it replaces. */
        char *rel = tu_slurp("/proc/sys/kernel/osrelease", NULL);
        rel[strcspn(rel, "\n")] = '\0';
        cr_assert_str_eq(host.kernel, rel);
        free(rel);
        uint64_t managed = 0;
        for (size_t i = 0; i < host.nzones; i++)
                managed += host.zones[i].managed;
        /* Zones never manage more than MemTotal; on VMs with deferred struct-page init they can
         * show far less (see tests/fixtures/peer/README.md), so only the upper bound is checked. */
        uint64_t total_pages = mi(&host, "MemTotal") / host.page_kb;
        cr_assert_gt(managed, 0);
        cr_assert_leq(managed, total_pages + total_pages / 50, "managed %lu vs MemTotal pages %lu",
                      (unsigned long)managed, (unsigned long)total_pages);
        /* MemTotal is the kernel's totalram, which sysinfo(2) reports too */
        struct sysinfo si;
        cr_assert_eq(sysinfo(&si), 0);
        cr_assert_eq(mi(&host, "MemTotal"), (uint64_t)si.totalram * si.mem_unit / 1024);
}

Test(procfs, default_roots) {
        mg_error_t err = { 0 };
        mg_roots_t roots = { 0 };
        mg_host_clear(&host);
        cr_assert_eq(mg_host_read(&roots, &host, &err), 0, "NULL roots mean /proc and /sys: %s", err.msg);
        cr_assert_gt(mi(&host, "MemTotal"), 0);
}

/* ---- generated trees ---- */

Test(procfs, fixture_incident_4g) {
        read_fixture("host-4g-minfree-2g", &host);
        cr_assert_eq(mi(&host, "MemTotal"), 3983360);
        cr_assert_eq(mi(&host, "MemFree"), 3039360);
        cr_assert_eq(mi(&host, "MemAvailable"), 0);
        cr_assert_eq(host.vm.min_free_kbytes, 2097152);
        cr_assert_eq(host.kmajor, 5);
        cr_assert_eq(host.kminor, 10);
        cr_assert_eq(host.nzones, 5);
        const mg_zone_t *d32 = zone(&host, 0, "DMA32");
        cr_assert_eq(d32->min, 390646);
        cr_assert_eq(d32->high, 585968);
        cr_assert_eq(d32->protection[2], 976);
        uint64_t free = 0;
        for (size_t i = 0; i < host.nzones; i++)
                free += host.zones[i].free;
        cr_assert_eq(free * 4, mi(&host, "MemFree"), "zone free pages add up to MemFree in the fixture");
}

Test(procfs, fixture_old_kernel_optional_pieces) {
        read_fixture("host-4g-minfree-2g-old", &host);
        cr_assert_eq(host.kmajor, 4);
        cr_assert_eq(host.kminor, 19);
        cr_assert_not(host.vm.have_watermark_boost_factor, "4.19 has no watermark_boost_factor");
        cr_assert_eq(host.vm.watermark_boost_factor, 0);
        cr_assert(host.vm.have_min_free_kbytes);
        cr_assert_eq(mg_meminfo_get(&host.meminfo, "KReclaimable", &(uint64_t){ 0 }), -ENOENT);
        cr_assert_eq(mg_meminfo_or0(&host.meminfo, "KReclaimable"), 0);
        cr_assert(host.have_zoneinfo);
        cr_assert_eq(zone(&host, 0, "Normal")->boost, 0, "no boost line before 5.0 is not an error");
        cr_assert_eq(zone(&host, 0, "Normal")->high, 197427);
}

Test(procfs, fixture_without_zoneinfo_is_not_an_error) {
        read_fixture("host-4g-minfree-2g-nozoneinfo", &host);
        cr_assert_not(host.have_zoneinfo);
        cr_assert_eq(host.nzones, 0);
        cr_assert_not_null(strstr(host.zoneinfo_error, "zoneinfo"), "says which file: %s", host.zoneinfo_error);
        cr_assert_eq(mi(&host, "MemAvailable"), 0);
        cr_assert(host.have_buddyinfo);
}

Test(procfs, fixture_two_nodes) {
        read_fixture("host-2node-node1-low", &host);
        cr_assert_eq(host.nnodes, 2);
        cr_assert_eq(host.nodes[1].id, 1);
        cr_assert_eq(host.nodes[1].mem_free_kb, 52000);
        cr_assert_eq(host.nodes[0].mem_free_kb, 12815360);
        cr_assert_eq(host.nzones, 10, "5 zones per node, empty ones included");
        cr_assert_eq(zone(&host, 1, "DMA")->managed, 0);
        cr_assert_eq(zone(&host, 1, "Normal")->min, 8430);
        const mg_buddy_t *b = NULL;
        for (size_t i = 0; i < host.nbuddy; i++)
                if (host.buddy[i].node == 1 && strcmp(host.buddy[i].zone, "Normal") == 0)
                        b = &host.buddy[i];
        cr_assert_not_null(b);
        for (size_t o = 3; o < b->norders; o++)
                cr_assert_eq(b->free[o], 0, "node 1 Normal has no order-%zu block", o);
        cr_assert_eq(b->free[0], 7000);
}

Test(procfs, fixture_slab_and_modes) {
        read_fixture("host-8g-slab-unreclaim", &host);
        cr_assert_gt(mi(&host, "SUnreclaim") * 10, mi(&host, "MemTotal"), "over 10%% of MemTotal");
        read_fixture("host-4g-overcommit2-exhausted", &host);
        cr_assert_eq(host.vm.overcommit_memory, 2);
        cr_assert_eq(mi(&host, "CommitLimit") - mi(&host, "Committed_AS"), 24576);
}

/* ---- broken trees ---- */

static void expect_bad(const char *tree, const char *file, const char *needle) {
        char base[PATH_MAX];
        snprintf(base, sizeof(base), "%s", tu_fixture("procfs"));
        mg_error_t err = { 0 };
        int r = read_tree(base, tree, &host, &err);
        cr_assert_lt(r, 0, "%s must fail", tree);
        cr_assert_eq(err.code, r);
        cr_assert_not_null(strstr(err.msg, file), "%s: error names %s: %s", tree, file, err.msg);
        cr_assert_not_null(strstr(err.msg, needle), "%s: error says %s: %s", tree, needle, err.msg);
}

Test(procfs, bad_trees_name_the_file) {
        expect_bad("bad-meminfo", "/proc/meminfo:3: cannot parse \"MemAvailable:   12x kB\"", "not a number");
        expect_bad("bad-meminfo-overflow", "/proc/meminfo:2:", "out of range");
        expect_bad("bad-zoneinfo", "/proc/zoneinfo:", "zone Normal of node 0 has no \"low\" line");
        expect_bad("bad-buddyinfo", "/proc/buddyinfo:3:", "4O");
        expect_bad("bad-sysctl", "/proc/sys/vm/min_free_kbytes", "\"2G\"");
        expect_bad("bad-node-meminfo", "/sys/devices/system/node/node0/meminfo:2:", "lots");
}

Test(procfs, output_untouched_on_failure) {
        char base[PATH_MAX];
        snprintf(base, sizeof(base), "%s", tu_fixture("procfs"));
        memset(&host, 0x5a, sizeof(host));
        mg_error_t err = { 0 };
        cr_assert_lt(read_tree(base, "bad-zoneinfo", &host, &err), 0);
        cr_assert_eq(((unsigned char *)&host)[0], 0x5a);
        cr_assert_eq(host.nzones, (size_t)0x5a5a5a5a5a5a5a5aULL);
}

Test(procfs, missing_meminfo_or_root) {
        mg_error_t err = { 0 };
        mg_roots_t roots = { .procfs = "/nonexistent-memgate-root", .sysfs = "/sys" };
        cr_assert_eq(mg_host_read(&roots, &host, &err), -ENOENT);
        cr_assert_not_null(strstr(err.msg, "/nonexistent-memgate-root"), "%s", err.msg);
        /* a tree whose proc has no meminfo: the sysfs half of a fixture */
        char sys[PATH_MAX];
        snprintf(sys, sizeof(sys), "%s", tu_fixture("procfs/host-4g-default/sys"));
        roots.procfs = sys;
        cr_assert_eq(mg_host_read(&roots, &host, &err), -ENOENT);
        cr_assert_not_null(strstr(err.msg, "/meminfo"), "names the file: %s", err.msg);
}

/* ---- parsers on text ---- */

Test(procfs, meminfo_strict_lines) {
        mg_meminfo_t m;
        mg_error_t err = { 0 };
        cr_assert_eq(mg_parse_meminfo("MemTotal: 100 kB\nMemFree: 50 kB\nHugePages_Total: 3\n", &m, &err), 0);
        cr_assert_eq(m.n, 3);
        cr_assert_not(m.f[2].kb);
        const char *bad[] = {
                "MemTotal: 100 kB\nMemFree: -5 kB\n",       /* sign */
                "MemTotal: 100 kB\nMemFree: 5 MB\n",        /* unknown unit */
                "MemTotal: 100 kB\nMemFree: 5 kB extra\n",  /* trailing text */
                "MemTotal: 100 kB\nMemFree:\n",             /* truncated line */
                "MemTotal: 100 kB\nMemFree 5 kB\n",         /* no colon */
                "MemTotal: 100 kB\nMemFree: 0x10 kB\n",     /* not decimal */
                "MemTotal: 100 kB\n: 5 kB\nMemFree: 1 kB\n", /* empty name */
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                err.msg[0] = '\0';
                cr_assert_lt(mg_parse_meminfo(bad[i], &m, &err), 0, "refused: %s", bad[i]);
                cr_assert_not_null(strstr(err.msg, "meminfo:2:"), "line number: %s", err.msg);
        }
        cr_assert_lt(mg_parse_meminfo("", &m, &err), 0, "empty meminfo");
        cr_assert_lt(mg_parse_meminfo("Foo: 1 kB\n", &m, &err), 0, "no MemTotal");
}

Test(procfs, meminfo_overflow) {
        mg_meminfo_t m;
        mg_error_t err = { 0 };
        /* 2^64-1 parses, but as kB it would not convert to bytes */
        cr_assert_eq(mg_parse_meminfo("MemTotal: 18446744073709551615 kB\nMemFree: 1 kB\n", &m, &err), -ERANGE);
        cr_assert_eq(mg_parse_meminfo("MemTotal: 18446744073709551616 kB\nMemFree: 1 kB\n", &m, &err), -ERANGE);
        cr_assert_not_null(strstr(err.msg, "out of range"), "%s", err.msg);
        cr_assert_eq(mg_parse_meminfo("MemTotal: 18014398509481983 kB\nMemFree: 1 kB\n", &m, &err), 0,
                     "2^54-1 kB is the largest that converts to bytes");
        cr_assert_eq(mg_parse_meminfo("MemTotal: 1 kB\nMemFree: 1 kB\nHugePages_Total: 18446744073709551615\n", &m, &err),
                     0, "a count has no byte conversion to protect");
}

Test(procfs, meminfo_duplicate_is_an_error) {
        mg_meminfo_t m;
        mg_error_t err = { 0 };
        cr_assert_eq(mg_parse_meminfo("MemTotal: 100 kB\nMemFree: 5 kB\nMemTotal: 200 kB\n", &m, &err), -EBADMSG);
        cr_assert_not_null(strstr(err.msg, "meminfo:3: duplicate field \"MemTotal\""), "%s", err.msg);
}

Test(procfs, meminfo_field_cap) {
        mg_buf_t b = { 0 };
        mg_buf_printf(&b, "MemTotal: 1 kB\nMemFree: 1 kB\n");
        for (int i = 0; i < MG_MEMINFO_MAX + 20; i++)
                mg_buf_printf(&b, "Field%d: %d kB\n", i, i);
        static mg_meminfo_t m;
        mg_error_t err = { 0 };
        cr_assert_eq(mg_parse_meminfo(b.data, &m, &err), 0, "%s", err.msg);
        cr_assert_eq(m.n, MG_MEMINFO_MAX, "extras checked but not kept");
        mg_buf_free(&b);
}

Test(procfs, zoneinfo_text_cases) {
        mg_zone_t z[4];
        size_t n = 99;
        mg_error_t err = { 0 };
        const char *ok = "Node 0, zone      DMA\n  pages free     10\n        min      1\n        low      2\n"
                         "        high     3\n        managed  20\n        protection: (0, 5)\n"
                         "Node 0, zone   Normal\n  pages free     0\n        min      0\n        low      0\n"
                         "        high     0\n        managed  0\n        protection: (0, 0)\n";
        cr_assert_eq(mg_parse_zoneinfo(ok, z, 4, &n, &err), 0, "%s", err.msg);
        cr_assert_eq(n, 2);
        cr_assert_eq(z[0].protection[1], 5);
        cr_assert_eq(z[1].managed, 0);
        /* only room for one: the extra zone is checked, not kept, not an error */
        cr_assert_eq(mg_parse_zoneinfo(ok, z, 1, &n, &err), 0);
        cr_assert_eq(n, 1);

        const char *dup = "Node 0, zone DMA\n  pages free 1\n min 1\n min 2\n low 1\n high 1\n managed 1\n protection: (0)\n";
        cr_assert_eq(mg_parse_zoneinfo(dup, z, 4, &n, &err), -EBADMSG);
        cr_assert_not_null(strstr(err.msg, "zoneinfo:4:"), "%s", err.msg);
        const char *junk = "hello\n";
        cr_assert_eq(mg_parse_zoneinfo(junk, z, 4, &n, &err), -EBADMSG);
        cr_assert_eq(mg_parse_zoneinfo("", z, 4, &n, &err), -EBADMSG, "empty zoneinfo");
        const char *prot = "Node 0, zone DMA\n  pages free 1\n min 1\n low 1\n high 1\n managed 1\n protection: (0, x)\n";
        cr_assert_eq(mg_parse_zoneinfo(prot, z, 4, &n, &err), -EBADMSG);
        const char *big = "Node 0, zone DMA\n  pages free 99999999999999999999\n";
        cr_assert_eq(mg_parse_zoneinfo(big, z, 4, &n, &err), -ERANGE);
        const char *hdr = "Node x, zone DMA\n";
        cr_assert_eq(mg_parse_zoneinfo(hdr, z, 4, &n, &err), -EBADMSG);
        cr_assert_eq(n, 1, "ret_n untouched on failure");
}

Test(procfs, zoneinfo_many_zones_bounded) {
        mg_buf_t b = { 0 };
        /* Node ids stop below MAX_NUMNODES (1024): eight zones a node, as many nodes as it takes. */
        for (int i = 0; i < MG_ZONES_MAX + 10; i++)
                mg_buf_printf(&b, "Node %d, zone Zone%d\n  pages free 1\n min 1\n low 1\n high 1\n managed 1\n"
                                  " protection: (0)\n", (i / 8) % 1024, i % 8);
        static mg_zone_t z[MG_ZONES_MAX];
        size_t n = 0;
        mg_error_t err = { 0 };
        cr_assert_eq(mg_parse_zoneinfo(b.data, z, MG_ZONES_MAX, &n, &err), 0, "%s", err.msg);
        cr_assert_eq(n, MG_ZONES_MAX);
        cr_assert_eq(z[MG_ZONES_MAX - 1].node, ((MG_ZONES_MAX - 1) / 8) % 1024);
        cr_assert_str_eq(z[MG_ZONES_MAX - 1].name, "Zone7");
        mg_buf_free(&b);
}

Test(procfs, buddyinfo_text_cases) {
        mg_buddy_t b[2];
        size_t n = 0;
        mg_error_t err = { 0 };
        cr_assert_eq(mg_parse_buddyinfo("Node 1, zone   Normal   5 4 3 \n", b, 2, &n, &err), 0, "%s", err.msg);
        cr_assert_eq(n, 1);
        cr_assert_eq(b[0].node, 1);
        cr_assert_eq(b[0].norders, 3);
        cr_assert_eq(b[0].free[2], 3);
        cr_assert_eq(mg_parse_buddyinfo("Node 0, zone DMA 1 a 3\n", b, 2, &n, &err), -EBADMSG);
        cr_assert_eq(mg_parse_buddyinfo("Node 0, zone DMA\n", b, 2, &n, &err), -EBADMSG, "no counts");
        cr_assert_eq(mg_parse_buddyinfo("Node 0, zone DMA 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17\n", b, 2, &n,
                                        &err),
                     -EBADMSG, "more orders than MG_ORDERS_MAX");
        cr_assert_eq(mg_parse_buddyinfo("Node 0, zone DMA 1\nNode 0, zone DMA32 2\nNode 0, zone Normal 3\n", b, 2,
                                        &n, &err),
                     0, "extra lines ignored");
        cr_assert_eq(n, 2);
}

Test(procfs, node_meminfo_text_cases) {
        mg_node_t nd;
        mg_error_t err = { 0 };
        cr_assert_eq(mg_parse_node_meminfo("Node 3 MemTotal:  24684084 kB\nNode 3 MemFree: 10 kB\n"
                                           "Node 3 HugePages_Total:     0\n",
                                           3, &nd, &err),
                     0, "%s", err.msg);
        cr_assert_eq(nd.id, 3);
        cr_assert_eq(nd.mem_total_kb, 24684084);
        cr_assert_eq(mg_parse_node_meminfo("Node 2 MemTotal: 1 kB\nNode 3 MemFree: 1 kB\n", 3, &nd, &err), -EBADMSG,
                     "a line of another node");
        cr_assert_eq(mg_parse_node_meminfo("Node 3 MemTotal: 1 kB\n", 3, &nd, &err), -EBADMSG, "no MemFree");
        cr_assert_eq(mg_parse_node_meminfo("MemTotal: 1 kB\n", 3, &nd, &err), -EBADMSG, "no Node prefix");
}

Test(procfs, osrelease_variants) {
        struct {
                const char *s;
                int r, maj, min;
        } t[] = {
                { "6.18.44-fc-v595\n", 0, 6, 18 },  { "4.19.0-27-amd64", 0, 4, 19 },
                { "3.10.0-1160.el7.x86_64", 0, 3, 10 }, { "5.4", 0, 5, 4 },
                { "6.1.0-18-cloud-amd64\n", 0, 6, 1 }, { "5.15.0+", 0, 5, 15 },
                { "", -EINVAL, 0, 0 },                { "six.1", -EINVAL, 0, 0 },
                { "6", -EINVAL, 0, 0 },               { "6.x", -EINVAL, 0, 0 },
                { "6.18abc", -EINVAL, 0, 0 },         { "99999999.1", -ERANGE, 0, 0 },
        };
        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                int maj = -1, min = -1;
                cr_assert_eq(mg_parse_osrelease(t[i].s, &maj, &min), t[i].r, "%s", t[i].s);
                if (t[i].r == 0) {
                        cr_assert_eq(maj, t[i].maj, "%s", t[i].s);
                        cr_assert_eq(min, t[i].min, "%s", t[i].s);
                } else {
                        cr_assert_eq(maj, -1, "untouched on failure");
                }
        }
}

Test(procfs, missing_optional_files_recorded_absent) {
        char *dir = tu_mkdtemp();
        char p[PATH_MAX];
        snprintf(p, sizeof(p), "%s/proc", dir);
        cr_assert_eq(mkdir(p, 0755), 0);
        snprintf(p, sizeof(p), "%s/proc/meminfo", dir);
        tu_write(p, "MemTotal: 1000 kB\nMemFree: 500 kB\n");
        mg_error_t err = { 0 };
        char proc[PATH_MAX], sys[PATH_MAX];
        snprintf(proc, sizeof(proc), "%s/proc/", dir); /* trailing slash: names stay clean */
        snprintf(sys, sizeof(sys), "%s/no-sys", dir);
        mg_roots_t roots = { .procfs = proc, .sysfs = sys };
        mg_host_clear(&host);
        cr_assert_eq(mg_host_read(&roots, &host, &err), 0, "%s", err.msg);
        cr_assert_not(host.have_zoneinfo);
        cr_assert_not(host.have_buddyinfo);
        cr_assert_not(host.vm.have_min_free_kbytes);
        cr_assert_not(host.vm.have_overcommit_memory);
        cr_assert_eq(host.nnodes, 0);
        cr_assert_eq(host.kmajor, 0);
        cr_assert_str_eq(host.kernel, "");
        cr_assert_not_null(strstr(host.zoneinfo_error, "/proc/zoneinfo:"), "%s", host.zoneinfo_error);
        cr_assert_null(strstr(host.zoneinfo_error, "//"), "%s", host.zoneinfo_error);
        /* overcommit_memory outside 0..2 is garbage */
        snprintf(p, sizeof(p), "%s/proc/sys", dir);
        cr_assert_eq(mkdir(p, 0755), 0);
        snprintf(p, sizeof(p), "%s/proc/sys/vm", dir);
        cr_assert_eq(mkdir(p, 0755), 0);
        snprintf(p, sizeof(p), "%s/proc/sys/vm/overcommit_memory", dir);
        tu_write(p, "3\n");
        cr_assert_eq(mg_host_read(&roots, &host, &err), -ERANGE);
        cr_assert_not_null(strstr(err.msg, "overcommit_memory"), "%s", err.msg);
        tu_rmrf(dir);
        free(dir);
}

Test(procfs, symlinked_file_not_followed) {
        char *dir = tu_mkdtemp();
        char p[PATH_MAX], t[PATH_MAX];
        snprintf(p, sizeof(p), "%s/real", dir);
        tu_write(p, "MemTotal: 1000 kB\nMemFree: 500 kB\n");
        snprintf(t, sizeof(t), "%s/meminfo", dir);
        cr_assert_eq(symlink(p, t), 0);
        mg_error_t err = { 0 };
        mg_roots_t roots = { .procfs = dir, .sysfs = dir };
        cr_assert_eq(mg_host_read(&roots, &host, &err), -ELOOP);
        cr_assert_not_null(strstr(err.msg, "meminfo"), "%s", err.msg);
        tu_rmrf(dir);
        free(dir);
}

/* The word-at-a-time walk visits exactly the set ids, in order, across word boundaries and at
 * both ends of the mask. */
Test(procfs, nodemask_next_visits_every_set_node) {
        mg_nodemask_t m = {0};
        const int ids[] = {0, 1, 63, 64, 65, 127, 128, 500, 1022, 1023};
        for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
                mg_nodemask_set(&m, ids[i]);
        size_t k = 0;
        for (int n = mg_nodemask_next(&m, -1); n >= 0; n = mg_nodemask_next(&m, n))
                cr_assert_eq(n, ids[k++], "visit %zu", k);
        cr_assert_eq(k, sizeof(ids) / sizeof(ids[0]));
        cr_assert_eq(mg_nodemask_next(&m, 1023), -1);
        cr_assert_eq(mg_nodemask_next(&m, 5000), -1);
        mg_nodemask_t empty = {0};
        cr_assert_eq(mg_nodemask_next(&empty, -1), -1);
}

/* Duplicates are found by name among all kept fields, however far apart, and distinct names
 * whose hashes meet are not taken for duplicates (60 fields in a 256-slot table). */
Test(procfs, meminfo_duplicates_found_anywhere) {
        char text[8192];
        size_t off = 0;
        for (int i = 0; i < 60; i++)
                off += (size_t)snprintf(text + off, sizeof(text) - off, "%s%d: %d kB\n",
                                        i == 0 ? "MemTotal" : i == 1 ? "MemFree" : "Field", i, i);
        mg_meminfo_t mi;
        mg_error_t err = {0};
        /* "MemTotal0"/"MemFree1" are no MemTotal/MemFree: append the real ones. */
        off += (size_t)snprintf(text + off, sizeof(text) - off, "MemTotal: 1 kB\nMemFree: 1 kB\n");
        cr_assert_eq(mg_parse_meminfo(text, &mi, &err), 0, "%s", err.msg);
        cr_assert_eq(mi.n, 62);
        snprintf(text + off, sizeof(text) - off, "Field37: 5 kB\n");
        cr_assert_eq(mg_parse_meminfo(text, &mi, &err), -EBADMSG);
        cr_assert_not_null(strstr(err.msg, "meminfo:63: duplicate field \"Field37\""), "%s", err.msg);
}
