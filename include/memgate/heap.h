/* SPDX-License-Identifier: Apache-2.0 */
/* Heap settings of language runtimes, found in process.args (also inside `sh -c` strings) and
 * process.env, and the estimate of what each runtime needs beyond its heap. Pure: no I/O.
 *
 * Which runtime: the first detected of JVM, Node.js, .NET, Go (a JVM launched from a Node
 * script is the JVM's container; GOGC in a .NET image is noise).
 *   JVM     a `java` word in the command, any of the JVM options below, or JAVA_TOOL_OPTIONS,
 *           JDK_JAVA_OPTIONS, _JAVA_OPTIONS in the environment (the variable alone counts).
 *   Node    a `node`/`nodejs` word, --max-old-space-size anywhere, or NODE_OPTIONS.
 *   .NET    a `dotnet` word, or any DOTNET_* / COMPlus_* variable.
 *   Go      GOMEMLIMIT or GOGC.
 * The environment is process.env plus assignments found in the command line
 * (`JAVA_TOOL_OPTIONS=-Xmx1g java ...`, `env X=Y java`, `export X=Y; ...`), which replace it. */
#ifndef MEMGATE_HEAP_H
#define MEMGATE_HEAP_H

#include "memgate/util.h"

typedef enum mg_runtime {
        MG_RT_NONE = 0,
        MG_RT_JVM,
        MG_RT_NODE,
        MG_RT_GO,
        MG_RT_DOTNET,
} mg_runtime_t;

/* Where a setting came from, for messages: "process.args", "env JAVA_TOOL_OPTIONS", ... */
#define MG_SOURCE_MAX 64
#define MG_OPTION_MAX 96
#define MG_NOTE_MAX 160

typedef struct mg_heap {
        mg_runtime_t runtime;       /* the runtime whose settings were found (first found wins order:
                                       JVM, Node, .NET, Go) */
        /* The maximum heap, when fixed by a setting: JVM -Xmx/-XX:MaxHeapSize, Node
         * --max-old-space-size (old space only: the young space is in the off-heap estimate),
         * Go GOMEMLIMIT, .NET GCHeapHardLimit. */
        bool have_max_heap;
        uint64_t max_heap_bytes;
        /* source/option describe the winning heap setting: the max heap, else the percent, else
         * (option empty) what made memgate see the runtime, e.g. "java in process.args". */
        char source[MG_SOURCE_MAX];
        char option[MG_OPTION_MAX];  /* the winning option as written, e.g. "-Xmx800m" */
        /* A heap that is a share of the limit (JVM MaxRAMPercentage, or 100/MaxRAMFraction;
         * .NET GCHeapHardLimitPercent). The runtimes' defaults are not stored here: see
         * mg_heap_effective. */
        bool have_percent;
        double percent;              /* 0..100 */
        /* JVM extras */
        bool have_min_percent;
        double min_percent;          /* -XX:MinRAMPercentage: used when the memory is small */
        bool have_max_ram;
        uint64_t max_ram_bytes;      /* -XX:MaxRAM */
        bool have_initial_heap;
        uint64_t initial_heap_bytes; /* -Xms / -XX:InitialHeapSize */
        bool have_max_direct;
        uint64_t max_direct_bytes;   /* -XX:MaxDirectMemorySize */
        bool have_thread_stack;
        uint64_t thread_stack_bytes; /* -Xss / -XX:ThreadStackSize (given in KiB) */
        bool have_code_cache;
        uint64_t code_cache_bytes;   /* -XX:ReservedCodeCacheSize */
        bool have_max_metaspace;
        uint64_t max_metaspace_bytes;/* -XX:MaxMetaspaceSize */
        bool jvm_detected;           /* a java launcher or JVM option was seen at all */
        /* The first malformed setting of the chosen runtime, e.g. "-Xmx12q in process.args is not a
         * valid size (the JVM refuses to start)"; empty when none. */
        char note[MG_NOTE_MAX];
} mg_heap_t;

/* Scans args and env ("NAME=value"; the last of a name wins). Malformed values (e.g. "-Xmx12q")
 * are ignored, as the runtime would refuse them itself, and described in ret->note. Never fails
 * on untrusted input: the work is bounded (MG_SHELL_MAX_WORDS words per string, sh -c nested at
 * most 3 deep, 64 Ki words and 1 MiB of variable expansion in all). NULL args/env are empty. */
void mg_heap_detect(char *const *args, size_t nargs, char *const *env, size_t nenv, mg_heap_t *ret);

/* Parses a JVM size: digits with an optional k/K, m/M, g/G, t/T suffix (bytes without).
 * -EINVAL for junk (empty, sign, "12q", "1.5g"), -ERANGE on overflow; *ret untouched then. */
int mg_parse_jvm_size(const char *s, uint64_t *ret);
/* Parses a Go GOMEMLIMIT value as the Go runtime does: digits with an optional B, KiB, MiB, GiB,
 * TiB suffix (case-sensitive), at most INT64_MAX bytes; "off" gives UINT64_MAX (no limit). */
