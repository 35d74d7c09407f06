/* SPDX-License-Identifier: Apache-2.0 */
/* The container's memory cgroup and its ancestors: parsers on untrusted text, and the walk on
 * fixture trees laid out as v1, v2 and hybrid (v1 memory beside a v2 "unified" mount) hosts. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "memgate/checks/checks.h"
#include "memgate/inputs/cgroup.h"
#include "memgate/inputs/nodemask.h"
#include "memgate/models/kernel.h"
#include "memgate/outputs/host_text.h"
#include "testutil.h"
/* The backends themselves (stage-private to hook/inputs). */
#include "../../hook/inputs/cgroup_backend.h"

#define GiB (1024ULL * 1024 * 1024)
#define MiB (1024ULL * 1024)

/* Roots of fixture tree `name` under tests/fixtures/cgroup/ (static storage, one at a time). */
static mg_roots_t tree(const char *name) {
        static char proc[PATH_MAX], sys[PATH_MAX];
        char rel[128];
        snprintf(rel, sizeof(rel), "cgroup/%s/proc", name);
        snprintf(proc, sizeof(proc), "%s", tu_fixture(rel));
        snprintf(rel, sizeof(rel), "cgroup/%s/sys", name);
        snprintf(sys, sizeof(sys), "%s", tu_fixture(rel));
        return (mg_roots_t){ .procfs = proc, .sysfs = sys };
}

static char *spec(const char *s) {
        char *p = NULL;
        mg_error_t err = {0};
        int r = mg_cgroup_spec_to_path(s, &p, NULL, &err);
        cr_assert_eq(r, 0, "spec \"%s\": %s", s, err.msg);
        return p;
}

/* ---- /proc/<pid>/cgroup ---- */

Test(cgroup_parse, proc_cgroup_exact_controller_names) {
        const char *text = "11:cpu,cpuacct:/a\n10:cpuset:/b\n9:memory:/c/d\n0::/unified/x\n";
        char *p = NULL;
        cr_assert_eq(mg_parse_proc_cgroup(text, "memory", &p, NULL), 0);
        cr_assert_str_eq(p, "/c/d");
        free(p);
        cr_assert_eq(mg_parse_proc_cgroup(text, "cpu", &p, NULL), 0);
        cr_assert_str_eq(p, "/a", "\"cpu\" is in the list cpu,cpuacct, not the cpuset line");
        free(p);
        cr_assert_eq(mg_parse_proc_cgroup(text, "cpuset", &p, NULL), 0);
        cr_assert_str_eq(p, "/b");
        free(p);
        cr_assert_eq(mg_parse_proc_cgroup(text, NULL, &p, NULL), 0);
        cr_assert_str_eq(p, "/unified/x");
        free(p);
        cr_assert_eq(mg_parse_proc_cgroup("3:cpuset:/x\n", "cpu", &p, NULL), -ENOENT, "cpu is not cpuset");
        cr_assert_eq(mg_parse_proc_cgroup("3:mem:/x\n4:memoryx:/y\n", "memory", &p, NULL), -ENOENT);
}

Test(cgroup_parse, proc_cgroup_splits_on_first_two_colons) {
        char *p = NULL;
        cr_assert_eq(mg_parse_proc_cgroup("0::/a:b:c\n", NULL, &p, NULL), 0);
        cr_assert_str_eq(p, "/a:b:c", "a ':' in the path belongs to the path");
        free(p);
        cr_assert_eq(mg_parse_proc_cgroup("9:memory:/m:x\n", "memory", &p, NULL), 0);
        cr_assert_str_eq(p, "/m:x");
        free(p);
}

Test(cgroup_parse, proc_cgroup_rejects_garbage) {
        char *p = NULL;
        mg_error_t err = {0};
        cr_assert_eq(mg_parse_proc_cgroup("garbage\n", "memory", &p, &err), -EINVAL);
        cr_assert(strstr(err.msg, "garbage"), "the message quotes the line: %s", err.msg);
        cr_assert_eq(mg_parse_proc_cgroup("9:memory:relative\n", "memory", &p, NULL), -EINVAL);
        cr_assert_eq(mg_parse_proc_cgroup("9:memory:/a/../../etc\n", "memory", &p, NULL), -EINVAL);
        cr_assert_eq(mg_parse_proc_cgroup("", "memory", &p, NULL), -ENOENT);
}

