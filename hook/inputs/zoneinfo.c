/* SPDX-License-Identifier: Apache-2.0 */
/* /proc/zoneinfo (watermarks, managed pages, protection per zone) and /proc/buddyinfo (free
 * blocks per order): text in, zones out. */
#include "memgate/inputs/zoneinfo.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "memgate/util/cleanup.h"
#include "memgate/util/number.h"
#include "proc_text.h"

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

int mg_parse_zoneinfo_named(const char *text, const char *name, mg_zone_t *zones, size_t max, size_t *ret_n,
                      mg_error_t *err) {
        if (!name)
                name = "zoneinfo";
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
                        const char *rest = pf_zone_header(line, len, &cur->z.node, cur->z.name, sizeof(cur->z.name));
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

