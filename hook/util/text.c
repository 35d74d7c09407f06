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

