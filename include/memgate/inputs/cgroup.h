/* SPDX-License-Identifier: Apache-2.0 */
/* The container's memory cgroup and every ancestor up to the root, with their limits: what caps the
 * container is the smallest of them, not its own memory.limit. Found from /proc/<pid>/cgroup (hook
 * mode) or linux.cgroupsPath (check mode); read with libcgroup on the live host and directly under
 * --sysfs for fixture trees. */
#ifndef MEMGATE_INPUTS_CGROUP_H
#define MEMGATE_INPUTS_CGROUP_H

#include "memgate/inputs/cgroup_path.h"
#include "memgate/inputs/host.h"
#include "memgate/util/cleanup.h"
#include "memgate/util/error.h"

#define MG_CGROUP_MEMS_MAX 256     /* a cpuset.mems list as read */

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
        /* levels[0] is the container's own cgroup, levels[nlevels-1] the root; the entries past
         * nlevels are not initialised. */
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

/* The smallest limit that applies at levels[first] and above (0 = none) and the level that sets it
 * (NULL when none): first 0 is the container's effective limit, first 1 its ancestors' cap. */
uint64_t mg_cgroup_smallest_limit(const mg_cgroup_t *cg, size_t first, const mg_cgroup_level_t **ret_level);
/* The smallest limit that applies (0 = none) and the level that sets it (NULL when none). */
uint64_t mg_cgroup_effective_limit(const mg_cgroup_t *cg, const mg_cgroup_level_t **ret_level);
/* What caps the container: the smaller of spec_limit (linux.resources.memory.limit, 0 = none) and
 * the cgroup's effective limit. *ret_level is the ancestor level when one of them is smaller than
 * spec_limit, NULL when the spec's own limit (or nothing) decides. */
uint64_t mg_cgroup_limit_with_spec(const mg_cgroup_t *cg, uint64_t spec_limit, const mg_cgroup_level_t **ret_level);
/* The container's own limit (levels[0], when it exists and has one), 0 otherwise. */
uint64_t mg_cgroup_own_limit(const mg_cgroup_t *cg);

#endif
