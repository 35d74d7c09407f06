/* SPDX-License-Identifier: Apache-2.0 */
#include "memgate/checks/finding.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "memgate/util/cleanup.h"
#include "memgate/util/text.h"

mg_finding_t *mg_report_add(mg_report_t *r, const char *code, mg_severity_t sev, const char *fmt, ...) {
        if (r->n >= MG_FINDINGS_MAX) {
                r->truncated = true;
                return NULL;
        }
        mg_finding_t *f = &r->findings[r->n++];
        *f = (mg_finding_t){.severity = sev};
        snprintf(f->code, sizeof(f->code), "%s", code);
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(f->message, sizeof(f->message), fmt, ap);
        va_end(ap);
        return f;
}

void mg_finding_fix(mg_finding_t *f, const char *fmt, ...) {
        if (!f)
                return;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(f->fix, sizeof(f->fix), fmt, ap);
        va_end(ap);
}

static mg_evidence_t *ev_new(mg_finding_t *f, const char *key, mg_ev_type_t t) {
        if (!f || f->nev >= MG_EVIDENCE_MAX)
                return NULL;
        mg_evidence_t *e = &f->ev[f->nev++];
        *e = (mg_evidence_t){.type = t};
        snprintf(e->key, sizeof(e->key), "%s", key);
        return e;
}

void mg_ev_u64(mg_finding_t *f, const char *key, uint64_t v) {
        mg_evidence_t *e = ev_new(f, key, MG_EV_U64);
        if (e)
                e->u = v;
}

void mg_ev_i64(mg_finding_t *f, const char *key, int64_t v) {
        mg_evidence_t *e = ev_new(f, key, MG_EV_I64);
        if (e)
                e->i = v;
}

void mg_ev_str(mg_finding_t *f, const char *key, const char *v) {
        mg_evidence_t *e = ev_new(f, key, MG_EV_STR);
        if (e)
                snprintf(e->s, sizeof(e->s), "%s", v ? v : "");
}

void mg_ev_bool(mg_finding_t *f, const char *key, bool v) {
        mg_evidence_t *e = ev_new(f, key, MG_EV_BOOL);
        if (e)
                e->b = v;
}

const mg_finding_t *mg_report_find(const mg_report_t *r, const char *code) {
        for (size_t i = 0; i < r->n; i++)
                if (strcmp(r->findings[i].code, code) == 0)
                        return &r->findings[i];
        return NULL;
}

static const char *const severity_names[] = {
        [MG_SEV_INFO] = "info",
        [MG_SEV_WARN] = "warn",
        [MG_SEV_REFUSE] = "refuse",
};

static const char *const verdict_names[] = {
        [MG_VERDICT_ALLOW] = "allow",
        [MG_VERDICT_WARN] = "warn",
        [MG_VERDICT_REFUSE] = "refuse",
};

const char *mg_severity_name(mg_severity_t s) {
        return mg_name_of(severity_names, ELEMENTSOF(severity_names), (unsigned)s, "unknown");
}

const char *mg_verdict_name(mg_verdict_t v) {
        return mg_name_of(verdict_names, ELEMENTSOF(verdict_names), (unsigned)v, "unknown");
}
