/* SPDX-License-Identifier: Apache-2.0 */
/* The floor's one read loop, shared by floor.c and props.c so both measure the same work. */
#ifndef MG_BENCH_SLURP_H
#define MG_BENCH_SLURP_H

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* Reads all of fd into a buffer sized from fstat (or 64 KiB for a pipe). Returns its length. */
static ssize_t slurp(int fd, char **out) {
        struct stat st;
        size_t cap = fstat(fd, &st) == 0 && st.st_size > 0 ? (size_t)st.st_size + 1 : 65536, len = 0;
        char *buf = malloc(cap);
        ssize_t n;
        while (buf && (n = read(fd, buf + len, cap - len)) > 0)
                if ((len += (size_t)n) == cap && !(buf = realloc(buf, cap *= 2)))
                        return -1;
        *out = buf;
        return buf ? (ssize_t)len : -1;
}

#endif
