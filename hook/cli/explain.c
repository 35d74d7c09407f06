/* SPDX-License-Identifier: Apache-2.0 */
/* `memgate explain`: name the cause of every OOM kill, allocation failure and commit refusal in
 * the kernel log. Reads /dev/kmsg (to the end of the ring, never waiting) or --file FILE|-,
 * parses under the seccomp sandbox, prints each event as it is complete (text or JSON), and exits
 * 0 when at least one event was found, 1 when none, 2 on a usage error or an unreadable input. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "memgate/checks/explain.h"
#include "memgate/cli/explain.h"
#include "memgate/cli/sandbox.h"
#include "memgate/inputs/kernlog_source.h"
#include "memgate/oci/explain_json.h"
#include "memgate/outputs/explain_text.h"
#include "memgate/outputs/prometheus.h"
#include "memgate/util/buf.h"
#include "memgate/util/io.h"

enum { EXIT_FOUND = 0, EXIT_NONE = 1, EXIT_ERROR = 2 };

typedef struct run {
        bool json;
        bool prometheus;       /* counts only, at the end */
        bool have_since;
        time_t since;          /* seconds since the epoch */
        uint64_t counts[MG_X_UNKNOWN + 1];
        uint64_t skipped_by_time, kept_untimed;
        mg_explain_json_t *j;
        int out_fd;
        int failed;            /* a write or generator error: the first one */
        mg_error_t err;
} run_t;

static void out(run_t *r, const char *buf, size_t n) {
        if (r->failed || !n)
                return;
        if (mg_write_all(r->out_fd, buf, n) < 0) {
                r->failed = -errno ? -errno : -EIO;
                mg_error_set(&r->err, r->failed, "stdout: %s", strerror(errno));
        }
}

/* A log time without a zone is the log's local time: read it as such. */
static time_t wall_of(const mg_kl_time_t *t) {
        if (t->wall_utc)
                return t->wall;
        struct tm tm;
        if (!gmtime_r(&t->wall, &tm))
                return t->wall;
        tm.tm_isdst = -1;
        time_t local = mktime(&tm);
        return local == (time_t)-1 ? t->wall : local;
}

static void on_event(const mg_kl_event_t *e, void *userdata) {
        run_t *r = userdata;
        if (r->have_since) {
                if (!e->time.have_wall)
                        r->kept_untimed++;
                else if (wall_of(&e->time) < r->since) {
                        r->skipped_by_time++;
                        return;
                }
        }
        mg_explanation_t x;
        mg_explain_event(e, &x);
        r->counts[x.cls]++;
        if (r->prometheus)
                return;
        if (r->json) {
                const char *buf;
                size_t n;
                if (!r->failed && (r->failed = mg_explain_json_event(r->j, e, &x, &buf, &n, &r->err)) == 0)
                        out(r, buf, n);
                return;
        }
        mg_buf_t b = {0};
        mg_explain_text_event(&b, e, &x);
        out(r, b.data, b.len);
        mg_buf_free(&b);
}

/* --since: "@EPOCH", "YYYY-MM-DD[ T]HH:MM[:SS][Z|+hh:mm]" (local time without a zone), or a
 * duration back from now: "90s", "30m", "2h", "7d". */
int mg_explain_parse_since(const char *s, time_t now, time_t *ret) {
        char *end;
        if (s[0] == '@') {
                errno = 0;
                long long v = strtoll(s + 1, &end, 10);
                if (errno || end == s + 1 || *end || v < 0)
                        return -EINVAL;
                *ret = (time_t)v;
                return 0;
        }
        if (s[0] >= '0' && s[0] <= '9' && strlen(s) <= 12 && !strchr(s, '-') && !strchr(s, ':')) {
                errno = 0;
                unsigned long long v = strtoull(s, &end, 10);
                unsigned long long mul = !strcmp(end, "s") || !*end ? 1 : !strcmp(end, "m") ? 60
                                         : !strcmp(end, "h") ? 3600 : !strcmp(end, "d") ? 86400 : 0;
                if (errno || end == s || !mul || v > (unsigned long long)now / mul)
                        return -EINVAL;
                *ret = now - (time_t)(v * mul);
                return 0;
        }
        int y, mo, d, h, mi, sec = 0, n = 0;
        char sep;
        if (sscanf(s, "%4d-%2d-%2d%c%2d:%2d%n", &y, &mo, &d, &sep, &h, &mi, &n) != 6 || (sep != 'T' && sep != ' '))
                return -EINVAL;
        const char *rest = s + n;
        if (*rest == ':') {
                int k = 0;
                if (sscanf(rest, ":%2d%n", &sec, &k) != 1)
                        return -EINVAL;
                rest += k;
        }
        if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
                return -EINVAL;
        struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi,
                        .tm_sec = sec, .tm_isdst = -1};
        if (!*rest) {
                time_t t = mktime(&tm);
                if (t == (time_t)-1)
                        return -EINVAL;
                *ret = t;
                return 0;
        }
        int off = 0;
        if (!strcmp(rest, "Z"))
                off = 0;
        else {
                int oh, om;
                if ((rest[0] != '+' && rest[0] != '-') ||
                    (sscanf(rest + 1, "%2d:%2d", &oh, &om) != 2 && sscanf(rest + 1, "%2d%2d", &oh, &om) != 2))
                        return -EINVAL;
                off = (oh * 60 + om) * 60 * (rest[0] == '-' ? -1 : 1);
        }
        *ret = timegm(&tm) - off;
        return 0;
}

