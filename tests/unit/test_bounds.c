/* SPDX-License-Identifier: Apache-2.0 */
/* `memgate hook` stays bounded on hostile input: a 64 MiB state on stdin (through a pipe, and as
 * a file), a config.json nested 300,000 deep and a 64 MiB config.json. Each run must end quickly,
 * fail open (exit 0) with an error that says what was wrong, and use no more memory than a normal
 * run plus a little: the peak RSS of the hook and its confined child comes from wait4(). */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

#define MIB (1024L * 1024L)

typedef struct run {
        int status;       /* exit code, or 128+signal */
        long maxrss_kb;   /* peak RSS of memgate and anything it waited for */
        double seconds;
        char err[4096];
} run_t;

static char *dir;
static void setup(void) { dir = tu_mkdtemp(); }
static void teardown(void) {
        tu_rmrf(dir);
        free(dir);
}
TestSuite(bounds, .init = setup, .fini = teardown, .timeout = 60);

static double now(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Runs `memgate hook` on the host fixture with stdin from stdin_fd (a file), or, when pipe_bytes
 * > 0, from a pipe fed with pipe_bytes of prefix followed by filler. */
static void run_hook(int stdin_fd, const char *prefix, size_t pipe_bytes, run_t *ret) {
        char procfs[1024], sysfs[1024], conf[1024], errpath[1024];
        snprintf(procfs, sizeof(procfs), "%s", tu_fixture("procfs/host-4g-default/proc"));
        snprintf(sysfs, sizeof(sysfs), "%s", tu_fixture("procfs/host-4g-default/sys"));
        snprintf(conf, sizeof(conf), "%s/memgate.conf", dir);
        snprintf(errpath, sizeof(errpath), "%s/stderr", dir);
        tu_write(conf, "");
        char *argv[] = {(char *)tu_bin(), "hook", "--procfs", procfs, "--sysfs", sysfs, "--config", conf, NULL};

        int p[2] = {-1, -1};
        if (pipe_bytes)
                cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
        int errfd = open(errpath, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0600);
        cr_assert(errfd >= 0);
        double t0 = now();
        pid_t pid = fork();
        cr_assert(pid >= 0);
        if (pid == 0) {
                dup2(pipe_bytes ? p[0] : stdin_fd, 0);
                int devnull = open("/dev/null", O_WRONLY);
                dup2(devnull, 1);
                dup2(errfd, 2);
                execv(argv[0], argv);
                _exit(127);
        }
        close(errfd);
        if (pipe_bytes) {
                close(p[0]);
                signal(SIGPIPE, SIG_IGN);
                static char block[64 * 1024];
                memset(block, ' ', sizeof(block));
                size_t sent = 0, plen = strlen(prefix);
                while (sent < plen) {
                        ssize_t w = write(p[1], prefix + sent, plen - sent);
                        if (w <= 0)
                                break;
                        sent += (size_t)w;
                }
                while (sent < pipe_bytes) {
                        size_t n = pipe_bytes - sent < sizeof(block) ? pipe_bytes - sent : sizeof(block);
                        ssize_t w = write(p[1], block, n);
                        if (w < 0 && errno == EINTR)
                                continue;
                        if (w <= 0)
                                break; /* EPIPE: memgate stopped reading at its cap, as it should */
                        sent += (size_t)w;
                }
                close(p[1]);
        }
        int st;
        struct rusage ru;
        cr_assert_eq(wait4(pid, &st, 0, &ru), pid);
        ret->seconds = now() - t0;
        ret->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        ret->maxrss_kb = ru.ru_maxrss;
        char *e = tu_slurp(errpath, NULL);
        snprintf(ret->err, sizeof(ret->err), "%s", e);
        free(e);
}

static int file_with(const char *name, const char *content, off_t size) {
        char path[1024];
        snprintf(path, sizeof(path), "%s/%s", dir, name);
        int fd = open(path, O_CREAT | O_TRUNC | O_RDWR | O_CLOEXEC, 0600);
        cr_assert(fd >= 0);
        size_t len = strlen(content);
        cr_assert_eq(write(fd, content, len), (ssize_t)len);
        if (size > (off_t)len)
                cr_assert_eq(ftruncate(fd, size), 0); /* sparse: no disk, all the bytes */
        cr_assert_eq(lseek(fd, 0, SEEK_SET), 0);
        return fd;
}

static char state[1024];
static const char *make_bundle(const char *config) {
        char path[1024];
        snprintf(path, sizeof(path), "%s/bundle", dir);
        cr_assert_eq(mkdir(path, 0755), 0);
        snprintf(path, sizeof(path), "%s/bundle/config.json", dir);
        tu_write(path, config);
        snprintf(state, sizeof(state),
                 "{\"ociVersion\":\"1.0.2\",\"id\":\"bounds\",\"pid\":%d,\"status\":\"creating\",\"bundle\":\"%s/bundle\"}",
                 (int)getpid(), dir);
        return state;
}

static const char *small_config =
        "{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":[\"java\",\"-Xmx600m\",\"-jar\",\"a.jar\"]},"
        "\"root\":{\"path\":\"rootfs\"},\"linux\":{\"resources\":{\"memory\":{\"limit\":1073741824}}}}";

/* The same hook on a normal, small input: the yardstick for "a few MiB more". */
static long baseline_kb(void) {
        const char *st = make_bundle(small_config);
        int fd = file_with("state-small", st, 0);
        run_t r;
        run_hook(fd, NULL, 0, &r);
        close(fd);
        cr_assert_eq(r.status, 0, "a normal run failed (%d): %s", r.status, r.err);
        cr_assert(!strstr(r.err, "error"), "a normal run reported an error: %s", r.err);
        return r.maxrss_kb;
}

/* What a hook does with an input beyond memgate's limits. A state or config that large is the
 * container's doing (runc copies the config's annotations into the state), so the hook judges the
 * host alone rather than failing open, which would let a container switch memgate off. */
#define HOST_ALONE "the host alone was judged"

/* Bounded: at most 4 MiB above the normal run, under 5 s, exit 0 on this host, with a clear message. */
static void assert_bounded(const run_t *r, long base_kb, const char *what, const char *expect) {
        cr_log_info("%s: exit %d, %.2f s, peak RSS %ld kB (normal run %ld kB)", what, r->status, r->seconds,
                    r->maxrss_kb, base_kb);
        cr_assert_eq(r->status, 0, "%s: the hook must fail open (exit 0), got %d: %s", what, r->status, r->err);
        cr_assert(strstr(r->err, HOST_ALONE), "%s: stderr does not say the host alone was judged: %s", what, r->err);
        cr_assert(strstr(r->err, expect), "%s: the error does not say \"%s\": %s", what, expect, r->err);
        cr_assert_lt(r->seconds, 5.0, "%s took %.1f s", what, r->seconds);
        cr_assert_lt(r->maxrss_kb, base_kb + 4 * 1024, "%s: peak RSS %ld kB vs %ld kB for a normal run", what,
                     r->maxrss_kb, base_kb);
#if !defined(__SANITIZE_ADDRESS__)
        cr_assert_lt(r->maxrss_kb, 8 * 1024, "%s: peak RSS %ld kB is not a few MiB", what, r->maxrss_kb);
#endif
}

Test(bounds, state_of_64_mib_through_a_pipe) {
        long base = baseline_kb();
        run_t r;
        run_hook(-1, state, 64 * MIB, &r);
        assert_bounded(&r, base, "64 MiB state on a pipe", "limit");
}

Test(bounds, state_of_64_mib_as_a_file) {
        long base = baseline_kb();
        int fd = file_with("state-big", state, 64 * MIB);
        run_t r;
        run_hook(fd, NULL, 0, &r);
        close(fd);
        assert_bounded(&r, base, "64 MiB state file", "limit");
}

Test(bounds, config_nested_300000_deep) {
        long base = baseline_kb();
        char path[1024];
        snprintf(path, sizeof(path), "%s/bundle/config.json", dir);
        size_t depth = 300000;
        const char *head = "{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":";
        const char *tail = "}}";
        size_t len = strlen(head) + 2 * depth + strlen(tail);
        char *doc = malloc(len + 1);
        char *q = stpcpy(doc, head);
        memset(q, '[', depth);
        memset(q + depth, ']', depth);
        strcpy(q + 2 * depth, tail);
        tu_write(path, doc);
        free(doc);
        int fd = file_with("state", state, 0);
        run_t r;
        run_hook(fd, NULL, 0, &r);
        close(fd);
        assert_bounded(&r, base, "config.json nested 300000 deep", "nest");
}

Test(bounds, config_of_64_mib) {
        long base = baseline_kb();
        char path[1024];
        snprintf(path, sizeof(path), "%s/bundle/config.json", dir);
        int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
        cr_assert(fd >= 0);
        cr_assert_eq(write(fd, small_config, strlen(small_config)), (ssize_t)strlen(small_config));
        cr_assert_eq(ftruncate(fd, 64 * MIB), 0);
        close(fd);
        fd = file_with("state", state, 0);
        run_t r;
        run_hook(fd, NULL, 0, &r);
        close(fd);
        assert_bounded(&r, base, "64 MiB config.json", "limit");
}
