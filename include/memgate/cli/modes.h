/* SPDX-License-Identifier: Apache-2.0 */
/* The modes of `memgate`: each runs one and returns the process exit status. */
#ifndef MEMGATE_CLI_MODES_H
#define MEMGATE_CLI_MODES_H

#include "memgate/cli/options.h"

int mg_mode_hook(const mg_options_t *o);
int mg_mode_check(const mg_options_t *o);
int mg_mode_host(const mg_options_t *o);
int mg_mode_precreate(const mg_options_t *o);

#endif
