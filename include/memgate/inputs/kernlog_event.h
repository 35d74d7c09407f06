/* SPDX-License-Identifier: Apache-2.0 */
/* One memory event of the kernel log, as the kernlog parser assembles it from its lines: an OOM
 * kill, a page allocation failure or a commit refusal. Plain data with fixed sizes. */
#ifndef MEMGATE_INPUTS_KERNLOG_EVENT_H
#define MEMGATE_INPUTS_KERNLOG_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "memgate/inputs/kernlog_prefix.h"

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

/* Every field unknown (-1, MG_KL_U64_UNSET, ""), with the kind given. */
void mg_kl_event_reset(mg_kl_event_t *e, mg_kl_kind_t kind);
/* "oom-kill", "allocation-failure", "commit-refused" */
const char *mg_kl_kind_name(mg_kl_kind_t k);

#endif
