/* SPDX-License-Identifier: Apache-2.0 */
/* Nothing makes memgate wait (issue 10, section 2), run as processes on real trees:
 *  - a FIFO, a socket or a symlink to a FIFO at every path memgate reads (every file of a
 *    --procfs/--sysfs tree, every cgroup file, config.json, memgate.conf, the bundle) is refused
 *    unopened, with its type named, in every mode that reads it;
 *  - what only a deadline can bound (stdin held open, a full stdout or stderr pipe, a read or an
 *    fsync that never returns) ends at memgate.conf's `deadline` with the documented policy and a
 *    line naming what memgate waited for, and leaves no temp file;
 *  - SIGTERM to memgate reaches its evaluation. */
#define _GNU_SOURCE
#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "nowait_run.h"
#include "testutil.h"

#define HOST "procfs/vm-6.18-24g-default"
#define REFUSE_HOST "procfs/host-4g-minfree-2g"

static char *dir;
/* conf, conf_closed: a deadline no normal run reaches, even under ASan on a loaded host (the
 * refusals must come at once, not at the deadline); short_conf, short_closed: for the tests of
 * the deadline itself. */
static char bundle[512], conf[512], conf_closed[512], short_conf[512], short_closed[512], procfs[512], sysfs[512],
        state[1024];

static const char *runtime_bin(void) {
        const char *v = getenv("MEMGATE_RUNTIME_BIN");
        cr_assert(v && *v, "MEMGATE_RUNTIME_BIN is not set: run through ctest");
        return v;
}

static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sh(const char *fmt, ...) {
        char cmd[4096];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(cmd, sizeof(cmd), fmt, ap);
        va_end(ap);
        cr_assert_eq(system(cmd), 0, "%s", cmd);
}

static void write_state(const char *b, int pid) {
        snprintf(state, sizeof(state),
                 "{\"ociVersion\":\"1.0.2\",\"id\":\"nowait\",\"status\":\"creating\",\"pid\":%d,\"bundle\":\"%s\"}",
                 pid, b);
}

/* A private copy of a host tree (so files can be swapped), a bundle with the runc config, and
 * memgate.conf files with a short deadline, failing open and closed. */
static void setup(void) {
        dir = tu_mkdtemp();
        sh("cp -a '%s' '%s/host'", tu_peer(HOST), dir);
        snprintf(procfs, sizeof(procfs), "%s/host/proc", dir);
        snprintf(sysfs, sizeof(sysfs), "%s/host/sys", dir);
        snprintf(bundle, sizeof(bundle), "%s/bundle", dir);
        cr_assert_eq(mkdir(bundle, 0700), 0);
        char p[600];
        snprintf(p, sizeof(p), "%s/config.json", bundle);
        char *c = tu_slurp(tu_peer("generated/runc-1.1.5-spec.json"), NULL);
        tu_write(p, c);
        free(c);
        snprintf(conf, sizeof(conf), "%s/open.conf", dir);
        tu_write(conf, "deadline = 10s\n");
        snprintf(conf_closed, sizeof(conf_closed), "%s/closed.conf", dir);
        tu_write(conf_closed, "deadline = 10s\nfail_closed = yes\n");
        snprintf(short_conf, sizeof(short_conf), "%s/short.conf", dir);
        tu_write(short_conf, "deadline = 1500ms\nfsync = yes\n" /* the hung-fsync cases need one */);
        snprintf(short_closed, sizeof(short_closed), "%s/short-closed.conf", dir);
        tu_write(short_closed, "deadline = 1500ms\nfail_closed = yes\nfsync = yes\n");
        write_state(bundle, getpid());
}

static void teardown(void) {
        tu_rmrf(dir);
        free(dir);
}

TestSuite(nowait, .init = setup, .fini = teardown, .timeout = 240);

