/* SPDX-License-Identifier: Apache-2.0 */
/* The host snapshot from a --procfs/--sysfs tree: meminfo, the vm sysctls and osrelease here;
 * zoneinfo, buddyinfo and the NUMA nodes in procfs_zone.c. Every read is relative to an O_PATH
 * fd of its root, bounded by MG_CAP_PROC, and every number is parsed strictly. */
#define _GNU_SOURCE
#include "memgate/host.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "procfs-internal.h"

/* ---- shared helpers ---- */

bool pf_is_absent(int r) {
        return r == -ENOENT || r == -EACCES || r == -EPERM || r == -ENOTDIR;
}

int pf_read(const pf_root_t *root, const char *rel, char **ret_buf, mg_error_t *err) {
        mg_error_t e = { 0 };
        int r = mg_read_file_at(root->fd, rel, MG_CAP_PROC, true, ret_buf, NULL, &e);
        if (r < 0) /* mg_read_file_at's message starts with rel: make it "<root>/<rel>: ..." */
                return mg_error_set(err, r, "%s/%s", root->name, e.msg);
        return 0;
}

bool pf_next_line(const char **p, const char **ret_line, size_t *ret_len) {
        const char *s = *p;
        if (!*s)
                return false;
        const char *nl = strchr(s, '\n');
        size_t len = nl ? (size_t)(nl - s) : strlen(s);
        *ret_line = s;
        *ret_len = len;
        *p = nl ? nl + 1 : s + len;
        return true;
}

bool pf_token(const char **p, const char *end, const char **ret_tok, size_t *ret_len) {
        const char *s = *p;
        while (s < end && (*s == ' ' || *s == '\t'))
                s++;
        if (s == end) {
                *p = s;
                return false;
        }
        const char *t = s;
        while (s < end && *s != ' ' && *s != '\t')
                s++;
        *ret_tok = t;
        *ret_len = (size_t)(s - t);
        *p = s;
        return true;
}

bool pf_tok_is(const char *tok, size_t len, const char *word) {
        return strlen(word) == len && memcmp(tok, word, len) == 0;
}

const char *pf_quote(const char *line, size_t len, char *buf, size_t n) {
        size_t max = len < 80 ? len : 80;
        if (max > n - 4)
                max = n - 4;
        size_t i;
        for (i = 0; i < max; i++)
                buf[i] = isprint((unsigned char)line[i]) ? line[i] : '?';
        if (max < len) {
                memcpy(buf + i, "...", 3);
                i += 3;
        }
        buf[i] = '\0';
        return buf;
}

int pf_line_error(mg_error_t *err, int code, const char *name, size_t lineno, const char *line, size_t len,
                  const char *why) {
        char q[96];
        return mg_error_set(err, code, "%s:%zu: cannot parse \"%s\"%s%s", name, lineno, pf_quote(line, len, q, sizeof(q)),
                            why ? ": " : "", why ? why : "");
}

/* ---- meminfo ---- */

int pf_parse_meminfo_line(const char *line, size_t len, mg_meminfo_field_t *ret, const char **ret_why) {
        const char *end = line + len;
        const char *colon = memchr(line, ':', len);
        if (!colon || colon == line) {
                *ret_why = "expected \"Name: value\"";
                return -EINVAL;
        }
        size_t nlen = (size_t)(colon - line);
        if (nlen >= sizeof(ret->name)) {
                *ret_why = "field name too long";
                return -EINVAL;
        }
        for (size_t i = 0; i < nlen; i++)
                if (!isgraph((unsigned char)line[i])) {
                        *ret_why = "bad character in the field name";
                        return -EINVAL;
                }

        const char *p = colon + 1, *tok;
        size_t tlen;
        if (!pf_token(&p, end, &tok, &tlen)) {
                *ret_why = "no value";
                return -EINVAL;
        }
        uint64_t v;
        int r = mg_parse_u64_n(tok, tlen, &v);
        if (r == -ERANGE) {
                *ret_why = "number out of range";
                return r;
        }
        if (r < 0) {
                *ret_why = "not a number";
                return r;
        }
        bool kb = false;
        if (pf_token(&p, end, &tok, &tlen)) {
                if (!pf_tok_is(tok, tlen, "kB")) {
                        *ret_why = "unknown unit";
                        return -EINVAL;
                }
                kb = true;
                if (pf_token(&p, end, &tok, &tlen)) {
                        *ret_why = "trailing text";
                        return -EINVAL;
                }
        }
        if (kb && v > PF_KB_MAX) {
                *ret_why = "number out of range";
                return -ERANGE;
        }
        memcpy(ret->name, line, nlen);
        ret->name[nlen] = '\0';
        ret->value = v;
        ret->kb = kb;
        return 0;
}

