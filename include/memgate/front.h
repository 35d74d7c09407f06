/* SPDX-License-Identifier: Apache-2.0 */
/* The front ends of `memgate`: each runs one mode and returns the process exit status.
 * This is the one place that prints and logs. */
#ifndef MEMGATE_FRONT_H
#define MEMGATE_FRONT_H

#include "memgate/engine.h"

enum {
        MG_EXIT_ALLOW = 0,  /* allowed, warnings possible */
        MG_EXIT_REFUSE = 1, /* refused */
        MG_EXIT_USAGE = 2,  /* usage error or unreadable input (check, host) */
};

#include "memgate/oci.h"

int mg_front_hook(const mg_options_t *o);
int mg_front_check(const mg_options_t *o);
int mg_front_host(const mg_options_t *o);
int mg_front_precreate(const mg_options_t *o);

/* What every front end reports with, memgate-runtime included. */
mg_report_ctx_t mg_front_ctx(const char *mode, const mg_evaluation_t *ev, const char *bundle);
/* One line per warning or refusal on stderr: runc and podman show them as they are. */
void mg_front_print_findings(const mg_report_t *r);
/* One syslog line per finding, with the container id (crun drops a hook's stderr). */
void mg_front_log_findings(const char *ident, const char *id, const mg_report_t *r);
/* <bundle>/memgate.json, atomically relative to the bundle's fd; a failure is a warning. */
void mg_front_write_report(int dirfd, const mg_report_ctx_t *ctx);

#endif
