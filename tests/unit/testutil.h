/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by the Criterion suites: where the real inputs are, reading them, and running
 * the memgate binary as a process. */
#ifndef MEMGATE_TESTUTIL_H
#define MEMGATE_TESTUTIL_H

#include <stdbool.h>
#include <stddef.h>

/* The util stage is everyone's foundation; tests use all of it. */
#include "memgate/util/buf.h"
#include "memgate/util/cleanup.h"
#include "memgate/util/error.h"
#include "memgate/util/escape.h"
#include "memgate/util/io.h"
#include "memgate/util/number.h"
#include "memgate/util/read.h"
#include "memgate/util/strv.h"
#include "memgate/util/text.h"

/* $MEMGATE_PEER/<rel>, $MEMGATE_FIXTURES/<rel>; the returned string is static storage (one slot
 * per call site is not needed: copy it if you need two at once). */
const char *tu_peer(const char *rel);
const char *tu_fixture(const char *rel);
const char *tu_bin(void); /* the memgate executable under test */
/* memgate as a dynamic executable, for LD_PRELOAD (the shipped one may be a static PIE): the same
 * sources and core library as tu_bin. */
const char *tu_bin_preloadable(void);
/* Reads a whole file into a malloc'd NUL-terminated buffer; fails the test when unreadable. */
char *tu_slurp(const char *path, size_t *ret_len);

typedef struct tu_proc {
        int status;   /* exit code, or 128+signal */
        char *out;    /* stdout, NUL-terminated */
        char *err;    /* stderr */
} tu_proc_t;

/* Runs argv (argv[0] a path) with stdin_data on stdin (NULL: /dev/null) and a 20 s limit. */
void tu_run(char *const argv[], const char *stdin_data, size_t stdin_len, tu_proc_t *ret);
void tu_proc_free(tu_proc_t *p);

/* A fresh temporary directory (removed with tu_rmrf). */
char *tu_mkdtemp(void);
void tu_rmrf(const char *path);
void tu_write(const char *path, const char *data);
/* A bound AF_UNIX datagram socket at path: a stand-in for /dev/log. */
int tu_dgram_listener(const char *path);

#endif
