/* SPDX-License-Identifier: Apache-2.0 */
/* What memgate knows of a container: read from the OCI state (stdin) and the bundle's config.json
 * by oci/, used by the checks. Plain C, no yajl. */
#ifndef MEMGATE_OCI_CONTAINER_H
#define MEMGATE_OCI_CONTAINER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "memgate/util/arena.h"

typedef struct mg_kv {
        char *key;
        char *value;
} mg_kv_t;

/* The OCI state document a runtime writes on a hook's stdin. */
typedef struct mg_state {
        char *oci_version;
        char *id;
        char *status;    /* runc: "creating"; crun: "created" */
        char *bundle;    /* absolute path of the bundle */
        char *root;      /* crun's extra field, NULL otherwise */
        int64_t pid;     /* 0 when absent */
        mg_kv_t *annotations;
        size_t nannotations;
} mg_state_t;

/* What the checks need from config.json. */
typedef struct mg_container {
        char *oci_version;
        bool is_linux;            /* has a "linux" object */
        bool have_limit;          /* linux.resources.memory.limit > 0 */
        uint64_t limit_bytes;
        bool have_swap;           /* linux.resources.memory.swap, -1 means unlimited */
        int64_t swap;
        bool have_reservation;
        uint64_t reservation_bytes;
        char **args;              /* process.args */
        size_t nargs;
        char **env;               /* process.env, "NAME=value" as given */
        size_t nenv;
        mg_kv_t *annotations;     /* config.json annotations */
        size_t nannotations;
        char *cgroups_path;       /* linux.cgroupsPath */
        char *cpuset_mems;        /* linux.resources.cpu.mems */
        char *root_path;          /* root.path */
        /* When not empty, the strings of args and env are here, not one malloc each (config.c's
         * reader: mg_container_free then frees the two arrays and this); else each is malloc'd. */
        mg_arena_t strings;
} mg_container_t;

void mg_state_free(mg_state_t *s);
void mg_container_free(mg_container_t *c);

/* Frees the keys and values of n entries (the array itself stays: a fixed one). */
void mg_kv_clear(mg_kv_t *kv, size_t n);
/* Frees the entries and the malloc'd array. NULL is fine. */
void mg_kv_free(mg_kv_t *kv, size_t n);

/* Annotation lookup: NULL when absent. */
const char *mg_kv_find(const mg_kv_t *kv, size_t n, const char *key);
/* The value of NAME in an env array, the last one wins as in runc's env dedup; NULL when absent. */
const char *mg_env_find(char *const *env, size_t n, const char *name);

#endif
