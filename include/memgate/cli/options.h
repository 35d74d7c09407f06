/* SPDX-License-Identifier: Apache-2.0 */
/* What a command line asks for: the mode, the evaluation's options, and how to report. */
#ifndef MEMGATE_CLI_OPTIONS_H
#define MEMGATE_CLI_OPTIONS_H

#include "memgate/evaluate/evaluate.h"
#include "memgate/outputs/report_out.h"

typedef enum mg_mode {
        MG_MODE_HOOK,
        MG_MODE_CHECK,
        MG_MODE_HOST,
        MG_MODE_PRECREATE,
        MG_MODE_WRAPPER, /* memgate-runtime create/run */
} mg_mode_t;

enum {
        MG_EXIT_ALLOW = 0,  /* allowed, warnings possible */
        MG_EXIT_REFUSE = 1, /* refused */
        MG_EXIT_USAGE = 2,  /* usage error or unreadable input (check, host) */
};

typedef struct mg_options {
        mg_mode_t mode;
        mg_eval_opts_t eval;
        const char *bundle;        /* check: --bundle; memgate-runtime: the bundle of create/run */
        mg_format_t format;
        bool format_set;           /* --format given (hook mode prints a report only then) */
} mg_options_t;

#endif
