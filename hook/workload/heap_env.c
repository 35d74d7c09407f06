/* SPDX-License-Identifier: Apache-2.0 */
/* process.env as the heap scanner looks names up in it: a hash index built once per detection,
 * so that the command line's assignments and expansions cost one probe each. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "heap_scan.h"

/* The name part of an environment entry: up to its first '=', or SIZE_MAX when it has none. */
static size_t env_name_len(const char *e) {
        const char *eq = e ? strchr(e, '=') : NULL;
        return eq ? (size_t)(eq - e) : SIZE_MAX;
}

/* FNV-1a over the name's bytes. */
static uint64_t name_hash(const char *s, size_t len) {
        uint64_t h = 0xcbf29ce484222325u;
        for (size_t i = 0; i < len; i++)
                h = (h ^ (unsigned char)s[i]) * 0x100000001b3u;
        return h;
}

#define EMPTY SIZE_MAX

/* The slot of name: the one holding an entry of that name, or the empty one where it would go. */
static size_t slot_of(const scan_t *sc, const char *name, size_t len) {
        size_t mask = sc->nenv_index - 1;
        for (size_t i = (size_t)name_hash(name, len) & mask;; i = (i + 1) & mask) {
                size_t at = sc->env_index[i];
                if (at == EMPTY)
                        return i;
                const char *e = sc->env[at];
                if (!strncmp(e, name, len) && e[len] == '=')
                        return i;
        }
}

/* Indexes process.env's well-formed entries by name once, the last entry of a name replacing the
 * earlier ones (runc passes the last on), so each lookup is one probe: a command line's
 * assignments and expansions each look a name up, and a linear search per lookup made 4,000
 * assignments against 100,000 entries quadratic (a sorted index cost 7.7 M instructions to build
 * for 10,000 entries: more than the whole evaluation). Open addressing at most half full. Without
 * memory the scan goes on with linear lookups and says it is incomplete. */
static void env_index_build(scan_t *sc) {
        sc->env_indexed = true;
        if (sc->nenv < 2)
                return; /* a linear look is as quick */
        size_t cap = 4;
        while (cap < sc->nenv * 2) {
                if (cap > SIZE_MAX / 4 / sizeof(size_t)) {
                        sc->oom = true;
                        return;
                }
                cap *= 2;
        }
        size_t *slots = malloc(cap * sizeof(size_t));
        if (!slots) {
                sc->oom = true;
                return;
        }
        memset(slots, 0xff, cap * sizeof(size_t)); /* EMPTY */
        sc->env_index = slots;
        sc->nenv_index = cap;
        for (size_t i = 0; i < sc->nenv; i++) {
                size_t len = env_name_len(sc->env[i]);
                if (len != SIZE_MAX)
                        slots[slot_of(sc, sc->env[i], len)] = i;
        }
}

/* The value of the last process.env entry named name (len bytes), as runc passes it on. */
const char *mg_scan_env_lookup(scan_t *sc, const char *name, size_t len, bool ci) {
        const char *found = NULL;
        if (!ci && !sc->env_indexed)
                env_index_build(sc);
        if (!ci && sc->env_index) {
                if (memchr(name, '=', len) || memchr(name, '\0', len))
                        return NULL; /* no entry's name holds either */
                size_t at = sc->env_index[slot_of(sc, name, len)];
                return at == EMPTY ? NULL : sc->env[at] + len + 1;
        }
        /* Case-insensitive (a few fixed .NET names per detection) or without an index. */
        for (size_t i = 0; sc->env && i < sc->nenv; i++) { /* the last one wins, as in runc */
                const char *e = sc->env[i];
                if (e && (ci ? !strncasecmp(e, name, len) : !strncmp(e, name, len)) && e[len] == '=')
                        found = e + len + 1;
        }
        return found;
}
