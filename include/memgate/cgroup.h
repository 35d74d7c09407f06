/* SPDX-License-Identifier: Apache-2.0 */
/* The container's memory cgroup and every ancestor up to the root, with their limits: what caps the
 * container is the smallest of them, not its own memory.limit. Found from /proc/<pid>/cgroup (hook
 * mode) or linux.cgroupsPath (check mode); read with libcgroup on the live host and directly under
 * --sysfs for fixture trees. The NUMA, fragmentation and slab picture checks are here too. */
#ifndef MEMGATE_CGROUP_H
#define MEMGATE_CGROUP_H

#include <string.h>

#include "memgate/checks.h"
#include "memgate/host.h"
#include "memgate/util.h"

#define MG_CGROUP_DEPTH_MAX 32     /* levels from the container's cgroup to the root, inclusive */
#define MG_CGROUP_PATH_MAX 1024    /* a cgroup path relative to its hierarchy root */
#define MG_CGROUP_MEMS_MAX 256     /* a cpuset.mems list as read */

/* cgroup v1 prints "no limit" as PAGE_COUNTER_MAX pages (9223372036854771712 with 4 kB pages);
 * anything from 2^62 bytes up is treated as unlimited, whatever the page size. */
#define MG_CGROUP_V1_UNLIMITED ((uint64_t)1 << 62)

/* One cgroup on the way from the container's to the root. path is relative to the hierarchy root
 * ("/" for the root itself). */
typedef struct mg_cgroup_level {
        char path[MG_CGROUP_PATH_MAX];
        bool exists;           /* the directory is there (check mode: the container's may not be yet) */
        bool have_limit;       /* a finite limit is set */
        uint64_t limit_bytes;
        bool applies;          /* its limit covers the container: false above a v1 ancestor whose
                                  memory.use_hierarchy is 0 (kernels before 5.11) */
} mg_cgroup_level_t;

typedef struct mg_cgroup {
        int version;                     /* of the memory hierarchy: 1 or 2 */
        char mount[256];                 /* where that hierarchy is mounted, for messages */
        char backend[16];                /* "libcgroup" (live host) or "sysfs" (--sysfs tree) */
        /* levels[0] is the container's own cgroup, levels[nlevels-1] the root. */
        mg_cgroup_level_t levels[MG_CGROUP_DEPTH_MAX];
        size_t nlevels;
        /* The NUMA nodes the cgroup may allocate from: cpuset.mems.effective (v2) or
         * cpuset.effective_mems (v1) of the container's cpuset cgroup, or of its nearest existing
         * ancestor, which a new child inherits. */
        bool have_mems;
        char mems[MG_CGROUP_MEMS_MAX];
        char mems_path[MG_CGROUP_PATH_MAX]; /* the cgroup they were read from */
        bool relative_spec;              /* cgroupsPath was relative: taken from the hierarchy root */
} mg_cgroup_t;

/* Hook mode: the memory cgroup of a live process, from <procfs>/<pid>/cgroup. */
int mg_cgroup_from_pid(const mg_roots_t *roots, int64_t pid, mg_cgroup_t **ret, mg_error_t *err);
/* Check mode: from linux.cgroupsPath, cgroupfs ("/machine/foo") or systemd ("slice:prefix:name")
 * notation. A cgroup that does not exist yet is fine: its existing ancestors are read. */
int mg_cgroup_from_path(const mg_roots_t *roots, const char *cgroups_path, mg_cgroup_t **ret, mg_error_t *err);
void mg_cgroup_free(mg_cgroup_t *cg);
DEFINE_CLEANUP_FUNC(mg_cgroup_t *, mg_cgroup_free)
#define _cleanup_cgroup_ _cleanup_(mg_cgroup_freep)

/* The smallest limit that applies (0 = none) and the level that sets it (NULL when none). */
uint64_t mg_cgroup_effective_limit(const mg_cgroup_t *cg, const mg_cgroup_level_t **ret_level);
/* What caps the container: the smaller of spec_limit (linux.resources.memory.limit, 0 = none) and
 * the cgroup's effective limit. *ret_level is the ancestor level when one of them is smaller than
 * spec_limit, NULL when the spec's own limit (or nothing) decides. */