/* Replaces path with a FIFO ('f'), a listening UNIX socket ('s') or a symlink to a FIFO ('l'). */
static void plant(const char *path, char kind) {
        unlink(path);
        if (kind == 'f') {
                cr_assert_eq(mkfifo(path, 0600), 0, "mkfifo %s", path);
        } else if (kind == 's') {
                struct sockaddr_un sa = {.sun_family = AF_UNIX};
                cr_assert_lt(strlen(path), sizeof(sa.sun_path), "socket path too long: %s", path);
                strcpy(sa.sun_path, path);
                int fd = socket(AF_UNIX, SOCK_STREAM, 0);
                cr_assert(fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 && listen(fd, 1) == 0,
                          "socket %s: %s", path, strerror(errno));
                close(fd); /* the socket file stays */
        } else {
                char target[600];
                snprintf(target, sizeof(target), "%s.fifo-target", path);
                unlink(target);
                cr_assert_eq(mkfifo(target, 0600), 0);
                cr_assert_eq(symlink(target, path), 0);
        }
}

static const char *kind_word(char kind) {
        return kind == 'f' ? "is a FIFO, not a regular file" : kind == 's' ? "is a socket, not a regular file"
                                                                              : "is a symbolic link, not followed";
}

/* A run that must end at once (not at the deadline) with exit status want, naming what it refused. */
static void assert_refused_unopened(const nw_run_t *r, int want, const char *what, const char *word, const char *ctx) {
        cr_assert(!r->hung, "%s: memgate hung", ctx);
        cr_assert_eq(r->status, want, "%s: exit %d, expected %d; stderr: %s", ctx, r->status, want, r->err);
        cr_assert_null(strstr(r->err, "deadline"), "%s: refused only at the deadline: %s", ctx, r->err);
        cr_assert(strstr(r->err, what) || strstr(r->out, what), "%s: does not name %s: %s%s", ctx, what, r->err, r->out);
        cr_assert(strstr(r->err, word) || strstr(r->out, word), "%s: does not say \"%s\": %s%s", ctx, word, r->err,
                  r->out);
}

/* The files of a tree, relative to it. */
typedef struct files {
        char names[256][256];
        size_t n;
        const char *root;
} files_t;

static files_t *walking;
static int collect(const char *p, const struct stat *sb, int flag, struct FTW *ftw) {
        if (flag == FTW_F && S_ISREG(sb->st_mode) && walking->n < 256)
                snprintf(walking->names[walking->n++], 256, "%s", p + strlen(walking->root) + 1);
        return 0;
}

static void list_files(const char *root, files_t *f) {
        f->n = 0;
        f->root = root;
        walking = f;
        cr_assert_eq(nftw(root, collect, 16, FTW_PHYS), 0);
        cr_assert_gt(f->n, 0);
}

/* Every file of the host tree, in turn a FIFO, then a socket: `memgate host` and `memgate hook`
 * end at once and name it. Files memgate can do without (zoneinfo, buddyinfo) are named in the
 * report instead of failing the run. A file whose swap changes nothing at all is one memgate does
 * not read: only vmstat and lowmem_reserve_ratio (the model takes the zones' protection from
 * zoneinfo) may be one. */
