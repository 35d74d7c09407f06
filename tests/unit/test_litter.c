/* SPDX-License-Identifier: Apache-2.0 */
/* The pieces behind "nothing makes memgate wait, and killed runs leave nothing" (issue 10,
 * sections 2 and 4), in process: the reader's type checks and deadline, the atomic write's sweep
 * and locks, and the watchdog (mg_sandbox_run_until): deadline, steps, SIGTERM passed on, SIGKILL
 * held back while a temp file exists, an inherited SIGCHLD SIG_IGN. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "memgate/cli/sandbox.h"
#include "memgate/inputs/conf.h"
#include "memgate/outputs/atomic.h"
#include "memgate/util/step.h"
#include "testutil.h"

static char *dir;
static int dfd = -1;

static void setup(void) {
        dir = tu_mkdtemp();
        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}
static void teardown(void) {
        close(dfd);
        tu_rmrf(dir);
        free(dir);
}

static const char *at(const char *rel) {
        static char buf[4][1024];
        static unsigned slot;
        char *b = buf[slot++ % 4];
        snprintf(b, 1024, "%s/%s", dir, rel);
        return b;
}

static size_t temps(const char *prefix) {
        DIR *d = opendir(dir);
        cr_assert_not_null(d);
        size_t n = 0;
        struct dirent *e;
        while ((e = readdir(d)))
                n += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
        closedir(d);
        return n;
}

TestSuite(reader, .init = setup, .fini = teardown, .timeout = 30);
TestSuite(litter, .init = setup, .fini = teardown, .timeout = 120);
TestSuite(watchdog, .init = setup, .fini = teardown, .timeout = 60);

/* ---- the reader ------------------------------------------------------------------------------ */

Test(reader, refuses_what_is_not_a_regular_file_without_opening_it) {
        char *buf = NULL;
        mg_error_t err = {0};
        cr_assert_eq(mkfifo(at("fifo"), 0600), 0);
        cr_assert_eq(mg_read_file_at(dfd, "fifo", 4096, true, &buf, NULL, &err), -EINVAL);
        cr_assert(strstr(err.msg, "fifo: is a FIFO, not a regular file"), "%s", err.msg);
        /* ...followed or not */
        cr_assert_eq(symlink(at("fifo"), at("link")), 0);
        cr_assert_eq(mg_read_file_at(dfd, "link", 4096, false, &buf, NULL, &err), -EINVAL);
        cr_assert(strstr(err.msg, "is a FIFO"), "%s", err.msg);
        cr_assert_eq(mg_read_file_at(dfd, "link", 4096, true, &buf, NULL, &err), -ELOOP);
        cr_assert(strstr(err.msg, "is a symbolic link, not followed"), "%s", err.msg);
        /* a socket, a character device, a directory */
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", at("sock"));
        int s = socket(AF_UNIX, SOCK_STREAM, 0);
        cr_assert(s >= 0 && bind(s, (struct sockaddr *)&sa, sizeof(sa)) == 0);
        cr_assert_eq(mg_read_file_at(dfd, "sock", 4096, true, &buf, NULL, &err), -EINVAL);
        cr_assert(strstr(err.msg, "is a socket"), "%s", err.msg);
        close(s);
        cr_assert_eq(mg_read_file_at(AT_FDCWD, "/dev/zero", 4096, false, &buf, NULL, &err), -EINVAL);
        cr_assert(strstr(err.msg, "is a character device"), "%s", err.msg);
        cr_assert_eq(mg_read_file_at(AT_FDCWD, dir, 4096, false, &buf, NULL, &err), -EISDIR);
        /* absent stays absent (callers tell optional files by -ENOENT) */
        cr_assert_eq(mg_read_file_at(dfd, "nothing", 4096, true, &buf, NULL, &err), -ENOENT);
        cr_assert_null(buf);
        /* and a regular file still reads */
        tu_write(at("file"), "hello\n");
        size_t len = 0;
        cr_assert_eq(mg_read_file_at(dfd, "file", 4096, true, &buf, &len, &err), 0, "%s", err.msg);
        cr_assert_str_eq(buf, "hello\n");
        free(buf);
}

Test(reader, a_pipe_held_open_ends_at_the_deadline_with_what_arrived) {
        int p[2];
        cr_assert_eq(pipe(p), 0);
        cr_assert_eq(write(p[1], "{\"partial", 9), 9);
        char *buf = NULL;
        size_t len = 0;
        mg_error_t err = {0};
        int r = mg_read_fd_until(p[0], "state on stdin", 4096, mg_deadline_after(100), &buf, &len, &err);
        cr_assert_eq(r, -ETIME, "%d %s", r, err.msg);
        cr_assert_eq(len, 9);
        cr_assert_str_eq(buf, "{\"partial");
        free(buf);
        /* Closed: the whole of it, no error. */
        cr_assert_eq(write(p[1], "\"}", 2), 2);
        close(p[1]);
        buf = NULL;
        cr_assert_eq(mg_read_fd_until(p[0], "state on stdin", 4096, mg_deadline_after(5000), &buf, &len, &err), 0);
        cr_assert_str_eq(buf, "\"}");
        free(buf);
        close(p[0]);
}

