/* SPDX-License-Identifier: Apache-2.0 */
/* Per-zone and per-node figures: /proc/zoneinfo, /proc/buddyinfo and
 * /sys/devices/system/node/node*\/meminfo. All optional: a missing file is recorded as absent,
 * a garbage one is an error naming the file. */
#define _GNU_SOURCE
#include "memgate/host.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "procfs-internal.h"

/* "Node 0, zone      DMA": returns the position after the zone name, or NULL. */
static const char *parse_zone_header(const char *line, size_t len, int *ret_node, char *zone, size_t zone_n) {
        const char *end = line + len, *p, *tok;
        size_t tlen;
        if (!mg_startswith(line, "Node ", &p) || p > end)
                return NULL;
        if (!pf_token(&p, end, &tok, &tlen) || tlen < 2 || tok[tlen - 1] != ',')
                return NULL;
        uint64_t node;
        if (mg_parse_u64_n(tok, tlen - 1, &node) < 0 || node > 65535)
                return NULL;
        if (!pf_token(&p, end, &tok, &tlen) || !pf_tok_is(tok, tlen, "zone"))
                return NULL;
        if (!pf_token(&p, end, &tok, &tlen) || tlen >= zone_n)
                return NULL;
        for (size_t i = 0; i < tlen; i++)
                if (!isgraph((unsigned char)tok[i]))
                        return NULL;
        memcpy(zone, tok, tlen);
        zone[tlen] = '\0';
        *ret_node = (int)node;
        return p;
}

/* ---- zoneinfo ---- */

enum { Z_FREE, Z_BOOST, Z_MIN, Z_LOW, Z_HIGH, Z_MANAGED, Z_PROTECTION, Z_NKEYS };
static const char *const zone_keys[Z_NKEYS] = { "pages free", "boost", "min", "low", "high", "managed", "protection" };

typedef struct zstate {
        mg_zone_t z;
        bool seen[Z_NKEYS];
        size_t header_line;
} zstate_t;

static int zone_finish(const zstate_t *s, const char *name, mg_error_t *err) {
        /* boost is printed since 5.0 only; the rest by every kernel memgate supports */
        for (int k = 0; k < Z_NKEYS; k++)
                if (!s->seen[k] && k != Z_BOOST)
                        return mg_error_set(err, -EBADMSG,
                                            "%s:%zu: zone %s of node %d has no \"%s\" line (truncated file?)", name,
                                            s->header_line, s->z.name, s->z.node, zone_keys[k]);
        return 0;
}

static int parse_protection(const char *p, const char *end, mg_zone_t *z, const char **ret_why) {
        while (p < end && isspace((unsigned char)*p))
                p++;
        while (end > p && isspace((unsigned char)end[-1]))
                end--;
        if (end - p < 2 || *p != '(' || end[-1] != ')') {
                *ret_why = "expected \"protection: (n, n, ...)\"";
                return -EINVAL;
        }
        p++;
        end--;
        size_t n = 0;
        for (;;) {
                const char *comma = memchr(p, ',', (size_t)(end - p));
                const char *stop = comma ? comma : end;
                if (n == MG_PROTECTION_MAX) {
                        *ret_why = "more protection entries than zones memgate knows";
                        return -EINVAL;
                }
                uint64_t v;
                int r = mg_parse_u64_n(p, (size_t)(stop - p), &v);
                if (r == 0 && v > PF_PAGES_MAX)
                        r = -ERANGE;
                if (r < 0) {
                        *ret_why = r == -ERANGE ? "number out of range" : "not a number";
                        return r;
                }
                z->protection[n++] = v;
                if (!comma)
                        break;
                p = comma + 1;
        }
        z->nprotection = n;
        return 0;
}

/* States: before the first header; the per-node stats of a node's first zone (ignored); the zone
 * block from "pages free" on; the per-cpu pagesets and what follows them (ignored). */
enum { ZS_START, ZS_NODESTATS, ZS_ZONE, ZS_PAGESETS };

