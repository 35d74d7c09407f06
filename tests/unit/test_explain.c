/* SPDX-License-Identifier: Apache-2.0 */
/* memgate explain: the kernel log parser (hook/inputs/kernlog*.c), the readers
 * (kernlog_source.c), the classifier and owner decoding (hook/checks/explain.c, cgroup_owner.c)
 * and the mode, on the real OOM kills captured on this host and in the kernel lab's guests
 * (tests/fixtures/kernlog/README.md says where each file comes from) and on broken input. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>

#include "memgate/checks/cgroup_owner.h"
#include "memgate/checks/explain.h"
#include "memgate/cli/explain.h"
#include "memgate/inputs/kernlog.h"
#include "memgate/inputs/kernlog_source.h"
#include "memgate/outputs/explain_text.h"
#include "testutil.h"

#define MAXEV 64

typedef struct got {
        mg_kl_event_t ev[MAXEV];
        mg_explanation_t x[MAXEV];
        size_t n;
        uint64_t emitted; /* all, also past MAXEV */
} got_t;

static got_t G, H; /* large: off the stack */

static void collect(const mg_kl_event_t *e, void *userdata) {
        got_t *g = userdata;
        g->emitted++;
        if (g->n >= MAXEV)
                return;
        g->ev[g->n] = *e;
        mg_explain_event(e, &g->x[g->n]);
        g->n++;
}

static mg_kl_parser_t P;

static void parse_text(got_t *g, const char *text, size_t len) {
        memset(g, 0, sizeof(*g));
        mg_kl_init(&P, collect, g);
        const char *end = text + len;
        for (const char *c = text; c < end;) {
                const char *nl = memchr(c, '\n', (size_t)(end - c));
                size_t n = (size_t)((nl ? nl : end) - c);
                mg_kl_feed(&P, c, n);
                c = nl ? nl + 1 : end;
        }
        mg_kl_finish(&P);
}

/* Through the real reader, as memgate explain --file reads it. */
static void parse_fixture(got_t *g, const char *name) {
        char rel[256];
        snprintf(rel, sizeof(rel), "kernlog/%s", name);
        int fd = open(tu_fixture(rel), O_RDONLY | O_CLOEXEC);
        cr_assert_geq(fd, 0, "%s: %s", name, strerror(errno));
        memset(g, 0, sizeof(*g));
        mg_kl_init(&P, collect, g);
        mg_error_t err = {0};
        cr_assert_eq(mg_kl_read_lines(fd, name, &P, &err), 0, "%s", err.msg);
        close(fd);
        mg_kl_finish(&P);
}

static const char *cls(const got_t *g, size_t i) { return mg_xclass_code(g->x[i].cls); }

static void expect(const got_t *g, size_t i, const char *klass, const char *task, int64_t pid, const char *task_cg,
                   const char *limit_cg) {
        cr_assert_lt(i, g->n, "event %zu missing (%zu events)", i, g->n);
        cr_expect_str_eq(cls(g, i), klass, "event %zu: %s (%s)", i, cls(g, i), g->x[i].reason);
        if (task)
                cr_expect_str_eq(g->ev[i].task, task, "event %zu task", i);
        if (pid >= 0)
                cr_expect_eq(g->ev[i].pid, pid, "event %zu pid %lld", i, (long long)g->ev[i].pid);
        if (task_cg)
                cr_expect_str_eq(g->ev[i].task_memcg, task_cg, "event %zu task cgroup", i);
        if (limit_cg)
                cr_expect_str_eq(g->ev[i].oom_memcg[0] ? g->ev[i].oom_memcg : g->ev[i].stats_memcg, limit_cg,
                                 "event %zu limit cgroup", i);
}

/* ---- real captures on this host (6.18, cgroup v1) ---- */

Test(explain, host_v1_memcg_and_parent) {
        parse_fixture(&G, "host-6.18-v1-memcg-and-parent.dmesg");
        cr_assert_eq(G.n, 2);
        expect(&G, 0, "cgroup-limit", "python3", 24293, "/mgx_cap24290", "/mgx_cap24290");
        expect(&G, 1, "parent-limit", "python3", 24341, "/mgx_cap24290/child", "/mgx_cap24290");
        cr_expect_eq(G.ev[0].usage_kb, 20480);
        cr_expect_eq(G.ev[0].limit_kb, 20480);
        cr_expect_eq(G.ev[0].failcnt, 90);
        cr_expect_eq(G.ev[0].anon_rss_kb, 20224);
        cr_expect_eq(G.ev[0].constraint, MG_KL_CONSTRAINT_MEMCG);
        cr_expect_str_eq(G.ev[0].gfp_flags, "GFP_KERNEL");
        cr_expect(G.ev[0].start_seen && G.ev[0].end_seen);
        cr_expect(G.ev[0].time.have_mono && G.ev[0].time.mono_usec == 262661629ull);
        /* the cause names the numbers, the fix names the place */
        cr_expect(strstr(G.x[0].cause, "20.0 MiB") != NULL, "%s", G.x[0].cause);
        cr_expect(strstr(G.x[1].fix, "/mgx_cap24290 ") != NULL, "%s", G.x[1].fix);
        cr_expect(strstr(G.x[1].fix, "/mgx_cap24290/child alone will not help") != NULL, "%s", G.x[1].fix);
}