Test(reader, deadline_key_parses_durations_and_refuses_nonsense) {
        mg_conf_t c;
        mg_conf_defaults(&c);
        cr_assert_eq(c.deadline_ms, 2000);
        const struct {
                const char *v;
                uint64_t ms;
        } ok[] = {{"2s", 2000}, {"500ms", 500}, {"3", 3000}, {"10ms", 10}, {"300s", 300000}};
        for (size_t i = 0; i < ELEMENTSOF(ok); i++) {
                char text[64];
                mg_error_t err = {0};
                snprintf(text, sizeof(text), "deadline = %s\n", ok[i].v);
                cr_assert_eq(mg_conf_parse(text, "t.conf", &c, &err), 0, "%s: %s", ok[i].v, err.msg);
                cr_assert_eq(c.deadline_ms, ok[i].ms, "%s", ok[i].v);
        }
        const char *bad[] = {"0", "9ms", "301s", "2m", "s", "ms", "-1s", "1.5s", "2 s", "99999999999999999999s"};
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                char text[64];
                mg_error_t err = {0};
                snprintf(text, sizeof(text), "deadline = %s\n", bad[i]);
                cr_assert_lt(mg_conf_parse(text, "t.conf", &c, &err), 0, "\"%s\" accepted", bad[i]);
                cr_assert(strstr(err.msg, "t.conf:1: deadline"), "%s", err.msg);
        }
}

/* ---- the sweep --------------------------------------------------------------------------------- */

/* A temp file as a writer holds it: created with the writer's flags, locked, the writer alive. */
static pid_t hold_temp(const char *name, int ready[2]) {
        pid_t pid = fork();
        cr_assert(pid >= 0);
        if (pid == 0) {
                int fd = openat(dfd, name, MG_ATOMIC_TEMP_FLAGS, 0600);
                struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
                if (fd < 0 || fcntl(fd, F_OFD_SETLK, &fl) < 0)
                        _exit(1);
                (void)!write(ready[1], "x", 1);
                pause();
                _exit(0);
        }
        char c;
        cr_assert_eq(read(ready[0], &c, 1), 1, "the holder did not start");
        return pid;
}

Test(litter, sweep_takes_only_what_a_dead_writer_left) {
        int ready[2];
        cr_assert_eq(pipe(ready), 0);
        pid_t live = hold_temp(".memgate.json.Live01", ready);
        /* Dead writers' files: no lock on them. */
        tu_write(at(".memgate.json.Dead01"), "{\"half");
        tu_write(at(".memgate.json.Dead02"), "");
        /* Not ours to take: other targets, other shapes, other types. */
        tu_write(at(".config.json.Other1"), "x");
        tu_write(at(".memgate.json.TooLong7"), "x");
        tu_write(at(".memgate.json.bad-ch"), "x");
        tu_write(at("memgate.json.Abcdef"), "x");
        cr_assert_eq(mkdir(at(".memgate.json.Dir001"), 0700), 0);
        cr_assert_eq(symlink("/etc/hostname", at(".memgate.json.Link01")), 0);
        cr_assert_eq(mkfifo(at(".memgate.json.Fifo01"), 0600), 0);
        if (geteuid() == 0) {
                tu_write(at(".memgate.json.Nobody"), "x");
                cr_assert_eq(chown(at(".memgate.json.Nobody"), 65534, 65534), 0);
        }

        cr_assert_eq(mg_atomic_sweep(dfd, "memgate.json"), 2, "exactly the two dead writers' files");
        cr_assert_neq(access(at(".memgate.json.Dead01"), F_OK), 0);
        cr_assert_neq(access(at(".memgate.json.Dead02"), F_OK), 0);
        const char *kept[] = {".memgate.json.Live01", ".config.json.Other1", ".memgate.json.TooLong7",
                              ".memgate.json.bad-ch", "memgate.json.Abcdef", ".memgate.json.Dir001",
                              ".memgate.json.Fifo01"};
        for (size_t i = 0; i < ELEMENTSOF(kept); i++)
                cr_assert_eq(access(at(kept[i]), F_OK), 0, "%s was swept", kept[i]);
        struct stat st;
        cr_assert_eq(lstat(at(".memgate.json.Link01"), &st), 0, "a symlink of the pattern was swept");
        if (geteuid() == 0)
                cr_assert_eq(access(at(".memgate.json.Nobody"), F_OK), 0, "another user's file was swept");

        /* The writer dies (SIGKILL: no cleanup of its own): its file goes at the next sweep. */
        kill(live, SIGKILL);
        waitpid(live, NULL, 0);
        cr_assert_eq(mg_atomic_sweep(dfd, "memgate.json"), 1);
        cr_assert_neq(access(at(".memgate.json.Live01"), F_OK), 0);
        close(ready[0]);
        close(ready[1]);
}

