/* SPDX-License-Identifier: Apache-2.0 */
/* The OCI state on the hook's stdin. */
#include "fuzz.h"
#include "memgate/oci/annotate.h"
#include "memgate/oci/parse.h"
#include "memgate/oci/report_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *s = fuzz_text(data, size, MG_CAP_STATE);
        if (!s)
                return 0;
        mg_state_t st = {0};
        mg_error_t err = {0};
        if (mg_oci_parse_state(s, size, "state", &st, &err) == 0)
                mg_state_free(&st);
        free(s);
        return 0;
}