typedef struct job {
        run_t *r;
        int fd;
        bool is_kmsg;
        time_t boot;
        const char *name;
} job_t;

static int explain_confined(void *userdata);

static void usage(FILE *f) {
        fputs("Usage: memgate explain [--file FILE|-] [--since WHEN] [--format text|json|prometheus]\n"
              "Names the cause of every OOM kill, page allocation failure and commit refusal in the\n"
              "kernel log: /dev/kmsg by default (read to the end of the ring, nothing consumed), or FILE\n"
              "(dmesg, dmesg -T, journalctl -k, /var/log/messages, a saved /dev/kmsg; - for stdin).\n"
              "  --since WHEN   only events at or after WHEN: @EPOCH, YYYY-MM-DD HH:MM[:SS][Z|+hh:mm]\n"
              "                 (local time without a zone), or 30m, 2h, 7d back from now; events\n"
              "                 whose log lines carry no calendar time are kept\n"
              "  --format FMT   text (default), json, or prometheus (the counts by class, for\n"
              "                 node_exporter's textfile collector)\n"
              "Exit status: 0 at least one event, 1 none, 2 usage error or unreadable input.\n",
              f);
}

static int usage_error(const char *msg, const char *arg) {
        fprintf(stderr, "memgate explain: %s%s%s%s\nTry 'memgate explain --help'.\n", msg, arg ? " \"" : "",
                arg ? arg : "", arg ? "\"" : "");
        return EXIT_ERROR;
}

/* Boot time as a calendar time, for /dev/kmsg's monotonic stamps (what dmesg -T does). */
static time_t boot_wall(void) {
        struct timespec real, boot;
        if (clock_gettime(CLOCK_REALTIME, &real) < 0 || clock_gettime(CLOCK_BOOTTIME, &boot) < 0)
                return 0;
        return real.tv_sec - boot.tv_sec;
}

