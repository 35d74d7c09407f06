/* SPDX-License-Identifier: Apache-2.0 */
/* The host snapshot from a --procfs/--sysfs tree: meminfo, the vm sysctls, osrelease, zoneinfo,
 * buddyinfo and the NUMA nodes. Every read is relative to an O_PATH fd of its root, bounded by
 * MG_CAP_PROC, and every number is parsed strictly. meminfo is required; the rest is optional (a
 * missing file is recorded as absent), but a file that is there and malformed is an error. */
#define _GNU_SOURCE
#include "memgate/inputs/host_read.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "memgate/inputs/meminfo.h"
#include "memgate/inputs/nodemask.h"
#include "memgate/inputs/nodes.h"
#include "memgate/inputs/zoneinfo.h"
#include "memgate/util/cleanup.h"
#include "memgate/util/number.h"
#include "memgate/util/text.h"
#include "proc_text.h"

static int read_osrelease(const pf_root_t *proc, mg_host_t *h, mg_error_t *err) {
        _cleanup_free_ char *buf = NULL;
        int r = pf_read(proc, "sys/kernel/osrelease", &buf, err);
        if (pf_is_absent(r))
                return 0; /* kernel unknown: kmajor/kminor stay 0 */
        if (r < 0)
                return r;
        size_t len = strcspn(buf, "\n");
        while (len > 0 && isspace((unsigned char)buf[len - 1]))
                len--;
        size_t start = 0;
        while (start < len && isspace((unsigned char)buf[start]))
                start++;
        size_t n = len - start;
        if (n >= sizeof(h->kernel))
                n = sizeof(h->kernel) - 1;
        for (size_t i = 0; i < n; i++) /* printed in reports: keep it plain */
                h->kernel[i] = isprint((unsigned char)buf[start + i]) ? buf[start + i] : '?';
        h->kernel[n] = '\0';
        if (mg_parse_osrelease(h->kernel, &h->kmajor, &h->kminor) < 0)
                h->kmajor = h->kminor = 0;
        return 0;
}

/* ---- vm sysctls ---- */

static int read_sysctl(const pf_root_t *proc, const char *leaf, uint64_t max, uint64_t *ret, bool *ret_have,
                       mg_error_t *err) {
        char rel[64];
        snprintf(rel, sizeof(rel), "sys/vm/%s", leaf);
        _cleanup_free_ char *buf = NULL;
        int r = pf_read(proc, rel, &buf, err);
        if (pf_is_absent(r)) {
                *ret_have = false;
                return 0;
        }
        if (r < 0)
                return r;
        uint64_t v;
        r = mg_parse_u64(buf, &v);
        if (r == 0 && v > max)
                r = -ERANGE;
        if (r < 0) {
                char q[96];
                return mg_error_set(err, r == -ERANGE ? -ERANGE : -EBADMSG, "%s/%s: cannot parse \"%s\"%s",
                                    proc->name, rel, pf_quote(buf, strcspn(buf, "\n"), q, sizeof(q)),
                                    r == -ERANGE ? ": number out of range" : "");
        }
        *ret = v;
        *ret_have = true;
        return 0;
}

