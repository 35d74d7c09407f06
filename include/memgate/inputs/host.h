/* SPDX-License-Identifier: Apache-2.0 */
/* The host snapshot: what memgate reads from /proc and /sys, as plain numbers.
 * The readers (inputs/host_read.c) fill it; the models and checks only read it. */
#ifndef MEMGATE_INPUTS_HOST_H
#define MEMGATE_INPUTS_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MG_MEMINFO_MAX 128
/* Zones and nodes are kept in arrays sized to what the host has, up to the kernel's own ceilings:
 * MAX_NUMNODES is at most 1024 (NODES_SHIFT 10) and a node has at most 8 zone types. Past them a
 * file is still checked, and the report says how many were left out. */
#define MG_ZONES_MAX 8192
#define MG_PROTECTION_MAX 8
#define MG_NODES_MAX 1024
#define MG_ORDERS_MAX 16       /* orders 0..10 on x86; room for arm64/ppc64 with larger MAX_ORDER */

typedef struct mg_meminfo_field {
        char name[32];
        uint64_t value; /* as printed: kB for most, a count for HugePages_* */
        bool kb;        /* printed with the " kB" unit */
} mg_meminfo_field_t;

typedef struct mg_meminfo {
        size_t n;
        mg_meminfo_field_t f[MG_MEMINFO_MAX];
} mg_meminfo_t;

/* One zone of /proc/zoneinfo. Counts are pages. */
typedef struct mg_zone {
        int node;
        char name[16];
        uint64_t free, boost, min, low, high, managed;
        uint64_t protection[MG_PROTECTION_MAX];
        size_t nprotection;
} mg_zone_t;

/* One line of /proc/buddyinfo: free blocks per order in a zone. */
typedef struct mg_buddy {
        int node;
        char zone[16];
        uint64_t free[MG_ORDERS_MAX];
        size_t norders;
} mg_buddy_t;

/* One NUMA node from /sys/devices/system/node/nodeN/meminfo (kB). */
typedef struct mg_node {
        int id;
        uint64_t mem_total_kb, mem_free_kb, file_pages_kb, sreclaimable_kb;
} mg_node_t;

/* vm sysctls. have_* say whether the file existed (older kernels lack some). */
typedef struct mg_vm {
        uint64_t min_free_kbytes, watermark_scale_factor, watermark_boost_factor;
        uint64_t overcommit_memory, overcommit_ratio, overcommit_kbytes;
        uint64_t admin_reserve_kbytes, user_reserve_kbytes, nr_hugepages;
        bool have_min_free_kbytes, have_watermark_scale_factor, have_watermark_boost_factor;
        bool have_overcommit_memory, have_overcommit_ratio, have_overcommit_kbytes;
        bool have_admin_reserve_kbytes, have_user_reserve_kbytes, have_nr_hugepages;
} mg_vm_t;

typedef struct mg_host {
        char kernel[96];       /* sys/kernel/osrelease, trimmed */
        int kmajor, kminor;    /* parsed from it; 0.0 when unparseable */
        uint64_t page_kb;      /* page size in kB (4 on x86) */
        mg_meminfo_t meminfo;
        mg_vm_t vm;
        mg_zone_t *zones;      /* malloc'd (mg_host_clear frees the arrays) */
        size_t nzones;
        size_t zones_listed;   /* zones in the file: more than nzones when some were left out */
        bool have_zoneinfo;    /* zoneinfo read and parsed */
        char zoneinfo_error[160]; /* why not, when !have_zoneinfo */
        mg_buddy_t *buddy;
        size_t nbuddy;
        bool have_buddyinfo;
        mg_node_t *nodes;
        size_t nnodes;
} mg_host_t;

/* Paths of the trees every host read is relative to (--procfs, --sysfs). */
typedef struct mg_roots {
        const char *procfs; /* default "/proc" */
        const char *sysfs;  /* default "/sys" */
} mg_roots_t;

/* Frees the zone, buddy and node arrays (the struct itself is the caller's) and zeroes them. */
void mg_host_clear(mg_host_t *h);

/* "6.18.44-fc-v595" -> 6, 18; "3.10.0-1160.el7.x86_64" -> 3, 10. -EINVAL when unparseable. */
int mg_parse_osrelease(const char *text, int *ret_major, int *ret_minor);

/* Looks a meminfo field up by name; -ENOENT when absent. */
int mg_meminfo_get(const mg_meminfo_t *mi, const char *name, uint64_t *ret);
/* Same, 0 when absent. */
uint64_t mg_meminfo_or0(const mg_meminfo_t *mi, const char *name);

#endif
