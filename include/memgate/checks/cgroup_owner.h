/* SPDX-License-Identifier: Apache-2.0 */
/* The container and pod a cgroup path names (Docker, containerd, podman, CRI-O, kubepods; the
 * cgroupfs and systemd forms), from the path alone: pure. */
#ifndef MEMGATE_CHECKS_CGROUP_OWNER_H
#define MEMGATE_CHECKS_CGROUP_OWNER_H

#include <stdbool.h>
#include <stddef.h>

/* Who a cgroup path belongs to, decoded from the path alone. Empty strings when unknown. */
typedef struct mg_cg_owner {
        char engine[16];   /* docker, containerd, podman, cri-o, cri (kubepods, runtime not in the path) */
        char id[72];       /* the container id as the path spells it */
        char pod_uid[40];  /* kubepods: the pod UID with dashes */
        char qos[12];      /* kubepods: guaranteed, burstable, besteffort */
        bool systemd;      /* the systemd form (.slice/.scope) rather than cgroupfs */
} mg_cg_owner_t;

/* Decodes a cgroup path (v1 or v2, cgroupfs or systemd form); false when no container or pod shows. */
bool mg_cg_owner_decode(const char *path, mg_cg_owner_t *ret);
/* "docker container 0123456789ab", "pod 1234-... (burstable)", "" when nothing is known. */
void mg_cg_owner_describe(const mg_cg_owner_t *o, char *buf, size_t n);

#endif
