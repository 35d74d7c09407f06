/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "memgate/util/text.h"

#include <string.h>

char *mg_strndup_safe(const char *s, size_t n) {
        return s ? strndup(s, n) : NULL;
}

bool mg_startswith(const char *s, const char *prefix, const char **rest) {
        size_t n = strlen(prefix);
        if (strncmp(s, prefix, n) != 0)
                return false;
        if (rest)
                *rest = s + n;
        return true;
}


const char *mg_name_of(const char *const *names, size_t n, unsigned v, const char *unknown) {
        return v < n && names[v] ? names[v] : unknown;
}

int mg_name_index(const char *const *names, size_t n, const char *name) {
        for (size_t i = 0; name && i < n; i++)
                if (names[i] && strcmp(names[i], name) == 0)
                        return (int)i;
        return -1;
}
