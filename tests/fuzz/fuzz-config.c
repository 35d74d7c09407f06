/* SPDX-License-Identifier: Apache-2.0 */
/* config.json: the parse the checks read, and the annotation rewrite precreate and the runtime
 * wrapper do on the same untrusted document. The parse is differential: memgate's one-pass reader
 * (oci/config.c) and the tree reader it replaced (oci/config_tree.c) must agree on every input, the
 * container and the error text; a difference aborts, so libFuzzer keeps the input. */
#include <errno.h>
#include <stdio.h>

#include "../unit/annotate_check.h"
#include "../unit/config_compare.h"
#include "fuzz.h"
#include "memgate/models/offheap.h"
#include "memgate/oci/annotate.h"
#include "memgate/oci/parse.h"
#include "memgate/oci/report_json.h"
#include "memgate/workload/heap.h"
#include "memgate/workload/heap_units.h"
#include "memgate/workload/shell.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *s = fuzz_text(data, size, MG_CAP_CONFIG);
        if (!s)
                return 0;
        mg_container_t c = {0};
        mg_error_t err = {0};
        char why[2048];
        if (cc_compare(s, size, why, sizeof(why), NULL)) {
                fprintf(stderr, "fuzz-config: the config readers differ: %s\n", why);
                abort();
        }
        bool parsed = mg_oci_parse_config(s, size, "config.json", &c, &err) == 0;
        if (parsed) {
                mg_heap_t h;
                mg_heap_detect(c.args, c.nargs, c.env, c.nenv, &h);
                mg_container_free(&c);
        }
        mg_kv_t kv[2] = {{.key = "io.memgate.verdict", .value = "warn"},
                         {.key = "io.memgate.findings", .value = "offheap-margin"}};
        char *out = NULL;
        size_t olen = 0;
        /* The annotated text of a config memgate reads must read back as the same config with
         * the annotations merged in (annotate_check.h); the only configs it may refuse are ones
         * with two "annotations" keys (runc merges them; memgate will not guess), ones with a cut
         * token after the end (yajl takes {}", runc does not), or for memory. */
        int ra = mg_oci_add_annotations(s, size, "config.json", kv, 2, &out, &olen, &err);
        if (ra == 0 && parsed && ac_wrong(s, size, kv, 2, out, olen, why, sizeof(why))) {
                fprintf(stderr, "fuzz-config: the annotated config reads wrong: %s\n", why);
                abort();
        }
        if (ra < 0 && parsed && ra != -ENOMEM && !strstr(err.msg, "appears more than once") &&
            !strstr(err.msg, "bytes after the end")) {
                fprintf(stderr, "fuzz-config: a config memgate reads was not annotated: %s\n", err.msg);
                abort();
        }
        free(out);
        free(s);
        return 0;
}
