/* SPDX-License-Identifier: Apache-2.0 */
/* Private to hook/workload/: the scanner behind mg_heap_detect. It walks process.args (and sh -c
 * strings in them) and the *_OPTIONS variables, recording each heap setting with the source it
 * came from; heap.c then applies each runtime's precedence. */
#ifndef MEMGATE_WORKLOAD_HEAP_SCAN_H
#define MEMGATE_WORKLOAD_HEAP_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>


#define MAX_SH_DEPTH 3
#define MAX_TOTAL_WORDS 65536u
#define MAX_TOTAL_EXPAND (1u << 20)
#define MAX_VARS 32
/* Text sizes of what the scanner records; heap.c checks they equal mg_heap_t's. */
#define SCAN_SOURCE_MAX 64
#define SCAN_OPTION_MAX 96
#define SCAN_NOTE_MAX 160

typedef struct setting {
        bool have;
        uint64_t v;
        double d;
        char option[SCAN_OPTION_MAX];
        char source[SCAN_SOURCE_MAX];
} setting_t;

typedef enum {
        J_MAX_HEAP,
        J_INITIAL,
        J_MAX_PCT,
        J_MIN_PCT,
        J_MAX_FRACTION,
        J_MAX_RAM,
        J_DIRECT,
        J_STACK,
        J_CODE,
        J_META,
        _J_MAX,
} jvm_key_t;

/* JVM sources, lowest precedence first (measured; KERNEL-NOTES). */
typedef enum { JS_TOOL, JS_JDK, JS_CMD, JS_JAVA_OPTIONS, _JS_MAX } jvm_src_t;
/* Node sources: NODE_OPTIONS is read before the command line, which wins. */
typedef enum { NS_ENV, NS_CMD, _NS_MAX } node_src_t;

/* JAVA_TOOL_OPTIONS, JDK_JAVA_OPTIONS, _JAVA_OPTIONS, NODE_OPTIONS, GOMEMLIMIT, GOGC */
#define SCAN_FIXED_NAMES 6

typedef struct var {
        char name[48];
        char *value;
        bool env; /* reaches the runtime's environment (inline assignment, export) */
        char source[SCAN_SOURCE_MAX];
} var_t;

typedef struct scan {
        char *const *env;
        size_t nenv;
        size_t *env_index;  /* hash slots: the position of the last env entry of a name, or SIZE_MAX */
        size_t nenv_index;  /* slots (a power of two, at least twice the entries) */
        bool env_indexed;   /* env_index was built (or could not be) */
        /* One pass over process.env (heap_env.c) for the names every detection looks up: the
         * last entry of each of the fixed names, and the first and last entries named DOTNET_* or
         * COMPlus_* in any case; SIZE_MAX for none. */
        bool env_prescanned;
        size_t fixed_at[SCAN_FIXED_NAMES];
        size_t dotnet_first, dotnet_last;
        var_t vars[MAX_VARS]; /* assignments found in the command line, last wins */
        size_t nvars;
        setting_t jvm[_JS_MAX][_J_MAX];
        setting_t node[_NS_MAX];
        bool saw_java, saw_node, saw_dotnet, jvm_opt, node_opt;
        char java_where[SCAN_SOURCE_MAX], node_where[SCAN_SOURCE_MAX], dotnet_where[SCAN_SOURCE_MAX];
        char jvm_note[SCAN_NOTE_MAX], node_note[SCAN_NOTE_MAX];
        size_t words_left, expand_left;
        bool oom; /* an allocation failed: the scan is incomplete */
} scan_t;


void mg_scan_set_str(char *dst, size_t n, const char *src);
/* Keeps the first malformed setting's description in dst (SCAN_NOTE_MAX). */
void mg_scan_note(char *dst, const char *opt, const char *source, const char *what);
bool mg_scan_is_blank(char c);
/* The value of the last process.env entry named name (len bytes), as runc passes it on; ci:
 * match without case (linear, for the few .NET names). Case-sensitive lookups use an index built
 * on the first one (heap_env.c); mg_heap_detect frees it. */
const char *mg_scan_env_lookup(scan_t *sc, const char *name, size_t len, bool ci);
/* The position of process.env's first entry named DOTNET_* or COMPlus_* (in any case), with an
 * '=', or SIZE_MAX. */
size_t mg_scan_env_dotnet(scan_t *sc);
/* The value the runtime sees for NAME (command-line assignments over process.env), and where it
 * came from. ci: match the name without case (the CLR's configuration names). */
const char *mg_scan_getenv(scan_t *sc, const char *name, bool ci, char *source, size_t n);
/* One simple command: words w[0..n), each with where it came from. */
void mg_scan_command(scan_t *sc, char *const *w, const char *const *src, size_t n, unsigned depth, bool from_shell);
/* An *_OPTIONS variable, split as the launchers do, into st (JVM settings or the Node setting). */
void mg_scan_option_string(scan_t *sc, const char *s, const char *source, bool jvm, setting_t *st);

#endif
