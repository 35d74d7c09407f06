/* SPDX-License-Identifier: Apache-2.0 */
/* The readers behind `memgate explain`: /dev/kmsg records and plain text lines into the parser.
 *
 * /dev/kmsg (Documentation/ABI/testing/dev-kmsg): every read() returns exactly one record,
 * "prio,seq,usec,flags[,...];text\n" followed by " KEY=value\n" dictionary lines; a new open
 * starts at the first record still in the ring and reading moves only this fd's position, so
 * nothing is consumed for anyone else. With O_NONBLOCK, read() fails with EAGAIN once the last
 * record has been read, which is where explain stops; EPIPE means the ring overwrote records
 * under us (the next read resumes at the oldest one left); EINVAL means the buffer was too small
 * for a record (the kernel's records are < 8 KiB, CONSOLE_EXT_LOG_MAX). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "memgate/inputs/kernlog_source.h"
#include "memgate/util/cleanup.h"

#define KMSG_RECORD_MAX 8192
#define READ_CHUNK 65536

int mg_kl_open(const char *path, int *ret_fd, bool *ret_is_kmsg, mg_error_t *err) {
        int fd;
        struct stat st;

        if (!strcmp(path, "-")) {
                fd = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3);
                if (fd < 0)
                        return mg_error_set(err, -errno, "stdin: %s", strerror(errno));
        } else {
                /* /proc/kmsg is syslog's: reading it takes the messages away from the system logger
                 * and blocks when they run out. Never that one. */
                char real[PATH_MAX];
                if (realpath(path, real) && !strcmp(real, "/proc/kmsg"))
                        return mg_error_set(err, -EPERM, "\"%s\": reading /proc/kmsg would take the kernel's "
                                            "messages from the system logger; /dev/kmsg (the default) does not", path);
                fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
                if (fd < 0)
                        return mg_error_set(err, -errno, "\"%s\": %s", path, strerror(errno));
        }
        if (fstat(fd, &st) < 0) {
                int r = -errno;
                close(fd);
                return mg_error_set(err, r, "\"%s\": %s", path, strerror(-r));
        }
        if (S_ISDIR(st.st_mode)) {
                close(fd);
                return mg_error_set(err, -EISDIR, "\"%s\": is a directory", path);
        }
        bool kmsg = S_ISCHR(st.st_mode) && major(st.st_rdev) == 1 && minor(st.st_rdev) == 11;
        if (!kmsg && strcmp(path, "-")) {
                /* O_NONBLOCK was for the open (a FIFO without a writer); the reads block until EOF */
                int fl = fcntl(fd, F_GETFL);
                if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
                        int r = -errno;
                        close(fd);
                        return mg_error_set(err, r, "\"%s\": %s", path, strerror(-r));
                }
        }
        *ret_fd = fd;
        *ret_is_kmsg = kmsg;
        return 0;
}

/* One record: header fields, the text up to the first '\n' (continuation lines are the record's
 * dictionary and are not the kernel's message). */
static void kmsg_record(mg_kl_parser_t *p, const char *rec, size_t n, time_t boot_wall) {
        const char *semi = memchr(rec, ';', n < 64 ? n : 64);
        if (!semi)
                return;
        unsigned long long prio = 0, usec = 0;
        const char *q = rec;
        while (q < semi && *q >= '0' && *q <= '9')
                prio = prio * 10 + (unsigned)(*q++ - '0');
        if (q == rec || *q != ',' || prio >= 8) /* facility 0 (kernel) only */
                return;
        q++;
        while (q < semi && *q >= '0' && *q <= '9')
                q++; /* seq */
        if (q >= semi || *q != ',')
                return;
        q++;
        const char *u = q;
        while (q < semi && *q >= '0' && *q <= '9' && q - u < 19)
                usec = usec * 10 + (unsigned)(*q++ - '0');
        if (q == u || *q != ',')
                return;
        const char *text = semi + 1;
        const char *nl = memchr(text, '\n', (size_t)(rec + n - text));
        size_t len = nl ? (size_t)(nl - text) : (size_t)(rec + n - text);
        mg_kl_time_t t = {.have_mono = true, .mono_usec = usec};
        if (boot_wall > 0) {
                t.have_wall = true;
                t.wall = boot_wall + (time_t)(usec / 1000000);
                t.wall_utc = true;
        }
        mg_kl_feed_timed(p, text, len, &t);
}

int mg_kl_read_kmsg(int fd, mg_kl_parser_t *p, time_t boot_wall, uint64_t *ret_lost, mg_error_t *err) {
        _cleanup_free_ char *buf = malloc(KMSG_RECORD_MAX);
        uint64_t lost = 0;
        if (!buf)
                return mg_error_set(err, -ENOMEM, "/dev/kmsg: out of memory");
        for (;;) {
                ssize_t n = read(fd, buf, KMSG_RECORD_MAX);
                if (n > 0) {
                        kmsg_record(p, buf, (size_t)n, boot_wall);
                        continue;
                }
                if (n == 0 || errno == EAGAIN)
                        break;
                if (errno == EINTR)
                        continue;
                if (errno == EPIPE) {
                        lost++;
                        continue;
                }
                return mg_error_set(err, -errno, "/dev/kmsg: %s", strerror(errno));
        }
        if (ret_lost)
                *ret_lost = lost;
        return 0;
}

int mg_kl_read_lines(int fd, const char *name, mg_kl_parser_t *p, mg_error_t *err) {
        _cleanup_free_ char *buf = malloc(READ_CHUNK);
        _cleanup_free_ char *line = malloc(MG_KL_LINE_MAX);
        size_t len = 0;
        bool cut = false; /* the current line passed MG_KL_LINE_MAX: drop the rest of it */

        if (!buf || !line)
                return mg_error_set(err, -ENOMEM, "\"%s\": out of memory", name);
        for (;;) {
                ssize_t n = read(fd, buf, READ_CHUNK);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN) /* stdin left non-blocking by whoever started us */
                                break;
                        return mg_error_set(err, -errno, "\"%s\": %s", name, strerror(errno));
                }
                if (n == 0)
                        break;
                for (const char *c = buf, *end = buf + n; c < end;) {
                        const char *nl = memchr(c, '\n', (size_t)(end - c));
                        size_t take = (size_t)((nl ? nl : end) - c);
                        if (!cut) {
                                size_t room = MG_KL_LINE_MAX - len;
                                if (take > room) {
                                        memcpy(line + len, c, room);
                                        len += room;
                                        cut = true;
                                } else {
                                        memcpy(line + len, c, take);
                                        len += take;
                                }
                        }
                        if (!nl)
                                break;
                        mg_kl_feed(p, line, len);
                        len = 0;
                        cut = false;
                        c = nl + 1;
                }
        }
        if (len)
                mg_kl_feed(p, line, len);
        return 0;
}