static bool is_blank(const char *line, size_t len) {
        for (size_t i = 0; i < len; i++)
                if (!isspace((unsigned char)line[i]))
                        return false;
        return true;
}

/* Duplicate field names are refused: the kernel prints each once, so a second one means a file
 * that is not what it claims, and neither "first wins" nor "last wins" would be honest. Fields past
 * MG_MEMINFO_MAX are still checked for syntax but not kept. */
int pf_parse_meminfo(const char *text, const char *name, mg_meminfo_t *ret, mg_error_t *err) {
        _cleanup_free_ mg_meminfo_t *mi = calloc(1, sizeof(*mi));
        if (!mi)
                return mg_error_set(err, -ENOMEM, "%s: out of memory", name);

        const char *p = text, *line;
        size_t len, lineno = 0;
        while (pf_next_line(&p, &line, &len)) {
                lineno++;
                if (is_blank(line, len))
                        continue;
                mg_meminfo_field_t f;
                const char *why = NULL;
                int r = pf_parse_meminfo_line(line, len, &f, &why);
                if (r < 0)
                        return pf_line_error(err, r == -ERANGE ? -ERANGE : -EBADMSG, name, lineno, line, len, why);
                for (size_t i = 0; i < mi->n; i++)
                        if (strcmp(mi->f[i].name, f.name) == 0)
                                return mg_error_set(err, -EBADMSG, "%s:%zu: duplicate field \"%s\"", name, lineno,
                                                    f.name);
                if (mi->n < MG_MEMINFO_MAX)
                        mi->f[mi->n++] = f;
        }
        uint64_t v;
        if (mg_meminfo_get(mi, "MemTotal", &v) < 0 || mg_meminfo_get(mi, "MemFree", &v) < 0)
                return mg_error_set(err, -EBADMSG, "%s: no MemTotal or MemFree field (%s)", name,
                                    mi->n ? "not a meminfo file?" : "empty");
        *ret = *mi;
        return 0;
}

int mg_parse_meminfo(const char *text, mg_meminfo_t *ret, mg_error_t *err) {
        return pf_parse_meminfo(text, "meminfo", ret, err);
}

int mg_meminfo_get(const mg_meminfo_t *mi, const char *name, uint64_t *ret) {
        for (size_t i = 0; i < mi->n; i++)
                if (strcmp(mi->f[i].name, name) == 0) {
                        *ret = mi->f[i].value;
                        return 0;
                }
        return -ENOENT;
}

uint64_t mg_meminfo_or0(const mg_meminfo_t *mi, const char *name) {
        uint64_t v = 0;
        (void)mg_meminfo_get(mi, name, &v);
        return v;
}

/* ---- osrelease ---- */

