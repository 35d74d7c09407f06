/* SPDX-License-Identifier: Apache-2.0 */
/* Where memgate-runtime's lines go, per engine. containerd's shim (Docker, ctr, the CRI) hands
 * the container's own stdio to the runtime and reads a failed runtime's error from the --log
 * file, so there the lines go to that file in its --log-format and never to stderr; podman,
 * CRI-O and a person running runc show stderr. Refusals are level "error" (the shim prints the
 * last one), warnings "warning". syslog and memgate.json are the evaluation's, as ever. */
#ifndef MEMGATE_CLI_RUNTIME_OUT_H
#define MEMGATE_CLI_RUNTIME_OUT_H

#include <stdbool.h>

#include "memgate/checks/finding.h"
#include "memgate/cli/runc_argv.h"
#include "memgate/inputs/engine_detect.h"
#include "memgate/outputs/runtime_log.h"

typedef struct mg_rt_out {
        int log_fd;               /* the runtime's --log, opened before the sandbox; -1 for none */
        mg_rtlog_format_t format; /* its --log-format */
        bool to_stderr;           /* stderr is not the container's own output */
} mg_rt_out_t;

/* Opens cmd's --log (when given) and decides stderr for the engine. A log that cannot be opened
 * is left out with a note on stderr if stderr is a place to say it. */
void mg_rt_out_open(mg_rt_out_t *o, const mg_runc_cmd_t *cmd, mg_cengine_t engine);
/* After memgate.conf named the engine: stderr follows the engine, the log stays. */
void mg_rt_out_set_engine(mg_rt_out_t *o, mg_cengine_t engine);
void mg_rt_out_close(mg_rt_out_t *o);

/* One line (no newline) at level "error" or "warning". */
void mg_rt_out_line(const mg_rt_out_t *o, bool error, const char *line);
/* Every warning (one record each) and then every refusal (one "error" record, the lines joined
 * by newlines, since the shim shows only the last error). */
void mg_rt_out_findings(const mg_rt_out_t *o, const mg_report_t *r);

#endif