/* ---- cgroupsPath ---- */

Test(cgroup_parse, systemd_notation) {
        char *p = spec("system.slice:libpod:abc");
        cr_assert_str_eq(p, "/system.slice/libpod-abc.scope");
        free(p);
        p = spec("machine.slice:crio:0123");
        cr_assert_str_eq(p, "/machine.slice/crio-0123.scope");
        free(p);
        p = spec("kubepods-burstable-pod1.slice:cri-containerd:x");
        cr_assert_str_eq(p, "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1.slice/"
                            "cri-containerd-x.scope");
        free(p);
        p = spec(":runc:id1");
        cr_assert_str_eq(p, "/system.slice/runc-id1.scope", "an empty slice is system.slice");
        free(p);
        p = spec("-:runc:id1");
        cr_assert_str_eq(p, "/runc-id1.scope", "\"-\" is the root slice");
        free(p);
        p = spec("user.slice:x:sub.slice");
        cr_assert_str_eq(p, "/user.slice/sub.slice", "a slice as the name is used as is");
        free(p);
}

Test(cgroup_parse, slice_expansion) {
        char *p = NULL;
        cr_assert_eq(mg_systemd_expand_slice("a-b.slice", &p, NULL), 0);
        cr_assert_str_eq(p, "/a.slice/a-b.slice");
        free(p);
        cr_assert_eq(mg_systemd_expand_slice("a-b-c.slice", &p, NULL), 0);
        cr_assert_str_eq(p, "/a.slice/a-b.slice/a-b-c.slice");
        free(p);
        cr_assert_eq(mg_systemd_expand_slice("-.slice", &p, NULL), 0);
        cr_assert_str_eq(p, "/");
        free(p);
        cr_assert_eq(mg_systemd_expand_slice("a--b.slice", &p, NULL), -EINVAL);
        cr_assert_eq(mg_systemd_expand_slice("-a.slice", &p, NULL), -EINVAL);
        cr_assert_eq(mg_systemd_expand_slice("a-.slice", &p, NULL), -EINVAL);
        cr_assert_eq(mg_systemd_expand_slice("a.scope", &p, NULL), -EINVAL);
        cr_assert_eq(mg_systemd_expand_slice("...slice", &p, NULL), -EINVAL);
        cr_assert_eq(mg_systemd_expand_slice("a/b.slice", &p, NULL), -EINVAL);
}

Test(cgroup_parse, cgroupfs_paths_and_hostile_ones) {
        char *p = NULL;
        bool rel = true;
        mg_error_t err = {0};

        cr_assert_eq(mg_cgroup_spec_to_path("/machine//foo/", &p, &rel, NULL), 0);
        cr_assert_str_eq(p, "/machine/foo");
        cr_assert_not(rel);
        free(p);
        cr_assert_eq(mg_cgroup_spec_to_path("libpod_parent/x", &p, &rel, NULL), 0);
        cr_assert_str_eq(p, "/libpod_parent/x");
        cr_assert(rel, "a relative cgroupfs path is flagged");
        free(p);

        cr_assert_eq(mg_cgroup_spec_to_path("/a/../../etc", &p, NULL, &err), -EINVAL);
        cr_assert(strstr(err.msg, "\"..\""), "%s", err.msg);
        cr_assert_eq(mg_cgroup_spec_to_path("/a/./b", &p, NULL, NULL), -EINVAL);
        cr_assert_eq(mg_cgroup_spec_to_path("..:x:y", &p, NULL, NULL), -EINVAL);
        cr_assert_eq(mg_cgroup_spec_to_path("s.slice:p:../../x", &p, NULL, NULL), -EINVAL);
        cr_assert_eq(mg_cgroup_spec_to_path("s.slice:p:..", &p, NULL, NULL), 0);
        cr_assert_str_eq(p, "/s.slice/p-...scope", "\"..\" as a unit name is only a strange name, not a way up");
        free(p);
        cr_assert_eq(mg_cgroup_spec_to_path("../x.slice:p:n", &p, NULL, NULL), -EINVAL);
        cr_assert_eq(mg_cgroup_spec_to_path("a:b:c:d", &p, NULL, NULL), -EINVAL);
        cr_assert_eq(mg_cgroup_spec_to_path("/a\nb", &p, NULL, NULL), -EINVAL);
        cr_assert_eq(mg_cgroup_spec_to_path("", &p, NULL, NULL), -EINVAL);

        /* Depth and length caps. */
        char deep[4 * MG_CGROUP_DEPTH_MAX + 8] = "";
        for (int i = 0; i < MG_CGROUP_DEPTH_MAX; i++)
                strcat(deep, "/ab");
        cr_assert_eq(mg_cgroup_spec_to_path(deep, &p, NULL, NULL), -E2BIG);
        char longname[300];
        longname[0] = '/';
        memset(longname + 1, 'x', 290);
        longname[291] = '\0';
        cr_assert_eq(mg_cgroup_spec_to_path(longname, &p, NULL, NULL), -ENAMETOOLONG);
        char *huge = malloc(5000);
        memset(huge, 'a', 4999);
        huge[0] = '/';
        huge[4999] = '\0';
        cr_assert_eq(mg_cgroup_spec_to_path(huge, &p, NULL, NULL), -ENAMETOOLONG);
        free(huge);
}

