/* SPDX-License-Identifier: Apache-2.0 */
/* /proc/buddyinfo. */
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
        static mg_buddy_t buddy[MG_ZONES_MAX];
        size_t n = 0;
        mg_error_t err = {0};
        (void)mg_parse_buddyinfo(s, buddy, MG_ZONES_MAX, &n, &err);
        free(s);
        return 0;
}
