/* SPDX-License-Identifier: Apache-2.0 */
/* The `memgate explain` mode (see hook/cli/explain.c). */
#ifndef MEMGATE_CLI_EXPLAIN_H
#define MEMGATE_CLI_EXPLAIN_H

#include <time.h>

/* Runs the mode with its own options; argv[0] is the program, "explain" may appear among the
 * arguments. Returns the exit status: 0 events found, 1 none, 2 error. */
int mg_cli_explain(int argc, char **argv);
/* --since's value into seconds since the epoch; now is the clock for "2h"-style values. */
int mg_explain_parse_since(const char *s, time_t now, time_t *ret);

#endif
