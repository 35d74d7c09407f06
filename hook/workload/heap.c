/* SPDX-License-Identifier: Apache-2.0 */
/* Finding a container's heap settings in process.args, sh -c strings and process.env, for the
 * JVM, Node.js, .NET and Go, with each runtime's own precedence (see heap.h); the scanning is in
 * heap_scan.c. Pure; the work is bounded whatever the input. */
#include "memgate/workload/heap.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "heap_scan.h"
#include "memgate/util/cleanup.h"
#include "memgate/util/text.h"
#include "memgate/workload/heap_units.h"

_Static_assert(SCAN_SOURCE_MAX == MG_SOURCE_MAX && SCAN_OPTION_MAX == MG_OPTION_MAX && SCAN_NOTE_MAX == MG_NOTE_MAX,
               "the scanner records texts of mg_heap_t's sizes");

#define DOTNET_MIN_DEFAULT ((uint64_t)20 * 1024 * 1024)
/* JDK 17 MaxHeapSize default: ScaleForWordSize(96 MiB) = 96 MiB * 1.3, aligned down to 8. */
#define JVM_DEFAULT_MAX_HEAP ((uint64_t)130862280)

/* JVM environment sources, by precedence slot (the command line has none). */
static const char *const jvm_env_names[_JS_MAX] = {
        [JS_TOOL] = "JAVA_TOOL_OPTIONS", [JS_JDK] = "JDK_JAVA_OPTIONS", [JS_JAVA_OPTIONS] = "_JAVA_OPTIONS",
};

const char *mg_runtime_name(mg_runtime_t rt) {
        static const char *const names[] = {
                [MG_RT_NONE] = "none", [MG_RT_JVM] = "JVM", [MG_RT_NODE] = "Node.js", [MG_RT_GO] = "Go",
                [MG_RT_DOTNET] = ".NET",
        };
        return mg_name_of(names, ELEMENTSOF(names), (unsigned)rt, "none");
}

/* The variables that size a heap, for the report's copy of the environment. The first byte
 * decides at once for nearly every name: the report asks for each of process.env's entries, and
 * a strlen of each constant per entry cost 0.9 M instructions for 10,000 entries. */
bool mg_heap_env_name(const char *name, size_t len) {
#define IS(lit) (len == sizeof(lit) - 1 && strncmp(name, lit, sizeof(lit) - 1) == 0)
#define STARTS(lit) (len >= sizeof(lit) - 1 && strncmp(name, lit, sizeof(lit) - 1) == 0)
        if (len == 0)
                return false;
        switch (name[0]) {
        case 'J':
                return IS("JAVA_TOOL_OPTIONS") || IS("JDK_JAVA_OPTIONS");
        case '_':
                return IS("_JAVA_OPTIONS");
        case 'N':
                return IS("NODE_OPTIONS");
        case 'G':
                return IS("GOMEMLIMIT") || IS("GOGC");
        case 'D':
                return STARTS("DOTNET_GC");
        case 'C':
                return STARTS("COMPlus_GC");
        default:
                return false;
        }
#undef IS
#undef STARTS
}

bool mg_heap_env_entry(const char *entry, size_t *ret_name_len) {
        if (!entry)
                return false;
        switch (entry[0]) { /* mg_heap_env_name's first bytes: the rest need no strchr */
        case 'J': case '_': case 'N': case 'G': case 'D': case 'C':
                break;
        default:
                return false;
        }
        const char *eq = strchr(entry, '=');
        if (!eq || !mg_heap_env_name(entry, (size_t)(eq - entry)))
                return false;
        *ret_name_len = (size_t)(eq - entry);
        return true;
}

/* ---- putting it together ------------------------------------------------------------------- */

/* The winner for one JVM key: the highest-precedence source that set it. */
static const setting_t *jvm_get(const scan_t *sc, jvm_key_t k) {
        for (int s = _JS_MAX - 1; s >= 0; s--)
                if (sc->jvm[s][k].have)
                        return &sc->jvm[s][k];
        return NULL;
}

