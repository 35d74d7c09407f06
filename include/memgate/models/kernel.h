/* SPDX-License-Identifier: Apache-2.0 */
/* The kernel model: MemAvailable, watermarks, totalreserve and the overcommit decision,
 * reconstructed from a host snapshot the way the kernel computes them (KERNEL-NOTES.md). Pure. */
#ifndef MEMGATE_MODELS_KERNEL_H
#define MEMGATE_MODELS_KERNEL_H

#include "memgate/inputs/conf.h"
#include "memgate/inputs/host.h"

typedef struct mg_model {
        /* MemAvailable */
        uint64_t memavailable_kb;        /* reconstructed */
        uint64_t kernel_memavailable_kb; /* as printed by the kernel */
        bool have_kernel_memavailable;   /* printed: kernels before 3.14 do not */
        bool have_memavailable;          /* known at all: printed or reconstructed */
        bool reconstructed;              /* false without zoneinfo: then only the kernel's figure */
        uint64_t totalreserve_kb;        /* sum of min(managed, high + max(protection)) */
        uint64_t wmark_min_kb, wmark_low_kb, wmark_high_kb; /* sums over zones */
        uint64_t pagecache_kb, reclaimable_kb;
        /* What MemAvailable credits of each: the part above min(half, the low watermarks). */
        uint64_t pagecache_credit_kb, reclaimable_credit_kb;
        uint64_t memfree_kb, memtotal_kb;
        /* The kernel's own default min_free_kbytes for this host (sqrt rule, raised by khugepaged's
         * recommendation as on a THP-enabled kernel), and what totalreserve and MemAvailable would
         * be with it and the default watermark_scale_factor. */
        uint64_t default_min_free_kbytes;
        uint64_t default_totalreserve_kb;
        int64_t memavailable_unclamped_kb; /* before the clamp at 0 */
        /* Overcommit */
        int overcommit_memory;
        mg_heuristic_t heuristic;        /* resolved (never AUTO) */
        uint64_t commit_limit_kb;        /* computed from the sysctls */
        uint64_t kernel_commit_limit_kb;
        uint64_t committed_as_kb;
        /* What one more charged allocation can get before the kernel refuses it, in kB;
         * negative when already exhausted. Mode 1: INT64_MAX. Mode 0 modern: RAM + swap. */
        int64_t commit_headroom_kb;
        uint64_t legacy_free_kb;         /* mode 0 legacy: the "free" the heuristic counts */
} mg_model_t;

typedef struct mg_model_opts {
        mg_heuristic_t heuristic; /* operator override, AUTO by default */
        bool caller_has_sys_admin; /* the runtime runs as root: admin_reserve does not apply */
} mg_model_opts_t;

void mg_model_compute(const mg_host_t *host, const mg_model_opts_t *opts, mg_model_t *ret);

/* MemAvailable as the checks judge it: the kernel's own figure where it prints one, else the
 * reconstruction. false when neither exists (a kernel before 3.14 without zoneinfo): unknown,
 * never zero. */
bool mg_model_memavailable(const mg_model_t *m, uint64_t *ret_kb);

/* The kernel's default min_free_kbytes for a host with this much low memory (kB). */
uint64_t mg_default_min_free_kbytes(uint64_t lowmem_kb);
/* khugepaged's recommended min_free_kbytes for nr_zones populated zones, capped at 5% of RAM. */
uint64_t mg_thp_min_free_kbytes(unsigned nr_zones, uint64_t memtotal_kb);
/* totalreserve (kB) the zones would have under these watermark settings (__setup_per_zone_wmarks). */
uint64_t mg_totalreserve_with(const mg_host_t *h, uint64_t min_free_kbytes, uint64_t scale_factor);

/* What a NUMA node can give without swapping, kB: MemFree plus half its file pages and reclaimable
 * slab (the halving mirrors MemAvailable's caution about what reclaim can get back). */
uint64_t mg_node_available_kb(const mg_node_t *n);

#endif
