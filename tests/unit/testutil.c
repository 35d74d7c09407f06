/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "testutil.h"

#include <criterion/criterion.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *env_or_fail(const char *name) {
        const char *v = getenv(name);
        if (!v || !*v)
                cr_assert_fail("%s is not set: run the suites through ctest", name);
        return v;
}

static const char *join(const char *base, const char *rel) {
        static char buf[8][PATH_MAX];
        static unsigned slot;
        char *b = buf[slot++ % 8];
        snprintf(b, PATH_MAX, "%s/%s", base, rel);
        return b;
}

const char *tu_peer(const char *rel) { return join(env_or_fail("MEMGATE_PEER"), rel); }
const char *tu_fixture(const char *rel) { return join(env_or_fail("MEMGATE_FIXTURES"), rel); }
const char *tu_bin(void) { return env_or_fail("MEMGATE_BIN"); }
const char *tu_bin_preloadable(void) { return env_or_fail("MEMGATE_BIN_PRELOADABLE"); }

char *tu_slurp(const char *path, size_t *ret_len) {
        FILE *f = fopen(path, "rb");
        cr_assert_not_null(f, "cannot open %s: %s", path, strerror(errno));
        size_t cap = 4096, len = 0;
        char *buf = malloc(cap);
        size_t r;
        while ((r = fread(buf + len, 1, cap - len - 1, f)) > 0) {
                len += r;
                if (cap - len - 1 == 0)
                        buf = realloc(buf, cap *= 2);
        }
        fclose(f);
        buf[len] = '\0';
        if (ret_len)
                *ret_len = len;
        return buf;
}

static void drain(int fd, char **buf, size_t *len, size_t *cap) {
        if (*len + 4096 + 1 > *cap) {
                *cap = (*cap ? *cap * 2 : 8192) + 4096;
                *buf = realloc(*buf, *cap);
        }
        ssize_t r = read(fd, *buf + *len, *cap - *len - 1);
        if (r > 0)
                *len += (size_t)r;
}

void tu_run(char *const argv[], const char *stdin_data, size_t stdin_len, tu_proc_t *ret) {
        int in[2], out[2], err[2];
        cr_assert(pipe2(in, O_CLOEXEC) == 0 && pipe2(out, O_CLOEXEC) == 0 && pipe2(err, O_CLOEXEC) == 0);
        pid_t pid = fork();
        cr_assert(pid >= 0);
        if (pid == 0) {
                dup2(in[0], 0);
                dup2(out[1], 1);
                dup2(err[1], 2);
                execv(argv[0], argv);
                _exit(127);
        }
        close(in[0]);
        close(out[1]);
        close(err[1]);
        signal(SIGPIPE, SIG_IGN);
        size_t off = 0;
        if (!stdin_data) {
                close(in[1]);
                in[1] = -1;
        }
        fcntl(in[1], F_SETFL, O_NONBLOCK);
        char *ob = NULL, *eb = NULL;
        size_t ol = 0, oc = 0, el = 0, ec = 0;
        bool out_open = true, err_open = true;
        time_t deadline = time(NULL) + 20;
        while (out_open || err_open) {
                struct pollfd p[3] = {{out[0], out_open ? POLLIN : 0, 0}, {err[0], err_open ? POLLIN : 0, 0},
                                      {in[1], in[1] >= 0 ? POLLOUT : 0, 0}};
                if (time(NULL) > deadline) {
                        kill(pid, SIGKILL);
                        break;
                }
                if (poll(p, 3, 1000) < 0)
                        continue;
                if (p[0].revents) {
                        size_t before = ol;
                        drain(out[0], &ob, &ol, &oc);
                        if (ol == before)
                                out_open = false;
                }
                if (p[1].revents) {
                        size_t before = el;
                        drain(err[0], &eb, &el, &ec);
                        if (el == before)
                                err_open = false;
                }
                if (in[1] >= 0 && p[2].revents) {
                        if (p[2].revents & (POLLERR | POLLHUP)) {
                                close(in[1]);
                                in[1] = -1;
                        } else {
                                ssize_t w = write(in[1], stdin_data + off, stdin_len - off);
                                if (w > 0)
                                        off += (size_t)w;
                                if (w < 0 && errno != EAGAIN) {
                                        close(in[1]);
                                        in[1] = -1;
                                } else if (off == stdin_len) {
                                        close(in[1]);
                                        in[1] = -1;
                                }
                        }
                }
        }
        if (in[1] >= 0)
                close(in[1]);
        close(out[0]);
        close(err[0]);
        int st = 0;
        waitpid(pid, &st, 0);
        ret->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        if (!ob)
                ob = calloc(1, 1);
        if (!eb)
                eb = calloc(1, 1);
        ob[ol] = '\0';
        eb[el] = '\0';
        ret->out = ob;
        ret->err = eb;
}

void tu_proc_free(tu_proc_t *p) {
        free(p->out);
        free(p->err);
}

char *tu_mkdtemp(void) {
        char *t = strdup("/tmp/memgate-test-XXXXXX");
        cr_assert_not_null(mkdtemp(t));
        return t;
}

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw) {
        return remove(p);
}

void tu_rmrf(const char *path) {
        if (path)
                nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

void tu_write(const char *path, const char *data) {
        FILE *f = fopen(path, "w");
        cr_assert_not_null(f, "cannot write %s", path);
        fputs(data, f);
        fclose(f);
}

int tu_dgram_listener(const char *path) {
        int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        cr_assert_geq(fd, 0);
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        cr_assert_lt(strlen(path), sizeof(sa.sun_path));
        memcpy(sa.sun_path, path, strlen(path) + 1);
        cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
        return fd;
}
