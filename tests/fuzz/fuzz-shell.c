/* SPDX-License-Identifier: Apache-2.0 */
/* The sh -c splitter, strict and lenient, with variable expansion that grows its input. */
#include "fuzz.h"
#include "memgate/models/offheap.h"
#include "memgate/workload/heap.h"
#include "memgate/workload/heap_units.h"
#include "memgate/workload/shell.h"

static const char *lookup(void *userdata, const char *name, size_t len) {
        if (len == 1 && name[0] == 'A')
                return "$A $A -Xmx1g \"'";
        if (len == 4 && memcmp(name, "OPTS", 4) == 0)
                return "-Xmx800m -XX:MaxRAMPercentage=75";
        return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *s = fuzz_text(data, size, 64 * 1024);
        if (!s)
                return 0;
        char **v = NULL;
        size_t n = 0;
        if (mg_shell_split(s, &v, &n) >= 0)
                mg_strv_free(v);
        v = NULL;
        bool *ops = NULL;
        mg_shell_opts_t o = {.lenient = true, .lookup = lookup, .max_expand = 64 * 1024};
        if (mg_shell_split_ex(s, &o, &v, &ops, &n) >= 0) {
                mg_strv_free(v);
                free(ops);
        }
        free(s);
        return 0;
}
