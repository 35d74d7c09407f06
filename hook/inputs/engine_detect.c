/* SPDX-License-Identifier: Apache-2.0 */
/* The engine from the parent chain (see include/memgate/inputs/engine_detect.h). */
#define _GNU_SOURCE
#include "memgate/inputs/engine_detect.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "memgate/util/cleanup.h"
#include "memgate/util/text.h"

static const char *const names[] = {
        [MG_CENGINE_UNKNOWN] = "unknown",       [MG_CENGINE_DOCKER] = "docker", [MG_CENGINE_CRI] = "cri",
        [MG_CENGINE_CONTAINERD] = "containerd", [MG_CENGINE_PODMAN] = "podman", [MG_CENGINE_CRIO] = "cri-o",
};

const char *mg_cengine_name(mg_cengine_t e) {
        return (size_t)e < ELEMENTSOF(names) && names[e] ? names[e] : "unknown";
}

int mg_cengine_parse(const char *s, mg_cengine_t *ret) {
        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if (names[i] && strcmp(s, names[i]) == 0) {
                        *ret = (mg_cengine_t)i;
                        return 0;
                }
        return -EINVAL;
}

bool mg_cengine_reads_runtime_log(mg_cengine_t e) {
        return e == MG_CENGINE_DOCKER || e == MG_CENGINE_CRI || e == MG_CENGINE_CONTAINERD;
}

static const char *base_name(const char *s) {
        const char *slash = strrchr(s, '/');
        return slash ? slash + 1 : s;
}

/* The next NUL-terminated argument in [p, end), or NULL at the end. */
static const char *next_arg(const char **p, const char *end) {
        if (*p >= end)
                return NULL;
        const char *a = *p;
        const char *nul = memchr(a, '\0', (size_t)(end - a));
        *p = nul ? nul + 1 : end;
        return a;
}

/* A Go flag's value: "-name V", "--name V", "-name=V", "--name=V". */
static const char *flag_value(const char *arg, const char *name, const char **p, const char *end) {
        const char *n = arg;
        if (*n != '-')
                return NULL;
        n++;
        if (*n == '-')
                n++;
        size_t len = strlen(name);
        if (strncmp(n, name, len) != 0)
                return NULL;
        if (n[len] == '=')
                return n + len + 1;
        if (n[len] != '\0')
                return NULL;
        return next_arg(p, end);
}

static mg_cengine_t from_namespace(const char *ns) {
        if (!ns)
                return MG_CENGINE_CONTAINERD;
        if (strcmp(ns, "moby") == 0)
                return MG_CENGINE_DOCKER;
        if (strcmp(ns, "k8s.io") == 0)
                return MG_CENGINE_CRI;
        return MG_CENGINE_CONTAINERD;
}

mg_cengine_t mg_cengine_from_cmdline(const char *cmdline, size_t len, bool *ret_transparent) {
        /* Only whole arguments: a line cut short (or rewritten without its NUL) ends at its last NUL. */
        const char *last_nul = len ? memrchr(cmdline, '\0', len) : NULL;
        const char *p = cmdline, *end = last_nul ? last_nul + 1 : cmdline;
        const char *argv0 = next_arg(&p, end);
        *ret_transparent = false;
        if (!argv0 || !*argv0)
                return MG_CENGINE_UNKNOWN;
        const char *name = base_name(argv0);

        if (mg_startswith(name, "containerd-shim", NULL)) {
                const char *a, *ns = NULL;
                while ((a = next_arg(&p, end)))
                        if (!ns)
                                ns = flag_value(a, "namespace", &p, end);
                return from_namespace(ns);
        }
        if (strcmp(name, "conmon") == 0) {
                /* podman hands conmon its own binary as --exit-command; CRI-O does not. */
                const char *a;
                while ((a = next_arg(&p, end)))
                        if (strcmp(base_name(a), "podman") == 0)
                                return MG_CENGINE_PODMAN;
                return MG_CENGINE_CRIO;
        }
        if (strcmp(name, "podman") == 0)
                return MG_CENGINE_PODMAN;
        if (strcmp(name, "crio") == 0)
                return MG_CENGINE_CRIO;
        if (strcmp(name, "dockerd") == 0)
                return MG_CENGINE_DOCKER;

        /* Wrappers a site may put in between, and what stands between a hook and its engine: the
         * OCI runtime that runs the hook (memgate-runtime executes runc under its own pid) and
         * memgate's own watchdog, the parent of the confined evaluation. */
        static const char *const transparent[] = {"sh",   "bash", "dash",  "env",   "timeout", "nice",
                                                  "ionice", "setsid", "runc", "crun", "youki", "runsc",
                                                  "memgate", "memgate-runtime"};
        for (size_t i = 0; i < ELEMENTSOF(transparent); i++)
                if (strcmp(name, transparent[i]) == 0)
                        *ret_transparent = true;
        return MG_CENGINE_UNKNOWN;
}

/* Up to cap bytes of a small /proc file (a command line holds NULs, so not mg_read_file_at);
 * what lies beyond cap is left unread: the arguments that name an engine come first. */
static ssize_t read_small(int procfd, const char *path, char *buf, size_t cap) {
        _cleanup_close_ int fd = openat(procfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW | O_NONBLOCK);
        if (fd < 0)
                return -errno;
        size_t len = 0;
        while (len < cap) {
                ssize_t n = read(fd, buf + len, cap - len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        break;
                len += (size_t)n;
        }
        return (ssize_t)len;
}

/* The parent pid from /proc/PID/stat: the field after the last ')' (a name may hold ')'). */
static pid_t parent_of(int procfd, pid_t pid) {
        char path[32], buf[1024];
        snprintf(path, sizeof(path), "%d/stat", (int)pid);
        ssize_t len = read_small(procfd, path, buf, sizeof(buf) - 1);
        if (len <= 0)
                return 0;
        buf[len] = '\0';
        const char *rp = strrchr(buf, ')');
        int ppid = 0;
        char state;
        if (!rp || sscanf(rp + 1, " %c %d", &state, &ppid) != 2 || ppid < 0)
                return 0;
        return (pid_t)ppid;
}

/* memgate (the watchdog) -> runc -> conmon -> podman, with room for a wrapper script or two. */
#define MAX_HOPS 6

mg_cengine_t mg_cengine_detect(const char *procfs, pid_t pid) {
        _cleanup_close_ int procfd = open(procfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (procfd < 0)
                return MG_CENGINE_UNKNOWN;
        for (int hop = 0; hop < MAX_HOPS && pid > 1; hop++) {
                char path[32], cmd[8192];
                snprintf(path, sizeof(path), "%d/cmdline", (int)pid);
                ssize_t len = read_small(procfd, path, cmd, sizeof(cmd));
                if (len <= 0)
                        return MG_CENGINE_UNKNOWN;
                bool transparent = false;
                mg_cengine_t e = mg_cengine_from_cmdline(cmd, (size_t)len, &transparent);
                if (e != MG_CENGINE_UNKNOWN || !transparent)
                        return e;
                pid = parent_of(procfd, pid);
        }
        return MG_CENGINE_UNKNOWN;
}
