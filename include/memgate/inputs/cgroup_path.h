/* SPDX-License-Identifier: Apache-2.0 */
/* cgroup paths and limits from untrusted text: /proc/<pid>/cgroup lines, linux.cgroupsPath in
 * cgroupfs or systemd notation, memory limit files. Pure; what comes out is a normalised path that
 * cannot leave its hierarchy. */
#ifndef MEMGATE_INPUTS_CGROUP_PATH_H
#define MEMGATE_INPUTS_CGROUP_PATH_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "memgate/util/error.h"

#define MG_CGROUP_DEPTH_MAX 32     /* levels from the container's cgroup to the root, inclusive */
#define MG_CGROUP_PATH_MAX 1024    /* a cgroup path relative to its hierarchy root */

/* cgroup v1 prints "no limit" as PAGE_COUNTER_MAX pages (9223372036854771712 with 4 kB pages);
 * anything from 2^62 bytes up is treated as unlimited, whatever the page size. */
#define MG_CGROUP_V1_UNLIMITED ((uint64_t)1 << 62)

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

#endif
