/* SPDX-License-Identifier: Apache-2.0 */
/* Private to hook/inputs/: reading files of a --procfs/--sysfs tree and walking their text. */
#ifndef MEMGATE_INPUTS_PROC_TEXT_H
#define MEMGATE_INPUTS_PROC_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "memgate/util/error.h"

/* A root tree (--procfs or --sysfs): an O_PATH directory fd and the name used in messages. */
typedef struct pf_root {
        int fd;
        bool kernel; /* on procfs or sysfs (fstatfs): read with mg_read_kernel_file_at */
        char name[512];
} pf_root_t;

/* Opens path (def when NULL or empty) as a root; trailing slashes are dropped from the name. */
int pf_root_open(const char *path, const char *def, pf_root_t *ret, mg_error_t *err);

/* Reads <root>/<rel> (bounded, MG_CAP_PROC, not following a final symlink). A missing or
 * unreadable file gives -ENOENT/-EACCES/-EPERM with the message set; callers of optional files
 * treat those as absent. Messages name the file as "<root>/<rel>". */
int pf_read(const pf_root_t *root, const char *rel, char **ret_buf, mg_error_t *err);
/* The same for a file the kernel prints as one record (a sysctl, meminfo, a sysfs attribute: see
 * MG_READ_ONE_RECORD), which on the live kernel is read without the read to EOF. */
int pf_read_one(const pf_root_t *root, const char *rel, char **ret_buf, mg_error_t *err);
bool pf_is_absent(int r);

/* Line iteration over a NUL-terminated text: returns false at the end. */
bool pf_next_line(const char **p, const char **ret_line, size_t *ret_len);
/* Next whitespace-separated token within [*p, end). */
bool pf_token(const char **p, const char *end, const char **ret_tok, size_t *ret_len);
/* Inline: called for every token of zoneinfo against literal words, whose strlen folds away. */
static inline bool pf_tok_is(const char *tok, size_t len, const char *word) {
        return __builtin_strlen(word) == len && __builtin_memcmp(tok, word, len) == 0;
}
bool pf_is_blank(const char *line, size_t len);
/* Copies a line for a message: at most 80 bytes, non-printables as '?'. */
const char *pf_quote(const char *line, size_t len, char *buf, size_t n);
/* The standard "<name>:<lineno>: cannot parse "<line>"" error, with an optional reason. */
int pf_line_error(mg_error_t *err, int code, const char *name, size_t lineno, const char *line, size_t len,
                  const char *why);
/* "Node 0, zone      DMA" (zoneinfo and buddyinfo): the position after the zone name, or NULL. */
const char *pf_zone_header(const char *line, size_t len, int *ret_node, char *zone, size_t zone_n);

#endif
