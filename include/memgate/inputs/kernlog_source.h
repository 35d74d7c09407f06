/* SPDX-License-Identifier: Apache-2.0 */
/* Where `memgate explain` reads kernel log lines from: /dev/kmsg (from the first record still in
 * the ring to the last, without consuming anything and without ever waiting for a new one), or a
 * file or stdin read to its end. Lines go straight into a kernlog parser: memory stays fixed
 * (one read buffer and one line of MG_KL_LINE_MAX) whatever the size of the input. */
#ifndef MEMGATE_INPUTS_KERNLOG_SOURCE_H
#define MEMGATE_INPUTS_KERNLOG_SOURCE_H

#include "memgate/inputs/kernlog.h"
#include "memgate/util/error.h"

#define MG_KMSG_PATH "/dev/kmsg"

/* Opens path for explain: "-" is stdin (dup'ed), /dev/kmsg and other files are opened without
 * blocking (a FIFO with no writer does not hang the open) and then read blocking to EOF.
 * *ret_is_kmsg tells whether the fd is the kernel's kmsg device (char 1:11). */
int mg_kl_open(const char *path, int *ret_fd, bool *ret_is_kmsg, mg_error_t *err);

/* Reads every /dev/kmsg record from fd into p and stops at the end of the ring (EAGAIN). Records
 * overwritten while reading (EPIPE) are counted in *ret_lost and skipped. Records from user space
 * (facility > 0, written into /dev/kmsg by programs) are skipped: only the kernel's own lines are
 * evidence. boot_wall (seconds since the epoch at boot, 0 when unknown) turns each record's
 * monotonic time into a calendar time. */
int mg_kl_read_kmsg(int fd, mg_kl_parser_t *p, time_t boot_wall, uint64_t *ret_lost, mg_error_t *err);

/* Reads fd line by line to EOF into p; lines longer than MG_KL_LINE_MAX are cut. A file that is
 * a saved /dev/kmsg dump ("prio,seq,usec,flags;text" lines) works too: the parser reads the
 * record header as a prefix. */
int mg_kl_read_lines(int fd, const char *name, mg_kl_parser_t *p, mg_error_t *err);

#endif
