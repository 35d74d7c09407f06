/* SPDX-License-Identifier: Apache-2.0 */
/* Running containers near their memory limit (inputs/containers.h).
 *
 * The walk is pre-order, so a cgroup's parent has been seen just before its subtree: the smallest
 * limit at each depth is kept on a stack, and a cgroup's effective limit is the smaller of its own
 * and its parent's entry. v1 also prints hierarchical_memory_limit in memory.stat, the kernel's own
 * answer (it honours memory.use_hierarchy), which is preferred where present. Control files are read
 * relative to an O_PATH fd of the cgroup's directory, opened from the hierarchy's root fd. */
#define _GNU_SOURCE
#include "memgate/inputs/containers.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libcgroup.h>

#include "cgroup_backend.h"

#include "memgate/util/cleanup.h"
#include "memgate/util/number.h"
#include "memgate/util/read.h"
#include "memgate/util/step.h"

#define CTRL_CAP (64 * 1024)

int mg_keyed_u64(const char *text, const char *key, uint64_t *ret) {
        size_t kl = strlen(key);
        for (const char *p = text; p && *p;) {
                const char *nl = strchr(p, '\n');
                size_t n = nl ? (size_t)(nl - p) : strlen(p);
                if (n > kl && !memcmp(p, key, kl) && p[kl] == ' ') {
                        uint64_t v;
                        if (mg_parse_u64_n(p + kl + 1, n - kl - 1, &v) < 0)
                                return -EINVAL;
                        *ret = v;
                        return 0;
                }
                p = nl ? nl + 1 : NULL;
        }
        return -ENOENT;
}

void mg_containers_clear(mg_containers_t *c) {
        if (!c)
                return;
        free(c->kept);
        c->kept = NULL;
        c->nkept = 0;
}

typedef struct walk {
        mg_cg_hier_t h;
        unsigned share;
        mg_containers_keep_fn keep;
        void *userdata;
        mg_containers_t *out;
        uint64_t limits[MG_CGROUP_DEPTH_MAX]; /* effective limit by depth, 0 = none */
} walk_t;

static int read_text(int cgfd, const char *file, char **ret) {
        size_t len;
        return mg_read_file_at(cgfd, file, CTRL_CAP, true, ret, &len, NULL);
}

static int read_u64_file(int cgfd, const char *file, uint64_t *ret) {
        _cleanup_free_ char *t = NULL;
        int r = read_text(cgfd, file, &t);
        if (r < 0)
                return r;
        t[strcspn(t, "\n")] = '\0';
        return mg_parse_u64(t, ret);
}

/* The cgroup's own limit, 0 for none or unreadable. */
static uint64_t own_limit(const walk_t *w, int cgfd) {
        _cleanup_free_ char *t = NULL;
        bool have = false;
        uint64_t v = 0;
        if (read_text(cgfd, w->h.version == 1 ? "memory.limit_in_bytes" : "memory.max", &t) < 0)
                return 0;
        t[strcspn(t, "\n")] = '\0';
        if (mg_cgroup_parse_limit(t, w->h.version, &have, &v) < 0 || !have)
                return 0;
        return v;
}

static uint64_t min_limit(uint64_t a, uint64_t b) {
        if (!a)
                return b;
        if (!b)
                return a;
        return a < b ? a : b;
}

/* One cgroup at `depth` (0 = the root) whose directory is cgfd. */
static void visit(walk_t *w, const char *path, size_t depth, int cgfd) {
        _cleanup_free_ char *stat = NULL;
        mg_containers_t *o = w->out;
        mg_cg_usage_t u = {0};
        uint64_t own, eff, hier;

        if (depth >= MG_CGROUP_DEPTH_MAX)
                return;
        own = own_limit(w, cgfd);
        eff = min_limit(own, depth ? w->limits[depth - 1] : 0);
        w->limits[depth] = eff;
        if (depth == 0 || (w->keep && !w->keep(path, w->userdata)))
                return;
        o->matched++;
        if (read_u64_file(cgfd, w->h.version == 1 ? "memory.usage_in_bytes" : "memory.current", &u.usage_bytes) < 0)
                return;
        /* The working set is at most the usage, and the limit at most the walk's (v1's
         * hierarchical_memory_limit skips ancestors without use_hierarchy, so it can only be
         * larger): a usage within the share of that limit is not near it, and memory.stat, which
         * v1 computes over the whole subtree, is not read. */
        if (w->h.version == 2 && (!eff || (unsigned __int128)u.usage_bytes * 100 <= (unsigned __int128)eff * w->share))
                return;
        if (w->h.version == 1 && eff && (unsigned __int128)u.usage_bytes * 100 <= (unsigned __int128)eff * w->share)
                return;
        if (read_text(cgfd, "memory.stat", &stat) < 0)
                return;
        if (w->h.version == 1 && mg_keyed_u64(stat, "hierarchical_memory_limit", &hier) == 0)
                eff = hier >= MG_CGROUP_V1_UNLIMITED ? 0 : hier;
        if (!eff)
                return;
        (void)mg_keyed_u64(stat, w->h.version == 1 ? "total_inactive_file" : "inactive_file", &u.inactive_file_bytes);
        u.working_set_bytes = mg_sat_sub(u.usage_bytes, u.inactive_file_bytes);
        u.limit_bytes = eff;
        u.own_limit = own && own == eff;
        /* working_set / limit > share / 100, without overflow or rounding down */
        if ((unsigned __int128)u.working_set_bytes * 100 <= (unsigned __int128)eff * w->share)
                return;
        o->near++;
        if (o->nkept >= MG_CONTAINERS_KEPT_MAX)
                return;
        _cleanup_free_ char *ev = NULL;
        if (read_text(cgfd, w->h.version == 1 ? "memory.oom_control" : "memory.events", &ev) == 0 &&
            mg_keyed_u64(ev, "oom_kill", &u.oom_kills) == 0)
                u.have_oom_kills = true;
        snprintf(u.path, sizeof(u.path), "%s", path);
        o->kept[o->nkept++] = u;
}