Test(nowait, every_procfs_and_sysfs_file) {
        static files_t f;
        char root[600];
        snprintf(root, sizeof(root), "%s/host", dir);
        list_files(root, &f);
        char *host[] = {(char *)tu_bin(), "host", "--format", "json", "--procfs", procfs, "--sysfs", sysfs, "--config",
                        conf, NULL};
        char *hook[] = {(char *)tu_bin(), "hook", "--format", "json", "--procfs", procfs, "--sysfs", sysfs, "--config",
                        conf, NULL};
        nw_opts_t oh = {0}, ok = {.in = state};
        nw_run_t base;
        nw_exec(host, &oh, &base);
        cr_assert_eq(base.status, 0, "%s", base.err);
        const char kinds[] = {'f', 's'};
        for (size_t k = 0; k < 2; k++)
                for (size_t i = 0; i < f.n; i++) {
                        char path[900], saved[920], ctx[1200];
                        snprintf(path, sizeof(path), "%s/%s", root, f.names[i]);
                        snprintf(saved, sizeof(saved), "%s.saved", path);
                        cr_assert_eq(rename(path, saved), 0);
                        plant(path, kinds[k]);
                        nw_run_t r;
                        nw_exec(host, &oh, &r);
                        snprintf(ctx, sizeof(ctx), "host, %s a %s", f.names[i], kinds[k] == 'f' ? "FIFO" : "socket");
                        if (r.status == 0 && strcmp(r.out, base.out) == 0) {
                                cr_assert(!strcmp(f.names[i], "proc/vmstat") ||
                                                  !strcmp(f.names[i], "proc/sys/vm/lowmem_reserve_ratio"),
                                          "%s: nothing changed and nothing named it", ctx);
                        } else {
                                assert_refused_unopened(&r, r.status == 2 ? 2 : 0, f.names[i], kind_word(kinds[k]), ctx);
                                nw_free(&r);
                                nw_exec(hook, &ok, &r);
                                snprintf(ctx, sizeof(ctx), "hook, %s a %s", f.names[i],
                                         kinds[k] == 'f' ? "FIFO" : "socket");
                                assert_refused_unopened(&r, 0, f.names[i], kind_word(kinds[k]), ctx);
                        }
                        nw_free(&r);
                        cr_assert_eq(unlink(path), 0);
                        cr_assert_eq(rename(saved, path), 0);
                }
        nw_free(&base);
}

/* Every file of a cgroup v2 tree and the pid's /proc/<pid>/cgroup: the hook ends at once and the
 * report says why the cgroup checks went without it. (The v1 and hybrid trees die of SIGSYS in
 * the sysfs backend's faccessat, issue 10 section 1, fixed on its own branch.) */
Test(nowait, every_cgroup_file) {
        static files_t f;
        char root[600];
        snprintf(root, sizeof(root), "%s/cg", dir);
        sh("cp -a '%s' '%s' && cp -a '%s'/. '%s'/proc/ && cp -a '%s'/devices '%s'/sys/", tu_fixture("cgroup/v2"),
           root, procfs, root, sysfs, root);
        list_files(root, &f);
        char cp[700], cs[700];
        snprintf(cp, sizeof(cp), "%s/proc", root);
        snprintf(cs, sizeof(cs), "%s/sys", root);
        write_state(bundle, 5000);
        size_t tried = 0;
        for (size_t i = 0; i < f.n; i++) {
                if (strncmp(f.names[i], "sys/fs/cgroup/", 14) != 0 && strcmp(f.names[i], "proc/5000/cgroup") != 0)
                        continue;
                char path[900], saved[920], ctx[1200];
                snprintf(path, sizeof(path), "%s/%s", root, f.names[i]);
                snprintf(saved, sizeof(saved), "%s.saved", path);
                cr_assert_eq(rename(path, saved), 0);
                plant(path, 'f');
                char *hook[] = {(char *)tu_bin(), "hook", "--format", "json", "--procfs", cp, "--sysfs", cs, "--config",
                                conf, NULL};
                nw_opts_t o = {.in = state};
                nw_run_t r;
                nw_exec(hook, &o, &r);
                snprintf(ctx, sizeof(ctx), "hook, cgroup file %s a FIFO", f.names[i]);
                cr_assert(!r.hung, "%s: hung", ctx);
                cr_assert_eq(r.status, 0, "%s: %s", ctx, r.err);
                cr_assert_null(strstr(r.err, "deadline"), "%s: %s", ctx, r.err);
                /* Read at all (not every file is, for this container)? Then the report names it. */
                const char *base = strrchr(f.names[i], '/') + 1;
                if (strstr(r.out, "is a FIFO"))
                        cr_assert(strstr(r.out, base), "%s: the report names a FIFO but not %s: %s", ctx, base, r.out);
                tried += strstr(r.out, "is a FIFO") != NULL;
                nw_free(&r);
                cr_assert_eq(unlink(path), 0);
                cr_assert_eq(rename(saved, path), 0);
        }
        cr_assert_geq(tried, 3, "only %zu cgroup files were read as FIFOs: the test proved little", tried);
}

