/* SPDX-License-Identifier: Apache-2.0 */
/* The io.memgate.* annotations an evaluation yields (io.memgate.verdict, io.memgate.findings, ...). */
#ifndef MEMGATE_OUTPUTS_ANNOTATIONS_H
#define MEMGATE_OUTPUTS_ANNOTATIONS_H

#include <stddef.h>

#include "memgate/checks/finding.h"
#include "memgate/models/kernel.h"
#include "memgate/oci/container.h"

/* Fills up to max entries with heap-allocated strings (free with mg_kv_clear); returns the count,
 * or -ENOMEM (entries made so far are freed). */
int mg_report_annotations(const mg_report_t *r, const mg_model_t *m, mg_kv_t *kv, size_t max);

#endif