int mg_parse_go_size(const char *s, uint64_t *ret);
/* Parses a .NET configuration value from the environment: hexadecimal, with or without 0x. */
int mg_parse_dotnet_hex(const char *s, uint64_t *ret);

/* Splits a shell command string into words the way sh would for a list of simple commands:
 * blanks, '...', "..." (with \\ \" \$ \` escapes), backslashes, line continuations, # comments;
 * unquoted control operators (; & | && || ;; ( ) and newline as ;) come out as words of their
 * own. $(...), `...` and ${...} are kept as written; nothing is expanded. Returns the count, or
 * -EINVAL for an unterminated quote, -E2BIG above MG_SHELL_MAX_WORDS words, -ENOMEM. *ret is a
 * NULL-terminated array to free with mg_strv_free. */
#define MG_SHELL_MAX_WORDS 4096
int mg_shell_split(const char *s, char ***ret, size_t *ret_n);
void mg_strv_free(char **v);

/* The extended splitter behind mg_shell_split. lookup, when set, expands $NAME, ${NAME},
 * ${NAME-word} and ${NAME:-word} outside single quotes (unquoted results are split on blanks
 * as sh does); lookup returns NULL for an unset name. ret_ops (optional) marks the words that
 * are unquoted control operators. lenient: an unterminated quote ends the string and words
 * past max_words are dropped, instead of failing. */
typedef const char *(*mg_shell_lookup_t)(void *userdata, const char *name, size_t len);
typedef struct mg_shell_opts {
        size_t max_words;           /* 0: MG_SHELL_MAX_WORDS */
        size_t max_expand;          /* bytes of expansion in all; 0: 1 MiB */
        bool lenient;
        mg_shell_lookup_t lookup;
        void *userdata;
        size_t *ret_expanded;       /* optional: bytes expanded, for a caller's own budget */
        /* Stop after the first control operator and store in *ret_consumed where the rest of s
         * begins: a caller that expands command by command sees earlier assignments. */
        bool one_command;
        size_t *ret_consumed;
} mg_shell_opts_t;
int mg_shell_split_ex(const char *s, const mg_shell_opts_t *o, char ***ret, bool **ret_ops, size_t *ret_n);

/* The heap the runtime will use under a memory limit (0 = no limit), resolving percentages
 * and the runtimes' own container defaults. 0 when unknown.
 *   JVM: -Xmx when set; else JDK 17's Arguments::set_heap_size on phys = -XX:MaxRAM when set
 *        (it replaces the container limit, as in the JDK), else the limit:
 *        MaxRAMPercentage (25) of phys, but MinRAMPercentage (50) when that is below the default
 *        MaxHeapSize (96 MiB scaled for 64 bit = 124.8 MiB), and at least -Xms.
 *   Node: --max-old-space-size (old space). Go: GOMEMLIMIT.
 *   .NET: GCHeapHardLimit; else GCHeapHardLimitPercent of the limit; else max(20 MiB, 75% of
 *        the limit) (the GC's container default). */
uint64_t mg_heap_effective(const mg_heap_t *h, uint64_t limit_bytes);

/* Off-heap estimate parameters: documented defaults (offheap.c), overridden by memgate.conf,
 * then by the container's io.memgate.* annotations. */
typedef struct mg_offheap_params {
        uint64_t jvm_classes;            /* loaded classes */
        uint64_t jvm_threads;            /* live threads */
        uint64_t jvm_metaspace_base;     /* bytes */
        uint64_t jvm_bytes_per_class;    /* bytes of metaspace per loaded class */
        uint64_t jvm_code_cache;         /* bytes of JIT code actually used */
        uint64_t jvm_thread_stack;       /* bytes per thread when -Xss absent */
        uint64_t jvm_gc_percent;         /* GC structures, percent of max heap */
        uint64_t jvm_direct;             /* direct buffers in use when not capped */
        uint64_t jvm_other;              /* malloc arenas, CDS, symbols, JVM itself */
        uint64_t node_extra;             /* V8 code/map space, libuv, Buffers, the binary */
        uint64_t go_headroom_percent;    /* beyond GOMEMLIMIT */
        uint64_t dotnet_extra;           /* beyond the GC heap hard limit */
        uint64_t node_young;             /* young generation, beyond --max-old-space-size */
        uint64_t go_fixed;               /* Go runtime beyond GOMEMLIMIT's reach (binary, cgo) */
} mg_offheap_params_t;

void mg_offheap_defaults(mg_offheap_params_t *p);

#define MG_OFFHEAP_PARTS 8
typedef struct mg_offheap {
        uint64_t total_bytes;
        size_t nparts;
        struct {
                char name[24];
                uint64_t bytes;
        } parts[MG_OFFHEAP_PARTS];
} mg_offheap_t;

/* The need beyond the heap of the detected runtime, with its parts (for messages; part names
 * are letters and blanks only, fit for evidence keys). heap_bytes is the effective heap
 * (GC structures scale with it). MG_RT_NONE gives 0 and no parts. */
void mg_offheap_estimate(const mg_heap_t *h, uint64_t heap_bytes, const mg_offheap_params_t *p,
                         mg_offheap_t *ret);

const char *mg_runtime_name(mg_runtime_t rt);

#endif
