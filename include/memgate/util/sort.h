/* SPDX-License-Identifier: Apache-2.0 */
/* A stable sort that makes no system call of its own.
 *
 * Why not qsort(3): glibc's qsort sizes its merge buffer against the machine's memory with
 * sysconf(_SC_PHYS_PAGES), that is sysinfo(2), once the array is 1 KiB or more (128 pointers).
 * memgate sorts arrays whose length a container chooses (its annotations, its environment), in a
 * process confined by a seccomp filter that kills on sysinfo: qsort would let any image switch
 * memgate off by adding annotations. mg_sort uses malloc only (brk/mmap, which the filter allows)
 * and reports a failed allocation instead of falling back to anything. */
#ifndef MEMGATE_UTIL_SORT_H
#define MEMGATE_UTIL_SORT_H

#include <stddef.h>

/* Orders a before b (< 0), equal (0) or after (> 0); ctx is mg_sort's. */
typedef int (*mg_cmp_t)(const void *a, const void *b, void *ctx);

/* Sorts n elements of size bytes at base, stably (equal elements keep their order), in
 * O(n log n) comparisons. Returns 0, or -ENOMEM (base untouched) when the n * size scratch
 * buffer cannot be had; arrays of up to 16 elements need none. */
int mg_sort(void *base, size_t n, size_t size, mg_cmp_t cmp, void *ctx);

#endif
