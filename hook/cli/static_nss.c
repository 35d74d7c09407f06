/* SPDX-License-Identifier: Apache-2.0 */
/* Linked into the static-PIE executables only (CMakeLists.txt, MEMGATE_STATIC_PIE).
 *
 * libcgroup's api.o and config.o, linked for cgroup_init's mount discovery, also hold its rules-file
 * and task-permission code, which looks users and groups up by name and id. memgate calls none of
 * it. A static glibc answers such lookups only by dlopen()ing NSS modules from the shared glibc of
 * the build (ld warns: "Using 'getpwnam' in statically linked applications requires at runtime the
 * shared libraries from the glibc version used for linking"), which a static binary is meant not
 * to depend on. These definitions take the place of glibc's: every lookup finds nobody, no module
 * is ever loaded, and the link has no warning. Nothing in memgate or in the libraries it links
 * reaches them (ld lists every caller in its warnings: libcgroup's rules and permission code only). */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stddef.h>

struct passwd *getpwnam(const char *name) {
        (void)name;
        errno = ENOENT;
        return NULL;
}

struct passwd *getpwuid(uid_t uid) {
        (void)uid;
        errno = ENOENT;
        return NULL;
}

struct group *getgrnam(const char *name) {
        (void)name;
        errno = ENOENT;
        return NULL;
}

struct group *getgrgid(gid_t gid) {
        (void)gid;
        errno = ENOENT;
        return NULL;
}

int getpwnam_r(const char *name, struct passwd *pwd, char *buf, size_t n, struct passwd **ret) {
        (void)name, (void)pwd, (void)buf, (void)n;
        *ret = NULL;
        return 0; /* not found */
}

int getgrnam_r(const char *name, struct group *grp, char *buf, size_t n, struct group **ret) {
        (void)name, (void)grp, (void)buf, (void)n;
        *ret = NULL;
        return 0;
}
