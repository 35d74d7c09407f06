/* SPDX-License-Identifier: Apache-2.0 */
/* Owning and looking things up in the plain structs of container.h. */
#include <string.h>

#include "memgate/oci/container.h"

#include <stdlib.h>

#include "memgate/util/strv.h"

void mg_state_free(mg_state_t *s) {
        if (!s)
                return;
        free(s->oci_version);
        free(s->id);
        free(s->status);
        free(s->bundle);
        free(s->root);
        mg_kv_free(s->annotations, s->nannotations);
        *s = (mg_state_t){};
}

void mg_container_free(mg_container_t *c) {
        if (!c)
                return;
        free(c->oci_version);
        if (c->strings.head) {
                free(c->args);
                free(c->env);
                mg_arena_free(&c->strings);
        } else {
                mg_strv_free_n(c->args, c->nargs);
                mg_strv_free_n(c->env, c->nenv);
        }
        mg_kv_free(c->annotations, c->nannotations);
        free(c->cgroups_path);
        free(c->cpuset_mems);
        free(c->root_path);
        *c = (mg_container_t){};
}

void mg_kv_clear(mg_kv_t *kv, size_t n) {
        for (size_t i = 0; kv && i < n; i++) {
                free(kv[i].key);
                free(kv[i].value);
                kv[i] = (mg_kv_t){};
        }
}

void mg_kv_free(mg_kv_t *kv, size_t n) {
        mg_kv_clear(kv, n);
        free(kv);
}

const char *mg_kv_find(const mg_kv_t *kv, size_t n, const char *key) {
        if (!kv || !key)
                return NULL;
        /* The parser keeps one entry per key; should a caller build a list with repeats, the last
         * one wins as in a Go map built in order. */
        for (size_t i = n; i > 0; i--)
                if (kv[i - 1].key && strcmp(kv[i - 1].key, key) == 0)
                        return kv[i - 1].value;
        return NULL;
}

const char *mg_env_find(char *const *env, size_t n, const char *name) {
        if (!env || !name || !*name || strchr(name, '='))
                return NULL;
        size_t l = strlen(name);
        /* runc (and Go's os/exec) de-duplicate the environment keeping the last value. */
        for (size_t i = n; i > 0; i--) {
                const char *e = env[i - 1];
                if (e && strncmp(e, name, l) == 0 && e[l] == '=')
                        return e + l + 1;
        }
        return NULL;
}
