/* SPDX-License-Identifier: Apache-2.0 */
/* Which container engine called memgate-runtime or ran the hook: found from the parent process chain and its
 * arguments (or said in memgate.conf). It decides where refusals and warnings go, how the fix
 * hints are phrased, and what the commit model charges per start and per running container. */
#ifndef MEMGATE_INPUTS_ENGINE_DETECT_H
#define MEMGATE_INPUTS_ENGINE_DETECT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

typedef enum mg_cengine {
        MG_CENGINE_UNKNOWN = 0, /* runc run by hand, or a caller memgate does not know */
        MG_CENGINE_DOCKER,      /* containerd-shim(-runc-v2) -namespace moby */
        MG_CENGINE_CRI,         /* containerd-shim -namespace k8s.io: Kubernetes through containerd's CRI */
        MG_CENGINE_CONTAINERD,  /* containerd-shim, any other namespace: ctr, nerdctl, ... */
        MG_CENGINE_PODMAN,      /* conmon started by podman, or podman itself */
        MG_CENGINE_CRIO,        /* conmon started by CRI-O, or crio itself */
} mg_cengine_t;

/* "docker", "cri", "containerd", "podman", "cri-o", "unknown". */
const char *mg_cengine_name(mg_cengine_t e);
/* The names above; 0, or -EINVAL for any other. */
int mg_cengine_parse(const char *s, mg_cengine_t *ret);
/* Whether the engine reads the runtime's errors from its --log file (containerd's shims). */
bool mg_cengine_reads_runtime_log(mg_cengine_t e);

/* What one process's command line (/proc/PID/cmdline: NUL-separated, len bytes) says:
 * MG_CENGINE_UNKNOWN when it is none of the engines. *ret_transparent is set for a process a
 * wrapper script may stand in between (sh, bash, env, ...), and for an OCI runtime (runc, crun,
 * ...) or memgate itself, which stand between a hook and its engine: its parent is worth a look. */
mg_cengine_t mg_cengine_from_cmdline(const char *cmdline, size_t len, bool *ret_transparent);

/* Walks up from pid (usually getppid()) through at most a few transparent processes, reading
 * procfs (normally "/proc") and stopping at the first engine found. Never fails: unknown when
 * nothing can be read. */
mg_cengine_t mg_cengine_detect(const char *procfs, pid_t pid);

#endif
