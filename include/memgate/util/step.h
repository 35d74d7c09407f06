/* SPDX-License-Identifier: Apache-2.0 */
/* What memgate is doing right now, in words, where a watchdog in another process can read it.
 *
 * The confined evaluation runs in a child; its parent waits at most the `deadline` of
 * memgate.conf. When the deadline passes, the parent must say what the child was waiting for
 * ("reading the state on stdin", "reading /proc/zoneinfo", "writing <bundle>/memgate.json"). The
 * child announces each step that can wait (every open and read of an input, every write of an
 * output) with mg_step(); the text goes into a page shared with the parent (MAP_SHARED, set up
 * before the fork), or nowhere when no page is attached. Publishing is a vsnprintf into memory:
 * no system call, so it works under the seccomp filter and costs next to nothing. */
#ifndef MEMGATE_UTIL_STEP_H
#define MEMGATE_UTIL_STEP_H

#include <stddef.h>

#define MG_STEP_MAX 256

/* Two slots: a step is written into the one not being shown, then made current with one atomic
 * store, so a reader never sees half of a step even if the writer dies mid-sentence. */
typedef struct mg_step_page {
        unsigned current; /* index of the slot holding the latest complete step */
        int writing;      /* a temp file of an atomic write exists: stop with SIGTERM, never SIGKILL */
        char slot[2][MG_STEP_MAX];
} mg_step_page_t;

/* Where mg_step() publishes from now on; NULL: nowhere (the default). */
void mg_step_attach(mg_step_page_t *page);

/* Publishes the current step ("reading %s", ...). Cut at MG_STEP_MAX - 1 bytes. */
void mg_step(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Copies the latest complete step of page into buf (n > 0); "" when none was published. */
void mg_step_read(const mg_step_page_t *page, char *buf, size_t n);

/* Says whether a temp file of this process's is in the bundle (outputs/atomic.c sets it while one
 * exists). A watchdog stops such a process with SIGTERM only, whose handler removes the file:
 * SIGKILL would leave it there. Async-signal-safe. */
void mg_step_writing(int on);
int mg_step_page_writing(const mg_step_page_t *page);

#endif