int pf_parse_zoneinfo(const char *text, const char *name, mg_zone_t *zones, size_t max, size_t *ret_n,
                      mg_error_t *err) {
        _cleanup_free_ zstate_t *cur = calloc(1, sizeof(*cur));
        _cleanup_free_ mg_zone_t *out = calloc(max ? max : 1, sizeof(*out));
        if (!cur || !out)
                return mg_error_set(err, -ENOMEM, "%s: out of memory", name);
        size_t n = 0, lineno = 0, len;
        int state = ZS_START, r;
        const char *p = text, *line;

        while (pf_next_line(&p, &line, &len)) {
                lineno++;
                const char *end = line + len, *q = line, *tok, *tok2;
                size_t tlen, tlen2;
                if (!pf_token(&q, end, &tok, &tlen))
                        continue; /* blank */

                if (pf_tok_is(tok, tlen, "Node")) {
                        if (state != ZS_START) {
                                r = zone_finish(cur, name, err);
                                if (r < 0)
                                        return r;
                                if (n < max)
                                        out[n++] = cur->z; /* beyond max: checked, not kept */
                        }
                        memset(cur, 0, sizeof(*cur));
                        cur->header_line = lineno;
                        const char *rest = parse_zone_header(line, len, &cur->z.node, cur->z.name, sizeof(cur->z.name));
                        if (!rest || pf_token(&rest, end, &tok, &tlen))
                                return pf_line_error(err, -EBADMSG, name, lineno, line, len,
                                                     "expected \"Node N, zone NAME\"");
                        state = ZS_NODESTATS;
                        continue;
                }
                if (state == ZS_START)
                        return pf_line_error(err, -EBADMSG, name, lineno, line, len,
                                             "expected \"Node N, zone NAME\" first");

                if (pf_tok_is(tok, tlen, "pagesets")) {
                        state = ZS_PAGESETS;
                        continue;
                }
                if (pf_tok_is(tok, tlen, "per-node")) {
                        state = ZS_NODESTATS;
                        continue;
                }
                int key = -1;
                const char *vq = q;
                if (pf_tok_is(tok, tlen, "pages")) {
                        if (pf_token(&vq, end, &tok2, &tlen2) && pf_tok_is(tok2, tlen2, "free")) {
                                key = Z_FREE;
                                q = vq;
                                state = ZS_ZONE;
                        }
                } else if (state == ZS_ZONE) {
                        if (pf_tok_is(tok, tlen, "protection:"))
                                key = Z_PROTECTION;
                        else
                                for (int k = Z_BOOST; k <= Z_MANAGED; k++)
                                        if (pf_tok_is(tok, tlen, zone_keys[k]))
                                                key = k;
                }
                if (key < 0)
                        continue; /* per-node, per-zone vm stats and the rest: not ours */
                if (cur->seen[key])
                        return pf_line_error(err, -EBADMSG, name, lineno, line, len, "duplicate line in this zone");
                cur->seen[key] = true;

                const char *why = NULL;
                if (key == Z_PROTECTION) {
                        r = parse_protection(q, end, &cur->z, &why);
                } else {
                        uint64_t v = 0;
                        r = -EINVAL;
                        why = "expected one number";
                        if (pf_token(&q, end, &tok, &tlen) && !pf_token(&q, end, &tok2, &tlen2)) {
                                r = mg_parse_u64_n(tok, tlen, &v);
                                if (r == 0 && v > PF_PAGES_MAX)
                                        r = -ERANGE;
                                why = r == -ERANGE ? "number out of range" : "not a number";
                        }
                        uint64_t *dst[] = { &cur->z.free, &cur->z.boost, &cur->z.min, &cur->z.low, &cur->z.high,
                                            &cur->z.managed };
                        if (r == 0)
                                *dst[key] = v;
                }
                if (r < 0)
                        return pf_line_error(err, r == -ERANGE ? -ERANGE : -EBADMSG, name, lineno, line, len, why);
        }
        if (state == ZS_START)
                return mg_error_set(err, -EBADMSG, "%s: no zones (empty file?)", name);
        r = zone_finish(cur, name, err);
        if (r < 0)
                return r;
        if (n < max)
                out[n++] = cur->z;
        memcpy(zones, out, n * sizeof(*out));
        *ret_n = n;
        return 0;
}

int mg_parse_zoneinfo(const char *text, mg_zone_t *zones, size_t max, size_t *ret_n, mg_error_t *err) {
        return pf_parse_zoneinfo(text, "zoneinfo", zones, max, ret_n, err);
}

/* ---- buddyinfo ---- */

