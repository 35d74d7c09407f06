/* SPDX-License-Identifier: Apache-2.0 */
/* Running memgate the ways that used to make it wait: stdin held open, stdout or stderr a full pipe
 * nobody reads, extra environment. Shared by test_nowait.c's suites (header-only: the unit glob
 * builds every test_*.c on its own with testutil.c). */
#ifndef MEMGATE_TESTS_NOWAIT_RUN_H
#define MEMGATE_TESTS_NOWAIT_RUN_H

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef struct nw_opts {
        const char *in;       /* written to stdin; NULL: /dev/null */
        bool hold_stdin;      /* keep stdin open after writing in (a pipe that never ends) */
        bool full_stdout;     /* stdout a pipe filled to the brim and never read */
        bool full_stderr;     /* the same for stderr */
        const char *env[8];   /* "NAME=value" set in the child */
        int signal;           /* sent to memgate after signal_after_ms (0: none) */
        int signal_after_ms;
} nw_opts_t;

typedef struct nw_run {
        int status; /* exit code, or 128 + signal */
        bool hung;  /* still running after 20 s: killed by the test */
        char *out, *err;
} nw_run_t;

static inline void nw_free(nw_run_t *r) {
        free(r->out);
        free(r->err);
}

static inline long nw_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* A pipe whose buffer is full: a write to its write end blocks. */
static inline void nw_full_pipe(int p[2]) {
        cr_assert(pipe2(p, O_CLOEXEC) == 0);
        int fl = fcntl(p[1], F_GETFL);
        fcntl(p[1], F_SETFL, fl | O_NONBLOCK);
        char junk[4096];
        memset(junk, 'x', sizeof(junk));
        while (write(p[1], junk, sizeof(junk)) > 0)
                ;
        for (size_t n = 1; n > 0;) /* top it up to the last byte */
                n = write(p[1], junk, 1) > 0 ? 1 : 0;
        fcntl(p[1], F_SETFL, fl);
}

static inline void nw_drain(int fd, char **buf, size_t *len, size_t *cap, bool *open) {
        if (*len + 4097 > *cap) {
                *cap = *cap * 2 + 8192;
                *buf = realloc(*buf, *cap);
        }
        ssize_t r = read(fd, *buf + *len, *cap - *len - 1);
        if (r > 0)
                *len += (size_t)r;
        else if (r == 0 || errno != EINTR)
                *open = false;
}

static inline void nw_exec(char *const argv[], const nw_opts_t *o, nw_run_t *ret) {
        int in[2], out[2], err[2];
        cr_assert(pipe2(in, O_CLOEXEC) == 0);
        if (o->full_stdout)
                nw_full_pipe(out);
        else
                cr_assert(pipe2(out, O_CLOEXEC) == 0);
        if (o->full_stderr)
                nw_full_pipe(err);
        else
                cr_assert(pipe2(err, O_CLOEXEC) == 0);
        pid_t pid = fork();
        cr_assert(pid >= 0);
        if (pid == 0) {
                dup2(in[0], 0);
                dup2(out[1], 1);
                dup2(err[1], 2);
                for (size_t i = 0; i < 8 && o->env[i]; i++)
                        putenv((char *)o->env[i]);
                execv(argv[0], argv);
                _exit(127);
        }
        close(in[0]);
        close(out[1]);
        close(err[1]);
        signal(SIGPIPE, SIG_IGN);
        if (o->in) {
                size_t len = strlen(o->in), off = 0;
                while (off < len) {
                        ssize_t w = write(in[1], o->in + off, len - off);
                        if (w <= 0)
                                break;
                        off += (size_t)w;
                }
        }
        if (!o->hold_stdin) {
                close(in[1]);
                in[1] = -1;
        }
        char *ob = NULL, *eb = NULL;
        size_t ol = 0, oc = 0, el = 0, ec = 0;
        /* A full pipe is never read: that is the point. */
        bool out_open = !o->full_stdout, err_open = !o->full_stderr, signalled = false;
        long start = nw_ms();
        int st = 0;
        ret->hung = false;
        for (;;) {
                if (!out_open && !err_open && waitpid(pid, &st, WNOHANG) == pid)
                        break;
                long now = nw_ms();
                if (o->signal && !signalled && now - start >= o->signal_after_ms) {
                        kill(pid, o->signal);
                        signalled = true;
                }
                if (now - start > 20000) {
                        ret->hung = true;
                        kill(pid, SIGKILL);
                        waitpid(pid, &st, 0);
                        break;
                }
                struct pollfd p[2] = {{out[0], out_open ? POLLIN : 0, 0}, {err[0], err_open ? POLLIN : 0, 0}};
                if (poll(p, 2, 20) < 0)
                        continue;
                if (p[0].revents)
                        nw_drain(out[0], &ob, &ol, &oc, &out_open);
                if (p[1].revents)
                        nw_drain(err[0], &eb, &el, &ec, &err_open);
        }
        if (in[1] >= 0)
                close(in[1]);
        close(out[0]);
        close(err[0]);
        ret->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        ret->out = ob ? ob : calloc(1, 1);
        ret->err = eb ? eb : calloc(1, 1);
        ret->out[ol] = '\0';
        ret->err[el] = '\0';
}

#endif