/* ---- limits and node lists ---- */

Test(cgroup_parse, limits_v1_v2) {
        bool have = true;
        uint64_t v = 1;
        cr_assert_eq(mg_cgroup_parse_limit("9223372036854771712\n", 1, &have, &v), 0);
        cr_assert_not(have, "v1 PAGE_COUNTER_MAX pages is no limit");
        cr_assert_eq(mg_cgroup_parse_limit("9223372036854710272\n", 1, &have, &v), 0);
        cr_assert_not(have, "64 kB pages print a smaller 'unlimited'");
        cr_assert_eq(mg_cgroup_parse_limit("268435456\n", 1, &have, &v), 0);
        cr_assert(have);
        cr_assert_eq(v, 256 * MiB);
        cr_assert_eq(mg_cgroup_parse_limit("max\n", 2, &have, &v), 0);
        cr_assert_not(have);
        cr_assert_eq(mg_cgroup_parse_limit("1073741824\n", 2, &have, &v), 0);
        cr_assert(have);
        cr_assert_eq(v, GiB);
        cr_assert_eq(mg_cgroup_parse_limit("max\n", 1, &have, &v), -EINVAL, "\"max\" is v2 only");
        cr_assert_eq(mg_cgroup_parse_limit("-1\n", 1, &have, &v), -EINVAL);
        cr_assert_eq(mg_cgroup_parse_limit("12x34\n", 1, &have, &v), -EINVAL);
        cr_assert_eq(mg_cgroup_parse_limit("99999999999999999999\n", 2, &have, &v), -ERANGE);
        cr_assert_eq(mg_cgroup_parse_limit("1\n2\n", 2, &have, &v), -EINVAL);
}

Test(cgroup_parse, node_lists) {
        mg_nodemask_t m;
        cr_assert_eq(mg_parse_node_list("0-1,3\n", &m), 0);
        cr_assert_eq(mg_nodemask_count(&m), 3);
        cr_assert(mg_nodemask_test(&m, 0) && mg_nodemask_test(&m, 1) && mg_nodemask_test(&m, 3));
        cr_assert_not(mg_nodemask_test(&m, 2));
        cr_assert_eq(mg_parse_node_list("", &m), 0);
        cr_assert_eq(mg_nodemask_count(&m), 0);
        cr_assert_eq(mg_parse_node_list("1023", &m), 0);
        cr_assert(mg_nodemask_test(&m, 1023));
        cr_assert_eq(mg_parse_node_list("0-1023", &m), 0);
        cr_assert_eq(mg_nodemask_count(&m), 1024);
        cr_assert_eq(mg_parse_node_list("1024", &m), -ERANGE);
        cr_assert_eq(mg_parse_node_list("99999999999999999999", &m), -ERANGE);
        cr_assert_eq(mg_parse_node_list("3-1", &m), -EINVAL);
        cr_assert_eq(mg_parse_node_list("0,", &m), -EINVAL);
        cr_assert_eq(mg_parse_node_list(",0", &m), -EINVAL);
        cr_assert_eq(mg_parse_node_list("0--1", &m), -EINVAL);
        cr_assert_eq(mg_parse_node_list("-1", &m), -EINVAL);
        cr_assert_eq(mg_parse_node_list("0 1", &m), -EINVAL);
        cr_assert_eq(mg_parse_node_list("a", &m), -EINVAL);
}

