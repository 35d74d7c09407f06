/* SPDX-License-Identifier: Apache-2.0 */
/* memgate-runtime's argv parser and runtime lookup, on the command lines Docker, containerd and
 * podman actually pass to runc. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "memgate/cli/runc_argv.h"
#include "testutil.h"

#define ARGC(a) ((int)(sizeof(a) / sizeof((a)[0])))

static mg_runc_cmd_t parse_ok(int argc, char *const argv[]) {
        mg_runc_cmd_t c;
        mg_error_t err = { 0 };
        int r = mg_runc_parse(argc, argv, 1, &c, &err);
        cr_assert_eq(r, 0, "parse failed: %s", err.msg);
        return c;
}

Test(wrapper, containerd_create_line) {
        /* the shape containerd's runc shim (go-runc) uses */
        char *const argv[] = { "memgate-runtime", "--root", "/run/containerd/runc/k8s.io", "--log",
                               "/run/containerd/io.containerd.runtime.v2.task/k8s.io/abc/log.json", "--log-format",
                               "json", "--systemd-cgroup", "create", "--bundle",
                               "/run/containerd/io.containerd.runtime.v2.task/k8s.io/abc", "--pid-file",
                               "/run/x/init.pid", "--console-socket", "/tmp/pty.sock", "abc" };
        mg_runc_cmd_t c = parse_ok(ARGC(argv), argv);
        cr_assert_str_eq(c.command, "create");
        cr_assert_eq(c.command_index, 8);
        cr_assert(c.evaluate);
        cr_assert_str_eq(c.bundle, "/run/containerd/io.containerd.runtime.v2.task/k8s.io/abc");
        cr_assert_str_eq(c.id, "abc");
        cr_assert_str_eq(c.root, "/run/containerd/runc/k8s.io");
}

Test(wrapper, equals_forms_and_single_dash) {
        char *const argv[] = { "runc", "-root=/run/r", "--log=/l", "-debug", "run", "-b=/b1", "--detach", "id1" };
        mg_runc_cmd_t c = parse_ok(ARGC(argv), argv);
        cr_assert_str_eq(c.command, "run");
        cr_assert_str_eq(c.root, "/run/r");
        cr_assert_str_eq(c.bundle, "/b1");
        cr_assert_str_eq(c.id, "id1");
        cr_assert(c.evaluate);
}

Test(wrapper, flags_after_the_id_are_still_read) {
        /* urfave/cli v1 moves flags in front of the arguments: runc accepts this order */
        char *const argv[] = { "runc", "create", "myid", "-b", "/bundle", "--no-pivot" };
        mg_runc_cmd_t c = parse_ok(ARGC(argv), argv);
        cr_assert_str_eq(c.id, "myid");
        cr_assert_str_eq(c.bundle, "/bundle");
}

Test(wrapper, last_bundle_wins_and_no_bundle_means_cwd) {
        char *const a1[] = { "runc", "create", "--bundle", "/one", "--bundle=/two", "x" };
        cr_assert_str_eq(parse_ok(ARGC(a1), a1).bundle, "/two");
        char *const a2[] = { "runc", "create", "x" };
        mg_runc_cmd_t c = parse_ok(ARGC(a2), a2);
        cr_assert_null(c.bundle, "no --bundle: the working directory is the bundle");
        cr_assert(c.evaluate);
}

Test(wrapper, value_taking_global_swallows_a_word_named_create) {
        /* --root create start: "create" is --root's value, the subcommand is start */
        char *const argv[] = { "runc", "--root", "create", "start", "id" };
        mg_runc_cmd_t c = parse_ok(ARGC(argv), argv);
        cr_assert_str_eq(c.command, "start");
        cr_assert_not(c.evaluate);
        cr_assert_str_eq(c.root, "create");
}

Test(wrapper, other_subcommands_pass_through) {
        const char *cmds[] = { "start", "state", "delete", "kill", "exec", "ps", "spec", "update", "list", "events",
                               "pause", "resume", "checkpoint", "features" };
        for (size_t i = 0; i < ELEMENTSOF(cmds); i++) {
                char *const argv[] = { "runc", "--root", "/r", (char *)cmds[i], "--bundle", "/b", "id" };
                mg_runc_cmd_t c = parse_ok(ARGC(argv), argv);
                cr_assert_str_eq(c.command, cmds[i]);
                cr_assert_not(c.evaluate, "%s must not be evaluated", cmds[i]);
                cr_assert_null(c.bundle, "%s: bundle is only read for create/run", cmds[i]);
        }
}

/* restore starts a container from a checkpoint out of the same kind of bundle: judged like
 * create, with restore's own options read so they cannot hide the bundle. */