/* config.json a FIFO, a socket, a symlink to a FIFO: hook, check and memgate-runtime create. */
Test(nowait, config_json_in_every_front_end) {
        char cfg[600], stub[600], rt_env[700];
        snprintf(cfg, sizeof(cfg), "%s/config.json", bundle);
        snprintf(stub, sizeof(stub), "%s/runc-stub", dir);
        tu_write(stub, "#!/bin/sh\nexit 0\n");
        chmod(stub, 0755);
        snprintf(rt_env, sizeof(rt_env), "MEMGATE_RUNTIME=%s", stub);
        char pe[700], se[700], ce[700];
        snprintf(pe, sizeof(pe), "MEMGATE_PROCFS=%s", procfs);
        snprintf(se, sizeof(se), "MEMGATE_SYSFS=%s", sysfs);
        snprintf(ce, sizeof(ce), "MEMGATE_CONFIG=%s", conf);
        const char kinds[] = {'f', 's', 'l'};
        for (size_t k = 0; k < 3; k++) {
                plant(cfg, kinds[k]);
                nw_run_t r;
                char *hook[] = {(char *)tu_bin(), "hook", "--procfs", procfs, "--sysfs", sysfs, "--config", conf, NULL};
                nw_opts_t o = {.in = state};
                nw_exec(hook, &o, &r);
                assert_refused_unopened(&r, 0, "config.json", kind_word(kinds[k]), "hook");
                nw_free(&r);
                char *hookc[] = {(char *)tu_bin(), "hook", "--procfs", procfs, "--sysfs", sysfs, "--config", conf_closed,
                                 NULL};
                nw_exec(hookc, &o, &r);
                assert_refused_unopened(&r, 1, "config.json", kind_word(kinds[k]), "hook, fail closed");
                nw_free(&r);
                char *check[] = {(char *)tu_bin(), "check", "--bundle", bundle, "--procfs", procfs, "--sysfs", sysfs,
                                 "--config", conf, NULL};
                nw_opts_t oc = {0};
                nw_exec(check, &oc, &r);
                assert_refused_unopened(&r, 2, "config.json", kind_word(kinds[k]), "check");
                nw_free(&r);
                char *rt[] = {(char *)runtime_bin(), "create", "--bundle", bundle, "nowait", NULL};
                nw_opts_t orr = {.env = {rt_env, pe, se, ce}};
                nw_exec(rt, &orr, &r);
                assert_refused_unopened(&r, 0, "config.json", kind_word(kinds[k]), "memgate-runtime create");
                nw_free(&r);
                unlink(cfg);
        }
}

/* memgate.conf (followed when a symlink: it is the site's own path) a FIFO or a socket, in every
 * mode: the site's settings cannot be read, which fails open. */