/* ---- the walk on fixture trees ---- */

Test(cgroup_tree, v1_from_pid_reads_every_ancestor) {
        mg_roots_t roots = tree("v1");
        mg_cgroup_t *cg = NULL;
        mg_error_t err = {0};
        const mg_cgroup_level_t *l = NULL;

        cr_assert_eq(mg_cgroup_from_pid(&roots, 4242, &cg, &err), 0, "%s", err.msg);
        cr_assert_eq(cg->version, 1);
        cr_assert_str_eq(cg->backend, "sysfs");
        cr_assert_eq(cg->nlevels, 3);
        cr_assert_str_eq(cg->levels[0].path, "/machine.slice/libpod-abc.scope");
        cr_assert_str_eq(cg->levels[1].path, "/machine.slice");
        cr_assert_str_eq(cg->levels[2].path, "/");
        cr_assert(cg->levels[0].exists && cg->levels[0].have_limit);
        cr_assert_eq(cg->levels[0].limit_bytes, GiB);
        cr_assert_eq(cg->levels[1].limit_bytes, 2 * GiB);
        cr_assert_not(cg->levels[2].have_limit, "the v1 root prints PAGE_COUNTER_MAX");
        cr_assert_eq(mg_cgroup_effective_limit(cg, &l), GiB);
        cr_assert_eq(l, &cg->levels[0], "the container's own limit is the smallest here");
        cr_assert_eq(mg_cgroup_own_limit(cg), GiB);
        /* cpuset line says /machine.slice, whose effective_mems is "1". */
        cr_assert(cg->have_mems);
        cr_assert_str_eq(cg->mems, "1");
        cr_assert_str_eq(cg->mems_path, "/machine.slice");
        mg_cgroup_free(cg);
}

Test(cgroup_tree, v1_parent_caps_the_child) {
        mg_roots_t roots = tree("v1");
        mg_cgroup_t *cg = NULL;
        mg_error_t err = {0};
        const mg_cgroup_level_t *l = NULL;

        cr_assert_eq(mg_cgroup_from_pid(&roots, 4243, &cg, &err), 0, "%s", err.msg);
        cr_assert_eq(cg->nlevels, 3);
        cr_assert_not(cg->levels[0].have_limit, "the child itself is unlimited");
        cr_assert_eq(mg_cgroup_effective_limit(cg, &l), 256 * MiB);
        cr_assert_str_eq(l->path, "/memgate");
        cr_assert_eq(mg_cgroup_limit_with_spec(cg, GiB, &l), 256 * MiB);
        cr_assert_str_eq(l->path, "/memgate");
        cr_assert_eq(mg_cgroup_limit_with_spec(cg, 128 * MiB, &l), 128 * MiB);
        cr_assert_null(l, "the spec's own smaller limit decides");
        cr_assert_str_eq(cg->mems, "0-1", "cpuset line \"/\": the root's effective mems");
        mg_cgroup_free(cg);
}

Test(cgroup_tree, v1_use_hierarchy_0_parent_does_not_cap) {
        mg_roots_t roots = tree("v1");
        mg_cgroup_t *cg = NULL;
        mg_error_t err = {0};

        cr_assert_eq(mg_cgroup_from_path(&roots, "/flat/box", &cg, &err), 0, "%s", err.msg);
        cr_assert(cg->levels[0].applies);
        cr_assert(cg->levels[1].have_limit);
        cr_assert_eq(cg->levels[1].limit_bytes, 128 * MiB);
        cr_assert_not(cg->levels[1].applies, "use_hierarchy=0: /flat is not charged for its children");
        cr_assert_eq(mg_cgroup_effective_limit(cg, NULL), GiB);
        mg_cgroup_free(cg);
}

