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

int mg_front_hook(const mg_options_t *o);
int mg_front_check(const mg_options_t *o);
int mg_front_host(const mg_options_t *o);
int mg_front_precreate(const mg_options_t *o);

#endif
