/* SPDX-License-Identifier: Apache-2.0 */
/* The kernel log parser behind `memgate explain`: lines of text in, memory events out. Pure (no
 * I/O, no allocation): the caller feeds one line at a time and receives each finished event
 * through a callback, so memory stays fixed (MG_KL_OPEN_MAX events in flight, each a fixed-size
 * struct) and time stays linear however long the input is, a 1 GB file or an endless stream.
 *
 * A line may carry any prefix before the kernel's text (a /dev/kmsg record header, syslog or
 * journalctl headers, `[12345.678901]`, `dmesg -T` dates in any locale, copy-paste line numbers):
 * the kernel's messages are recognised by their own text wherever it starts, and the prefix is
 * only read for a timestamp when it is one of the forms mg_kl_strip_prefix() knows. */
#ifndef MEMGATE_INPUTS_KERNLOG_H
#define MEMGATE_INPUTS_KERNLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "memgate/inputs/kernlog_event.h"
#include "memgate/inputs/kernlog_prefix.h"

typedef void (*mg_kl_emit_fn)(const mg_kl_event_t *ev, void *userdata);

typedef struct mg_kl_parser {
        mg_kl_event_t open[MG_KL_OPEN_MAX];
        bool used[MG_KL_OPEN_MAX];
        uint64_t idle[MG_KL_OPEN_MAX]; /* lines since the slot last took a line */
        uint64_t lineno;
        uint64_t nevents;
        uint64_t lines_skipped;        /* lines no event wanted */
        /* "__vm_enough_memory: N callbacks suppressed", "warn_alloc: N callbacks suppressed": the
         * kernel's rate limit left out N more messages of that kind (lib/ratelimit.c) */
        uint64_t suppressed_commit, suppressed_alloc;
        mg_kl_emit_fn emit;
        void *userdata;
} mg_kl_parser_t;

void mg_kl_init(mg_kl_parser_t *p, mg_kl_emit_fn emit, void *userdata);
/* One line without its newline; len bytes (no NUL needed; NUL bytes end the line). */
void mg_kl_feed(mg_kl_parser_t *p, const char *line, size_t len);
/* Same for a line whose timestamp the reader already knows (a /dev/kmsg record). */
void mg_kl_feed_timed(mg_kl_parser_t *p, const char *line, size_t len, const mg_kl_time_t *t);
/* End of input: every open event is emitted, in order. */
void mg_kl_finish(mg_kl_parser_t *p);

#endif
