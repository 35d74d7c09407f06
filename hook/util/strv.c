/* SPDX-License-Identifier: Apache-2.0 */
#include "memgate/util/strv.h"

#include <stdlib.h>

void mg_strv_free_n(char **v, size_t n) {
        if (!v)
                return;
        for (size_t i = 0; i < n; i++)
                free(v[i]);
        free(v);
}

void mg_strv_free(char **v) {
        size_t n = 0;
        if (!v)
                return;
        while (v[n])
                n++;
        mg_strv_free_n(v, n);
}