/* A real write sweeps before it writes, and leaves nothing of its own. */
Test(litter, a_write_sweeps_and_leaves_nothing) {
        tu_write(at(".config.json.Dead01"), "{");
        tu_write(at(".config.json.Dead02"), "{");
        mg_error_t err = {0};
        cr_assert_eq(mg_write_atomic_at(dfd, "config.json", "{}", 2, 0644, &err), 0, "%s", err.msg);
        cr_assert_eq(temps(".config.json."), 0);
        char *s = tu_slurp(at("config.json"), NULL);
        cr_assert_str_eq(s, "{}");
        free(s);
}

/* Many writers of one name at once never make each other fail, and leave nothing. */
Test(litter, concurrent_writers_never_fail_each_other) {
        enum { WRITERS = 16, ROUNDS = 150 };
        pid_t pids[WRITERS];
        for (int i = 0; i < WRITERS; i++) {
                pids[i] = fork();
                cr_assert(pids[i] >= 0);
                if (pids[i] == 0) {
                        char doc[64];
                        snprintf(doc, sizeof(doc), "{\"writer\": %d}", i);
                        for (int k = 0; k < ROUNDS; k++) {
                                mg_error_t err = {0};
                                if (mg_write_atomic_at(dfd, "memgate.json", doc, strlen(doc), 0600, &err) < 0) {
                                        fprintf(stderr, "writer %d round %d: %s\n", i, k, err.msg);
                                        _exit(1);
                                }
                        }
                        _exit(0);
                }
        }
        int failed = 0;
        for (int i = 0; i < WRITERS; i++) {
                int st;
                waitpid(pids[i], &st, 0);
                failed += !(WIFEXITED(st) && WEXITSTATUS(st) == 0);
        }
        cr_assert_eq(failed, 0, "%d of %d writers had a write fail", failed, WRITERS);
        cr_assert_eq(temps(".memgate.json."), 0);
        char *s = tu_slurp(at("memgate.json"), NULL);
        cr_assert(strncmp(s, "{\"writer\": ", 11) == 0, "torn: %s", s);
        free(s);
}

/* ---- the watchdog ------------------------------------------------------------------------------ */

static int returns_three(void *u) {
        (void)u;
        return 3;
}

static int waits_forever(void *u) {
        mg_step("waiting for %s", (const char *)u);
        int p[2];
        if (pipe(p) < 0)
                return 9;
        char c;
        for (;;)
                (void)!read(p[0], &c, 1);
        return 0;
}

/* Rewrites config.json for ever: a deadline stops it at a random point, often inside a write. */
static int rewrites_forever(void *u) {
        (void)u;
        static char big[200000];
        memset(big, 'a', sizeof(big) - 1);
        for (;;) {
                mg_error_t err = {0};
                mg_step("writing config.json");
                if (mg_write_atomic_at(dfd, "config.json", big, sizeof(big) - 1, 0644, &err) < 0)
                        return 1;
        }
}

/* Holds SIGTERM off while it says it is writing, as a child stuck in an fsync would be. */
static int writing_with_sigterm_held(void *u) {
        sigset_t s;
        sigemptyset(&s);
        sigaddset(&s, SIGTERM);
        sigprocmask(SIG_BLOCK, &s, NULL);
        mg_step_writing(1);
        mg_step("writing a slow file");
        usleep(*(int *)u * 1000);
        sigprocmask(SIG_UNBLOCK, &s, NULL); /* the pending SIGTERM lands here */
        return 0;
}

Test(watchdog, deadline_names_the_step_and_stops_the_child) {
        mg_sandbox_exit_t ex;
        mg_error_t err = {0};
        cr_assert_eq(mg_sandbox_run_until(waits_forever, "the test", mg_deadline_after(100), &ex, &err), 0, "%s",
                     err.msg);
        cr_assert(ex.timed_out);
        cr_assert(!ex.exited && ex.signal == SIGTERM, "stopped by SIGTERM first (signal %d)", ex.signal);
        cr_assert(!mg_sandbox_finished(&ex));
        cr_assert_str_eq(ex.step, "waiting for the test");
        /* A child that finishes in time is not touched. */
        cr_assert_eq(mg_sandbox_run_until(returns_three, NULL, mg_deadline_after(5000), &ex, &err), 0);
        cr_assert(mg_sandbox_finished(&ex) && ex.exit_status == 3);
}

