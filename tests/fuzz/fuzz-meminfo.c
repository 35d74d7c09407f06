/* SPDX-License-Identifier: Apache-2.0 */
/* /proc/meminfo and a NUMA node's meminfo. */
#include "fuzz.h"
#include "memgate/inputs/host.h"
#include "memgate/inputs/host_read.h"
#include "memgate/inputs/meminfo.h"
#include "memgate/inputs/nodes.h"
#include "memgate/inputs/zoneinfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *s = fuzz_text(data, size, MG_CAP_PROC);
        if (!s)
                return 0;
        static mg_meminfo_t mi;
        static mg_node_t node;
        mg_error_t err = {0};
        uint64_t v;
        if (mg_parse_meminfo(s, &mi, &err) == 0)
                (void)mg_meminfo_get(&mi, "MemAvailable", &v);
        (void)mg_parse_node_meminfo(s, 0, &node, &err);
        int major, minor;
        (void)mg_parse_osrelease(s, &major, &minor);
        free(s);
        return 0;
}
