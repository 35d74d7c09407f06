/* SPDX-License-Identifier: Apache-2.0 */
/* process.env as the heap scanner looks names up in it: an index sorted once per detection, so
 * that the command line's assignments and expansions cost a binary search each. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "heap_scan.h"
#include "memgate/util/sort.h"

/* The name part of an environment entry: up to its first '=', or SIZE_MAX when it has none. */
static size_t env_name_len(const char *e) {
        const char *eq = e ? strchr(e, '=') : NULL;
        return eq ? (size_t)(eq - e) : SIZE_MAX;
}

static int cmp_name(const char *a, size_t al, const char *b, size_t bl) {
        int r = memcmp(a, b, al < bl ? al : bl);
        return r ? r : (al > bl) - (al < bl);
}

/* Index order: by name, then by position, so the last entry of a name ends its run. */
static int cmp_env_index(const void *pa, const void *pb, void *ctx) {
        char *const *env = ctx;
        size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
        int r = cmp_name(env[a], env_name_len(env[a]), env[b], env_name_len(env[b]));
        return r ? r : (a > b) - (a < b);
}

/* Sorts the positions of process.env's well-formed entries once, so each lookup is a binary
 * search: a command line's assignments and expansions each look a name up, and a linear search
 * per lookup made 4,000 assignments against 100,000 entries quadratic. Without memory the scan
 * goes on with linear lookups and says it is incomplete. */
static void env_index_build(scan_t *sc) {
        sc->env_indexed = true;
        if (sc->nenv < 2)
                return; /* a linear look is as quick */
        size_t *idx = malloc(sc->nenv * sizeof(size_t));
        if (!idx) {
                sc->oom = true;
                return;
        }
        size_t n = 0;
        for (size_t i = 0; i < sc->nenv; i++)
                if (env_name_len(sc->env[i]) != SIZE_MAX)
                        idx[n++] = i;
        if (mg_sort(idx, n, sizeof(size_t), cmp_env_index, (void *)sc->env) < 0) {
                free(idx);
                sc->oom = true;
                return;
        }
        sc->env_index = idx;
        sc->nenv_index = n;
}

/* The value of the last process.env entry named name (len bytes), as runc passes it on. */
const char *mg_scan_env_lookup(scan_t *sc, const char *name, size_t len, bool ci) {
        const char *found = NULL;
        if (!ci && !sc->env_indexed)
                env_index_build(sc);
        if (!ci && sc->env_index) {
                size_t lo = 0, hi = sc->nenv_index; /* first entry whose name is after name */
                while (lo < hi) {
                        size_t mid = lo + (hi - lo) / 2;
                        const char *e = sc->env[sc->env_index[mid]];
                        if (cmp_name(e, env_name_len(e), name, len) <= 0)
                                lo = mid + 1;
                        else
                                hi = mid;
                }
                if (lo > 0) {
                        const char *e = sc->env[sc->env_index[lo - 1]];
                        if (env_name_len(e) == len && !memcmp(e, name, len))
                                found = e + len + 1;
                }
                return found;
        }
        /* Case-insensitive (a few fixed .NET names per detection) or without an index. */
        for (size_t i = 0; sc->env && i < sc->nenv; i++) { /* the last one wins, as in runc */
                const char *e = sc->env[i];
                if (e && (ci ? !strncasecmp(e, name, len) : !strncmp(e, name, len)) && e[len] == '=')
                        found = e + len + 1;
        }
        return found;
}