/* The same two kills in every form a log arrives in: each must give the same events. */
Test(explain, host_capture_in_every_prefix_form) {
        static const char *const forms[] = {
                "host-6.18-v1-memcg-and-parent.kmsg",        "host-6.18-v1-memcg-and-parent.dmesg-T",
                "host-6.18-v1-memcg-and-parent.dmesg-T-fr_FR", "host-6.18-v1-memcg-and-parent.lineno.txt",
                "host-6.18-v1-memcg-and-parent.interleaved.dmesg",
        };
        parse_fixture(&G, "host-6.18-v1-memcg-and-parent.dmesg");
        cr_assert_eq(G.n, 2);
        for (size_t f = 0; f < ELEMENTSOF(forms); f++) {
                parse_fixture(&H, forms[f]);
                cr_assert_eq(H.n, G.n, "%s: %zu events", forms[f], H.n);
                for (size_t i = 0; i < G.n; i++) {
                        cr_expect_eq(H.x[i].cls, G.x[i].cls, "%s event %zu: %s", forms[f], i, cls(&H, i));
                        cr_expect_str_eq(H.ev[i].task, G.ev[i].task, "%s", forms[f]);
                        cr_expect_eq(H.ev[i].pid, G.ev[i].pid, "%s", forms[f]);
                        cr_expect_str_eq(H.ev[i].task_memcg, G.ev[i].task_memcg, "%s", forms[f]);
                        cr_expect_str_eq(H.ev[i].oom_memcg, G.ev[i].oom_memcg, "%s", forms[f]);
                        cr_expect_eq(H.ev[i].usage_kb, G.ev[i].usage_kb, "%s", forms[f]);
                        cr_expect_str_eq(H.ev[i].invoker, G.ev[i].invoker, "%s", forms[f]);
                }
        }
        /* dmesg -T in English gives a calendar time; in French the prefix is only skipped */
        parse_fixture(&H, "host-6.18-v1-memcg-and-parent.dmesg-T");
        cr_expect(H.ev[0].time.have_wall);
        parse_fixture(&H, "host-6.18-v1-memcg-and-parent.dmesg-T-fr_FR");
        cr_expect(!H.ev[0].time.have_wall);
}

Test(explain, host_capture_cut_at_ring_start) {
        parse_fixture(&G, "host-6.18-v1-memcg-and-parent.ring-cut.dmesg");
        cr_assert_eq(G.n, 2);
        cr_expect(!G.ev[0].start_seen);
        cr_expect(G.ev[1].start_seen);
        expect(&G, 0, "cgroup-limit", "python3", 24293, "/mgx_cap24290", "/mgx_cap24290");
        expect(&G, 1, "parent-limit", "python3", 24341, "/mgx_cap24290/child", "/mgx_cap24290");
}

/* The log ends inside an event: the part that is there is reported, as unknown with a reason. */
Test(explain, capture_cut_at_its_end) {
        size_t len;
        char *text = tu_slurp(tu_fixture("kernlog/host-6.18-v1-memcg-and-parent.dmesg"), &len);
        char *cut = strstr(text, "[  262.904293] memory: usage");
        cr_assert_not_null(cut);
        parse_text(&G, text, (size_t)(cut - text));
        cr_assert_eq(G.n, 2);
        cr_expect_str_eq(cls(&G, 0), "cgroup-limit");
        cr_expect_str_eq(cls(&G, 1), "unknown");
        cr_expect(strstr(G.x[1].reason, "ends before") != NULL, "%s", G.x[1].reason);
        /* cut after the usage line but before the oom-kill: line: a memcg OOM whose cgroups are lost */
        cut = strstr(text, "[  262.904302] memory+swap");
        parse_text(&G, text, (size_t)(cut - text));
        cr_assert_eq(G.n, 2);
        cr_expect_str_eq(cls(&G, 1), "unknown");
        cr_expect(strstr(G.x[1].reason, "memory cgroup OOM") != NULL, "%s", G.x[1].reason);
        free(text);
}

Test(explain, host_podman_container) {
        parse_fixture(&G, "host-6.18-v1-podman-runc.dmesg");
        cr_assert_eq(G.n, 1);
        const char *cg = "/libpod_parent/libpod-6e19d9e9056cc866b2bd81b43194ad09c3a6977283010c6a3ae1f8cd40ebe192";
        expect(&G, 0, "cgroup-limit", "dd", 6053, cg, cg);
        cr_expect_str_eq(G.x[0].task_owner.engine, "podman");
        cr_expect_str_eq(G.x[0].task_owner.id, "6e19d9e9056cc866b2bd81b43194ad09c3a6977283010c6a3ae1f8cd40ebe192");
        cr_expect(!G.x[0].task_owner.systemd);
        cr_expect_eq(G.ev[0].limit_kb, 24576);
}

Test(explain, host_docker_container) {
        parse_fixture(&G, "host-6.18-v1-docker.dmesg");
        cr_assert_eq(G.n, 1);
        const char *cg = "/docker/3cb7a897371d1ae103869612c2a4819fd41d57fd702ff6afa3b11b594e9cd161";
        expect(&G, 0, "cgroup-limit", "dd", 29254, cg, cg);
        cr_expect_str_eq(G.x[0].task_owner.engine, "docker");
        cr_expect_str_eq(G.x[0].task_owner.id, "3cb7a897371d1ae103869612c2a4819fd41d57fd702ff6afa3b11b594e9cd161");
        cr_expect(strstr(G.x[0].fix, "docker run -m") != NULL, "%s", G.x[0].fix);
}

