/* SPDX-License-Identifier: Apache-2.0 */
/* The parts of a bundle's config.json the checks need, read as runc reads them (json.h), in one
 * pass with yajl's callbacks: no tree, nothing kept but the dozen values below, everything else
 * skipped without an allocation (issue 14: the tree, its lookups and its free were half of what
 * a hook start cost).
 *
 * It must read every document exactly as config_tree.c, the reader over a whole yajl tree, does:
 * the same container, the same error text and code (tests/unit/test_config_stream.c compares the
 * two on every fixture, on mutants of them and on generated documents; so does fuzz-config). How:
 *   - Every field is a path from the root (mg_cfg_fields[] below). At each object on the way the key is
 *     matched with the same Go rule (mg_json_key_match_n), every matching member is applied in
 *     document order, which is the order the tree reader's visit takes; a null on the way resets
 *     the field, anything else but an object is the same "must be an object" error.
 *   - The tree reader looks the fields up one after the other and stops at the first error; the
 *     first field in that order with an error is the one it reports, with the first error of that
 *     field in document order. So the callbacks note each field's first error, stop reading that
 *     field, and at the end report the error of the lowest field; the "ociVersion is required"
 *     error belongs to field 0.
 *   - The tree reader sees no field before yajl has accepted the whole document, so a syntax
 *     error anywhere wins over any field's error: the parse goes on to the end after a field's
 *     error, and field errors count only when yajl accepted everything.
 * The limits (see read_config()) and the string rewrite are the tree reader's, applied before yajl. */
#include <errno.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>

#include "memgate/oci/parse.h"

#include "config_values.h"
#include "json.h"
#include "json_skip.h"

static bool dead(const mg_cfg_reader_t *p, int f) {
        return p->dead & (1u << f);
}

static int out_of_memory(mg_cfg_reader_t *p) {
        p->oom = true;
        return 0; /* cancels the parse */
}

static int over_limit(mg_cfg_reader_t *p) {
        p->over_limit = true;
        return 0;
}

/* Every value: the root, an array element, an object member's value. */
static int on_value(mg_cfg_reader_t *p, enum mg_cfg_type t, const unsigned char *s, size_t l) {
        if (p->replay)
                return 1;
        p->next_mask = 0;
        p->next_collect = -1;
        if (p->depth == 0) {
                p->root_type = t;
                p->next_mask = t == T_OBJECT ? MG_CFG_ALL_FIELDS : 0;
                p->next_level = 0;
                return 1;
        }
        mg_cfg_frame_t *fr = &p->st[p->depth - 1];
        if (fr->array && fr->count++ > 0 && ++p->values > MG_JSON_MAX_VALUES) /* the comma before it */
                return over_limit(p);
        if (fr->collect >= 0 && !dead(p, fr->collect))
                mg_cfg_collect(p, fr, t, s, l);
        uint16_t m = fr->pend & (uint16_t)~p->dead;
        fr->pend = 0;
        if (m)
                mg_cfg_path_value(p, fr->level, m, t, s, l);
        return p->oom ? 0 : 1;
}

static int on_open(mg_cfg_reader_t *p, enum mg_cfg_type t) {
        if (p->replay)
                return 1;
        if (!on_value(p, t, NULL, 0))
                return 0;
        if (++p->values > MG_JSON_MAX_VALUES || p->depth >= MG_JSON_MAX_DEPTH)
                return over_limit(p);
        p->st[p->depth++] = (mg_cfg_frame_t){
                .mask = p->next_mask,
                .collect = p->next_collect,
                .level = p->next_level,
                .array = t == T_ARRAY,
        };
        return 1;
}

static int on_close(mg_cfg_reader_t *p) {
        if (p->replay)
                return 1;
        mg_cfg_frame_t *fr = &p->st[--p->depth];
        if (fr->collect >= 0 && mg_cfg_fields[fr->collect].kind == K_STRV && mg_cfg_strv_done(p, fr->collect) < 0)
                return out_of_memory(p);
        return 1;
}

static int cb_null(void *ctx) {
        return on_value(ctx, T_NULL, NULL, 0);
}

static int cb_boolean(void *ctx, int b) {
        return on_value(ctx, T_BOOL, NULL, 0);
}

static int cb_number(void *ctx, const char *s, size_t l) {
        return on_value(ctx, T_NUMBER, (const unsigned char *)s, l);
}

static int cb_string(void *ctx, const unsigned char *s, size_t l) {
        return on_value(ctx, T_STRING, s, l);
}