static void fill_jvm(const scan_t *sc, const char *detected_by, mg_heap_t *h) {
        const setting_t *s;
        h->runtime = MG_RT_JVM;
        mg_scan_set_str(h->source, sizeof(h->source), detected_by);
        /* MaxRAMFraction counts only when MaxRAMPercentage was not given at all (the JDK's
         * FLAG_IS_DEFAULT), whatever the order. */
        const setting_t *pct = jvm_get(sc, J_MAX_PCT);
        if (!pct && (s = jvm_get(sc, J_MAX_FRACTION))) {
                h->have_percent = true;
                h->percent = 100.0 / (double)s->v;
                mg_scan_set_str(h->source, sizeof(h->source), s->source);
                mg_scan_set_str(h->option, sizeof(h->option), s->option);
        } else if (pct) {
                h->have_percent = true;
                h->percent = pct->d;
                mg_scan_set_str(h->source, sizeof(h->source), pct->source);
                mg_scan_set_str(h->option, sizeof(h->option), pct->option);
        }
        if ((s = jvm_get(sc, J_MAX_HEAP))) {
                h->have_max_heap = true;
                h->max_heap_bytes = s->v;
                mg_scan_set_str(h->source, sizeof(h->source), s->source);
                mg_scan_set_str(h->option, sizeof(h->option), s->option);
        }
        if ((s = jvm_get(sc, J_MIN_PCT))) {
                h->have_min_percent = true;
                h->min_percent = s->d;
        }
#define X(key, have, field)                     \
        if ((s = jvm_get(sc, key))) {           \
                h->have = true;                 \
                h->field = s->v;                \
        }
        X(J_INITIAL, have_initial_heap, initial_heap_bytes);
        X(J_MAX_RAM, have_max_ram, max_ram_bytes);
        X(J_DIRECT, have_max_direct, max_direct_bytes);
        X(J_STACK, have_thread_stack, thread_stack_bytes);
        X(J_CODE, have_code_cache, code_cache_bytes);
        X(J_META, have_max_metaspace, max_metaspace_bytes);
#undef X
        mg_scan_set_str(h->note, sizeof(h->note), sc->jvm_note);
}

static void fill_node(const scan_t *sc, const char *detected_by, mg_heap_t *h) {
        h->runtime = MG_RT_NODE;
        mg_scan_set_str(h->source, sizeof(h->source), detected_by);
        const setting_t *s = sc->node[NS_CMD].have ? &sc->node[NS_CMD] : sc->node[NS_ENV].have ? &sc->node[NS_ENV] : NULL;
        if (s) {
                h->have_max_heap = true;
                h->max_heap_bytes = s->v;
                mg_scan_set_str(h->source, sizeof(h->source), s->source);
                mg_scan_set_str(h->option, sizeof(h->option), s->option);
        }
        mg_scan_set_str(h->note, sizeof(h->note), sc->node_note);
}

/* DOTNET_<name>, else COMPlus_<name> (before .NET 6); hexadecimal. */
static bool dotnet_value(scan_t *sc, const char *name, uint64_t *v, char *source, size_t n, char *opt, size_t on,
                         char *note_buf) {
        static const char *const prefixes[] = {"DOTNET_", "COMPlus_"};
        for (size_t i = 0; i < ELEMENTSOF(prefixes); i++) {
                char full[64];
                snprintf(full, sizeof(full), "%s%s", prefixes[i], name);
                const char *val = mg_scan_getenv(sc, full, true, source, n);
                if (!val)
                        continue;
                if (snprintf(opt, on, "%s=%.60s", full, val) >= (int)on)
                        opt[on - 1] = '\0'; /* cut: only shown in messages */
                if (mg_parse_dotnet_hex(val, v) < 0) {
                        mg_scan_note(note_buf, opt, source, "is not a hexadecimal number (environment values are hex)");
                        return false;
                }
                return true;
        }
        return false;
}