/* ---- the kernel lab's guests ---- */

Test(explain, lab_commit_refusals_debian_6_1) {
        parse_fixture(&G, "lab-6.1-commit-runc.log");
        cr_assert_gt(G.n, 10);
        for (size_t i = 0; i < G.n; i++) {
                cr_expect_str_eq(cls(&G, i), "commit-refused");
                cr_expect(!strcmp(G.ev[i].task, "runc") || !strcmp(G.ev[i].task, "runc:[2:INIT]"), "comm \"%s\"",
                          G.ev[i].task);
                cr_expect_gt(G.ev[i].pid, 0);
        }
        expect(&G, 0, "commit-refused", "runc", 511, NULL, NULL);
        expect(&G, 2, "commit-refused", "runc:[2:INIT]", 658, NULL, NULL);
        cr_expect_eq(P.suppressed_commit, 67 + 98, "the two \"callbacks suppressed\" lines");
        cr_expect_eq(P.suppressed_alloc, 0);
}

Test(explain, lab_v2_parent_limit_6_1) {
        static const char *const files[] = {"lab-6.1-parent1.log", "lab-6.1-parent2.log"};
        for (size_t f = 0; f < ELEMENTSOF(files); f++) {
                parse_fixture(&G, files[f]);
                cr_assert_eq(G.n, 1, "%s", files[f]);
                expect(&G, 0, "parent-limit", "mg-mem", -1, "/lab/parent/c1", "/lab/parent");
                cr_expect_eq(G.ev[0].limit_kb, 262144);
        }
}

Test(explain, lab_v2_memcg_and_mode0_commit_6_1) {
        parse_fixture(&G, "lab-6.1-memcg-v2.log");
        cr_assert_eq(G.n, 1);
        expect(&G, 0, "cgroup-limit", "mg-mem", 300, "/lab/memcg", "/lab/memcg");
        cr_expect_eq(G.ev[0].limit_kb, 65536);
        parse_fixture(&G, "lab-6.1-commit-mode0.log");
        cr_assert_eq(G.n, 1);
        expect(&G, 0, "commit-refused", "java", 2470, NULL, NULL);
}

Test(explain, lab_numa_cpuset_6_1) {
        parse_fixture(&G, "lab-6.1-numa.log");
        cr_assert_eq(G.n, 1);
        expect(&G, 0, "numa-node", "mg-mem", 175, "/lab/numa", NULL);
        cr_expect_eq(G.ev[0].constraint, MG_KL_CONSTRAINT_CPUSET);
        cr_expect_str_eq(G.ev[0].mems_allowed, "1");
}

/* runc init killed in a too-small cgroup, then the same OOM again with nothing left to kill */
Test(explain, lab_runc_init_floor_6_1) {
        parse_fixture(&G, "lab-6.1-floor.log");
        cr_assert_eq(G.n, 10);
        for (size_t i = 0; i < G.n; i++) {
                cr_expect_str_eq(cls(&G, i), "cgroup-limit", "event %zu: %s", i, G.x[i].reason);
                cr_expect_str_eq(G.ev[i].oom_memcg[0] ? G.ev[i].oom_memcg : G.ev[i].stats_memcg, "/lab/floor");
                if (i % 2 == 0)
                        cr_expect_str_eq(G.ev[i].task, "runc:[2:INIT]", "event %zu", i);
                else
                        cr_expect(G.ev[i].no_killable && G.ev[i].pid < 0, "event %zu", i);
        }
}

/* ---- older and other formats, written from the kernel's format strings (README) ---- */

Test(explain, k3_10_syslog_docker) {
        parse_fixture(&G, "k3.10-memcg-docker-syslog.log");
        const char *cg = "/docker/d1b3c0e5a2f94b7c8e61f0a9b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5";
        cr_assert_eq(G.n, 1);
        expect(&G, 0, "cgroup-limit", "java", 2188, cg, cg);
        cr_expect_eq(G.ev[0].score, 1004);
        cr_expect_str_eq(G.x[0].task_owner.engine, "docker");
        cr_expect_eq(G.ev[0].gfp_mask, 0xd0);
        cr_expect_str_eq(G.ev[0].mems_allowed, "0");
        cr_expect_str_eq(G.ev[0].invoker, "java");
}

Test(explain, k4_14_kubepods_parent_limit) {
        parse_fixture(&G, "k4.14-memcg-parent-kubepods.dmesg");
        const char *pod = "/kubepods/burstable/pod4d7c1b2e-93a1-4f55-a0d2-6e1f2a3b4c5d";
        cr_assert_eq(G.n, 1);
        expect(&G, 0, "parent-limit", "stress", 31337, NULL, pod);
        cr_expect(G.ev[0].reaped);
        cr_expect_str_eq(G.x[0].limit_owner.pod_uid, "4d7c1b2e-93a1-4f55-a0d2-6e1f2a3b4c5d");
        cr_expect_str_eq(G.x[0].limit_owner.qos, "burstable");
        cr_expect_str_eq(G.x[0].limit_owner.id, "");
        cr_expect_str_eq(G.x[0].task_owner.engine, "cri");
        cr_expect(strstr(G.x[0].fix, "the pod") != NULL, "%s", G.x[0].fix);
}

