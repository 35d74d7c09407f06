/* SPDX-License-Identifier: Apache-2.0 */
/* Records in runc's log format (see include/memgate/outputs/runtime_log.h). */
#define _GNU_SOURCE
#include "memgate/outputs/runtime_log.h"

#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "memgate/util/io.h"

mg_rtlog_format_t mg_rtlog_format_parse(const char *s) {
        return s && strcmp(s, "json") == 0 ? MG_RTLOG_JSON : MG_RTLOG_TEXT;
}

/* The civil date of a day count since 1970-01-01 (proleptic Gregorian; H. Hinnant's
 * civil_from_days), so no time zone file is ever read: gmtime_r may initialise the zone. */
static void civil(int64_t days, int64_t *y, unsigned *m, unsigned *d) {
        days += 719468;
        int64_t era = (days >= 0 ? days : days - 146096) / 146097;
        unsigned doe = (unsigned)(days - era * 146097);
        unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        unsigned mp = (5 * doy + 2) / 153;
        *d = doy - (153 * mp + 2) / 5 + 1;
        *m = mp < 10 ? mp + 3 : mp - 9;
        *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static void rfc3339(mg_buf_t *b, const struct timespec *now) {
        int64_t t = now->tv_sec, days = t / 86400, secs = t % 86400;
        if (secs < 0) {
                secs += 86400;
                days--;
        }
        int64_t y;
        unsigned m, d;
        civil(days, &y, &m, &d);
        long ns = now->tv_nsec >= 0 && now->tv_nsec < 1000000000 ? now->tv_nsec : 0;
        mg_buf_printf(b, "%04" PRId64 "-%02u-%02uT%02d:%02d:%02d.%09ldZ", y, m, d, (int)(secs / 3600),
                      (int)(secs / 60 % 60), (int)(secs % 60), ns);
}

/* JSON string body: '"' and '\' escaped, every byte below 0x20 and DEL as \u00XX. Bytes of 0x80
 * and above pass as they are (a decoder replaces invalid UTF-8; it never splits a line on it). */
static void json_escaped(mg_buf_t *b, const char *s) {
        for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
                if (*p == '"' || *p == '\\')
                        mg_buf_printf(b, "\\%c", *p);
                else if (*p == '\n')
                        mg_buf_printf(b, "\\n");
                else if (*p == '\t')
                        mg_buf_printf(b, "\\t");
                else if (*p < 0x20 || *p == 0x7f)
                        mg_buf_printf(b, "\\u%04x", *p);
                else
                        mg_buf_printf(b, "%c", *p);
        }
}

/* Go's strconv.Quote for ASCII, as logrus' text formatter quotes a value; other bytes as \xNN. */
static void go_quoted(mg_buf_t *b, const char *s) {
        mg_buf_printf(b, "\"");
        for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
                if (*p == '"' || *p == '\\')
                        mg_buf_printf(b, "\\%c", *p);
                else if (*p == '\n')
                        mg_buf_printf(b, "\\n");
                else if (*p == '\t')
                        mg_buf_printf(b, "\\t");
                else if (*p < 0x20 || *p >= 0x7f)
                        mg_buf_printf(b, "\\x%02x", *p);
                else
                        mg_buf_printf(b, "%c", *p);
        }
        mg_buf_printf(b, "\"");
}

void mg_rtlog_record(mg_buf_t *b, mg_rtlog_format_t fmt, const char *level, const char *msg,
                     const struct timespec *now) {
        if (fmt == MG_RTLOG_JSON) {
                mg_buf_printf(b, "{\"level\":\"");
                json_escaped(b, level);
                mg_buf_printf(b, "\",\"msg\":\"");
                json_escaped(b, msg);
                mg_buf_printf(b, "\",\"time\":\"");
                rfc3339(b, now);
                mg_buf_printf(b, "\"}\n");
                return;
        }
        mg_buf_printf(b, "time=\"");
        rfc3339(b, now);
        mg_buf_printf(b, "\" level=%s msg=", level);
        go_quoted(b, msg);
        mg_buf_printf(b, "\n");
}

int mg_rtlog_open(const char *path, mg_error_t *err) {
        int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, 0644);
        if (fd < 0)
                return mg_error_set(err, -errno, "cannot open the runtime log \"%s\": %s", path, strerror(errno));
        struct stat st;
        int r = fstat(fd, &st) < 0 ? -errno : 0;
        if (r < 0 || !S_ISREG(st.st_mode)) {
                close(fd);
                return mg_error_set(err, r < 0 ? r : -EINVAL, "the runtime log \"%s\" is not a regular file", path);
        }
        return fd;
}

int mg_rtlog_write(int fd, const char *data, size_t len, mg_error_t *err) {
        int r = mg_write_all(fd, data, len);
        if (r < 0)
                return mg_error_set(err, r, "cannot write the runtime log: %s", strerror(-r));
        return 0;
}