Test(wrapper, restore_is_evaluated) {
        char *const argv[] = { "runc", "--root", "/r", "restore", "--image-path", "/ckpt", "--tcp-established",
                               "--manage-cgroups-mode", "soft", "-d", "--bundle", "/b", "--lsm-profile", "x:y", "id" };
        mg_runc_cmd_t c = parse_ok(ARGC(argv), argv);
        cr_assert_str_eq(c.command, "restore");
        cr_assert(c.evaluate);
        cr_assert_str_eq(c.bundle, "/b");
        cr_assert_str_eq(c.id, "id");
}

/* containerd's shim names the file it reads the runtime's error from. */
Test(wrapper, log_and_format_are_kept) {
        char *const argv[] = { "runc", "--root", "/r", "--log", "/b/log.json", "--log-format=json", "exec", "--process",
                               "/p.json", "--detach", "id" };
        mg_runc_cmd_t c = parse_ok(ARGC(argv), argv);
        cr_assert_str_eq(c.log, "/b/log.json");
        cr_assert_str_eq(c.log_format, "json");
        cr_assert_str_eq(c.command, "exec");
        cr_assert_not(c.evaluate);
        char *const plain[] = { "runc", "start", "id" };
        c = parse_ok(ARGC(plain), plain);
        cr_assert_null(c.log);
        cr_assert_null(c.log_format);
}

/* A relative runtime path would resolve against the bundle (the image's rootfs is in it). */
Test(wrapper, relative_runtime_path_is_refused) {
        char *path = NULL;
        mg_error_t err = { 0 };
        cr_assert_eq(mg_runtime_resolve("rootfs/bin/runc", NULL, NULL, &path, &err), -EINVAL);
        cr_assert_null(path);
        cr_assert(strstr(err.msg, "relative path"), "%s", err.msg);
        cr_assert_eq(mg_runtime_resolve("./runc", NULL, NULL, &path, &err), -EINVAL);
}

Test(wrapper, no_subcommand) {
        char *const a1[] = { "runc", "--version" };
        mg_runc_cmd_t c = parse_ok(ARGC(a1), a1);
        cr_assert_eq(c.command_index, -1);
        cr_assert_null(c.command);
        char *const a2[] = { "runc" };
        cr_assert_eq(parse_ok(ARGC(a2), a2).command_index, -1);
}

Test(wrapper, help_is_not_evaluated) {
        char *const argv[] = { "runc", "create", "--help" };
        mg_runc_cmd_t c = parse_ok(ARGC(argv), argv);
        cr_assert_str_eq(c.command, "create");
        cr_assert_not(c.evaluate);
}

Test(wrapper, double_dash_ends_options) {
        char *const argv[] = { "runc", "create", "-b", "/b", "--", "--bundle" };
        mg_runc_cmd_t c = parse_ok(ARGC(argv), argv);
        cr_assert_str_eq(c.bundle, "/b");
        cr_assert_str_eq(c.id, "--bundle", "after --, a dash word is the id");
        char *const g[] = { "runc", "--debug", "--", "run", "x" };
        cr_assert_str_eq(parse_ok(ARGC(g), g).command, "run");
}

Test(wrapper, ambiguity_is_an_error_not_a_guess) {
        mg_runc_cmd_t c = { .command_index = 42 };
        mg_error_t err = { 0 };

        char *const unknown_global[] = { "runc", "--frobnicate", "create", "-b", "/b", "x" };
        cr_assert_eq(mg_runc_parse(ARGC(unknown_global), unknown_global, 1, &c, &err), -EINVAL);
        cr_assert(strstr(err.msg, "--frobnicate"), "message names the option: %s", err.msg);
        cr_assert_eq(c.command_index, 42, "output untouched on failure");

        char *const unknown_create[] = { "runc", "create", "--frobnicate", "/x", "-b", "/b", "x" };
        cr_assert_eq(mg_runc_parse(ARGC(unknown_create), unknown_create, 1, &c, &err), -EINVAL);

        char *const missing_value[] = { "runc", "create", "x", "--bundle" };
        cr_assert_eq(mg_runc_parse(ARGC(missing_value), missing_value, 1, &c, &err), -EINVAL);
        cr_assert(strstr(err.msg, "lacks its value"), "%s", err.msg);

        char *const missing_global[] = { "runc", "--root" };
        cr_assert_eq(mg_runc_parse(ARGC(missing_global), missing_global, 1, &c, &err), -EINVAL);

        char *const empty_bundle[] = { "runc", "create", "--bundle=", "x" };
        cr_assert_eq(mg_runc_parse(ARGC(empty_bundle), empty_bundle, 1, &c, &err), -EINVAL);
}

Test(wrapper, unknown_options_with_values_inline_are_skipped) {
        char *const argv[] = { "runc", "--future-flag=1", "create", "--future-create=2", "-b", "/b", "x" };
        mg_runc_cmd_t c = parse_ok(ARGC(argv), argv);
        cr_assert_str_eq(c.command, "create");
        cr_assert_str_eq(c.bundle, "/b");
}