uint64_t mg_cgroup_limit_with_spec(const mg_cgroup_t *cg, uint64_t spec_limit, const mg_cgroup_level_t **ret_level);
/* The container's own limit (levels[0], when it exists and has one), 0 otherwise. */
uint64_t mg_cgroup_own_limit(const mg_cgroup_t *cg);

/* --- pure parsers, exposed for tests and fuzzing --- */

/* Walks a '/'-separated path one name at a time, repeated slashes skipped: sets the name and its
 * length and moves *p past it; false at the end. */
static inline bool mg_path_next(const char **p, const char **ret_name, size_t *ret_len) {
        while (**p == '/')
                (*p)++;
        if (!**p)
                return false;
        size_t n = strcspn(*p, "/");
        *ret_name = *p;
        *ret_len = n;
        *p += n;
        return true;
}

/* The path of one hierarchy in /proc/<pid>/cgroup text: the v1 line whose controller list holds
 * exactly `controller`, or the v2 line "0::/path" when controller is NULL. -ENOENT when absent. */
int mg_parse_proc_cgroup(const char *text, const char *controller, char **ret_path, mg_error_t *err);
/* linux.cgroupsPath to a path relative to the hierarchy root ("/system.slice/libpod-abc.scope").
 * *ret_relative is set when a cgroupfs path did not start with '/'. */
int mg_cgroup_spec_to_path(const char *spec, char **ret_path, bool *ret_relative, mg_error_t *err);
/* systemd slice expansion: "a-b.slice" -> "/a.slice/a-b.slice", "-.slice" -> "/". */
int mg_systemd_expand_slice(const char *slice, char **ret_path, mg_error_t *err);
/* Validates and normalises a cgroup path: '/'-separated names, no "." or "..", no control
 * characters, each name < 256 bytes, depth < MG_CGROUP_DEPTH_MAX; repeated and trailing
 * slashes are dropped. Returns "/..." (or "/"). */
int mg_cgroup_path_normalize(const char *path, char **ret_path, mg_error_t *err);
/* v1 memory.limit_in_bytes or v2 memory.max text: *ret_have is false for unlimited. */
int mg_cgroup_parse_limit(const char *text, int version, bool *ret_have, uint64_t *ret_bytes);

/* NUMA node lists ("0-1,3"), as in cpuset.mems and linux.resources.cpu.mems. */
#define MG_NODEMASK_BITS 1024 /* the kernel's MAX_NUMNODES ceiling (NODES_SHIFT 10) */
typedef struct mg_nodemask {
        uint64_t bits[MG_NODEMASK_BITS / 64];
} mg_nodemask_t;
/* Strict: decimal ids and ranges a-b with a <= b, comma-separated, optional surrounding
 * whitespace/newline; an empty list is an empty mask. -EINVAL on anything else, -ERANGE for
 * ids >= MG_NODEMASK_BITS. */
int mg_parse_node_list(const char *s, mg_nodemask_t *ret);
bool mg_nodemask_test(const mg_nodemask_t *m, int node);
size_t mg_nodemask_count(const mg_nodemask_t *m);

/* --- the picture checks (hook/picture.c), pure --- */

/* parent-limit, numa-node-low, fragmentation, slab-unreclaimable. Host mode (no container):
 * the last three only. Called from mg_evaluate. */
void mg_check_picture(const mg_input_t *in, mg_report_t *r);

/* Thresholds, for the README and tests. */
#define MG_NUMA_LOW_PERCENT 5               /* a node is low under 5% of its memory ... */
#define MG_NUMA_LOW_FLOOR ((uint64_t)256 * 1024) /* ... or under 256 MiB (kB) */
#define MG_FRAG_MIN_ORDER 3                 /* PAGE_ALLOC_COSTLY_ORDER */
#define MG_SLAB_PERCENT 10                  /* SUnreclaim above 10% of MemTotal */

/* What a node can give without swapping, kB: MemFree plus half its file pages and reclaimable
 * slab (the halving mirrors MemAvailable's caution about what reclaim can get back). */
uint64_t mg_node_available_kb(const mg_node_t *n);

/* `memgate host` text: a per-node table (total, free, free %, highest free order per zone). */
void mg_picture_text(const mg_host_t *h, mg_buf_t *out);

#endif
