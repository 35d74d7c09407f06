/* SPDX-License-Identifier: Apache-2.0 */
/* Self-confinement: after every file memgate needs is open, a seccomp filter allows only the
 * system calls the remaining work uses. */
#ifndef MEMGATE_SANDBOX_H
#define MEMGATE_SANDBOX_H

#include "memgate/util.h"

/* Loads the filter (no_new_privs first). A disallowed call kills the process. */
int mg_sandbox_enter(mg_error_t *err);

#endif