Test(explain, k4_14_numa_without_constraint_line) {
        parse_fixture(&G, "k4.14-global-numa-cpuset.dmesg");
        cr_assert_eq(G.n, 1);
        expect(&G, 0, "numa-node", "java", 4242, NULL, NULL);
        cr_expect_eq(G.ev[0].constraint, MG_KL_CONSTRAINT_UNSEEN);
        cr_expect_str_eq(G.ev[0].cpuset, "numa1");
        cr_expect_str_eq(G.ev[0].mems_allowed, "1");
        cr_expect_eq(G.ev[0].nzones, 4);
        cr_expect(strstr(G.x[0].cause, "node 1 Normal free 42.6 MiB") != NULL, "%s", G.x[0].cause);
}

/* An OOM (not just a failure) of order 3 with hundreds of MiB free: the victim is not the asker */
Test(explain, k4_9_oom_of_fragmentation) {
        parse_fixture(&G, "k4.9-global-order3-fragmentation.dmesg");
        cr_assert_eq(G.n, 1);
        expect(&G, 0, "fragmentation", "php-fpm7.0", 8790, NULL, NULL);
        cr_expect_str_eq(G.ev[0].invoker, "nginx");
        cr_expect_eq(G.ev[0].order, 3);
        cr_expect_str_eq(G.ev[0].nodemask, "0");
        cr_expect(G.ev[0].reaped);
}

Test(explain, k5_4_journalctl_host_wide) {
        parse_fixture(&G, "k5.4-global-host-journalctl.log");
        cr_assert_eq(G.n, 1);
        expect(&G, 0, "host-memory", "mysqld", 2188, "/system.slice/mysql.service", NULL);
        cr_expect(G.ev[0].global_oom);
        cr_expect_eq(G.ev[0].uid, 27);
        cr_expect_eq(G.x[0].short_zones, 2);
        cr_expect_eq(G.x[0].zones_considered, 2); /* DMA is not counted */
}

Test(explain, k5_10_v2_kubepods_systemd_iso_time) {
        parse_fixture(&G, "k5.10-v2-kubepods-systemd-iso.log");
        cr_assert_eq(G.n, 1);
        expect(&G, 0, "cgroup-limit", "node", 90210, NULL, NULL);
        cr_expect_str_eq(G.x[0].task_owner.engine, "containerd");
        cr_expect_str_eq(G.x[0].task_owner.pod_uid, "8f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b");
        cr_expect(G.x[0].task_owner.systemd);
        cr_expect_eq(G.ev[0].swap_limit_kb, 0);
        cr_expect(G.ev[0].time.have_wall && G.ev[0].time.wall_utc);
        cr_expect_eq(G.ev[0].time.wall, 1796025601); /* 2026-11-30T08:00:01Z */
}

Test(explain, k6_1_fragmentation_and_atomic) {
        parse_fixture(&G, "k6.1-alloc-fragmentation.dmesg");
        cr_assert_eq(G.n, 1);
        expect(&G, 0, "fragmentation", NULL, -1, NULL, NULL);
        cr_expect_eq(G.ev[0].order, 4);
        cr_expect_eq(G.ev[0].kind, MG_KL_ALLOC_FAIL);
        cr_expect_str_eq(G.ev[0].invoker, "kworker/u8:2");
        cr_expect_eq(G.ev[0].zones[2].blocks[3], 2);
        parse_fixture(&G, "k6.1-alloc-atomic.dmesg");
        cr_assert_eq(G.n, 1);
        expect(&G, 0, "alloc-failure", NULL, -1, NULL, NULL);
        cr_expect_str_eq(G.ev[0].gfp_flags, "GFP_ATOMIC");
}

Test(explain, k6_commit_lines_both_generations) {
        parse_fixture(&G, "k6.x-commit-refused.dmesg");
        cr_assert_eq(G.n, 2);
        expect(&G, 0, "commit-refused", "a.out", 1218, NULL, NULL);
        expect(&G, 1, "commit-refused", "java", 4711, NULL, NULL);
        cr_expect_eq(G.ev[0].commit_bytes, MG_KL_U64_UNSET);
        cr_expect_eq(G.ev[1].commit_bytes, 1073741824ull);
}

/* Forms only some kernels or distributions print. */
Test(explain, kill_line_variants) {
        static const char text[] =
                "Out of memory (oom_kill_allocating_task): Kill process 9 (a b) score 0 or sacrifice child\n"
                "Killed process 9, UID 679, (a b) total-vm:11017300kB, anon-rss:7152432kB, file-rss:1232kB\n"
                "<4>1 2026-12-01T16:25:22.661629+00:00 node1 kernel - - - python3 invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0\n"
                "oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/p,task_memcg=/p/c,task=x,y,pid= 4242,uid=    0\n"
                "Memory cgroup out of memory: Killed process 4242 (x,y) total-vm:1kB, anon-rss:1kB, file-rss:0kB, shmem-rss:0kB\n";
        parse_text(&G, text, sizeof(text) - 1);
        cr_assert_eq(G.n, 2);
        expect(&G, 0, "host-memory", "a b", 9, NULL, NULL);
        cr_expect_eq(G.ev[0].uid, 679);
        cr_expect_eq(G.ev[0].score, 0);
        cr_expect_eq(G.ev[0].first_line, 1, "the Kill process line opens the event");
        cr_expect_eq(G.ev[0].anon_rss_kb, 7152432);
        expect(&G, 1, "parent-limit", "x,y", 4242, "/p/c", "/p");
        cr_expect_str_eq(G.ev[1].invoker, "python3");
        cr_expect_eq(G.ev[1].uid, 0);
        cr_expect(G.ev[1].time.have_wall && G.ev[1].time.wall_utc);
}