static void fill_dotnet(scan_t *sc, const char *detected_by, mg_heap_t *h) {
        char src[MG_SOURCE_MAX], opt[MG_OPTION_MAX];
        uint64_t v;
        h->runtime = MG_RT_DOTNET;
        mg_scan_set_str(h->source, sizeof(h->source), detected_by);
        if (dotnet_value(sc, "GCHeapHardLimitPercent", &v, src, sizeof(src), opt, sizeof(opt), h->note)) {
                if (v > 0 && v < 100) { /* the GC ignores 0 and refuses 100 and above */
                        h->have_percent = true;
                        h->percent = (double)v;
                        mg_scan_set_str(h->source, sizeof(h->source), src);
                        mg_scan_set_str(h->option, sizeof(h->option), opt);
                } else if (v)
                        mg_scan_note(h->note, opt, src, "is not a percentage between 1 and 99 (0x1-0x63)");
        }
        if (dotnet_value(sc, "GCHeapHardLimit", &v, src, sizeof(src), opt, sizeof(opt), h->note) && v) {
                h->have_max_heap = true;
                h->max_heap_bytes = v;
                mg_scan_set_str(h->source, sizeof(h->source), src);
                mg_scan_set_str(h->option, sizeof(h->option), opt);
        }
}

static void fill_go(scan_t *sc, const char *detected_by, mg_heap_t *h) {
        char src[MG_SOURCE_MAX];
        h->runtime = MG_RT_GO;
        mg_scan_set_str(h->source, sizeof(h->source), detected_by);
        const char *val = mg_scan_getenv(sc, "GOMEMLIMIT", false, src, sizeof(src));
        if (!val || !*val) /* empty: the default, no limit */
                return;
        char opt[MG_OPTION_MAX];
        snprintf(opt, sizeof(opt), "GOMEMLIMIT=%.80s", val);
        uint64_t v;
        if (mg_parse_go_size(val, &v) < 0)
                mg_scan_note(h->note, opt, src, "is not a valid size (the Go runtime refuses to start)");
        else if (v != UINT64_MAX) {
                h->have_max_heap = true;
                h->max_heap_bytes = v;
                mg_scan_set_str(h->source, sizeof(h->source), src);
                mg_scan_set_str(h->option, sizeof(h->option), opt);
        }
}

static bool has_content(const char *v) {
        for (; v && *v; v++)
                if (!mg_scan_is_blank(*v))
                        return true;
        return false;
}

