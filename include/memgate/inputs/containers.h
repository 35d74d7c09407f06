/* SPDX-License-Identifier: Apache-2.0 */
/* Running containers near their memory limit: a walk of the memory cgroup hierarchy (v1 or v2) that
 * keeps the cgroups whose working set (usage minus inactive file pages, the figure the kubelet and
 * cAdvisor evict on) is above a share of their effective limit (the smallest of their own and their
 * ancestors'), with their OOM-kill counters. libcgroup walks the live host (--sysfs /sys); any other
 * --sysfs tree is walked directly. Which cgroups are containers the caller decides (keep). */
#ifndef MEMGATE_INPUTS_CONTAINERS_H
#define MEMGATE_INPUTS_CONTAINERS_H

#include "memgate/inputs/cgroup_path.h"
#include "memgate/inputs/host.h"
#include "memgate/util/error.h"

#define MG_CONTAINERS_KEPT_MAX 256     /* cgroups near their limit kept; more are counted */
#define MG_CONTAINERS_WALK_MAX 100000  /* cgroups walked at most */

typedef struct mg_cg_usage {
        char path[MG_CGROUP_PATH_MAX]; /* relative to the hierarchy root, "/..." */
        uint64_t usage_bytes;          /* memory.usage_in_bytes (v1), memory.current (v2) */
        uint64_t inactive_file_bytes;  /* total_inactive_file (v1), inactive_file (v2) */
        uint64_t working_set_bytes;    /* usage minus inactive file, at 0 at least */
        uint64_t limit_bytes;          /* effective: the smallest limit at this level and above */
        bool own_limit;                /* limit_bytes is this cgroup's own, not an ancestor's */
        bool have_oom_kills;           /* the kernel counts them (v1 since 4.13, v2 since 4.19) */
        uint64_t oom_kills;            /* oom_kill of memory.oom_control (v1), memory.events (v2) */
} mg_cg_usage_t;

typedef struct mg_containers {
        int version;                   /* of the memory hierarchy: 1 or 2 */
        char mount[256];
        char backend[16];              /* "libcgroup" or "sysfs" */
        unsigned share_percent;        /* the share of the limit a working set was compared with */
        size_t walked;                 /* cgroups visited */
        size_t matched;                /* kept by the caller's filter (containers, pods) */
        size_t near;                   /* of them above the share; more than nkept when cut */
        mg_cg_usage_t *kept;           /* malloc'd, nkept entries */
        size_t nkept;
        bool cut;                      /* the walk stopped at MG_CONTAINERS_WALK_MAX */
} mg_containers_t;

/* Whether a cgroup (path relative to the hierarchy root) is a container's or a pod's. */
typedef bool (*mg_containers_keep_fn)(const char *path, void *userdata);

/* Walks the memory hierarchy under roots->sysfs. share_percent 1..100. keep NULL keeps every
 * cgroup with a finite effective limit. -ENOENT when no memory hierarchy is mounted. */
int mg_containers_read(const mg_roots_t *roots, unsigned share_percent, mg_containers_keep_fn keep, void *userdata,
                       mg_containers_t *ret, mg_error_t *err);
/* Frees the kept array (the struct is the caller's) and zeroes it. */
void mg_containers_clear(mg_containers_t *c);

/* "name value" lines (memory.stat, memory.events, memory.oom_control): the value of key.
 * -ENOENT when absent, -EINVAL when malformed. */
int mg_keyed_u64(const char *text, const char *key, uint64_t *ret);

#endif