Test(nowait, memgate_conf_in_every_mode) {
        char bad[600], stub[600], rt_env[700], ce[700], pe[700], se[700];
        snprintf(bad, sizeof(bad), "%s/bad.conf", dir);
        snprintf(stub, sizeof(stub), "%s/runc-stub", dir);
        tu_write(stub, "#!/bin/sh\nexit 0\n");
        chmod(stub, 0755);
        snprintf(rt_env, sizeof(rt_env), "MEMGATE_RUNTIME=%s", stub);
        snprintf(ce, sizeof(ce), "MEMGATE_CONFIG=%s", bad);
        snprintf(pe, sizeof(pe), "MEMGATE_PROCFS=%s", procfs);
        snprintf(se, sizeof(se), "MEMGATE_SYSFS=%s", sysfs);
        char *podman = tu_slurp(tu_peer("generated/podman-4.3.1-config.json"), NULL);
        const struct {
                char kind;
                const char *word;
        } kinds[] = {{'f', "is a FIFO, not a regular file"},
                     {'s', "is a socket, not a regular file"},
                     {'l', "is a FIFO, not a regular file"}};
        for (size_t k = 0; k < 3; k++) {
                plant(bad, kinds[k].kind);
                nw_run_t r;
                char *hook[] = {(char *)tu_bin(), "hook", "--procfs", procfs, "--sysfs", sysfs, "--config", bad, NULL};
                nw_opts_t o = {.in = state};
                nw_exec(hook, &o, &r);
                assert_refused_unopened(&r, 0, "bad.conf", kinds[k].word, "hook");
                nw_free(&r);
                char *check[] = {(char *)tu_bin(), "check", "--bundle", bundle, "--config", bad, NULL};
                nw_opts_t on = {0};
                nw_exec(check, &on, &r);
                assert_refused_unopened(&r, 2, "bad.conf", kinds[k].word, "check");
                nw_free(&r);
                char *host[] = {(char *)tu_bin(), "host", "--procfs", procfs, "--sysfs", sysfs, "--config", bad, NULL};
                nw_exec(host, &on, &r);
                assert_refused_unopened(&r, 2, "bad.conf", kinds[k].word, "host");
                nw_free(&r);
                char *pre[] = {(char *)tu_bin(), "precreate", "--procfs", procfs, "--sysfs", sysfs, "--config", bad, NULL};
                nw_opts_t op = {.in = podman};
                nw_exec(pre, &op, &r);
                assert_refused_unopened(&r, 0, "bad.conf", kinds[k].word, "precreate");
                cr_assert_str_eq(r.out, podman, "precreate fails open by passing the config through unchanged");
                nw_free(&r);
                char *rt[] = {(char *)runtime_bin(), "create", "--bundle", bundle, "nowait", NULL};
                nw_opts_t orr = {.env = {rt_env, ce, pe, se}};
                nw_exec(rt, &orr, &r);
                assert_refused_unopened(&r, 0, "bad.conf", kinds[k].word, "memgate-runtime create");
                nw_free(&r);
        }
        free(podman);
}

/* The bundle itself a FIFO (or a symlink to one): O_DIRECTORY refuses it unopened. */
Test(nowait, bundle_that_is_a_fifo) {
        char fifo[600], stub[600], rt_env[700];
        snprintf(fifo, sizeof(fifo), "%s/bundle.fifo", dir);
        snprintf(stub, sizeof(stub), "%s/runc-stub", dir);
        tu_write(stub, "#!/bin/sh\nexit 0\n");
        chmod(stub, 0755);
        snprintf(rt_env, sizeof(rt_env), "MEMGATE_RUNTIME=%s", stub);
        for (char kind = 'f'; kind; kind = kind == 'f' ? 'l' : 0) {
                plant(fifo, kind);
                write_state(fifo, getpid());
                nw_run_t r;
                char *hook[] = {(char *)tu_bin(), "hook", "--procfs", procfs, "--sysfs", sysfs, "--config", conf, NULL};
                nw_opts_t o = {.in = state};
                nw_exec(hook, &o, &r);
                assert_refused_unopened(&r, 0, "bundle.fifo", "Not a directory", "hook");
                nw_free(&r);
                char *check[] = {(char *)tu_bin(), "check", "--bundle", fifo, "--config", conf, NULL};
                nw_opts_t on = {0};
                nw_exec(check, &on, &r);
                assert_refused_unopened(&r, 2, "bundle.fifo", "Not a directory", "check");
                nw_free(&r);
                char *rt[] = {(char *)runtime_bin(), "create", "--bundle", fifo, "nowait", NULL};
                nw_opts_t orr = {.env = {rt_env}};
                nw_exec(rt, &orr, &r);
                assert_refused_unopened(&r, 0, "bundle.fifo", "Not a directory", "memgate-runtime create");
                nw_free(&r);
        }
}

/* ---- what only the deadline can bound ------------------------------------------------------- */

static size_t count_temps(void) {
        DIR *d = opendir(bundle);
        cr_assert_not_null(d);
        size_t n = 0;
        struct dirent *e;
        while ((e = readdir(d)))
                n += strncmp(e->d_name, ".memgate.json.", 14) == 0 || strncmp(e->d_name, ".config.json.", 13) == 0;
        closedir(d);
        return n;
}