/* A comm and a cgroup name are chosen by whoever runs the process: in the text output their
 * control bytes and invalid UTF-8 come out escaped, in JSON exactly (as the generator escapes). */
Test(explain, hostile_names_are_escaped_in_text) {
        static const char text[] =
                "oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/x\xc2\x9b" "31m\xff,task_memcg=/x\xc2\x9b" "31m\xff,task=ev\x1b[2Jil,pid=7,uid=0\n"
                "Memory cgroup out of memory: Killed process 7 (ev\x1b[2Jil) total-vm:1kB, anon-rss:1kB\n";
        parse_text(&G, text, sizeof(text) - 1);
        cr_assert_eq(G.n, 1);
        mg_buf_t b = {0};
        mg_explain_text_event(&b, &G.ev[0], &G.x[0]);
        cr_assert_not_null(b.data);
        for (size_t i = 0; i < b.len; i++)
                cr_assert(((unsigned char)b.data[i] >= 0x20 && (unsigned char)b.data[i] < 0x7f) || b.data[i] == '\n',
                          "byte 0x%02x at %zu of: %s", (unsigned char)b.data[i], i, b.data);
        cr_expect(strstr(b.data, "/x\\xc2\\x9b31m\\xff") != NULL, "%s", b.data);
        mg_buf_free(&b);
}

/* ---- the classifier on its own ---- */

static void blank(mg_kl_event_t *e, mg_kl_kind_t kind) {
        memset(e, 0, sizeof(*e));
        e->kind = kind;
        e->pid = e->uid = e->score = e->invoker_pid = -1;
        e->order = 0;
        e->usage_kb = e->limit_kb = e->failcnt = e->swap_usage_kb = e->swap_limit_kb = MG_KL_U64_UNSET;
        e->total_vm_kb = e->anon_rss_kb = e->file_rss_kb = e->shmem_rss_kb = e->commit_bytes = MG_KL_U64_UNSET;
        e->start_seen = e->end_seen = true;
}

static void zone(mg_kl_event_t *e, int node, const char *name, uint64_t free_kb, uint64_t min_kb) {
        mg_kl_zone_t *z = &e->zones[e->nzones++];
        memset(z, 0, sizeof(*z));
        z->node = node;
        snprintf(z->name, sizeof(z->name), "%s", name);
        z->free_kb = free_kb;
        z->min_kb = min_kb;
        z->low_kb = z->high_kb = MG_KL_U64_UNSET;
}

static mg_kl_event_t E;

Test(explain, classify_by_constraint_and_zones) {
        mg_explanation_t x;
        blank(&E, MG_KL_OOM);
        E.constraint = MG_KL_CONSTRAINT_CPUSET;
        snprintf(E.constraint_name, sizeof(E.constraint_name), "CONSTRAINT_CPUSET");
        snprintf(E.mems_allowed, sizeof(E.mems_allowed), "1");
        mg_explain_event(&E, &x);
        cr_expect_eq(x.cls, MG_X_NUMA_NODE);

        E.constraint = MG_KL_CONSTRAINT_NONE; /* the kernel says global: the zones do not override it */
        zone(&E, 0, "Normal", 900000, 40000);
        zone(&E, 1, "Normal", 1000, 40000);
        mg_explain_event(&E, &x);
        cr_expect_eq(x.cls, MG_X_HOST_MEMORY, "%s", mg_xclass_code(x.cls));

        /* order 0 is never fragmentation; order 3 with blocks of order 3 free is not either */
        blank(&E, MG_KL_ALLOC_FAIL);
        zone(&E, 0, "Normal", 900000, 40000);
        E.zones[0].have_lists = true;
        E.zones[0].norders = 11;
        E.zones[0].blocks[0] = 1000;
        mg_explain_event(&E, &x);
        cr_expect_eq(x.cls, MG_X_ALLOC_FAILURE);
        E.order = 3;
        mg_explain_event(&E, &x);
        cr_expect_eq(x.cls, MG_X_FRAGMENTATION);
        E.zones[0].blocks[5] = 1;
        mg_explain_event(&E, &x);
        cr_expect_eq(x.cls, MG_X_ALLOC_FAILURE);

        /* an allocation failure with every zone below min is the host's */
        blank(&E, MG_KL_ALLOC_FAIL);
        zone(&E, 0, "DMA", 15000, 20);
        zone(&E, 0, "Normal", 1000, 40000);
        mg_explain_event(&E, &x);
        cr_expect_eq(x.cls, MG_X_HOST_MEMORY);

        /* a memcg OOM whose limited cgroup is not above the task's */
        blank(&E, MG_KL_OOM);
        E.memcg_oom = true;
        snprintf(E.oom_memcg, sizeof(E.oom_memcg), "/a/b");
        snprintf(E.task_memcg, sizeof(E.task_memcg), "/a/bc");
        mg_explain_event(&E, &x);
        cr_expect_eq(x.cls, MG_X_UNKNOWN, "/a/b is not an ancestor of /a/bc");
        snprintf(E.task_memcg, sizeof(E.task_memcg), "/a/b/c");
        mg_explain_event(&E, &x);
        cr_expect_eq(x.cls, MG_X_PARENT_LIMIT);
}

