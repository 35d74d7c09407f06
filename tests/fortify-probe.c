/* SPDX-License-Identifier: Apache-2.0 */
/* Compiled with the project's own flags, never linked: tests/hardening.sh looks at this object
 * to prove _FORTIFY_SOURCE=3 is in effect. Only level 3 (__builtin_dynamic_object_size) knows
 * the size of a buffer from malloc(n) and turns this memcpy into __memcpy_chk; level 2 leaves a
 * plain memcpy. */
#include <stdlib.h>
#include <string.h>

void *mg_fortify_probe(const void *src, size_t n, size_t m);

void *mg_fortify_probe(const void *src, size_t n, size_t m) {
        char *p = malloc(n);
        if (p)
                memcpy(p, src, m);
        return p;
}
