/* SPDX-License-Identifier: Apache-2.0 */
/* The container's io.memgate.* annotations: hints for the off-heap estimate. */
#include "hints.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "memgate/util/buf.h"
#include "memgate/util/number.h"

#include "memgate/util/number.h"

const char *mg_input_annotation(const mg_input_t *in, const char *key) {
        if (!in->container)
                return NULL;
        return mg_kv_find(in->container->annotations, in->container->nannotations, key);
}

/* Reads a count or size hint from an annotation; with r, a bad value becomes a finding, never a
 * silent default. */
static void hint(const mg_input_t *in, mg_report_t *r, const char *key, bool size, uint64_t *val) {
        const char *v = mg_input_annotation(in, key);
        if (!v)
                return;
        uint64_t u;
        int rc = size ? mg_parse_size(v, &u) : mg_parse_u64(v, &u);
        if (rc == 0 && u <= (size ? 1ULL << 50 : 100000000ULL)) {
                *val = u;
                return;
        }
        if (!r)
                return;
        mg_finding_t *f = mg_report_add(r, "annotation-invalid", MG_SEV_WARN,
                                        "annotation %s=\"%.64s\" is not a valid %s; the default %" PRIu64 " is used",
                                        key, v, size ? "size" : "count", *val);
        mg_finding_fix(f, "set %s to %s", key, size ? "a size such as 64M" : "a whole number");
        mg_ev_str(f, "annotation", key);
}

void mg_offheap_params_for(const mg_input_t *in, mg_report_t *r, mg_offheap_params_t *p) {
        if (in->conf)
                *p = in->conf->offheap;
        else
                mg_offheap_defaults(p);
        hint(in, r, "io.memgate.jvm.classes", false, &p->jvm_classes);
        hint(in, r, "io.memgate.jvm.threads", false, &p->jvm_threads);
        hint(in, r, "io.memgate.jvm.direct", true, &p->jvm_direct);
        hint(in, r, "io.memgate.node.extra", true, &p->node_extra);
        hint(in, r, "io.memgate.dotnet.extra", true, &p->dotnet_extra);
}