Test(explain, owner_decoding) {
        static const struct {
                const char *path, *engine, *id, *pod, *qos;
                bool systemd;
        } cases[] = {
                {"/system.slice/docker-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope",
                 "docker", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "", "", true},
                {"/docker/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "docker",
                 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "", "", false},
                {"/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-aaaaaaaaaaaaaaaabbbbbbbbbbbbbbbbccccccccccccccccdddddddddddddddd.scope/container",
                 "podman", "aaaaaaaaaaaaaaaabbbbbbbbbbbbbbbbccccccccccccccccdddddddddddddddd", "", "", true},
                {"/machine.slice/libpod-conmon-aaaaaaaaaaaaaaaabbbbbbbbbbbbbbbbccccccccccccccccdddddddddddddddd.scope",
                 "", "", "", "", false},
                {"/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod11111111_2222_3333_4444_555555555555.slice/crio-abcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcd.scope",
                 "cri-o", "abcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcd",
                 "11111111-2222-3333-4444-555555555555", "besteffort", true},
                {"/kubepods.slice/kubepods-pod11111111_2222_3333_4444_555555555555.slice", "", "",
                 "11111111-2222-3333-4444-555555555555", "guaranteed", true},
                {"/kubepods/pod11111111-2222-3333-4444-555555555555/abcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcd",
                 "cri", "abcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcd",
                 "11111111-2222-3333-4444-555555555555", "guaranteed", false},
                {"/default/redis", "containerd", "redis", "", "", false},
                {"/system.slice/mysql.service", "", "", "", "", false},
                {"/mgx_cap24290/child", "", "", "", "", false},
                {"/", "", "", "", "", false},
                {"", "", "", "", "", false},
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                mg_cg_owner_t o;
                bool any = mg_cg_owner_decode(cases[i].path, &o);
                cr_expect_eq(any, cases[i].id[0] || cases[i].pod[0], "%s", cases[i].path);
                cr_expect_str_eq(o.engine, cases[i].engine, "%s", cases[i].path);
                cr_expect_str_eq(o.id, cases[i].id, "%s", cases[i].path);
                cr_expect_str_eq(o.pod_uid, cases[i].pod, "%s", cases[i].path);
                cr_expect_str_eq(o.qos, cases[i].qos, "%s", cases[i].path);
                if (any)
                        cr_expect_eq(o.systemd, cases[i].systemd, "%s", cases[i].path);
        }
}

/* ---- prefixes and hostile input ---- */

Test(explain, prefixes) {
        static const struct {
                const char *line;
                const char *text;
        } cases[] = {
                {"[  262.661629] x", "x"},
                {"12,1547,262661629,-;x", "x"},
                {"Dec  1 16:25:22 host kernel: x", "x"},
                {"2026-12-01T16:25:22.661629+01:00 host kernel: x", "x"},
                {"2026-12-01T16:25:22,661629+00:00 x", "x"},
                {"  57\t[  262.661629] x", "x"},
                {"57: <4>[  262.661629] x", "x"},
                {"kern  :warn  : [  262.661629] x", "x"},
                {"[Di Dez  1 16:25:22 2026] x", "x"},
                {"[  +0.000013] x", "x"},
                {"[  pid  ]   uid  tgid", "[  pid  ]   uid  tgid"}, /* the kernel's table is text, not a prefix */
                {"Nov 30 02:53:56 server01 kernel: [  818.356493] x", "x"},
                {"> > [  204.308148] x", "x"},
                {"<4>1 2026-12-01T16:25:22.661629+00:00 node1 kernel - - - x", "node1 kernel - - - x"},
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                mg_kl_time_t t;
                size_t off = mg_kl_strip_prefix(cases[i].line, strlen(cases[i].line), &t);
                cr_expect_str_eq(cases[i].line + off, cases[i].text, "\"%s\"", cases[i].line);
        }
        mg_kl_time_t t;
        mg_kl_strip_prefix("2026-12-01T16:25:22.661629+01:00 x", 34, &t);
        cr_expect(t.have_wall && t.wall_utc && t.wall == 1796142322 - 3600);
        mg_kl_strip_prefix("[Tue Dec  1 16:25:22 2026] x", 28, &t);
        cr_expect(t.have_wall && !t.wall_utc && t.wall == 1796142322);
}

/* Fixed memory however the input is shaped: events that never end, lines without newlines. */
Test(explain, bounded_on_endless_and_hostile_input) {
        memset(&G, 0, sizeof(G));
        mg_kl_init(&P, collect, &G);
        char line[256];
        for (int i = 0; i < 200000; i++) {
                int n = snprintf(line, sizeof(line), "[%d.000000] task%d invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=%d, oom_score_adj=0",
                                 i, i, i % 12);
                mg_kl_feed(&P, line, (size_t)n);
                n = snprintf(line, sizeof(line), "kworker: page allocation failure: order:%d, mode:0x0", i % 70);
                mg_kl_feed(&P, line, (size_t)n);
                mg_kl_feed(&P, "Node 0 Normal free:1kB min:2kB", 30);
        }
        mg_kl_finish(&P);
        cr_expect_eq(G.emitted, 400000);
        cr_expect_eq(P.lineno, 600000);

        static char huge[1 << 20];
        memset(huge, 'A', sizeof(huge));
        memcpy(huge + 100, " invoked oom-killer: ", 21);
        memset(&G, 0, sizeof(G));
        mg_kl_init(&P, collect, &G);
        mg_kl_feed(&P, huge, sizeof(huge));
        mg_kl_feed(&P, "Killed process 1 (x) total-vm:1kB", 33);
        mg_kl_feed(&P, "", 0);
        mg_kl_feed(&P, "\0\0\0", 3);
        mg_kl_feed(&P, "oom-kill:constraint=", 20);
        mg_kl_feed(&P, "Node 99999999999999999999999 Normal free:", 41);
        mg_kl_feed(&P, "Node 0 Normal: 1*4kB 2*8kB 3*99999999999999999999999kB", 54);
        mg_kl_feed(&P, "__vm_enough_memory: pid: , comm: ", 33);
        mg_kl_finish(&P);
        cr_expect_geq(G.emitted, 2);
}

