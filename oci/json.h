/* SPDX-License-Identifier: Apache-2.0 */
/* Internal to oci/: parsing untrusted JSON with yajl, and reading values the way the runtimes do.
 *
 * runc and podman decode config.json with Go's encoding/json; memgate must see the values runc
 * will act on, or a document could show memgate one memory limit and runc another. So lookups
 * here follow encoding/json, not yajl_tree_get:
 *   - object keys match case-insensitively (ASCII, plus U+017F for 's' and U+212A for 'k', the two
 *     non-ASCII letters Unicode folds onto ASCII): Go decodes "Linux" into the linux field;
 *   - duplicate keys are all applied in document order: the last scalar or array wins, objects
 *     (Go structs and maps) merge, and a null in between resets a pointer, map or slice;
 *   - a string containing \u0000 is a different key to Go ("limit\u0000" is not "limit") but yajl
 *     hands out C strings, so such escapes are rewritten to \uFFFD before parsing, and invalid
 *     UTF-8 in strings becomes U+FFFD byte by byte, as Go's decoder does, instead of a yajl error.
 * Comments (yajl_tree_parse allows them, Go does not) are refused by the depth scanner, which
 * also keeps its string tracking honest: a quote inside a comment cannot hide a bracket.
 * config.json is read with yajl's callbacks instead of a tree (config.c, config_values.c), to the
 * same rules and with the same messages; config_tree.c keeps the tree reader as its reference. */
#ifndef MEMGATE_OCI_JSON_H
#define MEMGATE_OCI_JSON_H

#include <yajl/yajl_common.h>
#include <yajl/yajl_tree.h>

#include <setjmp.h>
#include <stdbool.h>

#include "memgate/oci/container.h"
#include "memgate/oci/parse.h"
#include "memgate/util/cleanup.h"
#include "memgate/util/error.h"
#include "memgate/util/escape.h"
#include "memgate/util/strv.h"

DEFINE_CLEANUP_FUNC(yajl_val, yajl_tree_free)
#define _cleanup_yajl_ _cleanup_(yajl_tree_freep)

/* A JSON path as a literal: PN("linux", "resources") expands to the array and its length. */
#define MG_JSON_P(...) ((const char *const[]){ __VA_ARGS__ })
#define PN(...) MG_JSON_P(__VA_ARGS__), ELEMENTSOF(MG_JSON_P(__VA_ARGS__))

/* Most entries memgate copies out of a string array; ARG_MAX on a default 8 MiB stack holds at
 * most 2 MiB / 8 bytes of pointers, so a longer array could not be exec'd anyway. */
#define MG_OCI_MAX_STRV (1u << 18)

/* Checks (empty, NUL, depth, comments), sanitises (see above) and parses buf. */
int mg_json_parse(const char *buf, size_t len, const char *name, yajl_val *ret, mg_error_t *err);

/* Whether buf is one JSON value within memgate's limits, read as mg_json_parse reads it (the
 * string rewrite included), with mg_json_parse's errors; no tree is built. For texts json_skip.c
 * does not vouch for: its only caller, oci/annotate.c, has tried that subset first. */
int mg_json_validate(const char *buf, size_t len, const char *name, mg_error_t *err);

/* The steps of mg_json_parse, for the readers that parse with yajl's callbacks (config_stream.c).
 * All messages start with name.
 *   precheck: a document, no NUL byte, not only white space;
 *   check_limits: the scan before yajl (MG_JSON_MAX_DEPTH, MG_JSON_MAX_VALUES, no comments);
 *   memory_probe: sz bytes obtainable (reserved and freed at once), else -ENOMEM;
 *   sanitize: the \u0000 and invalid UTF-8 rewrite; *ret_copy is the rewritten text (to free) of
 *     *ret_len bytes, or NULL when buf needs none (*ret_len = len then);
 *   yajl_error: yajl's first message line as "name: not valid JSON: ...". */