Test(cgroup_tree, v1_check_mode_path_not_created_yet) {
        mg_roots_t roots = tree("v1");
        mg_cgroup_t *cg = NULL;
        mg_error_t err = {0};
        const mg_cgroup_level_t *l = NULL;

        cr_assert_eq(mg_cgroup_from_path(&roots, "/memgate/child/new-ctr/inner", &cg, &err), 0, "%s", err.msg);
        cr_assert_eq(cg->nlevels, 5);
        cr_assert_str_eq(cg->levels[0].path, "/memgate/child/new-ctr/inner");
        cr_assert_not(cg->levels[0].exists);
        cr_assert_not(cg->levels[1].exists);
        cr_assert(cg->levels[2].exists);
        cr_assert_str_eq(cg->levels[2].path, "/memgate/child");
        cr_assert_eq(mg_cgroup_effective_limit(cg, &l), 256 * MiB);
        cr_assert_str_eq(l->path, "/memgate");
        cr_assert_eq(mg_cgroup_own_limit(cg), 0, "a cgroup that does not exist has no limit yet");
        mg_cgroup_free(cg);
}

Test(cgroup_tree, v1_systemd_notation) {
        mg_roots_t roots = tree("v1");
        mg_cgroup_t *cg = NULL;
        mg_error_t err = {0};

        cr_assert_eq(mg_cgroup_from_path(&roots, "machine.slice:libpod:abc", &cg, &err), 0, "%s", err.msg);
        cr_assert_str_eq(cg->levels[0].path, "/machine.slice/libpod-abc.scope");
        cr_assert(cg->levels[0].exists);
        cr_assert_eq(mg_cgroup_effective_limit(cg, NULL), GiB);
        cr_assert_str_eq(cg->mems, "1", "cpuset: machine.slice's, the nearest existing one");
        mg_cgroup_free(cg);
}

Test(cgroup_tree, v1_malformed_limit_names_the_file) {
        mg_roots_t roots = tree("v1");
        mg_cgroup_t *cg = NULL;
        mg_error_t err = {0};

        cr_assert_eq(mg_cgroup_from_path(&roots, "/broken", &cg, &err), -EINVAL);
        cr_assert_null(cg, "ret untouched on failure");
        cr_assert(strstr(err.msg, "/broken") && strstr(err.msg, "12x34"), "%s", err.msg);
}

Test(cgroup_tree, v1_pid_without_memory_line_or_hostile_path) {
        mg_roots_t roots = tree("v1");
        mg_cgroup_t *cg = NULL;
        mg_error_t err = {0};

        cr_assert_eq(mg_cgroup_from_pid(&roots, 4244, &cg, &err), -ENOENT, "cpu,cpuacct and cpuset are not memory");
        cr_assert(strstr(err.msg, "memory"), "%s", err.msg);
        cr_assert_eq(mg_cgroup_from_pid(&roots, 4245, &cg, &err), -EINVAL);
        cr_assert_eq(mg_cgroup_from_pid(&roots, 99999, &cg, &err), -ENOENT, "no such pid");
        cr_assert_eq(mg_cgroup_from_pid(&roots, 0, &cg, &err), -EINVAL);
        cr_assert_eq(mg_cgroup_from_pid(&roots, -5, &cg, &err), -EINVAL);
        cr_assert_null(cg);
}

Test(cgroup_tree, v2_from_pid_and_path) {
        mg_roots_t roots = tree("v2");
        mg_cgroup_t *cg = NULL;
        mg_error_t err = {0};
        const mg_cgroup_level_t *l = NULL;

        cr_assert_eq(mg_cgroup_from_pid(&roots, 5000, &cg, &err), 0, "%s", err.msg);
        cr_assert_eq(cg->version, 2);
        cr_assert_eq(cg->nlevels, 3);
        cr_assert_eq(cg->levels[0].limit_bytes, GiB);
        cr_assert_not(cg->levels[1].have_limit, "system.slice memory.max is \"max\"");
        cr_assert_not(cg->levels[2].have_limit, "the v2 root has no memory.max");
        cr_assert_eq(mg_cgroup_effective_limit(cg, &l), GiB);
        cr_assert_str_eq(cg->mems, "0-3");
        mg_cgroup_free(cg);
        cg = NULL;

        /* Same cgroup named in systemd notation. */
        cr_assert_eq(mg_cgroup_from_path(&roots, "system.slice:libpod:abc", &cg, &err), 0, "%s", err.msg);
        cr_assert_str_eq(cg->levels[0].path, "/system.slice/libpod-abc.scope");
        cr_assert_eq(mg_cgroup_effective_limit(cg, NULL), GiB);
        mg_cgroup_free(cg);
}

