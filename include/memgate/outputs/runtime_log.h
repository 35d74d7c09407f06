/* SPDX-License-Identifier: Apache-2.0 */
/* The container runtime's own log (runc --log FILE --log-format json|text): where containerd's
 * shim, and so Docker, ctr and the CRI, read a failed runtime's error from. memgate-runtime
 * appends its refusals (level "error") and warnings (level "warning") there, in runc's format. */
#ifndef MEMGATE_OUTPUTS_RUNTIME_LOG_H
#define MEMGATE_OUTPUTS_RUNTIME_LOG_H

#include <stdbool.h>
#include <time.h>

#include "memgate/util/buf.h"
#include "memgate/util/error.h"

typedef enum mg_rtlog_format {
        MG_RTLOG_TEXT, /* logrus' text formatter: time="..." level=error msg="..." (runc's default) */
        MG_RTLOG_JSON, /* one JSON object a line: {"level":"error","msg":"...","time":"..."} */
} mg_rtlog_format_t;

/* runc's --log-format value; anything but "json" is text, as in runc. */
mg_rtlog_format_t mg_rtlog_format_parse(const char *s);

/* Appends one record (ending in a newline) for level and msg to b. msg is any bytes (it carries
 * text from the image): JSON escapes every control byte, text quotes it as Go's %q would. The
 * time is RFC 3339 in UTC, which containerd's decoder requires of every line it reads. */
void mg_rtlog_record(mg_buf_t *b, mg_rtlog_format_t fmt, const char *level, const char *msg,
                     const struct timespec *now);

/* Opens the log for appending the way runc does (created 0644 if absent), without following a
 * symlink and without blocking on a FIFO; refuses anything but a regular file. Returns the fd. */
int mg_rtlog_open(const char *path, mg_error_t *err);

/* Writes all of data to fd (an O_APPEND fd: one write per call keeps records whole). */
int mg_rtlog_write(int fd, const char *data, size_t len, mg_error_t *err);

#endif
