/* SPDX-License-Identifier: Apache-2.0 */
/* process.env lookups of the heap scanner (hook/workload/heap_env.c) against the plain linear
 * search they replace: the one pass for the fixed names and the .NET entries, and the hash index
 * for the rest, must find the same entry (the last of a name, case-insensitive for the CLR's
 * names) for any environment. Also mg_heap_env_name and mg_heap_env_entry against their table. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../../hook/workload/heap_scan.h"
#include "memgate/util/strv.h"
#include "memgate/workload/heap.h"

static const char *const names[] = {
        "JAVA_TOOL_OPTIONS", "JAVA_TOOL_OPTIONSX", "JAVA_TOOL", "java_tool_options", "JDK_JAVA_OPTIONS",
        "_JAVA_OPTIONS", "_JAVA", "NODE_OPTIONS", "NODE", "GOMEMLIMIT", "GOGC", "GOG", "GOGCX", "gogc",
        "DOTNET_GCHeapHardLimit", "DOTNET_GCHeapHardLimitPercent", "dotnet_gcheaphardlimit",
        "COMPlus_GCHeapHardLimit", "COMPLUS_GCHEAPHARDLIMITPERCENT", "complus_gcheaphardlimit", "DOTNET_",
        "DOTNET", "COMPlus_", "DOTNET_GCgen0size", "COMPlus_GCgen0size", "D", "C", "X", "PATH", "",
};
#define NNAMES (sizeof(names) / sizeof(names[0]))

/* The lookup before the one pass and the index: the last entry named so wins. */
static const char *linear(char *const *env, size_t nenv, const char *name, size_t len, bool ci) {
        const char *found = NULL;
        for (size_t i = 0; env && i < nenv; i++) {
                const char *e = env[i];
                if (e && (ci ? !strncasecmp(e, name, len) : !strncmp(e, name, len)) && e[len] == '=')
                        found = e + len + 1;
        }
        return found;
}

static size_t linear_dotnet(char *const *env, size_t nenv) {
        for (size_t i = 0; env && i < nenv; i++)
                if (env[i] && (!strncasecmp(env[i], "DOTNET_", 7) || !strncasecmp(env[i], "COMPlus_", 8)) &&
                    strchr(env[i], '='))
                        return i;
        return SIZE_MAX;
}

static uint64_t rng = 88172645463325252u;
static unsigned next(unsigned n) {
        rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
        return (unsigned)(rng % n);
}

/* A random environment of n entries over the names above: with and without '=', NULLs. */
static char **random_env(size_t n) {
        char **env = calloc(n + 1, sizeof(char *));
        cr_assert(env);
        for (size_t i = 0; i < n; i++) {
                unsigned k = next(10);
                if (k == 0)
                        continue; /* NULL: defensive, the scanner skips it */
                const char *nm = names[next(NNAMES)];
                cr_assert(asprintf(&env[i], k == 1 ? "%s" : k == 2 ? "%s=" : "%s=v%zu", nm, i) >= 0);
        }
        return env;
}

static void compare(char **env, size_t nenv) {
        scan_t *sc = calloc(1, sizeof(*sc));
        cr_assert(sc);
        sc->env = env;
        sc->nenv = nenv;
        for (unsigned round = 0; round < 2; round++) /* before and after the index is built */
                for (size_t k = 0; k < NNAMES; k++)
                        for (int ci = 0; ci < 2; ci++) {
                                size_t len = strlen(names[k]);
                                const char *want = linear(env, nenv, names[k], len, ci);
                                const char *got = mg_scan_env_lookup(sc, names[k], len, ci);
                                cr_assert_eq(got, want, "%s (ci %d, %zu entries): got %s, want %s", names[k], ci,
                                             nenv, got ? got : "(none)", want ? want : "(none)");
                        }
        cr_assert_eq(mg_scan_env_dotnet(sc), linear_dotnet(env, nenv));
        free(sc->env_index);
        free(sc);
}

Test(heap_env, lookups_equal_the_linear_search) {
        static const size_t sizes[] = {0, 1, 2, 3, 7, 30, 200, 2000};
        for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
                for (unsigned rep = 0; rep < 40; rep++) {
                        char **env = random_env(sizes[s]);
                        compare(env, sizes[s]);
                        mg_strv_free_n(env, sizes[s]);
                }
        compare(NULL, 0);
}

/* A mixed-case .NET entry is found by its name in any case, and only among the .NET entries. */
Test(heap_env, dotnet_names_without_case) {
        char *env[] = {"PATH=/bin", "dotnet_GCHeapHardLimit=0x100", "X=1", "DOTNET_gcheaphardlimit=0x200", "Y=2", NULL};
        scan_t sc = {.env = env, .nenv = 5};
        cr_assert_str_eq(mg_scan_env_lookup(&sc, "DOTNET_GCHeapHardLimit", 22, true), "0x200");
        cr_assert_null(mg_scan_env_lookup(&sc, "DOTNET_GCHeapHardLimit", 22, false));
        cr_assert_null(mg_scan_env_lookup(&sc, "COMPlus_GCHeapHardLimit", 23, true));
        cr_assert_eq(mg_scan_env_dotnet(&sc), 1);
        free(sc.env_index);
}

/* The table mg_heap_env_name had before its first-byte switch. */
static bool env_name_ref(const char *name, size_t len) {
        static const char *const exact[] = {"JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS",
                                            "NODE_OPTIONS", "GOMEMLIMIT", "GOGC"};
        static const char *const prefixes[] = {"DOTNET_GC", "COMPlus_GC"};
        for (size_t i = 0; i < sizeof(exact) / sizeof(exact[0]); i++)
                if (strlen(exact[i]) == len && strncmp(name, exact[i], len) == 0)
                        return true;
        for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
                if (len >= strlen(prefixes[i]) && strncmp(name, prefixes[i], strlen(prefixes[i])) == 0)
                        return true;
        return false;
}

Test(heap_env, env_name_equals_its_table) {
        for (size_t k = 0; k < NNAMES; k++)
                for (size_t len = 0; len <= strlen(names[k]); len++) {
                        cr_assert_eq(mg_heap_env_name(names[k], len), env_name_ref(names[k], len), "%.*s",
                                     (int)len, names[k]);
                        char entry[128];
                        snprintf(entry, sizeof(entry), "%.*s=%s", (int)len, names[k], names[k]);
                        size_t l = 999;
                        bool want = env_name_ref(names[k], len);
                        cr_assert_eq(mg_heap_env_entry(entry, &l), want, "%s", entry);
                        if (want)
                                cr_assert_eq(l, len);
                }
        size_t l;
        cr_assert(!mg_heap_env_entry("JAVA_TOOL_OPTIONS", &l)); /* no '=' */
        cr_assert(!mg_heap_env_entry(NULL, &l));
        cr_assert(mg_heap_env_entry("GOGC=off=1", &l) && l == 4);
        cr_assert(mg_heap_env_entry("DOTNET_GCgen0size=1", &l) && l == 17);
}