int mg_cli_explain(int argc, char **argv) {
        enum { OPT_FILE = 256, OPT_SINCE, OPT_FORMAT };
        static const struct option longopts[] = {
                {"file", required_argument, NULL, OPT_FILE},
                {"since", required_argument, NULL, OPT_SINCE},
                {"format", required_argument, NULL, OPT_FORMAT},
                {"help", no_argument, NULL, 'h'},
                {0},
        };
        run_t r = {.out_fd = STDOUT_FILENO};
        const char *path = MG_KMSG_PATH;
        int c;

        optind = 1;
        opterr = 0;
        while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
                switch (c) {
                case OPT_FILE:
                        path = optarg;
                        break;
                case OPT_SINCE:
                        if (mg_explain_parse_since(optarg, time(NULL), &r.since) < 0)
                                return usage_error("--since: expected @EPOCH, YYYY-MM-DD HH:MM[:SS] or 30m/2h/7d, not",
                                                   optarg);
                        r.have_since = true;
                        break;
                case OPT_FORMAT:
                        if (!strcmp(optarg, "json"))
                                r.json = true;
                        else if (!strcmp(optarg, "prometheus"))
                                r.prometheus = true;
                        else if (strcmp(optarg, "text"))
                                return usage_error("--format: expected text, json or prometheus, not", optarg);
                        break;
                case 'h':
                        usage(stdout);
                        return 0;
                case ':':
                        return usage_error("this option needs a value:", argv[optind - 1]);
                default:
                        return usage_error("unknown option", argv[optind - 1]);
                }
        }
        if (optind < argc && strcmp(argv[optind], "explain"))
                return usage_error("unexpected argument", argv[optind]);
        if (optind + 1 < argc)
                return usage_error("unexpected argument", argv[optind + 1]);

        mg_error_t err = {0};
        int fd = -1;
        bool is_kmsg = false;
        if (mg_kl_open(path, &fd, &is_kmsg, &err) < 0) {
                fprintf(stderr, "memgate explain: %s\n", err.msg);
                return EXIT_ERROR;
        }
        time_t boot = is_kmsg ? boot_wall() : 0;
        tzset(); /* mktime's zone, read before the filter */
        (void)mktime(&(struct tm){.tm_year = 100, .tm_mday = 1});

        /* The parser, the classifier and the writers run in a confined child, like the hook's
         * evaluation: the parent never reads a byte of the log, and maps a child the filter (or
         * anything else) killed onto exit status 2. */
        job_t job = {.r = &r, .fd = fd, .is_kmsg = is_kmsg, .boot = boot,
                     .name = !strcmp(path, "-") ? "stdin" : path};
        mg_sandbox_exit_t ex;
        int rc = mg_sandbox_run(explain_confined, &job, &ex, &err);
        close(fd);
        if (rc < 0) {
                fprintf(stderr, "memgate explain: %s\n", err.msg);
                return EXIT_ERROR;
        }
        if (!ex.exited) {
                fprintf(stderr, "memgate explain: the confined parse was killed by signal %d%s\n", ex.signal,
                        ex.signal == SIGSYS ? " (a system call the seccomp filter does not allow)" : "");
                return EXIT_ERROR;
        }
        return ex.exit_status;
}

static int explain_confined(void *userdata) {
        job_t *job = userdata;
        run_t r = *job->r;
        mg_error_t err = {0};
        int fd = job->fd;
        bool is_kmsg = job->is_kmsg;
        time_t boot = job->boot;
        const char *name = job->name;
        static mg_kl_parser_t parser; /* 4 events of ~10 KiB: static, not on the stack */

        /* defence in depth, as in the hook: a kernel without seccomp still gets the answer */
        if (mg_sandbox_enter(&err) < 0)
                fprintf(stderr, "memgate explain: warning: %s; parsing without the sandbox\n", err.msg);

        const char *buf;
        size_t n;
        if (r.json) {
                if (mg_explain_json_begin(&r.j, &buf, &n, &err) < 0) {
                        fprintf(stderr, "memgate explain: %s\n", err.msg);
                        return EXIT_ERROR;
                }
                out(&r, buf, n);
        }
        mg_kl_init(&parser, on_event, &r);
        uint64_t lost = 0;
        int rr = is_kmsg ? mg_kl_read_kmsg(fd, &parser, boot, &lost, &err) : mg_kl_read_lines(fd, name, &parser, &err);
        mg_kl_finish(&parser);

        uint64_t total = 0;
        for (int k = 0; k <= MG_X_UNKNOWN; k++)
                total += r.counts[k];
        if (r.prometheus) {
                mg_buf_t b = {0};
                mg_explain_prometheus(r.counts, parser.suppressed_commit, parser.suppressed_alloc, lost, &b);
                out(&r, b.data, b.len);
                mg_buf_free(&b);
        } else if (r.json) {
                if (!r.failed && mg_explain_json_end(r.j, r.counts, &parser, lost, &buf, &n, &r.err) == 0)
                        out(&r, buf, n);
                mg_explain_json_free(r.j);
        } else {
                mg_buf_t b = {0};
                mg_explain_text_summary(&b, r.counts, &parser);
                out(&r, b.data, b.len);
                mg_buf_free(&b);
        }
        if (lost)
                fprintf(stderr, "memgate explain: %llu kmsg records were overwritten while reading\n",
                        (unsigned long long)lost);
        if (r.have_since && (r.skipped_by_time || r.kept_untimed))
                fprintf(stderr, "memgate explain: --since left out %llu events; %llu events without a calendar "
                        "time were kept\n", (unsigned long long)r.skipped_by_time,
                        (unsigned long long)r.kept_untimed);
        if (rr < 0) {
                fprintf(stderr, "memgate explain: %s\n", err.msg);
                return EXIT_ERROR;
        }
        if (r.failed) {
                fprintf(stderr, "memgate explain: %s\n", r.err.msg);
                return EXIT_ERROR;
        }
        return total ? EXIT_FOUND : EXIT_NONE;
}
