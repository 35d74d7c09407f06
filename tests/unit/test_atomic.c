/* SPDX-License-Identifier: Apache-2.0 */
/* mg_write_atomic_at: symlinks never followed, mode and owner kept, and a full or read-only file
 * system leaves the original intact with a clear error and no temp file behind. The mount tests
 * run in a private mount namespace of the test's own process, so a failing test cannot leak a
 * mount onto the host. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "memgate/outputs/atomic.h"
#include "testutil.h"

static char *dir;

static void setup(void) { dir = tu_mkdtemp(); }
static void teardown(void) {
        if (dir) {
                (void)umount2(dir, MNT_DETACH);
                tu_rmrf(dir);
                free(dir);
                dir = NULL;
        }
}

static const char *at(const char *rel) {
        static char buf[4][1024];
        static unsigned slot;
        char *b = buf[slot++ % 4];
        snprintf(b, 1024, "%s/%s", dir, rel);
        return b;
}

static int open_dir(const char *path) {
        int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        cr_assert(fd >= 0, "open %s: %s", path, strerror(errno));
        return fd;
}

/* Names in path other than . and ..; fails the test on a leftover temp file. */
static void assert_only(const char *path, const char *const names[], size_t n) {
        DIR *d = opendir(path);
        cr_assert_not_null(d);
        struct dirent *e;
        size_t seen = 0;
        while ((e = readdir(d))) {
                if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                        continue;
                bool known = false;
                for (size_t i = 0; i < n; i++)
                        known |= strcmp(e->d_name, names[i]) == 0;
                cr_assert(known, "unexpected entry left in %s: %s", path, e->d_name);
                seen++;
        }
        closedir(d);
        cr_assert_eq(seen, n, "expected %zu entries in %s, saw %zu", n, path, seen);
}

/* Root in a private mount namespace, or a loud skip. */
static void need_mounts(void) {
        if (geteuid() != 0)
                cr_skip_test("SKIP: mounting a tmpfs needs root; the full-disk and read-only tests did not run");
        if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                cr_skip_test("SKIP: no private mount namespace (%s); the full-disk and read-only tests did not run",
                             strerror(errno));
}

TestSuite(atomic, .init = setup, .fini = teardown);

Test(atomic, creates_with_default_mode_and_leaves_no_temp) {
        int dfd = open_dir(dir);
        mg_error_t err = {0};
        umask(077); /* the mode must not depend on the caller's umask */
        cr_assert_eq(mg_write_atomic_at(dfd, "memgate.json", "{}\n", 3, 0644, &err), 0, "%s", err.msg);
        struct stat st;
        cr_assert_eq(lstat(at("memgate.json"), &st), 0);
        cr_assert(S_ISREG(st.st_mode));
        cr_assert_eq(st.st_mode & 07777, 0644);
        size_t len;
        char *s = tu_slurp(at("memgate.json"), &len);
        cr_assert_str_eq(s, "{}\n");
        free(s);
        const char *names[] = {"memgate.json"};
        assert_only(dir, names, 1);
        close(dfd);
}

Test(atomic, replaces_content_and_keeps_mode_and_owner) {
        if (geteuid() != 0)
                cr_skip_test("SKIP: giving a file another owner needs root; owner preservation not tested");
        tu_write(at("config.json"), "{\"old\": true}");
        cr_assert_eq(chown(at("config.json"), 1234, 5678), 0);
        cr_assert_eq(chmod(at("config.json"), 02640), 0, "set-gid too: chown would clear it if done last");
        int dfd = open_dir(dir);
        mg_error_t err = {0};
        const char *data = "{\"new\": true}";
        cr_assert_eq(mg_write_atomic_at(dfd, "config.json", data, strlen(data), 0644, &err), 0, "%s", err.msg);
        struct stat st;
        cr_assert_eq(lstat(at("config.json"), &st), 0);
        cr_assert_eq(st.st_uid, 1234);
        cr_assert_eq(st.st_gid, 5678);
        cr_assert_eq(st.st_mode & 07777, 02640, "mode %o", st.st_mode & 07777);
        char *s = tu_slurp(at("config.json"), NULL);
        cr_assert_str_eq(s, data);
        free(s);
        const char *names[] = {"config.json"};
        assert_only(dir, names, 1);
        close(dfd);
}

