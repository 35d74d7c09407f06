/* SPDX-License-Identifier: Apache-2.0 */
/* The kernel log parser behind `memgate explain`: lines of text in, memory events out. Pure (no
 * I/O, no allocation): the caller feeds one line at a time and receives each finished event
 * through a callback, so memory stays fixed (MG_KL_OPEN_MAX events in flight, each a fixed-size
 * struct) and time stays linear however long the input is, a 1 GB file or an endless stream.
 *
 * A line may carry any prefix before the kernel's text (a /dev/kmsg record header, syslog or
 * journalctl headers, `[12345.678901]`, `dmesg -T` dates in any locale, copy-paste line numbers):
 * the kernel's messages are recognised by their own text wherever it starts, and the prefix is
 * only read for a timestamp when it is one of the forms mg_kl_strip_prefix() knows. */
#ifndef MEMGATE_INPUTS_KERNLOG_H
#define MEMGATE_INPUTS_KERNLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define MG_KL_LINE_MAX 4096   /* longer lines are cut here by the readers and the parser */
#define MG_KL_PATH_MAX 512    /* a cgroup path kept from a line */
#define MG_KL_COMM_MAX 64     /* comm is 16 bytes in the kernel; room for what logs show */
#define MG_KL_TEXT_MAX 128    /* gfp flags, node lists, cpuset names */
#define MG_KL_ZONES_MAX 16    /* per-zone lines kept of one event */
#define MG_KL_ORDERS 11       /* MAX_ORDER 10 (x86 before 6.4: 11 lists; later kernels print 11 too) */
#define MG_KL_OPEN_MAX 4      /* events being assembled at once */
#define MG_KL_IDLE_LINES 400  /* an event without its end marker is closed after this many lines */
#define MG_KL_U64_UNSET UINT64_MAX

typedef enum mg_kl_kind {
        MG_KL_OOM = 0,       /* the OOM killer ran (invoked oom-killer ... Killed process) */
        MG_KL_ALLOC_FAIL,    /* warn_alloc: page allocation failure: order:N, mode:... */
        MG_KL_COMMIT,        /* __vm_enough_memory refused a commit (6.0 and later print it) */
} mg_kl_kind_t;

typedef enum mg_kl_constraint {
        MG_KL_CONSTRAINT_UNSEEN = 0, /* no oom-kill: line (before 4.19, or cut off) */
        MG_KL_CONSTRAINT_NONE,
        MG_KL_CONSTRAINT_CPUSET,
        MG_KL_CONSTRAINT_MEMORY_POLICY,
        MG_KL_CONSTRAINT_MEMCG,
        MG_KL_CONSTRAINT_OTHER,      /* a name this parser does not know (CONSTRAINT_BPF in 6.x) */
} mg_kl_constraint_t;

/* One `Node N ZONE free:...kB min:...kB` line, and the same zone's free-list line
 * `Node N ZONE: a*4kB (U) b*8kB ... = NkB` when it was printed. */
typedef struct mg_kl_zone {
        int node;
        char name[16];
        uint64_t free_kb, min_kb, low_kb, high_kb; /* MG_KL_U64_UNSET when not printed */
        bool have_lists;
        uint64_t blocks[MG_KL_ORDERS]; /* free blocks of each order */
        unsigned norders;               /* orders printed */
} mg_kl_zone_t;

/* Where a line's timestamp came from. */
typedef struct mg_kl_time {
        bool have_mono;     /* seconds since boot: [12345.678901] or a kmsg record's usec */
        uint64_t mono_usec;
        bool have_wall;     /* a calendar time: ISO 8601, English syslog or dmesg -T dates */
        time_t wall;        /* seconds since the epoch; see wall_utc */
        bool wall_utc;      /* the log gave an offset (ISO 8601 Z/+hh:mm); otherwise wall is the
                             * log's local clock read as if it were UTC */
} mg_kl_time_t;