Test(watchdog, inherited_sigchld_ignore_does_not_lose_the_child) {
        signal(SIGCHLD, SIG_IGN);
        mg_sandbox_exit_t ex;
        mg_error_t err = {0};
        cr_assert_eq(mg_sandbox_run_until(returns_three, NULL, mg_deadline_after(5000), &ex, &err), 0, "%s", err.msg);
        cr_assert(mg_sandbox_finished(&ex), "timed_out %d signal %d", ex.timed_out, ex.signal);
        cr_assert_eq(ex.exit_status, 3);
        signal(SIGCHLD, SIG_DFL);
}

Test(watchdog, sigterm_to_the_parent_reaches_the_child) {
        int p[2];
        cr_assert_eq(pipe(p), 0);
        pid_t parent = fork();
        cr_assert(parent >= 0);
        if (parent == 0) {
                mg_sandbox_exit_t ex;
                mg_error_t err = {0};
                if (mg_sandbox_run_until(waits_forever, "SIGTERM", MG_DEADLINE_NONE, &ex, &err) < 0)
                        _exit(90);
                char line[400];
                int n = snprintf(line, sizeof(line), "%d %d %d %s", ex.parent_signal, ex.signal, ex.timed_out, ex.step);
                (void)!write(p[1], line, (size_t)n);
                _exit(0);
        }
        usleep(200000);
        kill(parent, SIGTERM);
        int st;
        cr_assert_eq(waitpid(parent, &st, 0), parent);
        cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "0x%x", st);
        char got[400] = "";
        cr_assert_gt(read(p[0], got, sizeof(got) - 1), 0);
        cr_assert_str_eq(got, "15 15 0 waiting for SIGTERM", "parent signal, child's death, timed out, step");
        close(p[0]);
        close(p[1]);
}

/* While a temp file exists the child is never SIGKILLed: it is left to its pending SIGTERM, whose
 * handler would remove the file. Without one, SIGKILL follows the grace period. */
Test(watchdog, no_sigkill_while_writing) {
        int ms = 900;
        mg_sandbox_exit_t ex;
        mg_error_t err = {0};
        cr_assert_eq(mg_sandbox_run_until(writing_with_sigterm_held, &ms, mg_deadline_after(50), &ex, &err), 0);
        cr_assert(ex.timed_out && ex.left_behind, "timed_out %d left_behind %d", ex.timed_out, ex.left_behind);
        cr_assert_str_eq(ex.step, "writing a slow file");
        int st;
        cr_assert_eq(waitpid(ex.pid, &st, 0), ex.pid);
        cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM, "it must die of its SIGTERM, not a SIGKILL: 0x%x", st);
}

static int ignores_sigterm(void *u) {
        (void)u;
        signal(SIGTERM, SIG_IGN);
        for (;;)
                pause();
        return 0;
}

Test(watchdog, sigkill_when_not_writing) {
        mg_sandbox_exit_t ex;
        mg_error_t err = {0};
        cr_assert_eq(mg_sandbox_run_until(ignores_sigterm, NULL, mg_deadline_after(50), &ex, &err), 0);
        cr_assert(ex.timed_out && !ex.left_behind);
        cr_assert_eq(ex.signal, SIGKILL);
}

/* 200 rewriters stopped by a random deadline, mostly inside a write: none leaves a temp file, and
 * config.json is never torn. */
Test(watchdog, deadline_mid_write_leaves_no_temp, .timeout = 120) {
        unsigned seed = (unsigned)getpid();
        int rounds = 200, stopped_writing = 0;
        for (int i = 0; i < rounds; i++) {
                mg_sandbox_exit_t ex;
                mg_error_t err = {0};
                cr_assert_eq(mg_sandbox_run_until(rewrites_forever, NULL, mg_deadline_after(1 + rand_r(&seed) % 20), &ex,
                                                  &err),
                             0);
                cr_assert(ex.timed_out, "round %d: the rewriter ended on its own", i);
                stopped_writing += strcmp(ex.step, "writing config.json") == 0;
                if (ex.left_behind) { /* stuck in an fsync: it removes its file when that returns */
                        int st;
                        waitpid(ex.pid, &st, 0);
                }
                cr_assert_eq(temps(".config.json."), 0, "round %d left a temp file (step: %s)", i, ex.step);
                struct stat st;
                if (stat(at("config.json"), &st) == 0)
                        cr_assert_eq(st.st_size, 199999, "round %d: config.json is torn", i);
        }
        cr_assert_gt(stopped_writing, rounds / 2, "only %d of %d rounds stopped in a write", stopped_writing, rounds);
}