Test(cgroup_tree, v2_nested_slices_smallest_ancestor_wins) {
        mg_roots_t roots = tree("v2");
        mg_cgroup_t *cg = NULL;
        mg_error_t err = {0};
        const mg_cgroup_level_t *l = NULL;

        cr_assert_eq(mg_cgroup_from_path(&roots, "kubepods-burstable-pod1.slice:cri-containerd:x", &cg, &err), 0,
                     "%s", err.msg);
        cr_assert_eq(cg->nlevels, 5);
        cr_assert_not(cg->levels[0].exists, "the scope is not created yet");
        cr_assert_eq(mg_cgroup_effective_limit(cg, &l), 512 * MiB);
        cr_assert_str_eq(l->path, "/kubepods.slice/kubepods-burstable.slice");
        cr_assert_str_eq(cg->mems, "2-3", "the pod slice's effective nodes");
        cr_assert_str_eq(cg->mems_path, "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1.slice");
        mg_cgroup_free(cg);
        cg = NULL;

        /* The same through the pid's "0::" line. */
        cr_assert_eq(mg_cgroup_from_pid(&roots, 5001, &cg, &err), 0, "%s", err.msg);
        cr_assert_eq(mg_cgroup_effective_limit(cg, &l), 512 * MiB);
        mg_cgroup_free(cg);
}

Test(cgroup_tree, hybrid_memory_is_v1_beside_unified) {
        mg_roots_t roots = tree("hybrid");
        mg_cgroup_t *cg = NULL;
        mg_error_t err = {0};
        const mg_cgroup_level_t *l = NULL;

        cr_assert_eq(mg_cgroup_from_pid(&roots, 777, &cg, &err), 0, "%s", err.msg);
        cr_assert_eq(cg->version, 1, "the unified mount has no memory controller");
        cr_assert(strstr(cg->mount, "/fs/cgroup/memory"), "%s", cg->mount);
        cr_assert_str_eq(cg->levels[0].path, "/process_api/f0af5bccd8add96b2fc73a167eb44133");
        cr_assert_eq(mg_cgroup_effective_limit(cg, &l), 512 * MiB);
        cr_assert_str_eq(l->path, "/process_api");
        cr_assert_str_eq(cg->mems, "0");
        mg_cgroup_free(cg);
}

Test(cgroup_tree, no_memory_hierarchy_is_an_error) {
        char *dir = tu_mkdtemp();
        char p[PATH_MAX];
        snprintf(p, sizeof(p), "mkdir -p %s/fs/cgroup/unified && echo 'cpu io pids' > %s/fs/cgroup/cgroup.controllers "
                               "&& echo hugetlb > %s/fs/cgroup/unified/cgroup.controllers",
                 dir, dir, dir);
        cr_assert_eq(system(p), 0);
        mg_roots_t roots = { .procfs = "/proc", .sysfs = dir };
        mg_cgroup_t *cg = NULL;
        mg_error_t err = {0};
        cr_assert_eq(mg_cgroup_from_path(&roots, "/x", &cg, &err), -ENOENT);
        cr_assert(strstr(err.msg, "no memory cgroup hierarchy"), "%s", err.msg);
        tu_rmrf(dir);
        free(dir);
}

Test(cgroup_tree, symlink_in_the_hierarchy_is_not_followed) {
        char *dir = tu_mkdtemp();
        char p[PATH_MAX], q[8 * PATH_MAX];
        snprintf(p, sizeof(p), "%s/fs/cgroup/memory/evil", dir);
        snprintf(q, sizeof(q), "mkdir -p %s %s/outside && echo 1073741824 > %s/memory.limit_in_bytes && "
                               "echo 1048576 > %s/outside/memory.limit_in_bytes && "
                               "echo 9223372036854771712 > %s/fs/cgroup/memory/memory.limit_in_bytes && "
                               "ln -s %s/outside %s/link",
                 p, dir, p, dir, dir, dir, p);
        cr_assert_eq(system(q), 0);
        mg_roots_t roots = { .procfs = "/proc", .sysfs = dir };
        mg_cgroup_t *cg = NULL;
        mg_error_t err = {0};
        cr_assert_eq(mg_cgroup_from_path(&roots, "/evil/link/x", &cg, &err), -ENOTDIR);
        cr_assert(strstr(err.msg, "symlink"), "%s", err.msg);
        cr_assert_null(cg);
        cr_assert_eq(mg_cgroup_from_path(&roots, "/evil/x", &cg, &err), 0, "%s", err.msg);
        cr_assert_eq(mg_cgroup_effective_limit(cg, NULL), GiB);
        mg_cgroup_free(cg);
        tu_rmrf(dir);
        free(dir);
}

