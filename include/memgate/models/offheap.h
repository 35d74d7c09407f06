/* SPDX-License-Identifier: Apache-2.0 */
/* The runtime model: what a language runtime needs beyond its heap under a memory limit. Pure. */
#ifndef MEMGATE_MODELS_OFFHEAP_H
#define MEMGATE_MODELS_OFFHEAP_H

#include <stddef.h>
#include <stdint.h>

#include "memgate/inputs/conf.h"
#include "memgate/workload/heap.h"

#define MG_OFFHEAP_PARTS 8
typedef struct mg_offheap {
        uint64_t total_bytes;
        size_t nparts;
        struct {
                char name[24];
                uint64_t bytes;
        } parts[MG_OFFHEAP_PARTS];
} mg_offheap_t;

/* The need beyond the heap of the detected runtime, with its parts (for messages; part names
 * are letters and blanks only, fit for evidence keys). heap_bytes is the effective heap
 * (GC structures scale with it). MG_RT_NONE gives 0 and no parts. p NULL: the defaults. */
void mg_offheap_estimate(const mg_heap_t *h, uint64_t heap_bytes, const mg_offheap_params_t *p,
                         mg_offheap_t *ret);

#endif