Test(atomic, symlinked_target_is_replaced_not_followed) {
        cr_assert_eq(mkdir(at("bundle"), 0755), 0);
        cr_assert_eq(mkdir(at("outside"), 0755), 0);
        tu_write(at("outside/target"), "precious");
        cr_assert_eq(chmod(at("outside/target"), 0600), 0);
        cr_assert_eq(symlink("../outside/target", at("bundle/config.json")), 0);
        char abs[1024];
        snprintf(abs, sizeof(abs), "%s", at("outside/target"));
        cr_assert_eq(symlink(abs, at("bundle/memgate.json")), 0);

        int dfd = open_dir(at("bundle"));
        mg_error_t err = {0};
        cr_assert_eq(mg_write_atomic_at(dfd, "config.json", "{\"a\":1}", 7, 0644, &err), 0, "%s", err.msg);
        cr_assert_eq(mg_write_atomic_at(dfd, "memgate.json", "{\"b\":2}", 7, 0644, &err), 0, "%s", err.msg);

        char *s = tu_slurp(at("outside/target"), NULL);
        cr_assert_str_eq(s, "precious", "the link's target was written through");
        free(s);
        struct stat st;
        cr_assert_eq(stat(at("outside/target"), &st), 0);
        cr_assert_eq(st.st_mode & 07777, 0600, "the link's target had its mode changed");
        cr_assert_eq(lstat(at("bundle/config.json"), &st), 0);
        cr_assert(S_ISREG(st.st_mode), "the link itself is replaced by a regular file");
        cr_assert_eq(st.st_mode & 07777, 0644, "a replaced link takes the default mode, not its target's");
        s = tu_slurp(at("bundle/config.json"), NULL);
        cr_assert_str_eq(s, "{\"a\":1}");
        free(s);
        const char *names[] = {"config.json", "memgate.json"};
        assert_only(at("bundle"), names, 2);
        close(dfd);
}

Test(atomic, dangling_symlink_is_replaced_and_nothing_created_at_its_target) {
        cr_assert_eq(symlink("created-through-link", at("memgate.json")), 0);
        int dfd = open_dir(dir);
        mg_error_t err = {0};
        cr_assert_eq(mg_write_atomic_at(dfd, "memgate.json", "x", 1, 0644, &err), 0, "%s", err.msg);
        cr_assert_eq(access(at("created-through-link"), F_OK), -1, "the write followed a dangling link");
        const char *names[] = {"memgate.json"};
        assert_only(dir, names, 1);
        close(dfd);
}

Test(atomic, refuses_directories_and_path_names) {
        cr_assert_eq(mkdir(at("config.json"), 0755), 0);
        int dfd = open_dir(dir);
        mg_error_t err = {0};
        cr_assert_eq(mg_write_atomic_at(dfd, "config.json", "x", 1, 0644, &err), -EISDIR);
        cr_assert(strstr(err.msg, "config.json"), "%s", err.msg);
        struct stat st;
        cr_assert_eq(lstat(at("config.json"), &st), 0);
        cr_assert(S_ISDIR(st.st_mode), "the directory survives");
        cr_assert_eq(mg_write_atomic_at(dfd, "../escape", "x", 1, 0644, &err), -EINVAL);
        cr_assert_eq(mg_write_atomic_at(dfd, "..", "x", 1, 0644, &err), -EINVAL);
        cr_assert_eq(mg_write_atomic_at(dfd, "", "x", 1, 0644, &err), -EINVAL);
        char longname[300];
        memset(longname, 'a', sizeof(longname) - 1);
        longname[sizeof(longname) - 1] = '\0';
        cr_assert_eq(mg_write_atomic_at(dfd, longname, "x", 1, 0644, &err), -ENAMETOOLONG);
        const char *names[] = {"config.json"};
        assert_only(dir, names, 1);
        close(dfd);
}

Test(atomic, works_relative_to_cwd) {
        cr_assert_eq(chdir(dir), 0);
        mg_error_t err = {0};
        cr_assert_eq(mg_write_atomic_at(AT_FDCWD, "f", "abc", 3, 0600, &err), 0, "%s", err.msg);
        char *s = tu_slurp(at("f"), NULL);
        cr_assert_str_eq(s, "abc");
        free(s);
}