/* ---- the live host: direct reads, libcgroup where the layout is unusual ---- */

Test(cgroup_live, own_process_read_directly) {
        mg_roots_t roots = { .procfs = "/proc", .sysfs = "/sys" };
        mg_cgroup_t *cg = NULL;
        mg_error_t err = {0};
        int r = mg_cgroup_from_pid(&roots, getpid(), &cg, &err);
        if (r == -ENOENT)
                cr_skip_test("SKIP: no memory cgroup hierarchy on this host (%s)", err.msg);
        cr_assert_eq(r, 0, "%s", err.msg);
        /* This host has the standard layout: no cgroup_init on the hook's path. */
        cr_assert_str_eq(cg->backend, "sysfs");
        cr_assert_eq(mg_cg_libcgroup_inits(), 0, "libcgroup was initialised for a standard layout");
        cr_assert(cg->version == 1 || cg->version == 2);
        cr_assert(cg->levels[0].exists, "our own cgroup exists");
        cr_assert_str_eq(cg->levels[cg->nlevels - 1].path, "/");

        /* The path agrees with /proc/self/cgroup read independently. */
        char *text = tu_slurp("/proc/self/cgroup", NULL);
        char *p = NULL;
        cr_assert_eq(mg_parse_proc_cgroup(text, cg->version == 1 ? "memory" : NULL, &p, NULL), 0);
        cr_assert_str_eq(cg->levels[0].path, p);

        /* And the limit agrees with the file read directly. */
        char file[PATH_MAX];
        snprintf(file, sizeof(file), "%s%s/%s", cg->mount, strcmp(p, "/") ? p : "",
                 cg->version == 1 ? "memory.limit_in_bytes" : "memory.max");
        if (access(file, R_OK) == 0) {
                char *lim = tu_slurp(file, NULL);
                bool have;
                uint64_t v;
                cr_assert_eq(mg_cgroup_parse_limit(lim, cg->version, &have, &v), 0);
                cr_assert_eq(have, cg->levels[0].have_limit);
                cr_assert_eq(v, cg->levels[0].limit_bytes);
                free(lim);
        }
        free(p);
        free(text);
        mg_cgroup_free(cg);
}

/* libcgroup, the fallback for hierarchies mounted elsewhere, finds the same hierarchy as the
 * direct reads on this host. */
Test(cgroup_live, libcgroup_finds_the_same_hierarchy) {
        mg_roots_t roots = { .procfs = "/proc", .sysfs = "/sys" };
        mg_cg_hier_t direct, lib;
        mg_error_t err = {0};
        int r = mg_cg_backend_sysfs.open(&roots, "memory", &direct, &err);
        if (r == -ENOENT)
                cr_skip_test("SKIP: no memory cgroup hierarchy on this host (%s)", err.msg);
        cr_assert_eq(r, 0, "%s", err.msg);
        cr_assert_eq(mg_cg_backend_libcgroup.open(&roots, "memory", &lib, &err), 0, "%s", err.msg);
        cr_assert_eq(mg_cg_libcgroup_inits(), 1);
        cr_assert_eq(lib.version, direct.version);
        cr_assert_str_eq(lib.mount, direct.mount);
        char a[64], b[64];
        cr_assert_eq(direct.backend->read(&direct, "/", direct.fd, direct.version == 1 ? "memory.limit_in_bytes" : "memory.max",
                                          a, sizeof(a), &err), 0, "%s", err.msg);
        cr_assert_eq(lib.backend->read(&lib, "/", lib.fd, lib.version == 1 ? "memory.limit_in_bytes" : "memory.max", b,
                                       sizeof(b), &err), 0, "%s", err.msg);
        cr_assert_str_eq(a, b);
        mg_cg_hier_close(&direct);
        mg_cg_hier_close(&lib);
}