int mg_heap_detect(char *const *args, size_t nargs, char *const *env, size_t nenv, mg_heap_t *ret) {
        scan_t *sc = calloc(1, sizeof(scan_t));
        *ret = (mg_heap_t){0};
        if (!sc)
                return -ENOMEM;
        sc->env = env;
        sc->nenv = env ? nenv : 0;
        sc->words_left = MAX_TOTAL_WORDS;
        sc->expand_left = MAX_TOTAL_EXPAND;

        if (args && nargs) {
                /* process.args is one command; a NULL element ends it (defensive). */
                size_t n = 0;
                while (n < nargs && n < MAX_TOTAL_WORDS && args[n])
                        n++;
                const char **src = malloc((n + 1) * sizeof(char *));
                if (!src)
                        sc->oom = true;
                else {
                        for (size_t i = 0; i < n; i++)
                                src[i] = "process.args";
                        mg_scan_command(sc, args, src, n, 0, false);
                        free(src);
                }
        }

        /* The JVM's environment sources, and NODE_OPTIONS. */
        char src[MG_SOURCE_MAX], jvm_env_where[MG_SOURCE_MAX] = "", node_env_where[MG_SOURCE_MAX] = "";
        for (int s = 0; s < _JS_MAX; s++) {
                if (!jvm_env_names[s])
                        continue;
                const char *v = mg_scan_getenv(sc, jvm_env_names[s], false, src, sizeof(src));
                if (!has_content(v))
                        continue;
                if (!jvm_env_where[0])
                        mg_scan_set_str(jvm_env_where, sizeof(jvm_env_where), src);
                mg_scan_option_string(sc, v, src, true, sc->jvm[s]);
        }
        const char *nv = mg_scan_getenv(sc, "NODE_OPTIONS", false, src, sizeof(src));
        if (has_content(nv)) {
                mg_scan_set_str(node_env_where, sizeof(node_env_where), src);
                mg_scan_option_string(sc, nv, src, false, &sc->node[NS_ENV]);
        }

        /* Other signs of .NET and Go in the environment. */
        size_t d = sc->saw_dotnet ? SIZE_MAX : mg_scan_env_dotnet(sc);
        if (d != SIZE_MAX) {
                sc->saw_dotnet = true;
                snprintf(sc->dotnet_where, sizeof(sc->dotnet_where), "env %.*s",
                         (int)(strchr(env[d], '=') - env[d] > 40 ? 40 : strchr(env[d], '=') - env[d]), env[d]);
        }
        char go_where[MG_SOURCE_MAX] = "";
        if (!mg_scan_getenv(sc, "GOMEMLIMIT", false, go_where, sizeof(go_where)))
                mg_scan_getenv(sc, "GOGC", false, go_where, sizeof(go_where));

        ret->jvm_detected = sc->saw_java || sc->jvm_opt || jvm_env_where[0];
        if (ret->jvm_detected) {
                const char *by = sc->saw_java ? sc->java_where : jvm_env_where[0] ? jvm_env_where : "process.args";
                fill_jvm(sc, by, ret);
        } else if (sc->saw_node || sc->node_opt || node_env_where[0])
                fill_node(sc, sc->saw_node ? sc->node_where : node_env_where[0] ? node_env_where : "process.args", ret);
        else if (sc->saw_dotnet)
                fill_dotnet(sc, sc->dotnet_where, ret);
        else if (go_where[0])
                fill_go(sc, go_where, ret);

        bool oom = sc->oom;
        for (size_t i = 0; i < sc->nvars; i++)
                free(sc->vars[i].value);
        free(sc->env_index);
        free(sc);
        return oom ? -ENOMEM : 0;
}

/* ---- the heap in use under a limit --------------------------------------------------------- */

static uint64_t pct_of(uint64_t v, double pct) {
        double r = (double)v * pct / 100.0;
        return r >= 18446744073709549568.0 ? UINT64_MAX : (uint64_t)r;
}

uint64_t mg_heap_effective(const mg_heap_t *h, uint64_t limit) {
        if (!h)
                return 0;
        switch (h->runtime) {
        case MG_RT_JVM: {
                if (h->have_max_heap)
                        return h->max_heap_bytes;
                /* An explicit MaxRAM replaces the memory the JVM sees (not a cap on it). */
                uint64_t phys = h->have_max_ram ? h->max_ram_bytes : limit;
                if (!phys)
                        return 0;
                uint64_t max = pct_of(phys, h->have_percent ? h->percent : 25.0);
                uint64_t min = pct_of(phys, h->have_min_percent ? h->min_percent : 50.0);
                if (min < JVM_DEFAULT_MAX_HEAP)
                        max = min; /* small memory: MinRAMPercentage */
                else if (max < JVM_DEFAULT_MAX_HEAP)
                        max = JVM_DEFAULT_MAX_HEAP;
                if (h->have_initial_heap && h->initial_heap_bytes > max)
                        max = h->initial_heap_bytes;
                return max;
        }
        case MG_RT_NODE:
        case MG_RT_GO:
                return h->have_max_heap ? h->max_heap_bytes : 0;
        case MG_RT_DOTNET:
                if (h->have_max_heap)
                        return h->max_heap_bytes;
                if (!limit)
                        return 0;
                if (h->have_percent)
                        return pct_of(limit, h->percent);
                {
                        uint64_t d = limit / 4 * 3;
                        return d > DOTNET_MIN_DEFAULT ? d : DOTNET_MIN_DEFAULT;
                }
        default:
                return 0;
        }
}
