/* SPDX-License-Identifier: Apache-2.0 */
/* The container's memory cgroup and its ancestors: find the hierarchy, walk the path from the root
 * with O_NOFOLLOW one name at a time, read each level's limit, and find the smallest that applies.
 * The backend (libcgroup on the live host, plain files under --sysfs) only finds and reads. */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>

#include "memgate/inputs/cgroup.h"

#include "cgroup_backend.h"
#include "memgate/inputs/nodemask.h"
#include "memgate/util/number.h"
#include "memgate/util/read.h"
#include "memgate/util/step.h"
#include "memgate/util/text.h"

void mg_cgroup_free(mg_cgroup_t *cg) {
        free(cg);
}

static void hier_closep(mg_cg_hier_t *h) {
        mg_cg_hier_close(h);
}

/* Opens the directories of path's prefixes, root first: fds[0] is the root, fds[i] the i-th name.
 * Returns how many exist (at least 1: the root); the deepest missing one ends the walk. A name that
 * is a symlink or not a directory is an error, never followed. */
static int open_prefixes(const mg_cg_hier_t *h, const char *path, int *fds, size_t max, size_t *ret_total,
                         mg_error_t *err) {
        size_t total = 1, opened;
        const char *p;

        fds[0] = openat(h->fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fds[0] < 0)
                return mg_error_set(err, -errno, "%s: %s", h->mount, strerror(errno));
        opened = 1;

        const char *nm;
        size_t n;
        for (p = path; mg_path_next(&p, &nm, &n);) {
                char name[256];

                if (total >= max || n >= sizeof(name))
                        return mg_error_set(err, -E2BIG, "cgroup path \"%.80s\" too deep or long", path);
                memcpy(name, nm, n);
                name[n] = '\0';
                if (opened == total) {
                        int fd = openat(fds[opened - 1], name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        if (fd >= 0)
                                fds[opened++] = fd;
                        else if (errno != ENOENT)
                                return mg_error_set(err, -errno, "%s%.*s: %s", h->mount, (int)(p - path), path,
                                                    errno == ENOTDIR ? "not a cgroup directory (or a symlink)"
                                                                     : strerror(errno));
                }
                total++;
        }
        *ret_total = total;
        return (int)opened;
}

static void close_fds(int *fds, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (fds[i] >= 0)
                        close(fds[i]);
}

/* path's prefix with `names` names ("/" for 0). */
static void prefix_of(const char *path, size_t names, char *out, size_t n) {
        const char *p = path;
        size_t seen = 0;

        while (*p && seen < names) {
                p++; /* the '/' */
                p = strchrnul(p, '/');
                seen++;
        }
        if (p == path)
                snprintf(out, n, "/");
        else
                snprintf(out, n, "%.*s", (int)(p - path), path);
}

/* Reads the memory limits along path into cg->levels. */
static int walk_memory(const mg_cg_hier_t *h, const char *path, mg_cgroup_t *cg, mg_error_t *err) {
        int fds[MG_CGROUP_DEPTH_MAX];
        size_t total = 0, opened;
        bool charged_above = true;
        int r;

        for (size_t i = 0; i < ELEMENTSOF(fds); i++)
                fds[i] = -1;
        r = open_prefixes(h, path, fds, ELEMENTSOF(fds), &total, err);
        if (r < 0) {
                close_fds(fds, ELEMENTSOF(fds));
                return r;
        }
        opened = (size_t)r;

        cg->nlevels = total;
        /* levels[0] is the deepest (the container), levels[total-1] the root. */
        for (size_t depth = 0; depth < total; depth++) {
                mg_cgroup_level_t *l = &cg->levels[total - 1 - depth];
                char buf[128];

                prefix_of(path, depth, l->path, sizeof(l->path));
                l->exists = depth < opened;
                l->have_limit = l->applies = false;
                l->limit_bytes = 0;
                if (!l->exists)
                        continue;
                r = h->backend->read(h, l->path, fds[depth], h->version == 1 ? "memory.limit_in_bytes" : "memory.max",
                                     buf, sizeof(buf), err);
                if (r == -ENOENT) {
                        /* The root has no memory.max (v2), nor has a v2 child whose parent does not
                         * enable the memory controller: no limit at that level. */
                        continue;
                }
                if (r < 0) {
                        close_fds(fds, ELEMENTSOF(fds));
                        return r;
                }
                r = mg_cgroup_parse_limit(buf, h->version, &l->have_limit, &l->limit_bytes);
                if (r < 0) {
                        close_fds(fds, ELEMENTSOF(fds));
                        return mg_error_set(err, r, "%s%s: malformed memory limit \"%.40s\"", h->mount,
                                            strcmp(l->path, "/") == 0 ? "" : l->path, buf);
                }
        }

        /* Which limits cover the container. v1 before 5.11: a cgroup whose memory.use_hierarchy is 0
         * does not charge its children's memory to itself, so neither it nor anything above it caps
         * the container. Walk up from the container's level. */
        for (size_t k = 0; k < total; k++) {
                mg_cgroup_level_t *l = &cg->levels[k];
                size_t depth = total - 1 - k;

                if (k > 0 && h->version == 1 && l->exists && charged_above) {
                        char buf[32];
                        uint64_t v;
                        if (h->backend->read(h, l->path, fds[depth], "memory.use_hierarchy", buf, sizeof(buf), NULL) >= 0 &&
                            mg_parse_u64(buf, &v) >= 0 && v == 0)
                                charged_above = false;
                }
                l->applies = charged_above;
        }
        close_fds(fds, ELEMENTSOF(fds));
        return 0;
}

/* The NUMA nodes path may allocate from: the effective list of the deepest existing cgroup on it
 * that has one (a new cgroup inherits its parent's). Failure leaves have_mems false. */
static void read_mems(const mg_cg_hier_t *h, const char *path, mg_cgroup_t *cg) {
        int fds[MG_CGROUP_DEPTH_MAX];
        size_t total = 0;
        int r;

        for (size_t i = 0; i < ELEMENTSOF(fds); i++)
                fds[i] = -1;
        r = open_prefixes(h, path, fds, ELEMENTSOF(fds), &total, NULL);
        for (int depth = r - 1; depth >= 0; depth--) {
                const char *files[] = { h->version == 2 ? "cpuset.mems.effective" : "cpuset.effective_mems",
                                        "cpuset.mems" };
                char p[MG_CGROUP_PATH_MAX];

                prefix_of(path, (size_t)depth, p, sizeof(p));
                for (size_t f = 0; f < ELEMENTSOF(files); f++) {
                        mg_nodemask_t m;
                        if (h->backend->read(h, p, fds[depth], files[f], cg->mems, sizeof(cg->mems), NULL) < 0)
                                continue;
                        /* An empty cpuset.mems (v2 without its own setting) means "inherited". */
                        if (!cg->mems[0] || mg_parse_node_list(cg->mems, &m) < 0)
                                continue;
                        cg->have_mems = true;
                        snprintf(cg->mems_path, sizeof(cg->mems_path), "%s", p);
                        close_fds(fds, ELEMENTSOF(fds));
                        return;
                }
        }
        cg->mems[0] = '\0';
        close_fds(fds, ELEMENTSOF(fds));
}

static mg_cgroup_t *cgroup_new(const mg_cg_hier_t *h) {
        /* Everything but the 33 KB levels table is cleared: walk_memory sets every field of each
         * level it fills, and nothing reads past nlevels. calloc cleared it all on every start. */
        mg_cgroup_t *cg = malloc(sizeof(*cg));
        if (!cg)
                return NULL;
        memset(cg, 0, offsetof(mg_cgroup_t, levels));
        memset(&cg->nlevels, 0, sizeof(*cg) - offsetof(mg_cgroup_t, nlevels));
        cg->version = h->version;
        snprintf(cg->mount, sizeof(cg->mount), "%s", h->mount);
        snprintf(cg->backend, sizeof(cg->backend), "%s", h->backend->name);
        return cg;
}

int mg_cgroup_from_pid(const mg_roots_t *roots, int64_t pid, mg_cgroup_t **ret, mg_error_t *err) {
        const mg_cg_backend_t *be = mg_cg_backend_for(roots);
        _cleanup_(hier_closep) mg_cg_hier_t mem = { .fd = -1 }, cpuset = { .fd = -1 };
        _cleanup_free_ char *file = NULL, *text = NULL, *mem_path = NULL, *cpuset_path = NULL;
        _cleanup_cgroup_ mg_cgroup_t *cg = NULL;
        size_t len;
        int r;

        if (pid <= 0 || pid > INT32_MAX)
                return mg_error_set(err, -EINVAL, "invalid pid %" PRId64, pid);
        if (asprintf(&file, "%s/%" PRId64 "/cgroup", roots && roots->procfs ? roots->procfs : "/proc", pid) < 0) {
                file = NULL;
                return mg_error_set(err, -ENOMEM, "out of memory");
        }
        mg_step("reading %s", file);
        r = mg_read_file_at(AT_FDCWD, file, MG_CAP_PROC, true, &text, &len, err);
        if (r < 0)
                return r;

        r = be->open(roots, "memory", &mem, err);
        if (r < 0)
                return r;
        r = mg_parse_proc_cgroup(text, mem.version == 1 ? "memory" : NULL, &mem_path, err);
        if (r < 0) {
                mg_error_prefix(err, "%s", file);
                return r;
        }
        cg = cgroup_new(&mem);
        if (!cg)
                return mg_error_set(err, -ENOMEM, "out of memory");
        r = walk_memory(&mem, mem_path, cg, err);
        if (r < 0)
                return r;

        if (be->open(roots, "cpuset", &cpuset, NULL) >= 0 &&
            mg_parse_proc_cgroup(text, cpuset.version == 1 ? "cpuset" : NULL, &cpuset_path, NULL) >= 0)
                read_mems(&cpuset, cpuset_path, cg);

        *ret = TAKE_PTR(cg);
        return 0;
}

int mg_cgroup_from_path(const mg_roots_t *roots, const char *cgroups_path, mg_cgroup_t **ret, mg_error_t *err) {
        const mg_cg_backend_t *be = mg_cg_backend_for(roots);
        _cleanup_(hier_closep) mg_cg_hier_t mem = { .fd = -1 }, cpuset = { .fd = -1 };
        _cleanup_free_ char *path = NULL;
        _cleanup_cgroup_ mg_cgroup_t *cg = NULL;
        bool relative = false;
        int r;

        /* Validate the untrusted path before anything touches the host. */
        r = mg_cgroup_spec_to_path(cgroups_path, &path, &relative, err);
        if (r < 0)
                return r;
        r = be->open(roots, "memory", &mem, err);
        if (r < 0)
                return r;
        cg = cgroup_new(&mem);
        if (!cg)
                return mg_error_set(err, -ENOMEM, "out of memory");
        cg->relative_spec = relative;
        r = walk_memory(&mem, path, cg, err);
        if (r < 0)
                return r;
        if (be->open(roots, "cpuset", &cpuset, NULL) >= 0)
                read_mems(&cpuset, path, cg);

        *ret = TAKE_PTR(cg);
        return 0;
}

uint64_t mg_cgroup_smallest_limit(const mg_cgroup_t *cg, size_t first, const mg_cgroup_level_t **ret_level) {
        const mg_cgroup_level_t *best = NULL;

        if (cg)
                for (size_t i = first; i < cg->nlevels && i < MG_CGROUP_DEPTH_MAX; i++) {
                        const mg_cgroup_level_t *l = &cg->levels[i];
                        if (l->exists && l->applies && l->have_limit && (!best || l->limit_bytes < best->limit_bytes))
                                best = l;
                }
        if (ret_level)
                *ret_level = best;
        return best ? best->limit_bytes : 0;
}

uint64_t mg_cgroup_effective_limit(const mg_cgroup_t *cg, const mg_cgroup_level_t **ret_level) {
        return mg_cgroup_smallest_limit(cg, 0, ret_level);
}

uint64_t mg_cgroup_own_limit(const mg_cgroup_t *cg) {
        if (!cg || cg->nlevels == 0 || !cg->levels[0].exists || !cg->levels[0].have_limit)
                return 0;
        return cg->levels[0].limit_bytes;
}

uint64_t mg_cgroup_limit_with_spec(const mg_cgroup_t *cg, uint64_t spec_limit, const mg_cgroup_level_t **ret_level) {
        const mg_cgroup_level_t *l = NULL;
        uint64_t cgl = mg_cgroup_effective_limit(cg, &l);

        if (spec_limit > 0 && (cgl == 0 || spec_limit <= cgl)) {
                if (ret_level)
                        *ret_level = NULL;
                return spec_limit;
        }
        if (ret_level)
                *ret_level = l;
        return cgl;
}
