/* SPDX-License-Identifier: Apache-2.0 */
/* process.env as the heap scanner looks names up in it: one pass for the names every detection
 * asks for, and a hash index built on the first other lookup, so that the command line's
 * assignments and expansions cost one probe each. */
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

/* The names every detection looks up (heap.c), in the order of SCAN_FIXED_NAMES. */
static const struct {
        const char *name;
        size_t len;
} fixed[SCAN_FIXED_NAMES] = {
#define N(s) { s, sizeof(s) - 1 }
        N("JAVA_TOOL_OPTIONS"), N("JDK_JAVA_OPTIONS"), N("_JAVA_OPTIONS"), N("NODE_OPTIONS"), N("GOMEMLIMIT"), N("GOGC"),
#undef N
};

/* Which of the fixed names name (len bytes) is, or -1. */
static int fixed_index(const char *name, size_t len) {
        for (int k = 0; k < SCAN_FIXED_NAMES; k++)
                if (fixed[k].len == len && !memcmp(name, fixed[k].name, len))
                        return k;
        return -1;
}

/* Whether s (len bytes, or up to its NUL) starts with DOTNET_ or COMPlus_, in any case. */
static bool dotnet_prefix(const char *s, size_t len) {
        return (len >= 7 && !strncasecmp(s, "DOTNET_", 7)) || (len >= 8 && !strncasecmp(s, "COMPlus_", 8));
}

/* One pass over process.env for what each detection asks: the fixed names (each a linear scan,
 * or the index to be built, cost 3 M instructions for 10,000 entries before) and the .NET
 * entries. The first byte turns nearly every entry away. */
static void env_prescan(scan_t *sc) {
        sc->env_prescanned = true;
        for (size_t k = 0; k < SCAN_FIXED_NAMES; k++)
                sc->fixed_at[k] = EMPTY;
        sc->dotnet_first = sc->dotnet_last = EMPTY;
        for (size_t i = 0; sc->env && i < sc->nenv; i++) {
                const char *e = sc->env[i];
                if (!e)
                        continue;
                switch (e[0]) {
                case 'J': case '_': case 'N': case 'G': {
                        int k = fixed_index(e, env_name_len(e));
                        if (k >= 0)
                                sc->fixed_at[k] = i; /* the last one wins, as in runc */
                        break;
                }
                case 'D': case 'd': case 'C': case 'c':
                        if (dotnet_prefix(e, SIZE_MAX) && strchr(e, '=')) {
                                if (sc->dotnet_first == EMPTY)
                                        sc->dotnet_first = i;
                                sc->dotnet_last = i;
                        }
                        break;
                default:
                        break;
                }
        }
}

size_t mg_scan_env_dotnet(scan_t *sc) {
        if (!sc->env_prescanned)
                env_prescan(sc);
        return sc->dotnet_first;
}

/* The value of the last process.env entry named name (len bytes), as runc passes it on. */
const char *mg_scan_env_lookup(scan_t *sc, const char *name, size_t len, bool ci) {
        const char *found = NULL;
        size_t from = 0, to = sc->env ? sc->nenv : 0;
        if (!sc->env_prescanned)
                env_prescan(sc);
        int k;
        if (!ci && (k = fixed_index(name, len)) >= 0)
                return sc->fixed_at[k] == EMPTY ? NULL : sc->env[sc->fixed_at[k]] + len + 1;
        if (ci && dotnet_prefix(name, len)) {
                /* an entry of this name starts so too: only the .NET entries can match */
                if (sc->dotnet_first == EMPTY)
                        return NULL;
                from = sc->dotnet_first;
                to = sc->dotnet_last + 1;
        }
        if (!ci && !sc->env_indexed)
                env_index_build(sc);
        if (!ci && sc->env_index) {
                if (memchr(name, '=', len) || memchr(name, '\0', len))
                        return NULL; /* no entry's name holds either */
                size_t at = sc->env_index[slot_of(sc, name, len)];
                return at == EMPTY ? NULL : sc->env[at] + len + 1;
        }
        /* Case-insensitive (a few fixed .NET names per detection) or without an index. */
        for (size_t i = from; i < to; i++) { /* the last one wins, as in runc */
                const char *e = sc->env[i];
                if (e && (ci ? !strncasecmp(e, name, len) : !strncmp(e, name, len)) && e[len] == '=')
                        found = e + len + 1;
        }
        return found;
}