Test(atomic, full_disk_leaves_original_and_no_temp) {
        need_mounts();
        cr_assert_eq(mount("tmpfs", dir, "tmpfs", 0, "size=64k,mode=0755"), 0, "mount: %s", strerror(errno));
        const char *orig = "{\"ociVersion\": \"1.0.2\", \"annotations\": {}}";
        tu_write(at("config.json"), orig);
        /* Fill what is left. */
        int f = open(at("filler"), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
        cr_assert(f >= 0);
        static char block[4096];
        memset(block, 'z', sizeof(block));
        for (int i = 0; i < 1000; i++)
                if (write(f, block, sizeof(block)) < 0) {
                        cr_assert_eq(errno, ENOSPC, "filling: %s", strerror(errno));
                        break;
                }
        close(f);

        int dfd = open_dir(dir);
        mg_error_t err = {0};
        static char big[32768];
        memset(big, ' ', sizeof(big));
        int r = mg_write_atomic_at(dfd, "config.json", big, sizeof(big), 0644, &err);
        cr_assert_eq(r, -ENOSPC, "got %d: %s", r, err.msg);
        cr_assert(strstr(err.msg, "no space left on device writing config.json"), "unclear error: %s", err.msg);
        char *s = tu_slurp(at("config.json"), NULL);
        cr_assert_str_eq(s, orig, "the original was damaged");
        free(s);
        const char *names[] = {"config.json", "filler"};
        assert_only(dir, names, 2);
        close(dfd);
}

Test(atomic, read_only_bundle_leaves_original) {
        need_mounts();
        cr_assert_eq(mount("tmpfs", dir, "tmpfs", 0, "size=256k,mode=0755"), 0, "mount: %s", strerror(errno));
        const char *orig = "{\"ociVersion\": \"1.0.2\"}";
        tu_write(at("config.json"), orig);
        cr_assert_eq(mount(NULL, dir, NULL, MS_REMOUNT | MS_RDONLY, NULL), 0, "remount ro: %s", strerror(errno));

        int dfd = open_dir(dir);
        mg_error_t err = {0};
        int r = mg_write_atomic_at(dfd, "config.json", "{}", 2, 0644, &err);
        cr_assert_eq(r, -EROFS, "got %d: %s", r, err.msg);
        cr_assert(strstr(err.msg, "config.json") && strstr(err.msg, "read-only"), "unclear error: %s", err.msg);
        char *s = tu_slurp(at("config.json"), NULL);
        cr_assert_str_eq(s, orig);
        free(s);
        const char *names[] = {"config.json"};
        assert_only(dir, names, 1);
        close(dfd);
}

/* A writer SIGKILLed at random points of a few hundred rewrites never leaves a config.json that
 * is not one of the two complete documents it alternates between (so it always parses); at
 * worst a stray ".config.json.XXXXXX" temp file remains beside it. */
static char *make_doc(char fill, size_t pad) {
        const char *head = "{\"ociVersion\": \"1.0.2\", \"annotations\": {\"io.memgate.pad\": \"";
        const char *tail = "\"}}";
        char *d = malloc(strlen(head) + pad + strlen(tail) + 1);
        char *q = stpcpy(d, head);
        memset(q, fill, pad);
        strcpy(q + pad, tail);
        return d;
}

Test(atomic, sigkill_at_random_points_never_leaves_a_torn_config, .timeout = 120) {
        char *docs[2] = {make_doc('a', 200000), make_doc('b', 3000)};
        tu_write(at("config.json"), docs[0]);
        int dfd = open_dir(dir);
        unsigned seed = (unsigned)getpid();
        int rounds = 300, killed_mid_write = 0;
        for (int i = 0; i < rounds; i++) {
                pid_t pid = fork();
                cr_assert(pid >= 0);
                if (pid == 0) {
                        mg_error_t err = {0};
                        for (unsigned k = 0;; k++) {
                                const char *d = docs[k % 2];
                                if (mg_write_atomic_at(dfd, "config.json", d, strlen(d), 0644, &err) < 0)
                                        _exit(1);
                        }
                }
                usleep((useconds_t)(rand_r(&seed) % 3000));
                kill(pid, SIGKILL);
                int st;
                cr_assert_eq(waitpid(pid, &st, 0), pid);
                cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "the writer failed on its own (0x%x)", st);

                size_t len;
                char *s = tu_slurp(at("config.json"), &len);
                cr_assert(strcmp(s, docs[0]) == 0 || strcmp(s, docs[1]) == 0,
                          "round %d: config.json is torn (%zu bytes)", i, len);
                free(s);
                /* Stray temps: only ever ours, and removed before the next round. */
                DIR *d = opendir(dir);
                struct dirent *e;
                while ((e = readdir(d))) {
                        if (e->d_name[0] != '.' || !strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                                continue;
                        cr_assert(strncmp(e->d_name, ".config.json.", 13) == 0 && strlen(e->d_name) == 19,
                                  "unexpected file %s", e->d_name);
                        killed_mid_write++;
                        cr_assert_eq(unlinkat(dfd, e->d_name, 0), 0);
                }
                closedir(d);
        }
        cr_log_info("%d SIGKILLed rewriters, %d killed between temp creation and rename", rounds, killed_mid_write);
        cr_assert_gt(killed_mid_write, 0, "no kill landed inside a write: the test proved nothing");
        close(dfd);
        free(docs[0]);
        free(docs[1]);
}