typedef struct mg_kl_event {
        mg_kl_kind_t kind;
        uint64_t seq;             /* 1, 2, ... in input order of the events' first lines */
        uint64_t first_line, last_line; /* 1-based input line numbers */
        mg_kl_time_t time;        /* of the first line */
        bool start_seen;          /* the first line of the event was in the input */
        bool end_seen;            /* Killed process / no killable processes / the commit line */

        /* the allocating task and its request */
        char invoker[MG_KL_COMM_MAX];
        int64_t invoker_pid;      /* -1 unknown */
        int order;                /* -1 unknown */
        bool have_gfp;
        uint32_t gfp_mask;
        char gfp_flags[MG_KL_TEXT_MAX];
        char nodemask[MG_KL_TEXT_MAX];     /* "(null)" is kept as printed */
        char cpuset[MG_KL_PATH_MAX];
        char mems_allowed[MG_KL_TEXT_MAX];
        bool have_oom_score_adj;
        int oom_score_adj;

        /* the OOM killer's context */
        mg_kl_constraint_t constraint;
        char constraint_name[40];
        bool memcg_oom;           /* a memory cgroup's limit, by any of the lines that say so */
        bool global_oom;          /* "Out of memory:" / "limit of host" */
        char oom_memcg[MG_KL_PATH_MAX];   /* the cgroup whose limit was hit ("" unknown) */
        char task_memcg[MG_KL_PATH_MAX];  /* the victim's cgroup ("" unknown) */
        char stats_memcg[MG_KL_PATH_MAX]; /* "Memory cgroup stats for X:" */
        uint64_t usage_kb, limit_kb, failcnt;     /* "memory: usage ..." */
        uint64_t swap_usage_kb, swap_limit_kb;    /* "memory+swap:" (v1) or "swap:" (v2) */
        bool no_killable;         /* "Out of memory and no killable processes..." */

        /* the victim */
        char task[MG_KL_COMM_MAX];
        int64_t pid;              /* -1 unknown */
        int64_t uid;              /* -1 unknown */
        int64_t score;            /* "score S or sacrifice child" (before 4.19), -1 unknown */
        uint64_t total_vm_kb, anon_rss_kb, file_rss_kb, shmem_rss_kb; /* MG_KL_U64_UNSET */
        bool reaped;              /* oom_reaper: reaped process N */

        /* the page allocator's view */
        mg_kl_zone_t zones[MG_KL_ZONES_MAX];
        size_t nzones;

        /* __vm_enough_memory */
        uint64_t commit_bytes;    /* 6.8 and later print it; MG_KL_U64_UNSET before */

        unsigned lines;           /* lines attributed to this event */
} mg_kl_event_t;

typedef void (*mg_kl_emit_fn)(const mg_kl_event_t *ev, void *userdata);

typedef struct mg_kl_parser {
        mg_kl_event_t open[MG_KL_OPEN_MAX];
        bool used[MG_KL_OPEN_MAX];
        uint64_t idle[MG_KL_OPEN_MAX]; /* lines since the slot last took a line */
        uint64_t lineno;
        uint64_t nevents;
        uint64_t lines_skipped;        /* lines no event wanted */
        mg_kl_emit_fn emit;
        void *userdata;
} mg_kl_parser_t;

void mg_kl_init(mg_kl_parser_t *p, mg_kl_emit_fn emit, void *userdata);
/* One line without its newline; len bytes (no NUL needed; NUL bytes end the line). */
void mg_kl_feed(mg_kl_parser_t *p, const char *line, size_t len);
/* Same for a line whose timestamp the reader already knows (a /dev/kmsg record). */
void mg_kl_feed_timed(mg_kl_parser_t *p, const char *line, size_t len, const mg_kl_time_t *t);
/* End of input: every open event is emitted, in order. */
void mg_kl_finish(mg_kl_parser_t *p);

/* Splits a line into its prefix and the kernel's text: returns the offset of the text and fills
 * *t with what the prefix said about time (zeroed when nothing). Exposed for the tests. */
size_t mg_kl_strip_prefix(const char *line, size_t len, mg_kl_time_t *t);

const char *mg_kl_kind_name(mg_kl_kind_t k);

#endif
