/* SPDX-License-Identifier: Apache-2.0 */
/* Heap settings of language runtimes, found in process.args (also inside `sh -c` strings) and
 * process.env, and the estimate of what each runtime needs beyond its heap. Pure: no I/O. */
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

typedef struct mg_heap {
        mg_runtime_t runtime;       /* the runtime whose settings were found (first found wins order:
                                       JVM, Node, .NET, Go) */
        /* The maximum heap, when fixed by a setting. */
        bool have_max_heap;
        uint64_t max_heap_bytes;
        char source[MG_SOURCE_MAX];
        char option[MG_OPTION_MAX];  /* the winning option as written, e.g. "-Xmx800m" */
        /* A heap that is a share of the limit (JVM MaxRAMPercentage, .NET percent, defaults). */
        bool have_percent;
        double percent;              /* 0..100 */
        /* JVM extras */
        bool have_max_ram;
        uint64_t max_ram_bytes;      /* -XX:MaxRAM */
        bool have_initial_heap;
        uint64_t initial_heap_bytes; /* -Xms / -XX:InitialHeapSize */
        bool have_max_direct;
        uint64_t max_direct_bytes;   /* -XX:MaxDirectMemorySize */
        bool have_thread_stack;
        uint64_t thread_stack_bytes; /* -Xss / -XX:ThreadStackSize */
        bool have_code_cache;
        uint64_t code_cache_bytes;   /* -XX:ReservedCodeCacheSize */
        bool have_max_metaspace;
        uint64_t max_metaspace_bytes;/* -XX:MaxMetaspaceSize */
        bool jvm_detected;           /* a java launcher or JVM option was seen at all */
} mg_heap_t;

/* Scans args and env. Malformed values (e.g. "-Xmx12q") are ignored as the runtime would refuse
 * them itself, and noted in *ret_warning when given. Never fails on untrusted input. */
void mg_heap_detect(char *const *args, size_t nargs, char *const *env, size_t nenv, mg_heap_t *ret);

/* Parses a JVM size: digits with an optional k/K, m/M, g/G, t/T suffix (bytes without). */
int mg_parse_jvm_size(const char *s, uint64_t *ret);
/* Parses a Go GOMEMLIMIT value: B, KiB, MiB, GiB, TiB suffixes, or "off". */
int mg_parse_go_size(const char *s, uint64_t *ret);
/* Splits a shell command string into words the way sh would for simple commands
 * (quotes, backslashes; no expansion). Returns count, or negative errno. *ret is a NULL-terminated
 * array to free with mg_strv_free. */
int mg_shell_split(const char *s, char ***ret, size_t *ret_n);
void mg_strv_free(char **v);

/* The heap the runtime will use under a memory limit (0 = no limit), resolving percentages
 * and the runtimes' own container defaults (JVM: MaxRAMPercentage 25, .NET 75%). 0 when none. */
uint64_t mg_heap_effective(const mg_heap_t *h, uint64_t limit_bytes);

/* Off-heap estimate parameters: documented defaults, overridden by memgate.conf, then by the
 * container's io.memgate.* annotations. */
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
        uint64_t node_extra;             /* young space + V8/libuv beyond old space */
        uint64_t go_headroom_percent;    /* beyond GOMEMLIMIT */
        uint64_t dotnet_extra;           /* beyond the GC heap hard limit */
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

/* The need beyond the heap of the detected runtime, with its parts (for messages). */
void mg_offheap_estimate(const mg_heap_t *h, uint64_t heap_bytes, const mg_offheap_params_t *p,
                         mg_offheap_t *ret);

const char *mg_runtime_name(mg_runtime_t rt);

#endif
