/* SPDX-License-Identifier: Apache-2.0 */
/* Bottom-up merge sort: runs of 16 sorted by insertion in place, then merged pairwise through
 * one scratch buffer, alternating direction so each pass is one copy. See sort.h for why this
 * replaces qsort(3). */
#include "memgate/util/sort.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define RUN 16

/* Insertion sort of n elements; tmp holds one element. */
static void insertion(char *b, size_t n, size_t size, mg_cmp_t cmp, void *ctx, char *tmp) {
        for (size_t i = 1; i < n; i++) {
                size_t j = i;
                if (cmp(b + (j - 1) * size, b + j * size, ctx) <= 0)
                        continue;
                memcpy(tmp, b + i * size, size);
                while (j > 0 && cmp(b + (j - 1) * size, tmp, ctx) > 0) {
                        memcpy(b + j * size, b + (j - 1) * size, size);
                        j--;
                }
                memcpy(b + j * size, tmp, size);
        }
}

/* Merges src[lo, mid) and src[mid, hi) into dst[lo, hi); the left run wins ties (stable). */
static void merge(const char *src, char *dst, size_t lo, size_t mid, size_t hi, size_t size, mg_cmp_t cmp,
                  void *ctx) {
        size_t i = lo, j = mid, o = lo;
        while (i < mid && j < hi) {
                if (cmp(src + j * size, src + i * size, ctx) < 0)
                        memcpy(dst + o++ * size, src + j++ * size, size);
                else
                        memcpy(dst + o++ * size, src + i++ * size, size);
        }
        if (i < mid)
                memcpy(dst + o * size, src + i * size, (mid - i) * size);
        else if (j < hi)
                memcpy(dst + o * size, src + j * size, (hi - j) * size);
}

int mg_sort(void *base, size_t n, size_t size, mg_cmp_t cmp, void *ctx) {
        char one[64]; /* the element insertion sort holds, when it fits */
        char *b = base, *elem = one;

        if (n < 2 || size == 0)
                return 0;
        if (n > SIZE_MAX / size)
                return -ENOMEM;
        if (size > sizeof(one) && !(elem = malloc(size)))
                return -ENOMEM;
        char *tmp = NULL;
        if (n > RUN && !(tmp = malloc(n * size))) {
                if (elem != one)
                        free(elem);
                return -ENOMEM;
        }
        for (size_t lo = 0; lo < n; lo += RUN)
                insertion(b + lo * size, n - lo < RUN ? n - lo : RUN, size, cmp, ctx, elem);
        if (elem != one)
                free(elem);
        if (!tmp)
                return 0;

        char *src = b, *dst = tmp;
        for (size_t w = RUN; w < n; w = w > (n - 1) / 2 ? n : 2 * w) {
                for (size_t lo = 0; lo < n; lo += 2 * w) {
                        size_t mid = lo + w < n ? lo + w : n;
                        size_t hi = mid + w < n ? mid + w : n;
                        merge(src, dst, lo, mid, hi, size, cmp, ctx);
                }
                char *t = src;
                src = dst;
                dst = t;
        }
        if (src != b)
                memcpy(b, src, n * size);
        free(tmp);
        return 0;
}
