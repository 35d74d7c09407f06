/* SPDX-License-Identifier: Apache-2.0 */
/* What comes before the kernel's text on a log line: a /dev/kmsg record header, syslog and
 * journalctl headers, [12345.678901], dmesg -T dates in any locale, ISO 8601 times, copy-paste
 * line numbers. Pure. */
#ifndef MEMGATE_INPUTS_KERNLOG_PREFIX_H
#define MEMGATE_INPUTS_KERNLOG_PREFIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Where a line's timestamp came from. */
typedef struct mg_kl_time {
        bool have_mono;     /* seconds since boot: [12345.678901] or a kmsg record's usec */
        uint64_t mono_usec;
        bool have_wall;     /* a calendar time: ISO 8601, English syslog or dmesg -T dates */
        time_t wall;        /* seconds since the epoch; see wall_utc */
        bool wall_utc;      /* the log gave an offset (ISO 8601 Z/+hh:mm); otherwise wall is the
                             * log's local clock read as if it were UTC */
} mg_kl_time_t;

/* Splits a line into its prefix and the kernel's text: returns the offset of the text and fills
 * *t with what the prefix said about time (zeroed when nothing). Exposed for the tests. */
size_t mg_kl_strip_prefix(const char *line, size_t len, mg_kl_time_t *t);

#endif
