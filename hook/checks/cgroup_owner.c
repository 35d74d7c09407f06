/* SPDX-License-Identifier: Apache-2.0 */
/* The container and pod behind a cgroup path, from the path alone. The forms, by who makes them:
 *   Docker      cgroupfs /docker/<id>;            systemd /system.slice/docker-<id>.scope
 *   podman      cgroupfs /libpod_parent/libpod-<id>; systemd /machine.slice/libpod-<id>.scope[/container]
 *               (rootless: .../user@UID.service/user.slice/libpod-<id>.scope); libpod-conmon-<id> is conmon
 *   CRI-O       crio-<id>.scope, or crio-<id> under a pod's cgroup (crio-conmon-<id> is conmon)
 *   containerd  CRI with systemd: cri-containerd-<id>.scope; ctr's cgroupfs default /<namespace>/<id>
 *               for the namespaces "default" and "k8s.io"
 *   kubelet     cgroupfs /kubepods[/burstable|/besteffort]/pod<uid>/<id>;
 *               systemd  /kubepods.slice[/kubepods-burstable.slice]/kubepods[-burstable]-pod<uid_with_underscores>.slice/...
 *               (a pod directly under kubepods is Guaranteed)
 * Nothing here reads the host: the path in a kernel log may be from another machine. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "memgate/checks/cgroup_owner.h"

static bool is_hex_id(const char *s, size_t n) {
        if (n < 12 || n > 64)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
                        return false;
        return true;
}

static void put(char *dst, size_t cap, const char *s, size_t n) {
        if (n >= cap)
                n = cap - 1;
        memcpy(dst, s, n);
        dst[n] = '\0';
}

static bool ends_with(const char *s, size_t n, const char *suf, size_t *ret_n) {
        size_t k = strlen(suf);
        if (n < k || memcmp(s + n - k, suf, k))
                return false;
        *ret_n = n - k;
        return true;
}

/* "<prefix>-<id>[.scope]" */
static bool prefixed_id(const char *c, size_t n, const char *prefix, const char **ret_id, size_t *ret_n) {
        size_t k = strlen(prefix), m = n;
        if (n <= k || memcmp(c, prefix, k))
                return false;
        ends_with(c, n, ".scope", &m);
        if (!is_hex_id(c + k, m - k))
                return false;
        *ret_id = c + k;
        *ret_n = m - k;
        return true;
}

static void pod_uid(mg_cg_owner_t *o, const char *u, size_t n) {
        if (n < 32 || n >= sizeof(o->pod_uid))
                return;
        put(o->pod_uid, sizeof(o->pod_uid), u, n);
        for (char *q = o->pod_uid; *q; q++)
                if (*q == '_')
                        *q = '-';
}

bool mg_cg_owner_decode(const char *path, mg_cg_owner_t *ret) {
        mg_cg_owner_t o = {0};
        bool kube = false;
        const char *prev = NULL;
        size_t prevn = 0;

        for (const char *c = path; c && *c;) {
                while (*c == '/')
                        c++;
                if (!*c)
                        break;
                const char *slash = strchr(c, '/');
                size_t n = slash ? (size_t)(slash - c) : strlen(c);
                const char *id;
                size_t idn, m;

                if ((n == 8 && !memcmp(c, "kubepods", 8)) || (n == 14 && !memcmp(c, "kubepods.slice", 14))) {
                        kube = true;
                        put(o.qos, sizeof(o.qos), "guaranteed", 10);
                        o.systemd = n == 14;
                } else if (kube && ((n == 9 && !memcmp(c, "burstable", 9)) ||
                                    (n == 24 && !memcmp(c, "kubepods-burstable.slice", 24)))) {
                        put(o.qos, sizeof(o.qos), "burstable", 9);
                } else if (kube && ((n == 10 && !memcmp(c, "besteffort", 10)) ||
                                    (n == 25 && !memcmp(c, "kubepods-besteffort.slice", 25)))) {
                        put(o.qos, sizeof(o.qos), "besteffort", 10);
                } else if (kube && n > 3 && !memcmp(c, "pod", 3)) {
                        pod_uid(&o, c + 3, n - 3);
                } else if (kube && ends_with(c, n, ".slice", &m) && m > 13 && memmem(c, m, "-pod", 4)) {
                        const char *p = memmem(c, m, "-pod", 4);
                        pod_uid(&o, p + 4, (size_t)(c + m - p - 4));
                } else if (prefixed_id(c, n, "docker-", &id, &idn)) {
                        put(o.engine, sizeof(o.engine), "docker", 6);
                        put(o.id, sizeof(o.id), id, idn);
                        o.systemd = true;
                } else if (prefixed_id(c, n, "libpod-", &id, &idn)) {
                        put(o.engine, sizeof(o.engine), "podman", 6);
                        put(o.id, sizeof(o.id), id, idn);
                        o.systemd = ends_with(c, n, ".scope", &m);
                } else if (prefixed_id(c, n, "crio-", &id, &idn)) {
                        put(o.engine, sizeof(o.engine), "cri-o", 5);
                        put(o.id, sizeof(o.id), id, idn);
                        o.systemd = ends_with(c, n, ".scope", &m);
                } else if (prefixed_id(c, n, "cri-containerd-", &id, &idn)) {
                        put(o.engine, sizeof(o.engine), "containerd", 10);
                        put(o.id, sizeof(o.id), id, idn);
                        o.systemd = true;
                } else if (is_hex_id(c, n) && prev && prevn == 6 && !memcmp(prev, "docker", 6)) {
                        put(o.engine, sizeof(o.engine), "docker", 6);
                        put(o.id, sizeof(o.id), c, n);
                } else if (is_hex_id(c, n) && kube && o.pod_uid[0]) {
                        put(o.engine, sizeof(o.engine), "cri", 3);
                        put(o.id, sizeof(o.id), c, n);
                } else if (!slash && prev && !o.id[0] && n < sizeof(o.id) &&
                           ((prevn == 7 && !memcmp(prev, "default", 7)) || (prevn == 6 && !memcmp(prev, "k8s.io", 6))) &&
                           prev == path + 1) {
                        put(o.engine, sizeof(o.engine), "containerd", 10);
                        put(o.id, sizeof(o.id), c, n);
                }
                prev = c;
                prevn = n;
                c = slash;
        }
        bool any = o.id[0] || o.pod_uid[0];
        *ret = o;
        return any;
}

void mg_cg_owner_describe(const mg_cg_owner_t *o, char *buf, size_t n) {
        char id[16];
        int w = 0;
        buf[0] = '\0';
        snprintf(id, sizeof(id), "%.12s", o->id);
        if (o->id[0] && o->engine[0] && strcmp(o->engine, "cri"))
                w = snprintf(buf, n, "%s container %s", o->engine, id);
        else if (o->id[0])
                w = snprintf(buf, n, "container %s", id);
        if (o->pod_uid[0] && w >= 0 && (size_t)w < n)
                snprintf(buf + w, n - (size_t)w, "%spod %s (%s)", w ? " in " : "", o->pod_uid,
                         o->qos[0] ? o->qos : "qos unknown");
}