/* "6.18.44-fc-v595" -> 6.18, "3.10.0-1160.el7.x86_64" -> 3.10, "5.4" -> 5.4. */
int mg_parse_osrelease(const char *text, int *ret_major, int *ret_minor) {
        if (!text)
                return -EINVAL;
        const char *s = text;
        while (isspace((unsigned char)*s))
                s++;
        long v[2];
        for (int i = 0; i < 2; i++) {
                if (!isdigit((unsigned char)*s))
                        return -EINVAL;
                long n = 0;
                size_t digits = 0;
                while (isdigit((unsigned char)*s)) {
                        if (++digits > 6)
                                return -ERANGE;
                        n = n * 10 + (*s++ - '0');
                }
                v[i] = n;
                if (i == 0 && *s++ != '.')
                        return -EINVAL;
        }
        /* after the minor: end, or a separator such as '.', '-', '+', '_' (never another digit run) */
        if (*s && !(*s == '.' || *s == '-' || *s == '+' || *s == '_' || *s == '~' || isspace((unsigned char)*s)))
                return -EINVAL;
        *ret_major = (int)v[0];
        *ret_minor = (int)v[1];
        return 0;
}

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
                { "min_free_kbytes", PF_KB_MAX, &vm->min_free_kbytes, &vm->have_min_free_kbytes },
                { "watermark_scale_factor", UINT32_MAX, &vm->watermark_scale_factor, &vm->have_watermark_scale_factor },
                { "watermark_boost_factor", UINT32_MAX, &vm->watermark_boost_factor, &vm->have_watermark_boost_factor },
                { "overcommit_memory", 2, &vm->overcommit_memory, &vm->have_overcommit_memory },
                { "overcommit_ratio", UINT32_MAX, &vm->overcommit_ratio, &vm->have_overcommit_ratio },
                { "overcommit_kbytes", PF_KB_MAX, &vm->overcommit_kbytes, &vm->have_overcommit_kbytes },
                { "admin_reserve_kbytes", PF_KB_MAX, &vm->admin_reserve_kbytes, &vm->have_admin_reserve_kbytes },
                { "user_reserve_kbytes", PF_KB_MAX, &vm->user_reserve_kbytes, &vm->have_user_reserve_kbytes },
                { "nr_hugepages", PF_PAGES_MAX, &vm->nr_hugepages, &vm->have_nr_hugepages },
        };
        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                int r = read_sysctl(proc, t[i].leaf, t[i].max, t[i].val, t[i].have, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* ---- the snapshot ---- */

static int root_open(const char *path, const char *def, pf_root_t *ret, mg_error_t *err) {
        const char *p = path && *path ? path : def;
        size_t n = strlen(p);
        while (n > 1 && p[n - 1] == '/') /* "/proc/" names files "/proc/meminfo" */
                n--;
        if (n >= sizeof(ret->name))
                return mg_error_set(err, -ENAMETOOLONG, "%.64s...: path too long", p);
        memcpy(ret->name, p, n);
        ret->name[n] = '\0';
        if (n == 1 && ret->name[0] == '/')
                ret->name[0] = '\0'; /* root "/" itself: "" + "/meminfo" */
        ret->fd = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (ret->fd < 0)
                return mg_error_set(err, -errno, "%s: %s", p, strerror(errno));
        return 0;
}

int mg_host_read(const mg_roots_t *roots, mg_host_t *ret, mg_error_t *err) {
        pf_root_t proc = { .fd = -1 }, sys = { .fd = -1 };
        _cleanup_close_ int proc_fd = -1, sys_fd = -1;
        int r;

        r = root_open(roots ? roots->procfs : NULL, "/proc", &proc, err);
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
        r = pf_parse_meminfo(buf, name, &h->meminfo, err);
        if (r < 0)
                return r;

        r = read_vm(&proc, &h->vm, err);
        if (r < 0)
                return r;
        r = read_osrelease(&proc, h, err);
        if (r < 0)
                return r;
        r = pf_read_zones(&proc, h, err);
        if (r < 0)
                return r;

        /* /sys is optional as a whole: without it there are no node figures. */
        mg_error_t e = { 0 };
        if (root_open(roots ? roots->sysfs : NULL, "/sys", &sys, &e) == 0) {
                sys_fd = sys.fd;
                r = pf_read_nodes(&sys, h, err);
                if (r < 0)
                        return r;
        }

        *ret = *h;
        return 0;
}