/* ---- the readers ---- */

Test(explain, read_lines_cuts_long_lines_and_keeps_going) {
        int pfd[2];
        cr_assert_eq(pipe(pfd), 0);
        if (fork() == 0) {
                close(pfd[0]);
                static char junk[20000];
                memset(junk, 'x', sizeof(junk));
                (void)!write(pfd[1], junk, sizeof(junk));
                const char *ev = "\n[1.0] Memory cgroup out of memory: Killed process 7 (job) total-vm:1kB\n"
                                 "[1.0] oom-kill:constraint=CONSTRAINT_MEMCG,oom_memcg=/a,task_memcg=/a,task=job,pid=7,uid=0";
                (void)!write(pfd[1], ev, strlen(ev)); /* no final newline */
                _exit(0);
        }
        close(pfd[1]);
        memset(&G, 0, sizeof(G));
        mg_kl_init(&P, collect, &G);
        mg_error_t err = {0};
        cr_assert_eq(mg_kl_read_lines(pfd[0], "pipe", &P, &err), 0, "%s", err.msg);
        close(pfd[0]);
        mg_kl_finish(&P);
        cr_expect_eq(P.lineno, 3);
        cr_assert_eq(G.n, 2); /* the kill line ends the first event; the summary after it opens a cut one */
        cr_expect_str_eq(G.ev[0].task, "job");
}

/* A stand-in for /dev/kmsg with its one-record-per-read semantics: a SOCK_SEQPACKET pair. */
Test(explain, read_kmsg_records_until_eagain) {
        int sv[2];
        cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
        static const char *const recs[] = {
                "4,1547,262661629,-;python3 invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0\n",
                "12,1548,262661700,-;python3 invoked oom-killer: forged by a program writing to /dev/kmsg\n",
                "6,1549,262662155,-;oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/a,task_memcg=/a/b,task=python3,pid=24293,uid=0\n SUBSYSTEM=memory\n DEVICE=+memory:x\n",
                "3,1550,262662211,-;Memory cgroup out of memory: Killed process 24293 (python3) total-vm:82104kB, anon-rss:20224kB, file-rss:6616kB, shmem-rss:0kB, UID:0 pgtables:104kB oom_score_adj:0\n",
        };
        for (size_t i = 0; i < ELEMENTSOF(recs); i++)
                cr_assert_eq(write(sv[1], recs[i], strlen(recs[i])), (ssize_t)strlen(recs[i]));
        cr_assert_eq(fcntl(sv[0], F_SETFL, O_NONBLOCK), 0);
        memset(&G, 0, sizeof(G));
        mg_kl_init(&P, collect, &G);
        mg_error_t err = {0};
        uint64_t lost = 9;
        cr_assert_eq(mg_kl_read_kmsg(sv[0], &P, 1796142060, &lost, &err), 0, "%s", err.msg); /* returns at EAGAIN */
        mg_kl_finish(&P);
        close(sv[0]);
        close(sv[1]);
        cr_expect_eq(lost, 0);
        cr_expect_eq(P.lineno, 3, "the user-space record is not fed");
        cr_assert_eq(G.n, 1);
        expect(&G, 0, "parent-limit", "python3", 24293, "/a/b", "/a");
        cr_expect(G.ev[0].time.have_wall && G.ev[0].time.wall == 1796142060 + 262);
}

/* The real /dev/kmsg: read to the end of the ring and back, never waiting. */
Test(explain, read_real_kmsg_returns) {
        int fd = -1;
        bool is_kmsg = false;
        mg_error_t err = {0};
        if (mg_kl_open(MG_KMSG_PATH, &fd, &is_kmsg, &err) < 0) {
                cr_log_warn("SKIP: /dev/kmsg not readable here (%s); CI runs this as root", err.msg);
                return;
        }
        cr_expect(is_kmsg);
        memset(&G, 0, sizeof(G));
        mg_kl_init(&P, collect, &G);
        cr_expect_eq(mg_kl_read_kmsg(fd, &P, 0, NULL, &err), 0, "%s", err.msg);
        close(fd);
        cr_expect_gt(P.lineno, 0, "a booted kernel has records in its ring");
}

