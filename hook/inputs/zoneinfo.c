/* SPDX-License-Identifier: Apache-2.0 */
/* /proc/zoneinfo (watermarks, managed pages, protection per zone) and /proc/buddyinfo (free
 * blocks per order): text in, zones out. */
#include "memgate/inputs/zoneinfo.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>

#include "memgate/util/cleanup.h"
#include "memgate/util/number.h"
#include "proc_text.h"

/* ---- zoneinfo ---- */

enum { Z_FREE, Z_BOOST, Z_MIN, Z_LOW, Z_HIGH, Z_MANAGED, Z_PROTECTION, Z_NKEYS };
/* For messages; the parser compares the literal words (mg_zoneinfo_parser_line). */
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
                if (r == 0 && v > MG_PAGES_MAX)
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

struct mg_zoneinfo_parser {
        char name[512];
        mg_zone_t *zones;
        size_t n, cap, max, total;
        zstate_t cur;
        int state;
};

mg_zoneinfo_parser_t *mg_zoneinfo_parser_new(const char *name, size_t max_zones) {
        mg_zoneinfo_parser_t *p = calloc(1, sizeof(*p));
        if (!p)
                return NULL;
        snprintf(p->name, sizeof(p->name), "%s", name ? name : "zoneinfo");
        p->max = max_zones;
        return p;
}

void mg_zoneinfo_parser_free(mg_zoneinfo_parser_t *p) {
        if (!p)
                return;
        free(p->zones);
        free(p);
}

/* The zone just read is complete: check it and keep it (beyond max: checked, counted, not kept). */
static int keep_zone(mg_zoneinfo_parser_t *p, mg_error_t *err) {
        int r = zone_finish(&p->cur, p->name, err);
        if (r < 0)
                return r;
        p->total++;
        if (p->n >= p->max)
                return 0;
        if (p->n == p->cap) {
                size_t ncap = p->cap ? p->cap * 2 : 8;
                if (ncap > p->max)
                        ncap = p->max;
                mg_zone_t *z = reallocarray(p->zones, ncap, sizeof(*z));
                if (!z)
                        return mg_error_set(err, -ENOMEM, "%s: out of memory", p->name);
                p->zones = z;
                p->cap = ncap;
        }
        p->zones[p->n++] = p->cur.z;
        return 0;
}

int mg_zoneinfo_parser_line(mg_zoneinfo_parser_t *p, const char *line, size_t len, size_t lineno, mg_error_t *err) {
        const char *name = p->name;
        zstate_t *cur = &p->cur;
        const char *end = line + len, *q = line, *tok, *tok2;
        size_t tlen, tlen2;
        int r;

        /* Every line memgate reads starts with one of Node, pages, pagesets, per-node,
         * protection:, boost, min, low, high or managed; the rest (vm stats, per-cpu pagesets:
         * nearly all of a large host's zoneinfo) is skipped at its first byte, untokenised. */
        if (p->state != ZS_START) {
                while (q < end && (*q == ' ' || *q == '\t'))
                        q++;
                if (q == end)
                        return 0;
                switch (*q) {
                case 'N': case 'p': case 'b': case 'm': case 'l': case 'h':
                        break;
                default:
                        return 0;
                }
                q = line;
        }
        if (!pf_token(&q, end, &tok, &tlen))
                return 0; /* blank */
        if (pf_tok_is(tok, tlen, "Node")) {
                if (p->state != ZS_START && (r = keep_zone(p, err)) < 0)
                        return r;
                memset(cur, 0, sizeof(*cur));
                cur->header_line = lineno;
                const char *rest = pf_zone_header(line, len, &cur->z.node, cur->z.name, sizeof(cur->z.name));
                if (!rest || pf_token(&rest, end, &tok, &tlen))
                        return pf_line_error(err, -EBADMSG, name, lineno, line, len, "expected \"Node N, zone NAME\"");
                p->state = ZS_NODESTATS;
                return 0;
        }
        if (p->state == ZS_START)
                return pf_line_error(err, -EBADMSG, name, lineno, line, len, "expected \"Node N, zone NAME\" first");
        /* The per-cpu pagesets are most of a large host's zoneinfo: skip them at the first token. */
        if (p->state == ZS_PAGESETS && !pf_tok_is(tok, tlen, "per-node") && !pf_tok_is(tok, tlen, "pages"))
                return 0;
        if (pf_tok_is(tok, tlen, "pagesets")) {
                p->state = ZS_PAGESETS;
                return 0;
        }
        if (pf_tok_is(tok, tlen, "per-node")) {
                p->state = ZS_NODESTATS;
                return 0;
        }
        int key = -1;
        const char *vq = q;
        if (pf_tok_is(tok, tlen, "pages")) {
                if (pf_token(&vq, end, &tok2, &tlen2) && pf_tok_is(tok2, tlen2, "free")) {
                        key = Z_FREE;
                        q = vq;
                        p->state = ZS_ZONE;
                }
        } else if (p->state == ZS_ZONE) {
                /* Most lines of a zone block are vm stats ("nr_free_pages 5391"): literal words,
                 * so each comparison is a length test and at most one short memcmp. */
                if (pf_tok_is(tok, tlen, "protection:"))
                        key = Z_PROTECTION;
                else if (pf_tok_is(tok, tlen, "boost"))
                        key = Z_BOOST;
                else if (pf_tok_is(tok, tlen, "min"))
                        key = Z_MIN;
                else if (pf_tok_is(tok, tlen, "low"))
                        key = Z_LOW;
                else if (pf_tok_is(tok, tlen, "high"))
                        key = Z_HIGH;
                else if (pf_tok_is(tok, tlen, "managed"))
                        key = Z_MANAGED;
        }
        if (key < 0)
                return 0; /* per-node, per-zone vm stats and the rest: not ours */
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
                        if (r == 0 && v > MG_PAGES_MAX)
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
        return 0;
}

