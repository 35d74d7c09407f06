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
#include <sys/utsname.h>
#include <unistd.h>

#include "memgate/inputs/meminfo.h"
#include "memgate/inputs/nodemask.h"
#include "memgate/inputs/nodes.h"
#include "memgate/inputs/zoneinfo.h"
#include "memgate/util/cleanup.h"
#include "memgate/util/lines.h"
#include "memgate/util/number.h"
#include "memgate/util/step.h"
#include "memgate/util/text.h"
#include "proc_text.h"

/* The kernel release: uname(2) for the live /proc (the same utsname release that
 * /proc/sys/kernel/osrelease prints, in the caller's UTS namespace, for one system call instead of
 * a file's four), the file of a --procfs tree otherwise. */
static int read_osrelease(const pf_root_t *proc, bool live, mg_host_t *h, mg_error_t *err) {
        _cleanup_free_ char *file = NULL;
        struct utsname u;
        const char *buf;
        if (live && uname(&u) == 0) {
                u.release[sizeof(u.release) - 1] = '\0';
                buf = u.release;
        } else {
                int r = pf_read_one(proc, "sys/kernel/osrelease", &file, err);
                if (pf_is_absent(r))
                        return 0; /* kernel unknown: kmajor/kminor stay 0 */
                if (r < 0)
                        return r;
                buf = file;
        }
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
        int r = pf_read_one(proc, rel, &buf, err);
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

/* zoneinfo is streamed: a host with hundreds of CPUs prints megabytes of per-cpu pagesets, and no
 * whole-file cap fits every real host. 256 MiB bounds the time; a line is at most 4 KiB. */
#define ZONEINFO_MAX_BYTES ((size_t)256 << 20)
#define ZONEINFO_MAX_LINE 4096

static int zoneinfo_line(const char *line, size_t len, size_t lineno, void *userdata, mg_error_t *err) {
        return mg_zoneinfo_parser_line(userdata, line, len, lineno, err);
}

static int read_zoneinfo(const pf_root_t *proc, mg_host_t *h, mg_error_t *err) {
        char name[sizeof(proc->name) + 16];
        mg_error_t e = { 0 };

        snprintf(name, sizeof(name), "%s/zoneinfo", proc->name);
        mg_zoneinfo_parser_t *p = mg_zoneinfo_parser_new(name, MG_ZONES_MAX);
        if (!p)
                return mg_error_set(err, -ENOMEM, "%s: out of memory", name);
        int r = mg_read_lines_at(proc->fd, "zoneinfo", name, ZONEINFO_MAX_BYTES, ZONEINFO_MAX_LINE, zoneinfo_line, p, &e);
        if (r < 0) {
                mg_zoneinfo_parser_free(p);
                if (pf_is_absent(r)) { /* optional (a hardened /proc hides it): recorded as absent */
                        h->have_zoneinfo = false;
                        snprintf(h->zoneinfo_error, sizeof(h->zoneinfo_error), "%.*s",
                                 (int)sizeof(h->zoneinfo_error) - 1, e.msg);
                        return 0;
                }
                *err = e;
                return r;
        }
        r = mg_zoneinfo_parser_finish(p, &h->zones, &h->nzones, &h->zones_listed, err);
        mg_zoneinfo_parser_free(p);
        if (r < 0)
                return r;
        h->have_zoneinfo = true;
        return 0;
}

static int read_buddyinfo(const pf_root_t *proc, mg_host_t *h, mg_error_t *err) {
        char name[sizeof(proc->name) + 16];
        _cleanup_free_ char *bi = NULL;
        mg_error_t e = { 0 };

        int r = pf_read(proc, "buddyinfo", &bi, &e);
        if (pf_is_absent(r)) {
                h->have_buddyinfo = false;
                return 0;
        }
        if (r < 0) {
                *err = e;
                return r;
        }
        /* One line a zone. */
        size_t lines = 1;
        for (const char *c = bi; (c = strchr(c, '\n')); c++)
                lines++;
        size_t max = lines < MG_ZONES_MAX ? lines : MG_ZONES_MAX;
        h->buddy = calloc(max, sizeof(*h->buddy));
        if (!h->buddy)
                return mg_error_set(err, -ENOMEM, "out of memory");
        snprintf(name, sizeof(name), "%s/buddyinfo", proc->name);
        r = mg_parse_buddyinfo_named(bi, name, h->buddy, max, &h->nbuddy, err);
        if (r < 0)
                return r;
        h->have_buddyinfo = true;
        return 0;
}

/* Without an `online` file: the nodeN directories present. */
static void scan_node_dirs(const pf_root_t *sys, mg_nodemask_t *ret) {
        *ret = (mg_nodemask_t){0};
        mg_step("listing %s/devices/system/node", sys->name);
        int fd = openat(sys->fd, "devices/system/node", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NONBLOCK);
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

        int r = pf_read_one(sys, "devices/system/node/online", &online, &e);
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
        size_t count = mg_nodemask_count(&ids);
        if (count == 0)
                return 0;
        h->nodes = calloc(count, sizeof(*h->nodes));
        if (!h->nodes)
                return mg_error_set(err, -ENOMEM, "out of memory");
        for (int id = mg_nodemask_next(&ids, -1); id >= 0 && h->nnodes < count; id = mg_nodemask_next(&ids, id)) {
                char rel[64], name[sizeof(sys->name) + 64];
                _cleanup_free_ char *buf = NULL;
                snprintf(rel, sizeof(rel), "devices/system/node/node%d/meminfo", id);
                r = pf_read_one(sys, rel, &buf, &e);
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
        _cleanup_free_ char *buf = NULL;
        mg_host_t h = { 0 };
        int r;

        r = pf_root_open(roots ? roots->procfs : NULL, "/proc", &proc, err);
        if (r < 0)
                return r;
        proc_fd = proc.fd;

        long ps = sysconf(_SC_PAGESIZE);
        h.page_kb = ps >= 1024 ? (uint64_t)ps / 1024 : 4;

        r = pf_read_one(&proc, "meminfo", &buf, err);
        if (r < 0)
                goto fail;
        char name[sizeof(proc.name) + 16];
        snprintf(name, sizeof(name), "%s/meminfo", proc.name);
        if ((r = mg_parse_meminfo_named(buf, name, &h.meminfo, err)) < 0 || (r = read_vm(&proc, &h.vm, err)) < 0 ||
            (r = read_osrelease(&proc, strcmp(proc.name, "/proc") == 0, &h, err)) < 0 || (r = read_zoneinfo(&proc, &h, err)) < 0 ||
            (r = read_buddyinfo(&proc, &h, err)) < 0)
                goto fail;

        /* /sys is optional as a whole: without it there are no node figures. */
        mg_error_t e = { 0 };
        if (pf_root_open(roots ? roots->sysfs : NULL, "/sys", &sys, &e) == 0) {
                sys_fd = sys.fd;
                if ((r = read_nodes(&sys, &h, err)) < 0)
                        goto fail;
        }
        *ret = h;
        return 0;
fail:
        mg_host_clear(&h);
        return r;
}
