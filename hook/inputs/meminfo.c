/* SPDX-License-Identifier: Apache-2.0 */
/* /proc/meminfo: one "Name: value [kB]" field a line, every number parsed strictly. */
#include "memgate/inputs/meminfo.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "memgate/util/cleanup.h"
#include "memgate/util/number.h"
#include "proc_text.h"

int mg_parse_meminfo_line(const char *line, size_t len, mg_meminfo_field_t *ret, const char **ret_why) {
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
        if (kb && v > MG_KB_MAX) {
                *ret_why = "number out of range";
                return -ERANGE;
        }
        memcpy(ret->name, line, nlen);
        ret->name[nlen] = '\0';
        ret->value = v;
        ret->kb = kb;
        return 0;
}

/* FNV-1a of a field name. */
static uint32_t name_hash(const char *s) {
        uint32_t h = 2166136261u;
        for (; *s; s++)
                h = (h ^ (unsigned char)*s) * 16777619u;
        return h;
}

_Static_assert(MG_MEMINFO_MAX < 255, "slot indices are bytes");

/* Duplicate field names are refused: the kernel prints each once, so a second one means a file
 * that is not what it claims, and neither "first wins" nor "last wins" would be honest. Fields past
 * MG_MEMINFO_MAX are still checked for syntax but not kept. */
int mg_parse_meminfo_named(const char *text, const char *name, mg_meminfo_t *ret, mg_error_t *err) {
        if (!name)
                name = "meminfo";
        _cleanup_free_ mg_meminfo_t *mi = calloc(1, sizeof(*mi));
        if (!mi)
                return mg_error_set(err, -ENOMEM, "%s: out of memory", name);

        uint8_t slot[2 * MG_MEMINFO_MAX] = {0};
        const char *p = text, *line;
        size_t len, lineno = 0;
        while (pf_next_line(&p, &line, &len)) {
                lineno++;
                if (pf_is_blank(line, len))
                        continue;
                mg_meminfo_field_t f;
                const char *why = NULL;
                int r = mg_parse_meminfo_line(line, len, &f, &why);
                if (r < 0)
                        return pf_line_error(err, r == -ERANGE ? -ERANGE : -EBADMSG, name, lineno, line, len, why);
                /* The fields kept so far, by name: a hash table of their indices (+1; 0 is empty).
                 * The linear search it replaces was 1,400 strcmp calls for a 55-line file. */
                size_t h = name_hash(f.name) % ELEMENTSOF(slot);
                for (; slot[h]; h = (h + 1) % ELEMENTSOF(slot))
                        if (strcmp(mi->f[slot[h] - 1].name, f.name) == 0)
                                return mg_error_set(err, -EBADMSG, "%s:%zu: duplicate field \"%s\"", name, lineno,
                                                    f.name);
                if (mi->n < MG_MEMINFO_MAX) {
                        mi->f[mi->n++] = f;
                        slot[h] = (uint8_t)mi->n;
                }
        }
        uint64_t v;
        if (mg_meminfo_get(mi, "MemTotal", &v) < 0 || mg_meminfo_get(mi, "MemFree", &v) < 0)
                return mg_error_set(err, -EBADMSG, "%s: no MemTotal or MemFree field (%s)", name,
                                    mi->n ? "not a meminfo file?" : "empty");
        *ret = *mi;
        return 0;
}

int mg_parse_meminfo(const char *text, mg_meminfo_t *ret, mg_error_t *err) {
        return mg_parse_meminfo_named(text, NULL, ret, err);
}

