/* SPDX-License-Identifier: Apache-2.0 */
/* Heap settings of language runtimes, found in process.args (also inside `sh -c` strings) and
 * process.env. Pure: no I/O.
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
#ifndef MEMGATE_WORKLOAD_HEAP_H
#define MEMGATE_WORKLOAD_HEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
 * are ignored, as the runtime would refuse them itself, and described in ret->note. The work is
 * bounded whatever the input (MG_SHELL_MAX_WORDS words per string, sh -c nested at most 3 deep,
 * 64 Ki words and 1 MiB of variable expansion in all). NULL args/env are empty. Returns 0, or
 * -ENOMEM when memory ran out (*ret is then not to be trusted: never read it as "no runtime"). */
int mg_heap_detect(char *const *args, size_t nargs, char *const *env, size_t nenv, mg_heap_t *ret);

/* Whether an environment variable NAME (len bytes) sizes a runtime's heap: the *_OPTIONS
 * variables of the JVM and Node, GOMEMLIMIT, GOGC, DOTNET_GC* and COMPlus_GC*. The report copies
 * only these from an environment (the rest often carries credentials). */
bool mg_heap_env_name(const char *name, size_t len);
/* Whether an environment entry "NAME=value" has such a name (it has an '=' and
 * mg_heap_env_name(NAME)); *ret_name_len is then NAME's length. NULL is no entry. */
bool mg_heap_env_entry(const char *entry, size_t *ret_name_len);

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

const char *mg_runtime_name(mg_runtime_t rt);

#endif
