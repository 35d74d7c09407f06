/* SPDX-License-Identifier: Apache-2.0 */
/* The two cgroup backends behind hook/cgroup_backend.h.
 *
 * libcgroup (live host): cgroup_init() scans /proc/cgroups and /proc/mounts and clears a 2.4 MB
 * static mount table. Measured on this project's Debian 12 host (libcgroup 2.0.2, 20 mounts): about
 * 0.6 ms cold (0.5 to 0.8 ms over 20 runs; a second call 0.09 ms), 13 syscalls and about 230 extra
 * page faults. So it runs lazily, once, and only when the direct reads find no hierarchy in the
 * standard places (live_open below); `memgate host` never pays for it. Its default logger writes to stdout, which would corrupt --format json:
 * a silent logger is installed first. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include <libcgroup.h>

#include "cgroup_backend.h"

#include "memgate/util/cleanup.h"
#include "memgate/util/read.h"
#include "memgate/util/step.h"

void mg_cg_hier_close(mg_cg_hier_t *h) {
        if (h && h->fd >= 0) {
                close(h->fd);
                h->fd = -1;
        }
}

/* First line of text, without its newline, into buf. */
static int first_line(const char *text, char *buf, size_t n) {
        size_t l = strcspn(text, "\n");
        if (l >= n)
                return -EOVERFLOW;
        memcpy(buf, text, l);
        buf[l] = '\0';
        return 0;
}

/* --- sysfs: files under <sysfs>/fs/cgroup, read with O_NOFOLLOW relative to directory fds --- */

static bool controllers_list_has(int dirfd, const char *controller) {
        _cleanup_free_ char *text = NULL;
        size_t len, cl = strlen(controller);

        if (mg_read_file_at(dirfd, "cgroup.controllers", 64 * 1024, true, &text, &len, NULL) < 0)
                return false;
        for (char *p = text; *p;) {
                size_t w;
                p += strspn(p, " \t\n");
                w = strcspn(p, " \t\n");
                if (w == cl && memcmp(p, controller, cl) == 0)
                        return true;
                p += w;
        }
        return false;
}

