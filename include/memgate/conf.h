/* SPDX-License-Identifier: Apache-2.0 */
/* memgate.conf: `key = value` lines; unknown keys and malformed lines are errors with file:line. */
#ifndef MEMGATE_CONF_H
#define MEMGATE_CONF_H

#include "memgate/heap.h"
#include "memgate/model.h"

#define MG_DEFAULT_CONF "/etc/memgate/memgate.conf"

typedef enum mg_policy {
        MG_POLICY_ENFORCE = 0,
        MG_POLICY_WARN,
} mg_policy_t;

typedef struct mg_conf {
        mg_policy_t policy;
        bool allow_opt_out;            /* containers may set io.memgate.policy=off */
        bool fail_closed;              /* hook: internal failure refuses */
        mg_heuristic_t heuristic;      /* overcommit heuristic override */
        uint64_t runtime_reserve_kb;   /* what the container runtime commits at start (runc) */
        uint64_t go_start_kb;          /* a Go program's start-up commit */
        uint64_t jvm_start_extra_kb;   /* a JVM's start-up commit beyond its initial heap */
        uint64_t watermark_warn_percent; /* totalreserve above this % of MemTotal is outsized */
        mg_offheap_params_t offheap;
        bool write_report;             /* hook: write <bundle>/memgate.json */
        bool syslog;                   /* hook: log findings to syslog */
} mg_conf_t;

void mg_conf_defaults(mg_conf_t *c);
/* Parses text; name is used in messages ("memgate.conf:12: unknown key \"foo\""). */
int mg_conf_parse(const char *text, const char *name, mg_conf_t *c, mg_error_t *err);
/* Loads a file; when !must_exist a missing file leaves the defaults. */
int mg_conf_load(const char *path, bool must_exist, mg_conf_t *c, mg_error_t *err);

#endif