static int cb_start_map(void *ctx) {
        return on_open(ctx, T_OBJECT);
}

static int cb_start_array(void *ctx) {
        return on_open(ctx, T_ARRAY);
}

static int cb_end(void *ctx) {
        return on_close(ctx);
}

/* The value of the member whose key yajl just read feeds no field (nothing pending, nothing
 * collected): when it is an object or array of SKIP_MIN bytes or more that json_skip.c vouches
 * for, its values are counted as the callbacks would count them and the parse is cancelled here,
 * to go on after it (parse_all). A span not vouched for, or too small, is read by yajl, and no
 * skip is tried again inside it: each byte is scanned at most once more than yajl reads it. */
#define SKIP_MIN 512

static int try_skip(mg_cfg_reader_t *p) {
        if (!p->chunk)
                return 1;
        const char *s = p->chunk + yajl_get_bytes_consumed(p->h), *end = p->chunk_end, *stop;
        if (s < p->noskip_until || !(s = mg_json_member_container(s, end)))
                return 1;
        mg_json_span_t sp;
        if (mg_json_skip_container(s, end, MG_JSON_MAX_DEPTH - p->depth, &sp, &stop) < 0) {
                p->noskip_until = stop;
                return 1;
        }
        if (sp.end - s < SKIP_MIN || sp.values > MG_JSON_MAX_VALUES - p->values) {
                p->noskip_until = sp.end;
                return 1;
        }
        p->values += sp.values;
        p->resume = sp.end;
        return 0;
}

static int cb_map_key(void *ctx, const unsigned char *k, size_t l) {
        mg_cfg_reader_t *p = ctx;
        if (p->replay)
                return 1;
        mg_cfg_frame_t *fr = &p->st[p->depth - 1];

        if (fr->count++ > 0 && ++p->values > MG_JSON_MAX_VALUES)
                return over_limit(p);
        if (fr->collect >= 0 && !dead(p, fr->collect)) {
                free(p->key);
                if (!(p->key = mg_cfg_copy_str(k, l)))
                        return out_of_memory(p);
        }
        uint16_t m = fr->mask & (uint16_t)~p->dead, pend = 0;
        const char *last = NULL;
        bool last_match = false;
        for (int f = 0; m && f < F_COUNT; f++) {
                if (!(m & (1u << f)))
                        continue;
                const char *want = mg_cfg_fields[f].path[fr->level];
                if (want != last) {
                        last = want;
                        last_match = mg_json_key_match_n((const char *)k, l, want);
                }
                if (last_match)
                        pend |= (uint16_t)(1u << f);
        }
        fr->pend = pend;
        return pend || fr->collect >= 0 ? 1 : try_skip(p);
}

static const yajl_callbacks callbacks = {
        .yajl_null = cb_null,
        .yajl_boolean = cb_boolean,
        .yajl_number = cb_number, /* the raw text: no integer/double conversion, as in the tree */
        .yajl_string = cb_string,
        .yajl_start_map = cb_start_map,
        .yajl_map_key = cb_map_key,
        .yajl_end_map = cb_end,
        .yajl_start_array = cb_start_array,
        .yajl_end_array = cb_end,
};

/* yajl over the whole text in one call, as yajl_tree_parse does. Its allocations go through
 * mg_json_alloc: one that fails jumps back to run_yajl, and the handle (in p, not on a stack frame)
 * is freed by the caller. Comments stay refused, yajl's default (yajl_tree_parse allows them): see
 * read_config(). */
/* After a skip (try_skip): a new handle, brought to the nesting of p->st[] with a null for the
 * skipped value ({"": for each object on the way, [ for each array, the innermost object's
 * member "":null), its callbacks doing nothing meanwhile. yajl then stands where it stood after
 * the skipped value, and takes the rest of the text as it would have. */
static yajl_status reopen(mg_cfg_reader_t *p) {
        char pre[MG_JSON_MAX_DEPTH * 4 + 4];
        size_t n = 0;

        yajl_free(p->h);
        p->h = NULL;
        if (!(p->h = yajl_alloc(&callbacks, &p->alloc.funcs, p))) {
                p->oom = true;
                return yajl_status_error;
        }
        for (unsigned i = 0; i < p->depth; i++) {
                if (p->st[i].array)
                        pre[n++] = '[';
                else
                        memcpy(pre + n, "{\"\":", 4), n += 4;
        }
        memcpy(pre + n, "null", 4), n += 4;
        p->replay = true;
        yajl_status st = yajl_parse(p->h, (const unsigned char *)pre, n);
        p->replay = false;
        return st;
}

