/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the /proc and /sys readers (procfs.c, procfs_zone.c); not a public API. */
#ifndef MEMGATE_PROCFS_INTERNAL_H
#define MEMGATE_PROCFS_INTERNAL_H

#include "memgate/host.h"

/* Largest count we accept from zoneinfo/buddyinfo: pages times a 64 KiB page still fits in bytes. */
#define PF_PAGES_MAX (UINT64_MAX / (64 * 1024))
/* Largest kB figure: converts to bytes without overflow. */
#define PF_KB_MAX (UINT64_MAX / 1024)

/* A root tree (--procfs or --sysfs): an O_PATH directory fd and the name used in messages. */
typedef struct pf_root {
        int fd;
        char name[512];
} pf_root_t;

/* Reads <root>/<rel> (bounded, MG_CAP_PROC, not following a final symlink). A missing or
 * unreadable file gives -ENOENT/-EACCES/-EPERM with the message set; callers of optional files
 * treat those as absent. Messages name the file as "<root>/<rel>". */
int pf_read(const pf_root_t *root, const char *rel, char **ret_buf, mg_error_t *err);
bool pf_is_absent(int r);

/* Line iteration over a NUL-terminated text: returns false at the end. */
bool pf_next_line(const char **p, const char **ret_line, size_t *ret_len);
/* Next whitespace-separated token within [*p, end). */
bool pf_token(const char **p, const char *end, const char **ret_tok, size_t *ret_len);
bool pf_tok_is(const char *tok, size_t len, const char *word);
/* Copies a line for a message: at most 80 bytes, non-printables as '?'. */
const char *pf_quote(const char *line, size_t len, char *buf, size_t n);
/* The standard "<name>:<lineno>: cannot parse "<line>"" error, with an optional reason. */
int pf_line_error(mg_error_t *err, int code, const char *name, size_t lineno, const char *line, size_t len,
                  const char *why);

/* Parses one "Name:   value [kB]" line (meminfo, and node meminfo after its "Node N " prefix). */
int pf_parse_meminfo_line(const char *line, size_t len, mg_meminfo_field_t *ret, const char **ret_why);

/* The parsers with the file name used in messages. */
int pf_parse_meminfo(const char *text, const char *name, mg_meminfo_t *ret, mg_error_t *err);
int pf_parse_zoneinfo(const char *text, const char *name, mg_zone_t *zones, size_t max, size_t *ret_n,
                      mg_error_t *err);
int pf_parse_buddyinfo(const char *text, const char *name, mg_buddy_t *buddy, size_t max, size_t *ret_n,
                       mg_error_t *err);
int pf_parse_node_meminfo(const char *text, const char *name, int id, mg_node_t *ret, mg_error_t *err);

/* Reads zoneinfo/buddyinfo (optional) and the NUMA nodes into h. */
int pf_read_zones(const pf_root_t *proc, mg_host_t *h, mg_error_t *err);
int pf_read_nodes(const pf_root_t *sys, mg_host_t *h, mg_error_t *err);

#endif
