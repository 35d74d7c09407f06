/* SPDX-License-Identifier: Apache-2.0 */
/* mg-bench-run: runs commands in rotation and prints one line per run, for tests/bench/bench.py.
 *
 *   mg-bench-run [-n ROUNDS] [-w WARMUP] VARIANT [:: VARIANT ...]
 *   VARIANT = NAME STDIN POST ARGV...
 *
 * STDIN is a file whose bytes are written into a pipe on the command's stdin, as a runtime hands a
 * hook the state ("-": /dev/null). POST is a shell command run after each run, untimed ("-": none),
 * e.g. `runc delete -f ID`. In round r the variants start at r mod V, so each takes each place in
 * the order equally often and a drift in the host's load falls on all of them alike.
 *
 * Per run: INDEX ROUND WALL_NS USER_US SYS_US MINFLT MAJFLT MAXRSS_KB STATUS, INDEX being the
 * variant's place on the command line (from 0). The figures are the
 * command's own from wait4(2), which includes every descendant the command reaped (memgate's
 * confined child). The wall time runs from just before fork(2) to wait4's return: the exec, the
 * dynamic loading and the exit, all that a runtime waits for. This process stays small and
 * touches no memory before it forks, so the child's peak RSS before its exec is a few pages. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef struct variant {
        const char *name, *post;
        char *input;
        size_t input_len;
        char **argv;
} variant_t;

static void die(const char *what) {
        fprintf(stderr, "mg-bench-run: %s: %s\n", what, strerror(errno));
        exit(2);
}

static void load_input(variant_t *v, const char *path) {
        if (strcmp(path, "-") == 0)
                return;
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0)
                die(path);
        v->input = malloc((size_t)st.st_size + 1);
        if (!v->input)
                die("malloc");
        ssize_t n;
        while ((n = read(fd, v->input + v->input_len, (size_t)st.st_size - v->input_len)) > 0)
                v->input_len += (size_t)n;
        if (n < 0)
                die(path);
        close(fd);
}

static long long now_ns(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void run_one(const variant_t *v, int index, int round, int record) {
        int pfd[2] = {-1, -1};
        if (v->input && pipe2(pfd, O_CLOEXEC) < 0)
                die("pipe2");
        long long t0 = now_ns();
        pid_t pid = fork();
        if (pid < 0)
                die("fork");
        if (pid == 0) {
                int in = v->input ? pfd[0] : open("/dev/null", O_RDONLY);
                int null = open("/dev/null", O_WRONLY);
                if (in < 0 || null < 0 || dup2(in, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0)
                        _exit(126);
                execvp(v->argv[0], v->argv);
                _exit(127);
        }
        if (v->input) {
                close(pfd[0]);
                /* The state is small; a command that stops reading early makes this fail, harmlessly. */
                size_t off = 0;
                while (off < v->input_len) {
                        ssize_t n = write(pfd[1], v->input + off, v->input_len - off);
                        if (n <= 0)
                                break;
                        off += (size_t)n;
                }
                close(pfd[1]);
        }
        int st;
        struct rusage ru;
        while (wait4(pid, &st, 0, &ru) < 0)
                if (errno != EINTR)
                        die("wait4");
        long long wall = now_ns() - t0;
        int status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        if (record)
                printf("%d %d %lld %ld %ld %ld %ld %ld %d\n", index, round, wall,
                       ru.ru_utime.tv_sec * 1000000L + ru.ru_utime.tv_usec,
                       ru.ru_stime.tv_sec * 1000000L + ru.ru_stime.tv_usec, ru.ru_minflt, ru.ru_majflt,
                       ru.ru_maxrss, status);
        if (strcmp(v->post, "-") != 0) {
                fflush(stdout);
                pid_t p = fork();
                if (p == 0) {
                        int null = open("/dev/null", O_RDWR);
                        dup2(null, 0), dup2(null, 1), dup2(null, 2);
                        execl("/bin/sh", "sh", "-c", v->post, (char *)NULL);
                        _exit(127);
                }
                while (p > 0 && waitpid(p, &st, 0) < 0 && errno == EINTR)
                        ;
        }
}

int main(int argc, char *argv[]) {
        int rounds = 20, warmup = 2, i = 1;
        for (; i + 1 < argc && argv[i][0] == '-' && argv[i][1]; i += 2) {
                if (strcmp(argv[i], "-n") == 0)
                        rounds = atoi(argv[i + 1]);
                else if (strcmp(argv[i], "-w") == 0)
                        warmup = atoi(argv[i + 1]);
                else
                        break;
        }
        variant_t v[32];
        int nv = 0;
        while (i < argc) {
                if (nv == 32 || argc - i < 4) {
                        fprintf(stderr, "usage: mg-bench-run [-n N] [-w W] NAME STDIN POST ARGV... [:: ...]\n");
                        return 2;
                }
                v[nv] = (variant_t){.name = argv[i], .post = argv[i + 2], .argv = argv + i + 3};
                load_input(&v[nv], argv[i + 1]);
                int j = i + 3;
                while (j < argc && strcmp(argv[j], "::") != 0)
                        j++;
                argv[j < argc ? j : argc] = NULL; /* ends this variant's argv */
                i = j + 1;
                nv++;
        }
        for (int r = -warmup; r < rounds; r++)
                for (int k = 0; k < nv; k++)
                        run_one(&v[((r < 0 ? 0 : r) + k) % nv], ((r < 0 ? 0 : r) + k) % nv, r, r >= 0);
        return 0;
}
