/* SPDX-License-Identifier: Apache-2.0 */
/* Internal to oci/: the state of config.c's one-pass reader of config.json, and the fields it
 * keeps with their Go assignment rules (config_values.c). config.c walks the document with
 * yajl's callbacks and hands every value on a field's path to the functions below. */
#ifndef MEMGATE_OCI_CONFIG_VALUES_H
#define MEMGATE_OCI_CONFIG_VALUES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <yajl/yajl_parse.h>

#include "json.h"
#include "memgate/util/arena.h"

/* The fields memgate reads, in the order the tree reader (config_tree.c) looks them up: when
 * several have an error, it reports the first in this order. */
enum mg_cfg_field {
        F_OCI_VERSION,
        F_LINUX,
        F_LIMIT,
        F_SWAP,
        F_RESERVATION,
        F_ARGS,
        F_ENV,
        F_ANNOTATIONS,
        F_CGROUPS_PATH,
        F_MEMS,
        F_ROOT_PATH,
        F_COUNT
};
#define MG_CFG_ALL_FIELDS ((uint16_t)((1u << F_COUNT) - 1))

enum mg_cfg_kind { K_STRING, K_PRESENT, K_INT, K_STRV, K_KV };

typedef struct mg_cfg_field_def {
        const char *path[4]; /* fields on one path share its components' pointers */
        unsigned char n;
        unsigned char kind;
        const char *full; /* the path as messages name it */
} mg_cfg_field_def_t;
extern const mg_cfg_field_def_t mg_cfg_fields[F_COUNT];

enum mg_cfg_type { T_NULL, T_BOOL, T_NUMBER, T_STRING, T_OBJECT, T_ARRAY };

/* One open object or array. mask: the fields whose path leads on through this object (it is their
 * path[level - 1] value); pend: those the key just read names; collect: the field this array or
 * object of strings is the value of, or -1. */
typedef struct mg_cfg_frame {
        uint16_t mask, pend;
        int8_t collect;
        uint8_t level;
        bool array;
        size_t count; /* members or elements so far */
} mg_cfg_frame_t;

/* An array of strings being read: the pointers malloc'd, the strings in arena (one malloc and
 * free per string cost 4 M instructions for a 10,000-entry process.env). */
typedef struct mg_cfg_strvec {
        char **v;
        size_t n, cap;
        mg_arena_t arena;
} mg_cfg_strvec_t;

typedef struct mg_cfg_reader {
        mg_cfg_frame_t st[MG_JSON_MAX_DEPTH];
        unsigned depth;
        size_t values;      /* counted as mg_json_check_limits counts them: brackets and commas */
        uint16_t next_mask; /* what the container about to open is for (set for each value) */
        int8_t next_collect;
        uint8_t next_level;
        enum mg_cfg_type root_type;
        bool oom, over_limit;

        uint16_t dead;   /* fields with an error: read no further */
        int err_field;   /* the lowest of them, F_COUNT when none */
        mg_error_t ferr; /* its error, without the document's name */

        char *str[F_COUNT]; /* K_STRING */
        bool flag[F_COUNT]; /* K_PRESENT; K_INT: has a value */
        int64_t num[F_COUNT];
        mg_cfg_strvec_t strv[F_COUNT], tmp; /* K_STRV, and the array being read */
        mg_kv_t *kv;                        /* K_KV in document order, repeats folded at the end */
        size_t nkv, capkv;
        char *key; /* the annotation whose value comes next */

        yajl_handle h;
        mg_json_alloc_t alloc;

        /* Skipping what no field lies in (config.c, json_skip.h): the text yajl is parsing now,
         * where to go on after a skipped value, before where no skip is tried again, and whether
         * yajl is being brought back to the nesting it was at (its callbacks then do nothing). */
        const char *chunk, *chunk_end, *resume, *noskip_until;
        bool replay;
} mg_cfg_reader_t;

/* A copy of a string yajl hands over (not NUL-terminated), up to a NUL as a C string would be:
 * the tree reader's strings are C strings. NULL when out of memory. */
char *mg_cfg_copy_str(const unsigned char *s, size_t l);
/* A value met through the matching key of an object on the path of the fields in m, that object
 * being their path[level - 1] (the root: level 0): the field's own value or a step on its way. */
void mg_cfg_path_value(mg_cfg_reader_t *p, unsigned level, uint16_t m, enum mg_cfg_type t,
                       const unsigned char *s, size_t l);
/* An element of an array of strings, or a member value of an object of strings (key in p->key),
 * of field fr->collect. */
void mg_cfg_collect(mg_cfg_reader_t *p, const mg_cfg_frame_t *fr, enum mg_cfg_type t, const unsigned char *s,
                    size_t l);
/* The array of strings of field f is complete: it replaces the field's value. < 0: no memory. */
int mg_cfg_strv_done(mg_cfg_reader_t *p, int f);
/* After a complete parse: the container, or the error the tree reader gives. */
int mg_cfg_result(mg_cfg_reader_t *p, const char *name, mg_container_t *ret, mg_error_t *err);
void mg_cfg_reader_free(mg_cfg_reader_t *p);

#endif
