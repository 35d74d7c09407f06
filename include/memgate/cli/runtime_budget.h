/* SPDX-License-Identifier: Apache-2.0 */
/* memgate-runtime's cheap question before exec, start, kill and every other runc command it
 * passes through: will runc (Go) die of memory now? Two small reads (/proc/meminfo and
 * vm.overcommit_memory), no memgate.conf, no bundle. */
#ifndef MEMGATE_CLI_RUNTIME_BUDGET_H
#define MEMGATE_CLI_RUNTIME_BUDGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "memgate/inputs/conf.h"

/* What runc and runc init commit, as the kernel lab measured for a start (memgate.conf's
 * runtime_reserve default); an exec runs both. Fixed here: no config is read. */
#define MG_BUDGET_RUNC_COMMIT_KB MG_RUNTIME_RESERVE_DEFAULT_KB
/* Below this much MemAvailable a new runc is likely to fail its first allocations: its two
 * processes fault in about 10 MiB each (KERNEL-NOTES), with a third again for the kernel. */
#define MG_BUDGET_MIN_AVAILABLE_KB ((uint64_t)32 * 1024)

typedef struct mg_budget {
        bool have_available;       /* MemAvailable present (kernels >= 3.14) */
        uint64_t available_kb, free_kb, commit_limit_kb, committed_kb;
        int overcommit_memory;     /* -1 when unreadable */
} mg_budget_t;

/* Parses /proc/meminfo text (len bytes) into b; absent fields stay absent (never zero). */
void mg_budget_parse_meminfo(const char *text, size_t len, mg_budget_t *b);

/* Reads procfs/meminfo and procfs/sys/vm/overcommit_memory. Returns 0, or -errno when meminfo
 * cannot be read (then there is nothing to say). */
int mg_budget_read(const char *procfs, mg_budget_t *ret);

/* When runc would die of memory now: sets *ret_code ("commit-exhausted", "memavailable-zero"),
 * writes "cause; fix" for the runc command `command` into buf and returns true. False when all
 * is well. */
bool mg_budget_verdict(const mg_budget_t *b, const char *command, const char **ret_code, char *buf, size_t n);

#endif
