/* SPDX-License-Identifier: Apache-2.0 */
/* Lines to the local syslog socket (/dev/log; journald reads it) that never block: glibc's
 * syslog() sends on a blocking socket, so a stalled journald would hold the hook until the
 * runtime's timeout kills it, and the container start would fail for it. A line the socket
 * cannot take at once is dropped and counted. */
#ifndef MEMGATE_OUTPUTS_SYSLOG_H
#define MEMGATE_OUTPUTS_SYSLOG_H

#include <syslog.h>

#include "memgate/checks/finding.h"



typedef struct mg_log {
        int fd;             /* -1: no syslog socket, lines are dropped */
        const char *ident;
        unsigned dropped;   /* lines not sent */
} mg_log_t;

/* Opens a non-blocking datagram socket to path (NULL: /dev/log). Never fails: without a socket
 * every line is dropped. */
void mg_log_open(mg_log_t *l, const char *ident, const char *path);
/* prio is a syslog level (LOG_ERR...); the facility is daemon. */
void mg_log(mg_log_t *l, int prio, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void mg_log_close(mg_log_t *l);

/* One line per finding (and the verdict), with the container id (crun drops a hook's stderr). */
void mg_log_findings(const char *ident, const char *id, const mg_report_t *r);
/* Opens, sends one line, closes. */
void mg_log_once(const char *ident, int prio, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