int mg_zoneinfo_parser_finish(mg_zoneinfo_parser_t *p, mg_zone_t **ret_zones, size_t *ret_n, size_t *ret_total,
                              mg_error_t *err) {
        int r;
        if (p->state == ZS_START)
                return mg_error_set(err, -EBADMSG, "%s: no zones (empty file?)", p->name);
        if ((r = keep_zone(p, err)) < 0)
                return r;
        p->state = ZS_START;
        *ret_zones = TAKE_PTR(p->zones);
        *ret_n = p->n;
        if (ret_total)
                *ret_total = p->total;
        p->n = p->cap = 0;
        return 0;
}

int mg_parse_zoneinfo_named(const char *text, const char *name, mg_zone_t *zones, size_t max, size_t *ret_n,
                            mg_error_t *err) {
        mg_zoneinfo_parser_t *p = mg_zoneinfo_parser_new(name, max);
        _cleanup_free_ mg_zone_t *out = NULL;
        size_t n = 0, len, lineno = 0;
        const char *s = text, *line;
        int r = 0;

        if (!p)
                return mg_error_set(err, -ENOMEM, "%s: out of memory", name ? name : "zoneinfo");
        while (r >= 0 && pf_next_line(&s, &line, &len))
                r = mg_zoneinfo_parser_line(p, line, len, ++lineno, err);
        if (r >= 0)
                r = mg_zoneinfo_parser_finish(p, &out, &n, NULL, err);
        mg_zoneinfo_parser_free(p);
        if (r < 0)
                return r;
        if (n)
                memcpy(zones, out, n * sizeof(*out));
        *ret_n = n;
        return 0;
}

int mg_parse_zoneinfo(const char *text, mg_zone_t *zones, size_t max, size_t *ret_n, mg_error_t *err) {
        return mg_parse_zoneinfo_named(text, NULL, zones, max, ret_n, err);
}

/* ---- buddyinfo ---- */

int mg_parse_buddyinfo_named(const char *text, const char *name, mg_buddy_t *buddy, size_t max, size_t *ret_n,
                       mg_error_t *err) {
        if (!name)
                name = "buddyinfo";
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
                const char *q = pf_zone_header(line, len, &b.node, b.zone, sizeof(b.zone));
                if (!q)
                        return pf_line_error(err, -EBADMSG, name, lineno, line, len,
                                             "expected \"Node N, zone NAME counts...\"");
                while (pf_token(&q, end, &tok, &tlen)) {
                        if (b.norders == MG_ORDERS_MAX)
                                return pf_line_error(err, -EBADMSG, name, lineno, line, len,
                                                     "more orders than memgate knows");
                        uint64_t v;
                        int r = mg_parse_u64_n(tok, tlen, &v);
                        if (r == 0 && v > MG_PAGES_MAX)
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
        return mg_parse_buddyinfo_named(text, NULL, buddy, max, ret_n, err);
}