Test(explain, since_values) {
        time_t t;
        cr_expect_eq(mg_explain_parse_since("@1796142322", 0, &t), 0);
        cr_expect_eq(t, 1796142322);
        cr_expect_eq(mg_explain_parse_since("2h", 1796142322, &t), 0);
        cr_expect_eq(t, 1796142322 - 7200);
        cr_expect_eq(mg_explain_parse_since("2026-12-01T16:25:22Z", 0, &t), 0);
        cr_expect_eq(t, 1796142322);
        cr_expect_eq(mg_explain_parse_since("2026-12-01 17:25:22+01:00", 0, &t), 0);
        cr_expect_eq(t, 1796142322);
        cr_expect_eq(mg_explain_parse_since("2026-12-01 16:25", 0, &t), 0);
        cr_expect_lt(mg_explain_parse_since("yesterday", 0, &t), 0);
        cr_expect_lt(mg_explain_parse_since("5y", 1000, &t), 0);
        cr_expect_lt(mg_explain_parse_since("2026-13-01 00:00", 0, &t), 0);
        cr_expect_lt(mg_explain_parse_since("@-5", 0, &t), 0);
}

/* ---- the mode, as a process ---- */

static bool streq(const char *a, const char *b) { return a && b && !strcmp(a, b); }

static void run(tu_proc_t *p, const char *a1, const char *a2, const char *a3, const char *a4, const char *a5) {
        char *argv[] = {(char *)tu_bin(), "explain", (char *)a1, (char *)a2, (char *)a3, (char *)a4, (char *)a5, NULL};
        tu_run(argv, NULL, 0, p);
}

Test(explain, mode_exit_status_and_json) {
        tu_proc_t p;
        char path[4096];
        snprintf(path, sizeof(path), "%s", tu_fixture("kernlog/k4.14-memcg-parent-kubepods.dmesg"));
        run(&p, "--file", path, "--format", "json", NULL);
        cr_assert_eq(p.status, 0, "stderr: %s", p.err);
        char ebuf[256];
        yajl_val doc = yajl_tree_parse(p.out, ebuf, sizeof(ebuf));
        cr_assert_not_null(doc, "not JSON: %s", ebuf);
        const char *cls_path[] = {"events", NULL};
        yajl_val evs = yajl_tree_get(doc, cls_path, yajl_t_array);
        cr_assert(evs && YAJL_IS_ARRAY(evs) && evs->u.array.len == 1);
        const char *k_class[] = {"class", NULL}, *k_pod[] = {"limit_container", "pod_uid", NULL};
        yajl_val c = yajl_tree_get(evs->u.array.values[0], k_class, yajl_t_string);
        yajl_val pod = yajl_tree_get(evs->u.array.values[0], k_pod, yajl_t_string);
        cr_expect(c && streq(YAJL_GET_STRING(c), "parent-limit"));
        cr_expect(pod && streq(YAJL_GET_STRING(pod), "4d7c1b2e-93a1-4f55-a0d2-6e1f2a3b4c5d"));
        const char *k_count[] = {"counts", "parent-limit", NULL};
        yajl_val n = yajl_tree_get(doc, k_count, yajl_t_number);
        cr_expect(n && YAJL_IS_INTEGER(n) && YAJL_GET_INTEGER(n) == 1);
        yajl_tree_free(doc);
        tu_proc_free(&p);

        run(&p, "--file", "/dev/null", NULL, NULL, NULL);
        cr_expect_eq(p.status, 1, "no events: exit 1");
        tu_proc_free(&p);
        run(&p, "--file", "/nonexistent/kern.log", NULL, NULL, NULL);
        cr_expect_eq(p.status, 2);
        cr_expect(strstr(p.err, "/nonexistent/kern.log") != NULL);
        tu_proc_free(&p);
        /* a FIFO nobody writes to: the open does not wait for a writer, the read sees EOF */
        char *dir = tu_mkdtemp();
        snprintf(path, sizeof(path), "%s/fifo", dir);
        cr_assert_eq(mkfifo(path, 0600), 0);
        run(&p, "--file", path, NULL, NULL, NULL);
        cr_expect_eq(p.status, 1, "a FIFO without a writer: exit %d, %s", p.status, p.err);
        tu_proc_free(&p);
        run(&p, "--file", dir, NULL, NULL, NULL);
        cr_expect_eq(p.status, 2, "a directory");
        cr_expect(strstr(p.err, "is a directory") != NULL, "%s", p.err);
        tu_proc_free(&p);
        tu_rmrf(dir);
        free(dir);
        run(&p, "--file", "/proc/kmsg", NULL, NULL, NULL);
        cr_expect_eq(p.status, 2, "/proc/kmsg is refused, never read");
        cr_expect(strstr(p.err, "system logger") != NULL, "%s", p.err);
        tu_proc_free(&p);
        run(&p, "--format", "yaml", NULL, NULL, NULL);
        cr_expect_eq(p.status, 2);
        tu_proc_free(&p);
        run(&p, "--since", "tomorrow", NULL, NULL, NULL);
        cr_expect_eq(p.status, 2);
        tu_proc_free(&p);
        /* --since drops events with a calendar time before it, keeps those without one */
        snprintf(path, sizeof(path), "%s", tu_fixture("kernlog/k5.10-v2-kubepods-systemd-iso.log"));
        run(&p, "--file", path, "--since", "2026-11-30T08:00:02Z", NULL);
        cr_expect_eq(p.status, 1, "%s", p.out);
        tu_proc_free(&p);
        run(&p, "--file", path, "--since", "2026-11-30T08:00:00Z", NULL);
        cr_expect_eq(p.status, 0, "%s", p.out);
        cr_expect(strstr(p.out, "containerd container 7c5a1f0e9d8b") != NULL, "%s", p.out);
        tu_proc_free(&p);
}