static void assert_deadline(const nw_run_t *r, int want, const char *policy_line, const char *waiting_for,
                            const char *ctx) {
        cr_assert(!r->hung, "%s: memgate hung past its deadline", ctx);
        cr_assert_eq(r->status, want, "%s: exit %d, expected %d; stderr: %s", ctx, r->status, want, r->err);
        if (policy_line)
                cr_assert(strstr(r->err, policy_line), "%s: no \"%s\": %s", ctx, policy_line, r->err);
        if (waiting_for)
                cr_assert(strstr(r->err, waiting_for), "%s: the line does not name \"%s\": %s", ctx, waiting_for,
                          r->err);
}

/* stdin held open: nothing at all, half a state, a whole state but no EOF. */
Test(nowait, hook_stdin_held_open) {
        char half[64];
        snprintf(half, sizeof(half), "%.20s", state);
        const char *ins[] = {"", half, state};
        for (size_t i = 0; i < 3; i++) {
                nw_run_t r;
                char *hook[] = {(char *)tu_bin(), "hook", "--procfs", procfs, "--sysfs", sysfs, "--config", short_conf, NULL};
                nw_opts_t o = {.in = ins[i], .hold_stdin = true};
                nw_exec(hook, &o, &r);
                assert_deadline(&r, 0, "error, allowing (fail open): the evaluation did not finish within the deadline "
                                       "of 1500 ms (memgate.conf deadline)",
                                "it was reading the state on stdin", "hook, stdin held open");
                nw_free(&r);
                char *hookc[] = {(char *)tu_bin(), "hook", "--procfs", procfs, "--sysfs", sysfs, "--config", short_closed,
                                 NULL};
                nw_exec(hookc, &o, &r);
                assert_deadline(&r, 1, "error, refusing (fail closed)", "reading the state on stdin",
                                "hook, fail closed, stdin held open");
                nw_free(&r);
        }
        cr_assert_eq(count_temps(), 0);
}

/* precreate with its stdin held open: fail open passes on what did arrive, unchanged; fail closed
 * refuses with nothing on stdout. */
Test(nowait, precreate_stdin_held_open) {
        char *podman = tu_slurp(tu_peer("generated/podman-4.3.1-config.json"), NULL);
        nw_run_t r;
        char *pre[] = {(char *)tu_bin(), "precreate", "--procfs", procfs, "--sysfs", sysfs, "--config", short_conf, NULL};
        nw_opts_t o = {.in = podman, .hold_stdin = true};
        nw_exec(pre, &o, &r);
        assert_deadline(&r, 0, "error, allowing (fail open): config on stdin: nothing more arrived within the deadline "
                               "of 1500 ms",
                        NULL, "precreate, stdin held open");
        cr_assert_str_eq(r.out, podman, "what arrived goes back unchanged");
        nw_free(&r);
        char *prec[] = {(char *)tu_bin(), "precreate", "--procfs", procfs, "--sysfs", sysfs, "--config", short_closed,
                        NULL};
        nw_exec(prec, &o, &r);
        assert_deadline(&r, 1, "error, refusing (fail closed)", "config on stdin", "precreate, fail closed");
        cr_assert_str_eq(r.out, "", "a refusal writes no config");
        nw_free(&r);
        free(podman);
}

/* stdout a full pipe nobody reads: the report cannot be written (hook --format json, check). */
Test(nowait, full_stdout) {
        nw_run_t r;
        char *hook[] = {(char *)tu_bin(), "hook", "--format", "json", "--procfs", procfs, "--sysfs", sysfs, "--config",
                        short_conf, NULL};
        nw_opts_t o = {.in = state, .full_stdout = true};
        nw_exec(hook, &o, &r);
        assert_deadline(&r, 0, "error, allowing (fail open)", "it was writing the report to stdout", "hook, full stdout");
        nw_free(&r);
        char *check[] = {(char *)tu_bin(), "check", "--bundle", bundle, "--format", "json", "--procfs", procfs,
                         "--sysfs", sysfs, "--config", short_conf, NULL};
        nw_opts_t oc = {.full_stdout = true};
        nw_exec(check, &oc, &r);
        assert_deadline(&r, 2, "memgate: error: the evaluation did not finish within the deadline",
                        "writing the report to stdout", "check, full stdout");
        nw_free(&r);
        cr_assert_eq(count_temps(), 0);
}

