/* SPDX-License-Identifier: Apache-2.0 */
/* From findings to a verdict: severities, the site's and the container's policy. */
#include "policy.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "memgate/util/buf.h"
#include "memgate/util/number.h"

#include "hints.h"

void mg_policy_apply(const mg_input_t *in, mg_report_t *r) {
        mg_severity_t worst = MG_SEV_INFO;
        for (size_t i = 0; i < r->n; i++)
                if (r->findings[i].severity > worst)
                        worst = r->findings[i].severity;
        r->verdict = worst == MG_SEV_REFUSE ? MG_VERDICT_REFUSE : worst == MG_SEV_WARN ? MG_VERDICT_WARN
                                                                                        : MG_VERDICT_ALLOW;
        if (r->verdict != MG_VERDICT_REFUSE)
                return;
        const char *ann = mg_input_annotation(in, "io.memgate.policy");
        if (in->conf->policy == MG_POLICY_WARN) {
                snprintf(r->policy_source, sizeof(r->policy_source), "%s",
                         in->policy_forced ? "--policy warn" : "policy = warn in memgate.conf");
        } else if (ann && !strcmp(ann, "warn")) {
                snprintf(r->policy_source, sizeof(r->policy_source), "annotation io.memgate.policy=warn");
        } else
                return;
        r->verdict = MG_VERDICT_WARN;
        r->policy_downgraded = true;
}

/* A container's io.memgate.policy: "warn", "enforce", or "off" where the site allows it. Returns
 * true when the container opted out and nothing else is to be checked. */
bool mg_policy_container(const mg_input_t *in, mg_report_t *r) {
        const char *ann = mg_input_annotation(in, "io.memgate.policy");
        if (!ann || !strcmp(ann, "warn") || !strcmp(ann, "enforce"))
                return false;
        if (!strcmp(ann, "off")) {
                if (in->conf->allow_opt_out) {
                        mg_report_add(r, "opted-out", MG_SEV_INFO,
                                      "the container set io.memgate.policy=off and memgate.conf allows it "
                                      "(allow_opt_out = yes): nothing was checked");
                        return true;
                }
                mg_finding_t *f = mg_report_add(r, "opt-out-denied", MG_SEV_INFO,
                                                "the container set io.memgate.policy=off but this site does not allow "
                                                "opting out (allow_opt_out = no in memgate.conf); checked as usual");
                mg_finding_fix(f, "use io.memgate.policy=warn to be warned instead of refused");
                return false;
        }
        mg_finding_t *f = mg_report_add(r, "annotation-invalid", MG_SEV_WARN,
                                        "annotation io.memgate.policy=\"%.64s\" is not one of enforce, warn, off; "
                                        "ignored",
                                        ann);
        mg_finding_fix(f, "set io.memgate.policy to warn (or off, where the site allows it)");
        mg_ev_str(f, "annotation", "io.memgate.policy");
        return false;
}