int pf_parse_buddyinfo(const char *text, const char *name, mg_buddy_t *buddy, size_t max, size_t *ret_n,
                       mg_error_t *err) {
        _cleanup_free_ mg_buddy_t *out = calloc(max ? max : 1, sizeof(*out));
        if (!out)
                return mg_error_set(err, -ENOMEM, "%s: out of memory", name);
        size_t n = 0, lineno = 0, len;
        const char *p = text, *line;

        while (pf_next_line(&p, &line, &len)) {
                lineno++;
                const char *end = line + len, *tok;
                size_t tlen;
                mg_buddy_t b = { 0 };
                {
                        const char *q = line;
                        if (!pf_token(&q, end, &tok, &tlen))
                                continue;
                }
                const char *q = parse_zone_header(line, len, &b.node, b.zone, sizeof(b.zone));
                if (!q)
                        return pf_line_error(err, -EBADMSG, name, lineno, line, len,
                                             "expected \"Node N, zone NAME counts...\"");
                while (pf_token(&q, end, &tok, &tlen)) {
                        if (b.norders == MG_ORDERS_MAX)
                                return pf_line_error(err, -EBADMSG, name, lineno, line, len,
                                                     "more orders than memgate knows");
                        uint64_t v;
                        int r = mg_parse_u64_n(tok, tlen, &v);
                        if (r == 0 && v > PF_PAGES_MAX)
                                r = -ERANGE;
                        if (r < 0)
                                return pf_line_error(err, r == -ERANGE ? -ERANGE : -EBADMSG, name, lineno, line, len,
                                                     r == -ERANGE ? "number out of range" : "not a number");
                        b.free[b.norders++] = v;
                }
                if (b.norders == 0)
                        return pf_line_error(err, -EBADMSG, name, lineno, line, len, "no free counts");
                if (n < max)
                        out[n++] = b;
        }
        if (n == 0 && max > 0)
                return mg_error_set(err, -EBADMSG, "%s: no zones (empty file?)", name);
        memcpy(buddy, out, n * sizeof(*out));
        *ret_n = n;
        return 0;
}

int mg_parse_buddyinfo(const char *text, mg_buddy_t *buddy, size_t max, size_t *ret_n, mg_error_t *err) {
        return pf_parse_buddyinfo(text, "buddyinfo", buddy, max, ret_n, err);
}

int pf_read_zones(const pf_root_t *proc, mg_host_t *h, mg_error_t *err) {
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
                r = pf_parse_zoneinfo(zi, name, h->zones, MG_ZONES_MAX, &h->nzones, err);
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
                r = pf_parse_buddyinfo(bi, name, h->buddy, MG_ZONES_MAX, &h->nbuddy, err);
                if (r < 0)
                        return r;
                h->have_buddyinfo = true;
        }
        return 0;
}

/* ---- NUMA nodes ---- */

int pf_parse_node_meminfo(const char *text, const char *name, int id, mg_node_t *ret, mg_error_t *err) {
        mg_node_t nd = { .id = id };
        bool have_total = false, have_free = false;
        size_t lineno = 0, len;
        const char *p = text, *line;

        while (pf_next_line(&p, &line, &len)) {
                lineno++;
                const char *end = line + len, *q = line, *tok;
                size_t tlen;
                if (!pf_token(&q, end, &tok, &tlen))
                        continue;
                /* "Node 0 MemTotal:  24684084 kB" */
                uint64_t lid;
                if (!pf_tok_is(tok, tlen, "Node") || !pf_token(&q, end, &tok, &tlen) ||
                    mg_parse_u64_n(tok, tlen, &lid) < 0)
                        return pf_line_error(err, -EBADMSG, name, lineno, line, len, "expected \"Node N Name: value\"");
                if (lid != (uint64_t)id)
                        return pf_line_error(err, -EBADMSG, name, lineno, line, len, "line of another node");
                while (q < end && (*q == ' ' || *q == '\t'))
                        q++;
                mg_meminfo_field_t f;
                const char *why = NULL;
                int r = pf_parse_meminfo_line(q, (size_t)(end - q), &f, &why);
                if (r < 0)
                        return pf_line_error(err, r == -ERANGE ? -ERANGE : -EBADMSG, name, lineno, line, len, why);
                if (strcmp(f.name, "MemTotal") == 0)
                        nd.mem_total_kb = f.value, have_total = true;
                else if (strcmp(f.name, "MemFree") == 0)
                        nd.mem_free_kb = f.value, have_free = true;
                else if (strcmp(f.name, "FilePages") == 0)
                        nd.file_pages_kb = f.value;
                else if (strcmp(f.name, "SReclaimable") == 0)
                        nd.sreclaimable_kb = f.value;
        }
        if (!have_total || !have_free)
                return mg_error_set(err, -EBADMSG, "%s: no MemTotal or MemFree line", name);
        *ret = nd;
        return 0;
}