/* stderr a full pipe nobody reads, on a host that is refused: the child gets stuck printing the
 * refusal, and the parent, which cannot print either, still ends with the policy's status. */
Test(nowait, full_stderr) {
        char rp[600], rs[600];
        snprintf(rp, sizeof(rp), "%s/proc", tu_fixture(REFUSE_HOST));
        snprintf(rs, sizeof(rs), "%s/sys", tu_fixture(REFUSE_HOST));
        nw_run_t r;
        char *hook[] = {(char *)tu_bin(), "hook", "--procfs", rp, "--sysfs", rs, "--config", short_conf, NULL};
        nw_opts_t o = {.in = state, .full_stderr = true};
        nw_exec(hook, &o, &r);
        assert_deadline(&r, 0, NULL, NULL, "hook, full stderr, fail open");
        nw_free(&r);
        char *hookc[] = {(char *)tu_bin(), "hook", "--procfs", rp, "--sysfs", rs, "--config", short_closed, NULL};
        nw_exec(hookc, &o, &r);
        assert_deadline(&r, 1, NULL, NULL, "hook, full stderr, fail closed");
        nw_free(&r);
        cr_assert_eq(count_temps(), 0);
}

/* "LD_PRELOAD=<preload_block.so>" for a run whose forked processes hang where the test says. */
static void preload_block(char *buf, size_t n) {
        const char *so = getenv("MEMGATE_PRELOAD_BLOCK");
        cr_assert(so && *so, "MEMGATE_PRELOAD_BLOCK is not set: run through ctest");
        snprintf(buf, n, "LD_PRELOAD=%s", so);
}
#define ASAN_PRELOADED "ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=0"

/* A read or an fsync that never returns (a hung NFS or FUSE file system), played by a preloaded
 * library in the evaluating child: each ends at the deadline with the file named, and a write
 * stopped in its fsync leaves no temp file. */
Test(nowait, hung_reads_and_writes_are_named) {
        char pre[700];
        preload_block(pre, sizeof(pre));
        char *asan = ASAN_PRELOADED;
        char cg[600];
        snprintf(cg, sizeof(cg), "%s/cg", dir);
        sh("cp -a '%s' '%s' && cp -a '%s'/. '%s'/proc/ && cp -a '%s'/devices '%s'/sys/", tu_fixture("cgroup/v2"),
           cg, procfs, cg, sysfs, cg);
        char cp[700], cs[700];
        snprintf(cp, sizeof(cp), "%s/proc", cg);
        snprintf(cs, sizeof(cs), "%s/sys", cg);
        struct {
                const char *env;
                char named[900];
                bool cgroup;
        } cases[] = {
                {.env = "MEMGATE_BLOCK_OPEN=config.json"},
                {.env = "MEMGATE_BLOCK_OPEN=zoneinfo"},
                {.env = "MEMGATE_BLOCK_OPEN=meminfo"},
                /* memgate.conf is not here: the watchdog reads it once, before the fork, for the
                 * deadline itself, and the child judges by that reading (cli/failure.h). */
                {.env = "MEMGATE_BLOCK_OPEN=memory.max", .cgroup = true},
                {.env = "MEMGATE_BLOCK_FSYNC=1"},
        };
        snprintf(cases[0].named, 900, "it was reading %s/config.json", bundle);
        snprintf(cases[1].named, 900, "it was reading %s/zoneinfo", procfs);
        snprintf(cases[2].named, 900, "it was reading %s/meminfo", procfs);
        snprintf(cases[3].named, 900, "it was reading %s/fs/cgroup/system.slice/memory.max", cs);
        snprintf(cases[4].named, 900, "it was writing %s/memgate.json", bundle);
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                const char *named = cases[i].named;
                write_state(bundle, cases[i].cgroup ? 5000 : getpid());
                nw_run_t r;
                char *hook[] = {(char *)tu_bin_preloadable(), "hook", "--procfs", cases[i].cgroup ? cp : procfs, "--sysfs",
                                cases[i].cgroup ? cs : sysfs, "--config", short_conf, NULL};
                nw_opts_t o = {.in = state, .env = {pre, asan, cases[i].env}};
                nw_exec(hook, &o, &r);
                assert_deadline(&r, 0, "error, allowing (fail open): the evaluation did not finish within the deadline",
                                named, cases[i].env);
                nw_free(&r);
                cr_assert_eq(count_temps(), 0, "%s: a temp file was left", cases[i].env);
        }
}

