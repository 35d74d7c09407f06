/* SPDX-License-Identifier: Apache-2.0 */
#include "memgate/outputs/syslog.h"

#include "memgate/util/escape.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MG_LOG_LINE_MAX 2048

void mg_log_open(mg_log_t *l, const char *ident, const char *path) {
        *l = (mg_log_t){.fd = -1, .ident = ident};
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path ? path : "/dev/log");
        int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return;
        if (connect(fd, (const struct sockaddr *)&sa, sizeof(sa)) < 0) {
                close(fd);
                return;
        }
        l->fd = fd;
}

void mg_log(mg_log_t *l, int prio, const char *fmt, ...) {
        char line[MG_LOG_LINE_MAX], stamp[32] = "";
        time_t now = time(NULL);
        struct tm tm;

        if (l->fd < 0) {
                l->dropped++;
                return;
        }
        /* RFC 3164 as glibc writes it: <PRI>Mmm dd hh:mm:ss ident[pid]: message */
        if (localtime_r(&now, &tm))
                strftime(stamp, sizeof(stamp), "%b %e %H:%M:%S", &tm);
        int n = snprintf(line, sizeof(line), "<%d>%s %s[%d]: ", LOG_DAEMON | (prio & LOG_PRIMASK), stamp, l->ident,
                         (int)getpid());
        if (n < 0 || (size_t)n >= sizeof(line))
                return;
        /* The message carries untrusted text (container ids, annotation values): an embedded newline
         * would forge a second record, so control bytes are escaped. */
        char msg[MG_LOG_LINE_MAX];
        va_list ap;
        va_start(ap, fmt);
        int m = vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        if (m < 0)
                return;
        mg_buf_t esc = {0};
        mg_buf_escape(&esc, msg, (size_t)m < sizeof(msg) ? (size_t)m : sizeof(msg) - 1);
        size_t elen = esc.data ? esc.len : 0;
        if (elen > sizeof(line) - 1 - (size_t)n)
                elen = sizeof(line) - 1 - (size_t)n; /* a long line is cut, not dropped */
        if (elen)
                memcpy(line + n, esc.data, elen);
        mg_buf_free(&esc);
        size_t len = (size_t)n + elen;
        if (send(l->fd, line, len, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
                l->dropped++;
}

void mg_log_close(mg_log_t *l) {
        if (l->fd >= 0)
                close(l->fd);
        l->fd = -1;
}

void mg_log_findings(const char *ident, const char *id, const mg_report_t *r) {
        if (!id)
                id = "?";
        mg_log_t log;
        mg_log_open(&log, ident, NULL);
        mg_log(&log, LOG_INFO, "container %s: verdict %s%s", id, mg_verdict_name(r->verdict),
               r->policy_downgraded ? " (a refusal downgraded by policy)" : "");
        for (size_t i = 0; i < r->n; i++) {
                const mg_finding_t *f = &r->findings[i];
                int prio = f->severity == MG_SEV_REFUSE ? LOG_ERR : f->severity == MG_SEV_WARN ? LOG_WARNING : LOG_INFO;
                mg_log(&log, prio, "container %s: %s (%s): %s%s%s", id, mg_severity_name(f->severity), f->code,
                       f->message, f->fix[0] ? "; " : "", f->fix);
        }
        mg_log_close(&log);
}

void mg_log_once(const char *ident, int prio, const char *fmt, ...) {
        mg_log_t log;
        char line[MG_LOG_LINE_MAX];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(line, sizeof(line), fmt, ap);
        va_end(ap);
        mg_log_open(&log, ident, NULL);
        mg_log(&log, prio, "%s", line);
        mg_log_close(&log);
}
