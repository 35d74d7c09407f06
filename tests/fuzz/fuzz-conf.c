/* SPDX-License-Identifier: Apache-2.0 */
/* memgate.conf. */
#include "fuzz.h"
#include "memgate/inputs/conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *s = fuzz_text(data, size, MG_CAP_CONF);
        if (!s)
                return 0;
        mg_conf_t c;
        mg_error_t err = {0};
        mg_conf_defaults(&c);
        (void)mg_conf_parse(s, "memgate.conf", &c, &err);
        free(s);
        return 0;
}
