/* SPDX-License-Identifier: Apache-2.0 */
/* mg-bench-steps: counts the user-space instructions a command executes, by single-stepping it and
 * every process it forks under ptrace(2), for tests/bench/bench.py.
 *
 *   mg-bench-steps [--until-exec] STDIN ARGV...
 *
 * Why not perf or valgrind: this VM exposes no hardware counters (`perf stat -e instructions`
 * prints <not supported>), and valgrind does not run seccomp(2), so under it memgate's confined
 * child runs unconfined and the filter's loading is never counted. Single-stepping runs the real
 * program on the real kernel: the filter is loaded and enforced as on any start. Each step is one
 * retired user-space instruction; a rep-prefixed string instruction traps once per iteration (as
 * callgrind counts it). Kernel work is not counted: bench.py reports system calls and system time
 * for that.
 *
 * STDIN is a file fed to the command's stdin through a pipe ("-": /dev/null). With --until-exec,
 * counting stops when a traced process that has already run calls execve (memgate-runtime's own
 * part, not the runc it executes). Prints: STEPS PROCESSES EXIT_STATUS. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void die(const char *what) {
        fprintf(stderr, "mg-bench-steps: %s: %s\n", what, strerror(errno));
        exit(2);
}

int main(int argc, char *argv[]) {
        int i = 1, until_exec = 0;
        if (i < argc && strcmp(argv[i], "--until-exec") == 0)
                until_exec = 1, i++;
        if (argc - i < 2) {
                fprintf(stderr, "usage: mg-bench-steps [--until-exec] STDIN ARGV...\n");
                return 2;
        }
        const char *input = argv[i];
        char **cmd = argv + i + 1;
        int pfd[2] = {-1, -1};
        int have_input = strcmp(input, "-") != 0;
        if (have_input && pipe(pfd) < 0)
                die("pipe");

        pid_t child = fork();
        if (child < 0)
                die("fork");
        if (child == 0) {
                int in = have_input ? pfd[0] : open("/dev/null", O_RDONLY);
                int null = open("/dev/null", O_WRONLY);
                if (in < 0 || null < 0 || dup2(in, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0)
                        _exit(126);
                if (have_input)
                        close(pfd[0]), close(pfd[1]);
                if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0)
                        _exit(126);
                execvp(cmd[0], cmd); /* stops with SIGTRAP once the new image is loaded */
                _exit(127);
        }
        if (have_input) {
                /* A state is far smaller than the pipe's buffer: write it all now, then close. */
                close(pfd[0]);
                int fd = open(input, O_RDONLY);
                char buf[65536];
                ssize_t n;
                if (fd < 0)
                        die(input);
                while ((n = read(fd, buf, sizeof(buf))) > 0)
                        if (write(pfd[1], buf, (size_t)n) != n)
                                die("writing the input");
                close(fd);
                close(pfd[1]);
        }

        int st;
        if (waitpid(child, &st, 0) != child || !WIFSTOPPED(st))
                die("waiting for the exec");
        long opts = PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE | PTRACE_O_EXITKILL;
        if (until_exec)
                opts |= PTRACE_O_TRACEEXEC;
        if (ptrace(PTRACE_SETOPTIONS, child, NULL, (void *)opts) < 0)
                die("PTRACE_SETOPTIONS");

        unsigned long long steps = 0;
        int procs = 1, live = 1, status = -1, stop_counting = 0;
        if (ptrace(PTRACE_SINGLESTEP, child, NULL, NULL) < 0)
                die("PTRACE_SINGLESTEP");
        while (live > 0) {
                pid_t pid = waitpid(-1, &st, __WALL);
                if (pid < 0) {
                        if (errno == EINTR)
                                continue;
                        die("waitpid");
                }
                if (WIFEXITED(st) || WIFSIGNALED(st)) {
                        live--;
                        if (pid == child)
                                status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
                        continue;
                }
                if (!WIFSTOPPED(st))
                        continue;
                int sig = WSTOPSIG(st), event = st >> 16, deliver = 0;
                if (event == PTRACE_EVENT_FORK || event == PTRACE_EVENT_VFORK || event == PTRACE_EVENT_CLONE) {
                        /* The new process is traced from its first instruction; its own first stop is
                         * the SIGSTOP below. */
                } else if (event == PTRACE_EVENT_EXEC) {
                        stop_counting = 1;
                } else if (sig == SIGSTOP && event == 0) {
                        /* A new tracee's initial stop (or a real SIGSTOP, which nothing here sends). */
                        procs++, live++;
                } else if (sig == SIGTRAP && event == 0) {
                        steps++;
                } else {
                        deliver = sig;
                }
                if (stop_counting) {
                        /* Let everything run freely from here. */
                        ptrace(PTRACE_DETACH, pid, NULL, (void *)(long)deliver);
                        if (pid != child)
                                live--;
                        else
                                live--, status = 0;
                        continue;
                }
                if (ptrace(PTRACE_SINGLESTEP, pid, NULL, (void *)(long)deliver) < 0 && errno != ESRCH)
                        die("PTRACE_SINGLESTEP");
        }
        if (stop_counting) {
                /* The detached command finishes on its own. */
                while (waitpid(child, &st, 0) < 0 && errno == EINTR)
                        ;
                status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        }
        printf("%llu %d %d\n", steps, procs, status);
        return 0;
}
