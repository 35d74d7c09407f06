/* SPDX-License-Identifier: Apache-2.0 */
/* memgate.conf: the site's settings and their defaults. `key = value` lines; unknown keys and
 * malformed lines are errors with file:line. The settings types (policy, the overcommit heuristic,
 * the off-heap parameters) are defined here; the models and checks read them. */
#ifndef MEMGATE_INPUTS_CONF_H
#define MEMGATE_INPUTS_CONF_H

#include <stdbool.h>
#include <stdint.h>

#include "memgate/inputs/engine_detect.h"
#include "memgate/util/error.h"

#define MG_DEFAULT_CONF "/etc/memgate/memgate.conf"

/* Which overcommit heuristic the kernel applies in mode 0. */
typedef enum mg_heuristic {
        MG_HEUR_AUTO = 0,   /* from the kernel version */
        MG_HEUR_LEGACY,     /* before 5.2: free pages minus totalreserve */
        MG_HEUR_MODERN,     /* 5.2 and later: only a request above RAM + swap fails */
} mg_heuristic_t;

/* Off-heap estimate parameters: documented defaults (conf.c), overridden by memgate.conf, then by
 * the container's io.memgate.* annotations. */
/* runtime_reserve's default: what runc 1.1.5 (Go 1.19) had committed by the time the hook ran,
 * 200-217 MiB in the kernel lab, with starts failing up to 260 MiB of headroom and running from
 * 280 (tests/kernellab/README.md); 232 MiB with the user reserve's 43 on top. */
#define MG_RUNTIME_RESERVE_DEFAULT_KB ((uint64_t)232 * 1024)

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

typedef enum mg_policy {
        MG_POLICY_ENFORCE = 0,
        MG_POLICY_WARN,
} mg_policy_t;

/* What memgate-runtime does before exec and the other runc commands when the host cannot run
 * runc now (the cheap budget check). */
typedef enum mg_exec_check {
        MG_EXEC_CHECK_WARN = 0, /* say why, then run runc anyway */
        MG_EXEC_CHECK_REFUSE,   /* exec only: say why and exit 1 without running runc */
        MG_EXEC_CHECK_OFF,      /* do not look */
} mg_exec_check_t;

/* engine_commit = auto */
#define MG_ENGINE_COMMIT_AUTO UINT64_MAX

typedef struct mg_conf {
        mg_policy_t policy;
        bool allow_opt_out;            /* containers may set io.memgate.policy=off */
        bool fail_closed;              /* hook: internal failure refuses */
        mg_heuristic_t heuristic;      /* overcommit heuristic override */
        uint64_t runtime_reserve_kb;   /* what the container runtime commits at start (runc) */
        uint64_t go_start_kb;          /* a Go program's start-up commit */
        uint64_t jvm_start_extra_kb;   /* a JVM's start-up commit beyond its initial heap */
        uint64_t runtime_floor_kb;     /* the smallest memory limit the runtime's own init starts in;
                                          0 = no floor */
        uint64_t watermark_warn_percent; /* totalreserve above this % of MemTotal is outsized */
        mg_offheap_params_t offheap;
        bool write_report;             /* hook: write <bundle>/memgate.json */
        bool fsync;                    /* fsync memgate.json and the annotated config.json (durability) */
        bool syslog;                   /* hook: log findings to syslog */
        bool engine_auto;              /* engine = auto: found from the caller's parents */
        mg_cengine_t engine;           /* the container engine when !engine_auto */
        uint64_t engine_commit_kb;     /* kept committed per running container; MG_ENGINE_COMMIT_AUTO */
        uint64_t commit_min_starts;    /* mode 2: warn when fewer further starts fit */
        mg_exec_check_t exec_check;    /* memgate-runtime before exec and other runc commands */
        uint64_t deadline_ms;          /* the whole run, stdin to the last write; then fail open/closed */
} mg_conf_t;

/* `deadline`: far above a run's cost (README: 3.6 ms on a quiet host, 20-55 ms on a loaded one),
 * and it must stay below the hook's `timeout` (whole seconds in the OCI spec) where one is set:
 * a site with a 1 s hook timeout sets a shorter deadline. */
#define MG_DEADLINE_DEFAULT_MS 2000u
#define MG_DEADLINE_MIN_MS 10u
#define MG_DEADLINE_MAX_MS 300000u

/* Names as memgate.conf and the command line write them ("enforce", "warn"; "auto", "legacy",
 * "modern"); the parsers return -EINVAL for anything else. */
const char *mg_policy_name(mg_policy_t p);
int mg_policy_from_name(const char *s, mg_policy_t *ret);
const char *mg_heuristic_name(mg_heuristic_t h);
int mg_heuristic_from_name(const char *s, mg_heuristic_t *ret);
/* "warn", "refuse", "off". */
const char *mg_exec_check_name(mg_exec_check_t e);
int mg_exec_check_from_name(const char *s, mg_exec_check_t *ret);

void mg_conf_defaults(mg_conf_t *c);
/* The off-heap estimate's documented defaults (see conf.c for where each figure comes from). */
void mg_offheap_defaults(mg_offheap_params_t *p);
/* A duration as memgate.conf writes it: "2s", "500ms", or a bare number of seconds; -EINVAL or
 * -ERANGE. */
int mg_parse_duration_ms(const char *v, uint64_t *ret);
/* Parses text; name is used in messages ("memgate.conf:12: unknown key \"foo\""). */
int mg_conf_parse(const char *text, const char *name, mg_conf_t *c, mg_error_t *err);
/* Loads a file; when !must_exist a missing file leaves the defaults. */
int mg_conf_load(const char *path, bool must_exist, mg_conf_t *c, mg_error_t *err);

#endif
