/* SPDX-License-Identifier: Apache-2.0 */
/* Cleanup attributes, ownership hand-over and the size constants every module uses. */
#ifndef MEMGATE_UTIL_CLEANUP_H
#define MEMGATE_UTIL_CLEANUP_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define MG_KIB ((uint64_t)1024)
#define MG_MIB ((uint64_t)1024 * 1024)
#define MG_GIB ((uint64_t)1024 * 1024 * 1024)

static inline void mg_freep(void *p) { free(*(void **)p); }
static inline void mg_closep(int *fd) { if (*fd >= 0) close(*fd); }
static inline void mg_fclosep(FILE **f) { if (*f) fclose(*f); }
#define _cleanup_(x) __attribute__((__cleanup__(x)))
#define _cleanup_free_ _cleanup_(mg_freep)
#define _cleanup_close_ _cleanup_(mg_closep)
#define _cleanup_fclose_ _cleanup_(mg_fclosep)
#define DEFINE_CLEANUP_FUNC(type, func) \
        static inline void func##p(type *p) { if (*p) func(*p); }

/* Hand ownership on: returns the pointer and clears the variable. */
#define TAKE_PTR(p) ({ __typeof__(p) _tp = (p); (p) = NULL; _tp; })
#define TAKE_FD(fd) ({ int _tf = (fd); (fd) = -1; _tf; })

#define ELEMENTSOF(a) (sizeof(a) / sizeof((a)[0]))

#endif