static int read_vm(const pf_root_t *proc, mg_vm_t *vm, mg_error_t *err) {
        const struct {
                const char *leaf;
                uint64_t max;
                uint64_t *val;
                bool *have;
        } t[] = {
                { "min_free_kbytes", MG_KB_MAX, &vm->min_free_kbytes, &vm->have_min_free_kbytes },
                { "watermark_scale_factor", UINT32_MAX, &vm->watermark_scale_factor, &vm->have_watermark_scale_factor },
                { "watermark_boost_factor", UINT32_MAX, &vm->watermark_boost_factor, &vm->have_watermark_boost_factor },
                { "overcommit_memory", 2, &vm->overcommit_memory, &vm->have_overcommit_memory },
                { "overcommit_ratio", UINT32_MAX, &vm->overcommit_ratio, &vm->have_overcommit_ratio },
                { "overcommit_kbytes", MG_KB_MAX, &vm->overcommit_kbytes, &vm->have_overcommit_kbytes },
                { "admin_reserve_kbytes", MG_KB_MAX, &vm->admin_reserve_kbytes, &vm->have_admin_reserve_kbytes },
                { "user_reserve_kbytes", MG_KB_MAX, &vm->user_reserve_kbytes, &vm->have_user_reserve_kbytes },
                { "nr_hugepages", MG_PAGES_MAX, &vm->nr_hugepages, &vm->have_nr_hugepages },
        };
        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                int r = read_sysctl(proc, t[i].leaf, t[i].max, t[i].val, t[i].have, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int read_zones(const pf_root_t *proc, mg_host_t *h, mg_error_t *err) {
        char name[sizeof(proc->name) + 16];
        _cleanup_free_ char *zi = NULL, *bi = NULL;
        mg_error_t e = { 0 };

        int r = pf_read(proc, "zoneinfo", &zi, &e);
        if (pf_is_absent(r)) {
                h->have_zoneinfo = false;
                snprintf(h->zoneinfo_error, sizeof(h->zoneinfo_error), "%.*s", (int)sizeof(h->zoneinfo_error) - 1, e.msg);
        } else if (r < 0) {
                *err = e;
                return r;
        } else {
                snprintf(name, sizeof(name), "%s/zoneinfo", proc->name);
                r = mg_parse_zoneinfo_named(zi, name, h->zones, MG_ZONES_MAX, &h->nzones, err);
                if (r < 0)
                        return r;
                h->have_zoneinfo = true;
        }

        r = pf_read(proc, "buddyinfo", &bi, &e);
        if (pf_is_absent(r))
                h->have_buddyinfo = false;
        else if (r < 0) {
                *err = e;
                return r;
        } else {
                snprintf(name, sizeof(name), "%s/buddyinfo", proc->name);
                r = mg_parse_buddyinfo_named(bi, name, h->buddy, MG_ZONES_MAX, &h->nbuddy, err);
                if (r < 0)
                        return r;
                h->have_buddyinfo = true;
        }
        return 0;
}

/* Without an `online` file: the nodeN directories present. */
static void scan_node_dirs(const pf_root_t *sys, mg_nodemask_t *ret) {
        *ret = (mg_nodemask_t){0};
        int fd = openat(sys->fd, "devices/system/node", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return;
        DIR *d = fdopendir(fd);
        if (!d) {
                close(fd);
                return;
        }
        struct dirent *de;
        while ((de = readdir(d))) {
                const char *rest;
                uint64_t id;
                if (mg_startswith(de->d_name, "node", &rest) && isdigit((unsigned char)*rest) &&
                    mg_parse_u64(rest, &id) == 0 && id < MG_NODEMASK_BITS)
                        mg_nodemask_set(ret, (int)id);
        }
        closedir(d);
}

static int read_nodes(const pf_root_t *sys, mg_host_t *h, mg_error_t *err) {
        mg_nodemask_t ids;
        _cleanup_free_ char *online = NULL;
        mg_error_t e = { 0 };

        int r = pf_read(sys, "devices/system/node/online", &online, &e);
        if (pf_is_absent(r)) {
                scan_node_dirs(sys, &ids);
        } else if (r < 0) {
                *err = e;
                return r;
        } else if (mg_parse_node_list(online, &ids) < 0) {
                char q[96];
                return mg_error_set(err, -EBADMSG, "%s/devices/system/node/online: cannot parse \"%s\"", sys->name,
                                    pf_quote(online, strcspn(online, "\n"), q, sizeof(q)));
        }

        h->nnodes = 0;
        for (int id = mg_nodemask_next(&ids, -1); id >= 0 && h->nnodes < MG_NODES_MAX; id = mg_nodemask_next(&ids, id)) {
                char rel[64], name[sizeof(sys->name) + 64];
                _cleanup_free_ char *buf = NULL;
                snprintf(rel, sizeof(rel), "devices/system/node/node%d/meminfo", id);
                r = pf_read(sys, rel, &buf, &e);
                if (pf_is_absent(r))
                        continue; /* listed online but no file: nothing to say about it */
                if (r < 0) {
                        *err = e;
                        return r;
                }
                snprintf(name, sizeof(name), "%s/%s", sys->name, rel);
                r = mg_parse_node_meminfo_named(buf, name, id, &h->nodes[h->nnodes], err);
                if (r < 0)
                        return r;
                h->nnodes++;
        }
        return 0;
}

int mg_host_read(const mg_roots_t *roots, mg_host_t *ret, mg_error_t *err) {
        pf_root_t proc = { .fd = -1 }, sys = { .fd = -1 };
        _cleanup_close_ int proc_fd = -1, sys_fd = -1;
        int r;

        r = pf_root_open(roots ? roots->procfs : NULL, "/proc", &proc, err);
        if (r < 0)
                return r;
        proc_fd = proc.fd;

        _cleanup_free_ mg_host_t *h = calloc(1, sizeof(*h));
        if (!h)
                return mg_error_set(err, -ENOMEM, "out of memory");

        long ps = sysconf(_SC_PAGESIZE);
        h->page_kb = ps >= 1024 ? (uint64_t)ps / 1024 : 4;

        _cleanup_free_ char *buf = NULL;
        r = pf_read(&proc, "meminfo", &buf, err);
        if (r < 0)
                return r;
        char name[sizeof(proc.name) + 16];
        snprintf(name, sizeof(name), "%s/meminfo", proc.name);
        r = mg_parse_meminfo_named(buf, name, &h->meminfo, err);
        if (r < 0)
                return r;

        r = read_vm(&proc, &h->vm, err);
        if (r < 0)
                return r;
        r = read_osrelease(&proc, h, err);
        if (r < 0)
                return r;
        r = read_zones(&proc, h, err);
        if (r < 0)
                return r;

        /* /sys is optional as a whole: without it there are no node figures. */
        mg_error_t e = { 0 };
        if (pf_root_open(roots ? roots->sysfs : NULL, "/sys", &sys, &e) == 0) {
                sys_fd = sys.fd;
                r = read_nodes(&sys, h, err);
                if (r < 0)
                        return r;
        }

        *ret = *h;
        return 0;
}
