/* SPDX-License-Identifier: Apache-2.0 */
/* Lines for the person running the container: memgate's findings and errors on stderr, where runc
 * and podman show them. Written without stdio buffering, so nothing is lost or written twice
 * around a fork. */
#ifndef MEMGATE_OUTPUTS_STDERR_H
#define MEMGATE_OUTPUTS_STDERR_H

#include "memgate/checks/finding.h"

void mg_stderr_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "memgate: refused (code): ..." for each warning and refusal (notes are left out). */
void mg_stderr_findings(const mg_report_t *r);

/* From now on, wait at most ms for stderr to take each piece of a line, then drop the rest: for
 * the watchdog's parent, which must report a stuck child even when the child got stuck on a full
 * stderr pipe nobody reads. Uses poll(2): not for the confined child. */
void mg_stderr_bound_wait(int ms);

#endif