static __attribute__((noinline)) yajl_status parse_all(mg_cfg_reader_t *p, const char *text, size_t tlen) {
        const char *s = text, *end = text + tlen;
        yajl_status st;
        for (;;) {
                p->chunk = s, p->chunk_end = end;
                st = yajl_parse(p->h, (const unsigned char *)s, (size_t)(end - s));
                p->chunk = NULL;
                if (st != yajl_status_client_canceled || !p->resume)
                        break;
                s = p->resume;
                p->resume = NULL;
                if ((st = reopen(p)) != yajl_status_ok)
                        break;
        }
        return st == yajl_status_ok ? yajl_complete_parse(p->h) : st;
}

static int run_yajl(mg_cfg_reader_t *p, const char *text, size_t tlen, char *ebuf, size_t esz) {
        if (setjmp(p->alloc.on_oom))
                return -ENOMEM;
        p->h = yajl_alloc(&callbacks, &p->alloc.funcs, p);
        if (!p->h)
                return -ENOMEM;
        if (parse_all(p, text, tlen) == yajl_status_ok)
                return 0;
        if (p->oom)
                return -ENOMEM;
        if (p->over_limit)
                return -E2BIG;
        /* Not verbose: the first line, all that memgate reports, quotes no text. */
        unsigned char *m = yajl_get_error(p->h, 0, NULL, 0);
        snprintf(ebuf, esz, "%s", m ? (const char *)m : "");
        yajl_free_error(p->h, m);
        return -EBADMSG;
}

/* The limits, and why checking them during the parse is the tree reader's check before it.
 * mg_json_parse runs check_limits over the whole text before yajl sees a byte, and reports its
 * error (too deep, too many values, a comment) whatever else is wrong. Here the callbacks count
 * depth and values as they come and cancel the parse past a limit, so no more than 64 levels and
 * 262,144 values are ever handled; and whenever this reader fails for any reason, check_limits
 * runs over the whole text and its error, if any, is the one reported. That gives the tree
 * reader's answer for every document check_limits refuses, because this reader cannot succeed on
 * one: a text yajl accepts with comments refused is JSON with no '/' outside strings, whose
 * strings are the ones check_limits skips (the rewrite changes bytes inside strings only), whose
 * brackets and commas are the values it counts and the depth it measures; counted the same way
 * here, they are within the limits. So check_limits costs nothing on a good config, and the
 * limits still hold before yajl's tree (there is none) or memgate's copies could grow. */
static int read_config(mg_cfg_reader_t *p, const char *buf, size_t len, const char *name, mg_container_t *ret,
                       mg_error_t *err) {
        _cleanup_free_ char *copy = NULL;
        size_t tlen;
        int r;

        if ((r = mg_json_memory_probe(mg_json_stream_probe_size(len), name, err)) < 0 ||
            (r = mg_json_sanitize(buf, len, name, &copy, &tlen, err)) < 0)
                return r;
        char ebuf[256] = "";
        mg_json_alloc_init(&p->alloc);
        r = run_yajl(p, copy ? copy : buf, tlen, ebuf, sizeof(ebuf));
        if (r == -EBADMSG)
                return mg_json_yajl_error(ebuf, name, err);
        if (r == -E2BIG) /* check_limits names the limit; this is in case it did not */
                return mg_error_set(err, -E2BIG, "%s: beyond memgate's limits (depth %u, %u values)", name,
                                    MG_JSON_MAX_DEPTH, MG_JSON_MAX_VALUES);
        if (r < 0)
                return mg_error_set(err, -ENOMEM, "%s: out of memory while parsing it (%zu bytes)", name, len);
        return mg_cfg_result(p, name, ret, err);
}

int mg_oci_parse_config(const char *buf, size_t len, const char *name, mg_container_t *ret, mg_error_t *err) {
        if (!name)
                name = "config.json";
        int r = mg_json_precheck(buf, len, name, err);
        if (r < 0)
                return r;

        mg_cfg_reader_t *p = calloc(1, sizeof(*p));
        if (!p)
                return mg_error_set(err, -ENOMEM, "%s: out of memory", name);
        p->err_field = F_COUNT;
        r = read_config(p, buf, len, name, ret, err);
        mg_cfg_reader_free(p);
        free(p);
        if (r < 0) {
                mg_error_t lerr = {};
                if (mg_json_check_limits(buf, len, name, NULL, &lerr) < 0) {
                        *err = lerr;
                        return lerr.code;
                }
        }
        return r;
}
