/* SPDX-License-Identifier: Apache-2.0 */
/* Internal to hook/cgroup*.c: the two ways of reaching a cgroup hierarchy. The control files
 * are read directly, under a --sysfs fixture tree and on the live host alike, so the walk and the
 * arithmetic above this interface are the same code in tests and in production; on a live host
 * whose hierarchy is not in the standard place, libcgroup finds the mount point and reads. */
#ifndef MEMGATE_CGROUP_BACKEND_H
#define MEMGATE_CGROUP_BACKEND_H

#include <stdbool.h>
#include "memgate/inputs/host.h"
#include "memgate/util/error.h"

struct mg_cg_backend;

/* One mounted hierarchy holding a controller. */
typedef struct mg_cg_hier {
        const struct mg_cg_backend *backend;
        int version;           /* 1 or 2 */
        int fd;                /* O_PATH directory fd of the hierarchy root, -1 when closed */
        bool kernel;           /* fd is on a cgroup filesystem (fstatfs), not a --sysfs tree on disk */
        char controller[16];   /* "memory", "cpuset" */
        char mount[256];       /* for messages */
} mg_cg_hier_t;

typedef struct mg_cg_backend {
        const char *name;
        /* Finds and opens the hierarchy that holds controller; -ENOENT when none does. */
        int (*open)(const mg_roots_t *roots, const char *controller, mg_cg_hier_t *ret, mg_error_t *err);
        /* Reads the first line of control file `file` of the cgroup at normalised path `path`,
         * whose directory the caller has opened (O_NOFOLLOW, component by component) as cgfd.
         * The trailing newline is dropped. -ENOENT when the file is absent. */
        int (*read)(const mg_cg_hier_t *h, const char *path, int cgfd, const char *file, char *buf, size_t n,
                    mg_error_t *err);
} mg_cg_backend_t;

extern const mg_cg_backend_t mg_cg_backend_sysfs;
extern const mg_cg_backend_t mg_cg_backend_libcgroup;
/* The real /sys: direct reads in the standard layout, libcgroup's mount discovery otherwise. */
extern const mg_cg_backend_t mg_cg_backend_live;

/* mg_cg_backend_live for the real /sys, direct reads for any other --sysfs. */
const mg_cg_backend_t *mg_cg_backend_for(const mg_roots_t *roots);
void mg_cg_hier_close(mg_cg_hier_t *h);

/* How often cgroup_init ran in this process (0 or 1): it is run lazily, only when a container's
 * cgroup is looked up on the live host. */
unsigned mg_cg_libcgroup_inits(void);

#endif