int mg_parse_node_meminfo(const char *text, int id, mg_node_t *ret, mg_error_t *err) {
        return pf_parse_node_meminfo(text, "node meminfo", id, ret, err);
}

/* A kernel cpulist/nodelist: "0", "0-1", "0,2-3". Ids past max are left out. */
static int node_list(const char *text, int *ids, size_t max, size_t *ret_n) {
        size_t n = 0;
        const char *s = text;
        while (isspace((unsigned char)*s))
                s++;
        if (!*s) {
                *ret_n = 0;
                return 0;
        }
        for (;;) {
                uint64_t a, b;
                size_t d = strspn(s, "0123456789");
                if (d == 0 || mg_parse_u64_n(s, d, &a) < 0 || a > 65535)
                        return -EINVAL;
                s += d;
                b = a;
                if (*s == '-') {
                        s++;
                        d = strspn(s, "0123456789");
                        if (d == 0 || mg_parse_u64_n(s, d, &b) < 0 || b > 65535 || b < a)
                                return -EINVAL;
                        s += d;
                }
                for (uint64_t i = a; i <= b && n < max; i++)
                        ids[n++] = (int)i;
                if (*s == ',') {
                        s++;
                        continue;
                }
                while (isspace((unsigned char)*s))
                        s++;
                if (*s)
                        return -EINVAL;
                break;
        }
        *ret_n = n;
        return 0;
}

static int cmp_int(const void *a, const void *b) {
        int x = *(const int *)a, y = *(const int *)b;
        return (x > y) - (x < y);
}

/* Without an `online` file: the nodeN directories present. */
static int scan_node_dirs(const pf_root_t *sys, int *ids, size_t max, size_t *ret_n) {
        int fd = openat(sys->fd, "devices/system/node", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) {
                *ret_n = 0;
                return 0;
        }
        DIR *d = fdopendir(fd);
        if (!d) {
                close(fd);
                *ret_n = 0;
                return 0;
        }
        size_t n = 0;
        struct dirent *de;
        while ((de = readdir(d)) && n < max) {
                const char *rest;
                uint64_t id;
                if (mg_startswith(de->d_name, "node", &rest) && isdigit((unsigned char)*rest) &&
                    mg_parse_u64(rest, &id) == 0 && id <= 65535)
                        ids[n++] = (int)id;
        }
        closedir(d);
        qsort(ids, n, sizeof(int), cmp_int);
        *ret_n = n;
        return 0;
}

int pf_read_nodes(const pf_root_t *sys, mg_host_t *h, mg_error_t *err) {
        int ids[MG_NODES_MAX];
        size_t nids = 0;
        _cleanup_free_ char *online = NULL;
        mg_error_t e = { 0 };

        int r = pf_read(sys, "devices/system/node/online", &online, &e);
        if (pf_is_absent(r)) {
                scan_node_dirs(sys, ids, MG_NODES_MAX, &nids);
        } else if (r < 0) {
                *err = e;
                return r;
        } else if (node_list(online, ids, MG_NODES_MAX, &nids) < 0) {
                char q[96];
                return mg_error_set(err, -EBADMSG, "%s/devices/system/node/online: cannot parse \"%s\"", sys->name,
                                    pf_quote(online, strcspn(online, "\n"), q, sizeof(q)));
        }

        h->nnodes = 0;
        for (size_t i = 0; i < nids; i++) {
                char rel[64], name[sizeof(sys->name) + 64];
                _cleanup_free_ char *buf = NULL;
                snprintf(rel, sizeof(rel), "devices/system/node/node%d/meminfo", ids[i]);
                r = pf_read(sys, rel, &buf, &e);
                if (pf_is_absent(r))
                        continue; /* listed online but no file: nothing to say about it */
                if (r < 0) {
                        *err = e;
                        return r;
                }
                snprintf(name, sizeof(name), "%s/%s", sys->name, rel);
                r = pf_parse_node_meminfo(buf, name, ids[i], &h->nodes[h->nnodes], err);
                if (r < 0)
                        return r;
                h->nnodes++;
        }
        return 0;
}