/* --- the direct walk (--sysfs trees): directory fds all the way, O_NOFOLLOW at every step --- */

static void walk_dir(walk_t *w, int dirfd, char *path, size_t plen, size_t depth) {
        if (w->out->walked >= MG_CONTAINERS_WALK_MAX) {
                w->out->cut = true;
                return;
        }
        w->out->walked++;
        visit(w, plen ? path : "/", depth, dirfd);
        if (depth + 1 >= MG_CGROUP_DEPTH_MAX)
                return;
        int dfd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return;
        DIR *d = fdopendir(dfd);
        if (!d) {
                close(dfd);
                return;
        }
        struct dirent *de;
        while ((de = readdir(d))) {
                if (de->d_type != DT_DIR || !strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
                        continue;
                size_t nl = strlen(de->d_name);
                if (plen + 1 + nl >= MG_CGROUP_PATH_MAX)
                        continue;
                _cleanup_close_ int cfd = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (cfd < 0)
                        continue;
                path[plen] = '/';
                memcpy(path + plen + 1, de->d_name, nl + 1);
                walk_dir(w, cfd, path, plen + 1 + nl, depth + 1);
                path[plen] = '\0';
        }
        closedir(d);
}

static int walk_sysfs(walk_t *w, mg_error_t *err) {
        char path[MG_CGROUP_PATH_MAX] = "";
        _cleanup_close_ int root = openat(w->h.fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (root < 0)
                return mg_error_set(err, -errno, "%s: %s", w->h.mount, strerror(errno));
        walk_dir(w, root, path, 0, 0);
        return 0;
}

/* --- the libcgroup walk (the live host) --- */

static size_t depth_of(const char *path) {
        size_t d = 0;
        const char *name;
        size_t n;
        while (mg_path_next(&path, &name, &n))
                d++;
        return d;
}

static int walk_libcgroup(walk_t *w, mg_error_t *err) {
        struct cgroup_file_info info;
        void *handle = NULL;
        int base = 0, r;
        size_t ml = strlen(w->h.mount);

        r = cgroup_walk_tree_begin("memory", "/", 0, &handle, &info, &base);
        if (r != 0) {
                /* begin may or may not have allocated (iterators.h): end only with a handle. */
                if (handle)
                        cgroup_walk_tree_end(&handle);
                if (r == ECGEOF)
                        return 0;
                return mg_error_set(err, -EIO, "libcgroup: walking %s: %s", w->h.mount, cgroup_strerror(r));
        }
        (void)cgroup_walk_tree_set_flags(&handle, CGROUP_WALK_TYPE_PRE_DIR);
        for (; r == 0; r = cgroup_walk_tree_next(0, &handle, &info, base)) {
                if (info.type != CGROUP_FILE_TYPE_DIR || !info.full_path)
                        continue;
                if (w->out->walked >= MG_CONTAINERS_WALK_MAX) {
                        w->out->cut = true;
                        break;
                }
                /* full_path is the mount point, then the cgroup's path (with a slash or two). */
                if (strncmp(info.full_path, w->h.mount, ml) || (info.full_path[ml] && info.full_path[ml] != '/'))
                        continue;
                _cleanup_free_ char *path = NULL;
                const char *rel = info.full_path[ml] ? info.full_path + ml : "/";
                if (mg_cgroup_path_normalize(rel, &path, NULL) < 0)
                        continue;
                w->out->walked++;
                _cleanup_close_ int cfd = strcmp(path, "/") == 0
                                                  ? openat(w->h.fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC)
                                                  : openat(w->h.fd, path + 1, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (cfd < 0)
                        continue; /* gone since the walk saw it */
                visit(w, path, depth_of(path), cfd);
        }
        cgroup_walk_tree_end(&handle);
        return 0;
}

int mg_containers_read(const mg_roots_t *roots, unsigned share_percent, mg_containers_keep_fn keep, void *userdata,
                       mg_containers_t *ret, mg_error_t *err) {
        /* The host-wide walk keeps libcgroup on the live host (its place: issue 14); the hook's one
         * lookup reads directly (mg_cg_backend_live). */
        const mg_cg_backend_t *be = mg_cg_backend_for(roots);
        if (be == &mg_cg_backend_live)
                be = &mg_cg_backend_libcgroup;
        mg_containers_t c = {.share_percent = share_percent};
        walk_t w = {.share = share_percent, .keep = keep, .userdata = userdata, .out = &c};
        int r;

        if (share_percent < 1 || share_percent > 100)
                return mg_error_set(err, -EINVAL, "share %u%% of the limit: expected 1 to 100", share_percent);
        r = be->open(roots, "memory", &w.h, err);
        if (r < 0)
                return r;
        c.version = w.h.version;
        snprintf(c.mount, sizeof(c.mount), "%s", w.h.mount);
        snprintf(c.backend, sizeof(c.backend), "%s", be->name);
        c.kept = calloc(MG_CONTAINERS_KEPT_MAX, sizeof(*c.kept));
        if (!c.kept) {
                mg_cg_hier_close(&w.h);
                return mg_error_set(err, -ENOMEM, "out of memory");
        }
        mg_step("walking the memory cgroups under %s", w.h.mount);
        r = be == &mg_cg_backend_libcgroup ? walk_libcgroup(&w, err) : walk_sysfs(&w, err);
        mg_cg_hier_close(&w.h);
        if (r < 0) {
                mg_containers_clear(&c);
                return r;
        }
        *ret = c;
        return 0;
}
