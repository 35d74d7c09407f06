/* SPDX-License-Identifier: Apache-2.0 */
/* mg-bench-props: the floor of any hook (floor.c's work: the state on stdin, the bundle's
 * config.json, /proc/meminfo) plus, one by one, the safety properties memgate pays for, each done
 * with memgate's own code, for tests/bench/bench.py's "what each property costs" table:
 *
 *   mg-bench-props [--fork] [--seccomp] [--write] [--fsync] [--syslog PATH] [--deadline MS]
 *
 *   --fork     the work in a child, the parent its watchdog: mg_sandbox_run_until(), memgate's
 *              fork, deadline and signal handling (what keeps a crashed or hung evaluation from
 *              blocking a start);
 *   --seccomp  the child loads memgate's seccomp filter (mg_sandbox_enter: the filter the build
 *              generates from hook/cli/filter_gen.c) before it reads anything untrusted;
 *   --write    a ~4 kB memgate.json into the bundle, atomically (temp file, rename:
 *              mg_write_atomic_flags), never torn; with --fsync also fsync'd, file and directory;
 *   --syslog   one line to the datagram socket PATH (mg_log: non-blocking, dropped if it is full);
 *   --deadline the watchdog's deadline (default memgate.conf's, 2 s; a single-stepped run needs more).
 *
 * Exit 0, or 2 when the floor's work failed; with --fork the child's exit status is passed on. No
 * parsing beyond finding "bundle" in the state, no checks: the figures are the price of the
 * properties, not of memgate's evaluation. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "memgate/cli/sandbox.h"
#include "memgate/inputs/conf.h"
#include "memgate/outputs/atomic.h"
#include "memgate/outputs/syslog.h"
#include "memgate/util/deadline.h"

typedef struct opts {
        bool fork, seccomp, write, fsync;
        const char *syslog;
        unsigned deadline_ms;
} opts_t;

#include "slurp.h"

/* A memgate.json-sized document (podman's JVM bundle gives 4-6 kB). */
static size_t report_text(char *buf, size_t n) {
        size_t len = (size_t)snprintf(buf, n, "{\n  \"verdict\": \"allow\",\n  \"mode\": \"hook\",\n  \"findings\": [");
        for (int i = 0; len + 200 < n && len < 4000; i++)
                len += (size_t)snprintf(buf + len, n - len,
                                        "%s\n    {\"code\": \"bench-%02d\", \"severity\": \"info\", \"message\": "
                                        "\"a finding of the size memgate writes, %d\"}",
                                        i ? "," : "", i, i);
        len += (size_t)snprintf(buf + len, n - len, "\n  ]\n}\n");
        return len;
}

static int work(void *userdata) {
        const opts_t *o = userdata;
        mg_error_t err = {0};
        if (o->seccomp && mg_sandbox_enter(&err) < 0) {
                fprintf(stderr, "mg-bench-props: %s\n", err.msg);
                return 3;
        }
        char *state, *config, *meminfo, path[4096];
        ssize_t n = slurp(STDIN_FILENO, &state);
        if (n < 0)
                return 2;
        state[n] = '\0';
        char *p = strstr(state, "\"bundle\""), *end;
        if (!p || !(p = strchr(p + 8, '"')) || !(end = strchr(++p, '"')))
                return 2;
        snprintf(path, sizeof(path), "%.*s", (int)(end - p), p);
        int dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        int fd = dirfd < 0 ? -1 : openat(dirfd, "config.json", O_RDONLY | O_CLOEXEC);
        if (fd < 0 || slurp(fd, &config) < 0 || close(fd) < 0)
                return 2;
        if ((fd = open("/proc/meminfo", O_RDONLY | O_CLOEXEC)) < 0 || slurp(fd, &meminfo) < 0 || close(fd) < 0)
                return 2;
        if (o->syslog) {
                mg_log_t l;
                mg_log_open(&l, "mg-bench-props", o->syslog);
                mg_log(&l, LOG_INFO, "allow: bundle %s, a line of the length memgate's verdict line has", path);
                mg_log_close(&l);
        }
        if (o->write) {
                char doc[8192];
                size_t len = report_text(doc, sizeof(doc));
                if (mg_write_atomic_flags(dirfd, "memgate.json", doc, len, 0600, o->fsync ? MG_ATOMIC_FSYNC : 0,
                                          &err) < 0) {
                        fprintf(stderr, "mg-bench-props: %s\n", err.msg);
                        return 2;
                }
        }
        return 0;
}

int main(int argc, char *argv[]) {
        opts_t o = {.deadline_ms = MG_DEADLINE_DEFAULT_MS};
        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--fork") == 0)
                        o.fork = true;
                else if (strcmp(argv[i], "--seccomp") == 0)
                        o.seccomp = true;
                else if (strcmp(argv[i], "--write") == 0)
                        o.write = true;
                else if (strcmp(argv[i], "--fsync") == 0)
                        o.fsync = true;
                else if (strcmp(argv[i], "--syslog") == 0 && i + 1 < argc)
                        o.syslog = argv[++i];
                else if (strcmp(argv[i], "--deadline") == 0 && i + 1 < argc)
                        o.deadline_ms = (unsigned)strtoul(argv[++i], NULL, 10);
                else {
                        fprintf(stderr, "usage: mg-bench-props [--fork] [--seccomp] [--write] [--fsync] "
                                        "[--syslog PATH] [--deadline MS]\n");
                        return 64;
                }
        }
        if (!o.fork)
                return work(&o);
        mg_sandbox_exit_t ex = {0};
        mg_error_t err = {0};
        /* By default memgate.conf's default deadline: the watchdog armed as memgate arms it. */
        if (mg_sandbox_run_until(work, &o, mg_deadline_after(o.deadline_ms), &ex, &err) < 0) {
                fprintf(stderr, "mg-bench-props: %s\n", err.msg);
                return 2;
        }
        return mg_sandbox_finished(&ex) ? ex.exit_status : 4;
}