static int sysfs_open(const mg_roots_t *roots, const char *controller, mg_cg_hier_t *ret, mg_error_t *err) {
        _cleanup_free_ char *base = NULL;
        _cleanup_close_ int basefd = -1, fd = -1;
        const char *marker = strcmp(controller, "memory") == 0 ? "memory.limit_in_bytes" : "cpuset.mems";
        const char *sub = NULL;
        int version = 0;

        if (asprintf(&base, "%s/fs/cgroup", roots->sysfs) < 0) {
                base = NULL;
                return mg_error_set(err, -ENOMEM, "out of memory");
        }
        mg_step("looking for the %s cgroup hierarchy under %s", controller, base);
        basefd = open(base, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (basefd < 0)
                return mg_error_set(err, -errno, "%s: %s", base, strerror(errno));

        /* v1: a directory named after the controller, holding its files (no cgroup.controllers). */
        fd = openat(basefd, controller, O_PATH | O_DIRECTORY | O_CLOEXEC);
        struct stat mst;
        /* fstatat, not faccessat: glibc issues faccessat with flags as faccessat2, which the
         * seccomp filter does not allow (and now that the live host reads directly, it runs
         * confined). */
        if (fd >= 0 && fstatat(fd, marker, &mst, AT_SYMLINK_NOFOLLOW) == 0) {
                version = 1;
                sub = controller;
        } else {
                if (fd >= 0)
                        close(TAKE_FD(fd));
                /* v2: the root itself, or the "unified" mount of a hybrid layout. */
                if (controllers_list_has(basefd, controller)) {
                        fd = openat(basefd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
                        version = 2;
                        sub = "";
                } else {
                        _cleanup_close_ int ufd = openat(basefd, "unified", O_PATH | O_DIRECTORY | O_CLOEXEC);
                        if (ufd >= 0 && controllers_list_has(ufd, controller)) {
                                fd = TAKE_FD(ufd);
                                version = 2;
                                sub = "unified";
                        }
                }
        }
        if (version == 0 || fd < 0)
                return mg_error_set(err, -ENOENT, "no %s cgroup hierarchy under %s", controller, base);

        bool kernel = mg_fd_on_kernel_fs(fd);
        *ret = (mg_cg_hier_t){
                .backend = &mg_cg_backend_sysfs, .version = version, .fd = TAKE_FD(fd), .kernel = kernel
        };
        snprintf(ret->controller, sizeof(ret->controller), "%s", controller);
        snprintf(ret->mount, sizeof(ret->mount), "%s%s%s", base, *sub ? "/" : "", sub);
        return 0;
}

static int sysfs_read(const mg_cg_hier_t *h, const char *path, int cgfd, const char *file, char *buf, size_t n,
                      mg_error_t *err) {
        _cleanup_free_ char *text = NULL;
        size_t len;
        int r;

        mg_step("reading %s%s/%s", h->mount, strcmp(path, "/") == 0 ? "" : path, file);
        /* Only the first line is used, and a control file's first read holds it whole. */
        r = h->kernel ? mg_read_kernel_file_at(cgfd, file, 64 * 1024, MG_READ_ONE_RECORD, &text, &len, err)
                      : mg_read_file_at(cgfd, file, 64 * 1024, true, &text, &len, err);
        if (r < 0) {
                mg_error_prefix(err, "%s%s/%s", h->mount, strcmp(path, "/") == 0 ? "" : path, file);
                return r;
        }
        r = first_line(text, buf, n);
        if (r < 0)
                return mg_error_set(err, r, "%s%s/%s: first line too long", h->mount, path, file);
        return 0;
}

const mg_cg_backend_t mg_cg_backend_sysfs = {
        .name = "sysfs",
        .open = sysfs_open,
        .read = sysfs_read,
};

/* --- libcgroup: mount discovery and reads through the library, on the real /sys --- */

static unsigned libcgroup_inits;
static int libcgroup_status = -1; /* -1 not tried, else cgroup_init's return */

static void quiet_logger(void *userdata, int level, const char *fmt, va_list ap) {
        (void)userdata;
        (void)level;
        (void)fmt;
        (void)ap;
}

static int libcgroup_ensure(mg_error_t *err) {
        if (libcgroup_status < 0) {
                mg_step("libcgroup: reading the cgroup mounts (/proc/mounts, /proc/cgroups)");
                cgroup_set_logger(quiet_logger, CGROUP_LOG_ERROR, NULL);
                libcgroup_status = cgroup_init();
                libcgroup_inits++;
        }
        if (libcgroup_status != 0)
                return mg_error_set(err, -ENOENT, "libcgroup: cgroup_init: %s", cgroup_strerror(libcgroup_status));
        return 0;
}

unsigned mg_cg_libcgroup_inits(void) {
        return libcgroup_inits;
}

static int libcgroup_open(const mg_roots_t *roots, const char *controller, mg_cg_hier_t *ret, mg_error_t *err) {
        _cleanup_close_ int fd = -1;
        char *mnt = NULL;
        struct statfs sfs;
        int r, version;

        r = libcgroup_ensure(err);
        if (r < 0)
                return r;
        r = cgroup_get_subsys_mount_point(controller, &mnt);
        if (r != 0 || !mnt) {
                free(mnt);
                return mg_error_set(err, -ENOENT, "libcgroup: the %s controller is not mounted (%s)", controller,
                                    r ? cgroup_strerror(r) : "no mount point");
        }
        fd = open(mnt, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) {
                r = mg_error_set(err, -errno, "%s: %s", mnt, strerror(errno));
                free(mnt);
                return r;
        }
        if (fstatfs(fd, &sfs) < 0) {
                r = mg_error_set(err, -errno, "%s: statfs: %s", mnt, strerror(errno));
                free(mnt);
                return r;
        }
        if (sfs.f_type == CGROUP2_SUPER_MAGIC)
                version = 2;
        else if (sfs.f_type == CGROUP_SUPER_MAGIC)
                version = 1;
        else {
                r = mg_error_set(err, -ENOENT, "%s is not a cgroup filesystem", mnt);
                free(mnt);
                return r;
        }

        *ret = (mg_cg_hier_t){ .backend = &mg_cg_backend_libcgroup, .version = version, .fd = TAKE_FD(fd) };
        snprintf(ret->controller, sizeof(ret->controller), "%s", controller);
        snprintf(ret->mount, sizeof(ret->mount), "%s", mnt);
        free(mnt);
        (void)roots;
        return 0;
}

static int libcgroup_read(const mg_cg_hier_t *h, const char *path, int cgfd, const char *file, char *buf, size_t n,
                          mg_error_t *err) {
        char name[64], line[4096];
        void *handle = NULL;
        int r;

        (void)cgfd; /* the path was walked with O_NOFOLLOW by the caller; cgroupfs has no symlinks */
        if (strlen(file) >= sizeof(name) || n > INT32_MAX)
                return mg_error_set(err, -EINVAL, "control file name \"%s\" too long", file);
        snprintf(name, sizeof(name), "%s", file);

        mg_step("reading %s%s/%s", h->mount, strcmp(path, "/") == 0 ? "" : path, file);
        r = cgroup_read_value_begin(h->controller, path, name, &handle, line, (int)sizeof(line));
        if (r != 0 && r != ECGEOF) {
                int e = r == ECGOTHER ? cgroup_get_last_errno() : 0;
                if (handle)
                        cgroup_read_value_end(&handle);
                if (e == ENOENT)
                        return mg_error_set(err, -ENOENT, "%s%s/%s: not present", h->mount, path, file);
                return mg_error_set(err, e > 0 ? -e : -EIO, "libcgroup: reading %s%s/%s: %s", h->mount, path, file,
                                    e > 0 ? strerror(e) : cgroup_strerror(r));
        }
        if (r == ECGEOF)
                line[0] = '\0';
        /* cgroup_read_value_end() fcloses the handle without a NULL check: only with one. */
        if (handle)
                cgroup_read_value_end(&handle);
        line[sizeof(line) - 1] = '\0';
        if (strlen(line) == sizeof(line) - 1 && !strchr(line, '\n'))
                return mg_error_set(err, -EOVERFLOW, "%s%s/%s: first line too long", h->mount, path, file);
        r = first_line(line, buf, n);
        if (r < 0)
                return mg_error_set(err, r, "%s%s/%s: first line too long", h->mount, path, file);
        return 0;
}

const mg_cg_backend_t mg_cg_backend_libcgroup = {
        .name = "libcgroup",
        .open = libcgroup_open,
        .read = libcgroup_read,
};

/* --- the live host: the container's files read directly, libcgroup where the layout is unusual --- */

/* A hook looks up one container's cgroup: the files under /sys/fs/cgroup/<controller> (v1) or
 * the v2 root or its "unified" mount are read directly, as under a --sysfs tree, without
 * cgroup_init's scan of /proc/cgroups and /proc/mounts and its 2.4 MB table (issue 14: a fifth
 * of the hook's instructions and 228 page faults). Only when that standard layout has no
 * hierarchy for the controller does libcgroup look for it wherever it is mounted; its message is
 * then the one reported. The hierarchy records which backend opened it, so reads go to the same. */
static int live_open(const mg_roots_t *roots, const char *controller, mg_cg_hier_t *ret, mg_error_t *err) {
        mg_error_t direct = {0};
        const mg_roots_t sys = {.procfs = roots ? roots->procfs : "/proc", .sysfs = "/sys"}; /* not "/sys/" */
        int r = sysfs_open(&sys, controller, ret, &direct);
        if (r != -ENOENT) {
                if (r < 0 && err)
                        *err = direct;
                return r;
        }
        return libcgroup_open(roots, controller, ret, err);
}

const mg_cg_backend_t mg_cg_backend_live = {
        .name = "live",
        .open = live_open,
        .read = sysfs_read, /* unused: each hierarchy carries the backend that opened it */
};

const mg_cg_backend_t *mg_cg_backend_for(const mg_roots_t *roots) {
        const char *s = roots && roots->sysfs ? roots->sysfs : "/sys";
        /* "/sys" and "/sys/" are the live host; any other tree is read as files. */
        if (strcmp(s, "/sys") == 0 || strcmp(s, "/sys/") == 0)
                return &mg_cg_backend_live;
        return &mg_cg_backend_sysfs;
}
