/* SPDX-License-Identifier: Apache-2.0 */
/* Findings and the report the checks produce. Fixed-size: a ceiling on findings and strings. */
#ifndef MEMGATE_CHECKS_FINDING_H
#define MEMGATE_CHECKS_FINDING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MG_FINDINGS_MAX 32
#define MG_EVIDENCE_MAX 16
#define MG_MESSAGE_MAX 512
#define MG_FIX_MAX 384

typedef enum mg_severity {
        MG_SEV_INFO = 0,
        MG_SEV_WARN,
        MG_SEV_REFUSE,
} mg_severity_t;

typedef enum mg_verdict {
        MG_VERDICT_ALLOW = 0,
        MG_VERDICT_WARN,
        MG_VERDICT_REFUSE,
} mg_verdict_t;

typedef enum mg_ev_type {
        MG_EV_U64,
        MG_EV_I64,
        MG_EV_STR,
        MG_EV_BOOL,
} mg_ev_type_t;

typedef struct mg_evidence {
        char key[40];
        mg_ev_type_t type;
        uint64_t u;
        int64_t i;
        bool b;
        char s[160];
} mg_evidence_t;

typedef struct mg_finding {
        char code[32];             /* stable, documented: "memavailable-zero", ... */
        mg_severity_t severity;
        char message[MG_MESSAGE_MAX]; /* the cause, with numbers */
        char fix[MG_FIX_MAX];       /* the exact fix: a sysctl line, a flag value */
        mg_evidence_t ev[MG_EVIDENCE_MAX];
        size_t nev;
} mg_finding_t;

typedef struct mg_report {
        /* First: mg_evaluate clears only the fields after it (mg_report_add clears each finding). */
        mg_finding_t findings[MG_FINDINGS_MAX];
        size_t n;
        bool truncated;            /* more findings than MG_FINDINGS_MAX */
        mg_verdict_t verdict;      /* after policy */
        bool policy_downgraded;    /* a refusal became a warning by policy */
        char policy_source[64];    /* "config", "annotation io.memgate.policy", "--policy" */
        /* Figures for the annotations, whatever the findings. */
        bool judged_heap;          /* offheap-margin had a limit and a heap to judge */
        uint64_t limit_bytes, heap_bytes, offheap_need_bytes;
        uint64_t expected_commit_kb; /* what commit-exhausted asked the kernel for */
} mg_report_t;

/* Adds a finding and returns it (or NULL and sets truncated when full). */
mg_finding_t *mg_report_add(mg_report_t *r, const char *code, mg_severity_t sev, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
void mg_finding_fix(mg_finding_t *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void mg_ev_u64(mg_finding_t *f, const char *key, uint64_t v);
void mg_ev_i64(mg_finding_t *f, const char *key, int64_t v);
void mg_ev_str(mg_finding_t *f, const char *key, const char *v);
void mg_ev_bool(mg_finding_t *f, const char *key, bool v);
const mg_finding_t *mg_report_find(const mg_report_t *r, const char *code);

const char *mg_severity_name(mg_severity_t s);
const char *mg_verdict_name(mg_verdict_t v);

#endif