/* The evaluating child never opens memgate.conf: it judges by the reading its watchdog made
 * before the fork. With every open of it in a forked process hung, the hook still ends at once. */
Test(nowait, the_child_never_opens_memgate_conf) {
        char pre[700];
        preload_block(pre, sizeof(pre));
        char *asan = ASAN_PRELOADED;
        write_state(bundle, getpid());
        nw_run_t r;
        char *hook[] = {(char *)tu_bin_preloadable(), "hook", "--procfs", procfs, "--sysfs", sysfs, "--config",
                        short_conf, NULL};
        nw_opts_t o = {.in = state, .env = {pre, asan, "MEMGATE_BLOCK_OPEN=short.conf"}};
        nw_exec(hook, &o, &r);
        cr_assert(!r.hung, "memgate hung");
        cr_assert_eq(r.status, 0, "exit %d; stderr: %s", r.status, r.err);
        cr_assert_null(strstr(r.err, "deadline"), "the child waited for memgate.conf: %s", r.err);
        nw_free(&r);
        cr_assert_eq(count_temps(), 0);
}

/* SIGTERM to memgate while its evaluation waits: passed on, the line names the step, memgate dies
 * of SIGTERM; stopped in a write, nothing is left behind. */
Test(nowait, sigterm_reaches_the_evaluation) {
        nw_run_t r;
        char slow[600];
        snprintf(slow, sizeof(slow), "%s/slow.conf", dir);
        tu_write(slow, "deadline = 60s\nfsync = yes\n");
        char *hook[] = {(char *)tu_bin(), "hook", "--procfs", procfs, "--sysfs", sysfs, "--config", slow, NULL};
        nw_opts_t o = {.in = "", .hold_stdin = true, .signal = SIGTERM, .signal_after_ms = 1000};
        nw_exec(hook, &o, &r);
        cr_assert(!r.hung, "hung after SIGTERM");
        cr_assert_eq(r.status, 128 + SIGTERM, "memgate dies of the SIGTERM it got: %d, %s", r.status, r.err);
        cr_assert(strstr(r.err, "memgate: stopped by signal 15 (Terminated) while reading the state on stdin"), "%s",
                  r.err);
        nw_free(&r);

        const char *so = getenv("MEMGATE_PRELOAD_BLOCK");
        cr_assert(so && *so, "MEMGATE_PRELOAD_BLOCK is not set: run through ctest");
        char pre[700];
        snprintf(pre, sizeof(pre), "LD_PRELOAD=%s", so);
        hook[0] = (char *)tu_bin_preloadable(); /* the preload needs a dynamic memgate */
        nw_opts_t ow = {.in = state,
                        .env = {pre, "ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=0", "MEMGATE_BLOCK_FSYNC=1"},
                        .signal = SIGTERM,
                        .signal_after_ms = 1500};
        nw_exec(hook, &ow, &r);
        cr_assert_eq(r.status, 128 + SIGTERM, "%s", r.err);
        cr_assert(strstr(r.err, "while writing"), "%s", r.err);
        nw_free(&r);
        cr_assert_eq(count_temps(), 0, "SIGTERM during the write left its temp file");

        /* SIGKILL to memgate (runc's and podman's hook timeouts): its child gets SIGTERM and removes
         * the temp file itself. It is not ours to wait for, so look until it is gone (5 s). */
        ow.signal = SIGKILL;
        nw_exec(hook, &ow, &r);
        cr_assert_eq(r.status, 128 + SIGKILL);
        nw_free(&r);
        long start = nw_ms();
        while (count_temps() > 0 && nw_ms() - start < 5000)
                usleep(20000);
        cr_assert_eq(count_temps(), 0, "the orphaned evaluation left its temp file");
}
