/* SPDX-License-Identifier: Apache-2.0 */
/* The host snapshot's lookups: pure, no I/O (the models and checks link against this, never
 * against the readers). */
#include "memgate/inputs/host.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

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


void mg_host_clear(mg_host_t *h) {
        if (!h)
                return;
        free(h->zones);
        free(h->buddy);
        free(h->nodes);
        h->zones = NULL;
        h->buddy = NULL;
        h->nodes = NULL;
        h->nzones = h->zones_listed = h->nbuddy = h->nnodes = 0;
}