Test(wrapper, unknown_option_of_a_passthrough_command_is_fine) {
        char *const argv[] = { "runc", "exec", "--frobnicate", "x", "sh" };
        mg_runc_cmd_t c = parse_ok(ARGC(argv), argv);
        cr_assert_str_eq(c.command, "exec");
}

Test(wrapper, own_options_are_split_off_the_front) {
        mg_wrapper_own_t own;
        mg_error_t err = { 0 };
        char *const argv[] = { "memgate-runtime", "--memgate-runtime=/usr/bin/crun", "--memgate-config=/etc/m.conf",
                               "--root", "/r", "create", "x" };
        cr_assert_eq(mg_wrapper_split_own(ARGC(argv), argv, &own, &err), 0);
        cr_assert_eq(own.first, 3);
        cr_assert_str_eq(own.runtime, "/usr/bin/crun");
        cr_assert_str_eq(own.config, "/etc/m.conf");

        mg_runc_cmd_t c = { 0 };
        cr_assert_eq(mg_runc_parse(ARGC(argv), argv, own.first, &c, &err), 0);
        cr_assert_str_eq(c.command, "create");
        cr_assert_eq(c.command_index, 5);

        char *const later[] = { "memgate-runtime", "create", "--memgate-runtime=/x", "id" };
        cr_assert_eq(mg_wrapper_split_own(ARGC(later), later, &own, &err), 0);
        cr_assert_eq(own.first, 1, "only leading options are memgate's");
        cr_assert_null(own.runtime);

        char *const bad[] = { "memgate-runtime", "--memgate-runtim=/x", "create" };
        cr_assert_eq(mg_wrapper_split_own(ARGC(bad), bad, &own, &err), -EINVAL);
        cr_assert(strstr(err.msg, "--memgate-runtim=/x"), "%s", err.msg);
        char *const empty[] = { "memgate-runtime", "--memgate-runtime=", "create" };
        cr_assert_eq(mg_wrapper_split_own(ARGC(empty), empty, &own, &err), -EINVAL);
}

static void make_exe(const char *path) {
        tu_write(path, "#!/bin/sh\nexit 0\n");
        cr_assert_eq(chmod(path, 0755), 0);
}

Test(wrapper, resolve_skips_itself_on_path) {
        char *d = tu_mkdtemp();
        char d1[PATH_MAX], d2[PATH_MAX], p1[PATH_MAX + 8], p2[PATH_MAX + 8], path[3 * PATH_MAX];
        snprintf(d1, sizeof d1, "%s/first", d);
        snprintf(d2, sizeof d2, "%s/second", d);
        cr_assert_eq(mkdir(d1, 0755), 0);
        cr_assert_eq(mkdir(d2, 0755), 0);
        snprintf(p1, sizeof p1, "%s/runc", d1);
        snprintf(p2, sizeof p2, "%s/runc", d2);
        make_exe(p1);
        make_exe(p2);
        snprintf(path, sizeof path, "relative/dir::%s:%s", d1, d2);

        struct stat self;
        cr_assert_eq(stat(p1, &self), 0);
        char *got = NULL;
        mg_error_t err = { 0 };

        /* the wrapper installed as d1/runc: the real one is d2/runc */
        cr_assert_eq(mg_runtime_resolve("runc", path, &self, &got, &err), 0, "%s", err.msg);
        cr_assert_str_eq(got, p2);
        free(got);
        got = NULL;

        /* no self: the first on PATH */
        cr_assert_eq(mg_runtime_resolve("runc", path, NULL, &got, &err), 0);
        cr_assert_str_eq(got, p1);
        free(got);
        got = NULL;

        /* a path naming itself is a loop */
        cr_assert_eq(mg_runtime_resolve(p1, path, &self, &got, &err), -ELOOP);
        cr_assert_null(got);

        /* only itself on PATH */
        snprintf(path, sizeof path, "%s", d1);
        cr_assert_eq(mg_runtime_resolve("runc", path, &self, &got, &err), -ENOENT);
        cr_assert(strstr(err.msg, "itself"), "%s", err.msg);

        /* not executable */
        cr_assert_eq(chmod(p2, 0644), 0);
        cr_assert_eq(mg_runtime_resolve(p2, NULL, NULL, &got, &err), -ENOENT);
        /* a directory is not a runtime */
        cr_assert_eq(mg_runtime_resolve(d2, NULL, NULL, &got, &err), -ENOENT);
        cr_assert_eq(mg_runtime_resolve("", NULL, NULL, &got, &err), -EINVAL);
        tu_rmrf(d);
        free(d);
}