int mg_json_precheck(const char *buf, size_t len, const char *name, mg_error_t *err);
int mg_json_check_limits(const char *buf, size_t len, const char *name, size_t *ret_values, mg_error_t *err);
int mg_json_memory_probe(size_t sz, const char *name, mg_error_t *err);
int mg_json_sanitize(const char *buf, size_t len, const char *name, char **ret_copy, size_t *ret_len, mg_error_t *err);
int mg_json_yajl_error(const char *ebuf, const char *name, mg_error_t *err);
/* What a callback parse of len bytes may allocate: yajl's decode buffer for an escaped string
 * (doubling, so at most twice the longest string) and the copies of the values kept (at most
 * the document's text again), plus yajl's handle, lexer and state stack. SIZE_MAX on overflow. */
size_t mg_json_stream_probe_size(size_t len);

const char *mg_json_type_name(yajl_val v);


/* Go's encoding/json key match for an ASCII field name; _n for a key of n bytes that ends at its
 * first NUL if it has one (as a C string would). */
bool mg_json_key_match(const char *key, const char *field);
bool mg_json_key_match_n(const char *key, size_t n, const char *field);

/* Visits, in document order, every value reachable from root through path (n keys) by the rules
 * above. cb gets each final value; a NULL value means an intermediate null reset everything so far.
 * A non-object met on the way is an error naming the path. cb returns < 0 to stop. */
typedef int (*mg_json_visit_t)(yajl_val v, const char *path, void *userdata, mg_error_t *err);
int mg_json_visit(yajl_val root, const char *const *path, size_t n, mg_json_visit_t cb, void *userdata,
                  mg_error_t *err);

/* Typed getters over every occurrence of a path (each one type-checked, as Go does: a wrong type
 * anywhere makes runc refuse the document). The last assignment wins. name is the document's name
 * for messages ("config.json").
 * String and integer fields: a null is skipped (Go leaves a non-pointer field alone) unless
 * null_resets (a Go pointer such as memory.limit), then it means absent again. */
int mg_json_get_string(yajl_val root, const char *const *path, size_t n, const char *name, char **ret,
                       mg_error_t *err);
/* A top-level string field the document must have: missing (or null) is an error naming it. */
int mg_json_get_required_string(yajl_val root, const char *field, const char *name, char **ret, mg_error_t *err);
int mg_json_get_int64(yajl_val root, const char *const *path, size_t n, const char *name, int64_t min,
                      int64_t max, bool null_resets, bool *ret_have, int64_t *ret, mg_error_t *err);
/* Array of strings (a Go slice: null resets it; a null element is ""). */
int mg_json_get_strv(yajl_val root, const char *const *path, size_t n, const char *name, char ***ret,
                     size_t *ret_n, mg_error_t *err);
/* Object of strings (a Go map: occurrences merge, later keys replace earlier ones, null empties). */
int mg_json_get_kv(yajl_val root, const char *const *path, size_t n, const char *name, mg_kv_t **ret,
                   size_t *ret_n, mg_error_t *err);
/* Go map semantics on n entries collected in document order (repeats allowed): one entry per
 * key, the last value, at the key's first place. field names the map in messages. */
int mg_json_kv_dedup(mg_kv_t *kv, size_t *n, const char *field, mg_error_t *err);
/* Whether the object at path ends up present (a non-null object). */
int mg_json_get_object_present(yajl_val root, const char *const *path, size_t n, const char *name, bool *ret,
                               mg_error_t *err);

/* Allocation for yajl's generator. yajl's buffers write through a failed malloc or realloc (a
 * segfault when memory runs out, which the parent would report as a crash, not as out of
 * memory); with these functions a failed allocation longjmps to on_oom instead. Use:
 *         mg_json_alloc_t a; mg_json_alloc_init(&a);
 *         in a function of its own: if (setjmp(a.on_oom)) return -ENOMEM; then yajl_gen_alloc(&a.funcs)
 *         and the generation; the generator is consistent after the jump (the failed call assigned
 *         nothing), so yajl_gen_free afterwards is safe. */
typedef struct mg_json_alloc {
        yajl_alloc_funcs funcs;
        jmp_buf on_oom;
} mg_json_alloc_t;
void mg_json_alloc_init(mg_json_alloc_t *a);

#endif
