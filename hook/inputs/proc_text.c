/* SPDX-License-Identifier: Apache-2.0 */
/* Reading files of a --procfs/--sysfs tree and walking their text: every read is relative to an
 * O_PATH fd of its root and bounded by MG_CAP_PROC. */
#define _GNU_SOURCE
#include "proc_text.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "memgate/inputs/nodemask.h"
#include "memgate/util/number.h"
#include "memgate/util/read.h"
#include "memgate/util/step.h"
#include "memgate/util/text.h"

bool pf_is_absent(int r) {
        return r == -ENOENT || r == -EACCES || r == -EPERM || r == -ENOTDIR;
}

static int root_read(const pf_root_t *root, const char *rel, unsigned flags, char **ret_buf, mg_error_t *err) {
        mg_error_t e = { 0 };
        mg_step("reading %s/%s", root->name, rel);
        int r = root->kernel ? mg_read_kernel_file_at(root->fd, rel, MG_CAP_PROC, flags, ret_buf, NULL, &e)
                             : mg_read_file_at(root->fd, rel, MG_CAP_PROC, true, ret_buf, NULL, &e);
        if (r < 0) /* the reader's message starts with rel: make it "<root>/<rel>: ..." */
                return mg_error_set(err, r, "%s/%s", root->name, e.msg);
        return 0;
}

int pf_read(const pf_root_t *root, const char *rel, char **ret_buf, mg_error_t *err) {
        return root_read(root, rel, 0, ret_buf, err);
}

int pf_read_one(const pf_root_t *root, const char *rel, char **ret_buf, mg_error_t *err) {
        return root_read(root, rel, MG_READ_ONE_RECORD, ret_buf, err);
}

bool pf_next_line(const char **p, const char **ret_line, size_t *ret_len) {
        const char *s = *p;
        if (!*s)
                return false;
        const char *nl = strchr(s, '\n');
        size_t len = nl ? (size_t)(nl - s) : strlen(s);
        *ret_line = s;
        *ret_len = len;
        *p = nl ? nl + 1 : s + len;
        return true;
}

bool pf_token(const char **p, const char *end, const char **ret_tok, size_t *ret_len) {
        const char *s = *p;
        while (s < end && (*s == ' ' || *s == '\t'))
                s++;
        if (s == end) {
                *p = s;
                return false;
        }
        const char *t = s;
        while (s < end && *s != ' ' && *s != '\t')
                s++;
        *ret_tok = t;
        *ret_len = (size_t)(s - t);
        *p = s;
        return true;
}

const char *pf_quote(const char *line, size_t len, char *buf, size_t n) {
        size_t max = len < 80 ? len : 80;
        if (max > n - 4)
                max = n - 4;
        size_t i;
        for (i = 0; i < max; i++)
                buf[i] = isprint((unsigned char)line[i]) ? line[i] : '?';
        if (max < len) {
                memcpy(buf + i, "...", 3);
                i += 3;
        }
        buf[i] = '\0';
        return buf;
}

int pf_line_error(mg_error_t *err, int code, const char *name, size_t lineno, const char *line, size_t len,
                  const char *why) {
        char q[96];
        return mg_error_set(err, code, "%s:%zu: cannot parse \"%s\"%s%s", name, lineno, pf_quote(line, len, q, sizeof(q)),
                            why ? ": " : "", why ? why : "");
}

bool pf_is_blank(const char *line, size_t len) {
        for (size_t i = 0; i < len; i++)
                if (!isspace((unsigned char)line[i]))
                        return false;
        return true;
}

int pf_root_open(const char *path, const char *def, pf_root_t *ret, mg_error_t *err) {
        const char *p = path && *path ? path : def;
        size_t n = strlen(p);
        while (n > 1 && p[n - 1] == '/') /* "/proc/" names files "/proc/meminfo" */
                n--;
        if (n >= sizeof(ret->name))
                return mg_error_set(err, -ENAMETOOLONG, "%.64s...: path too long", p);
        memcpy(ret->name, p, n);
        ret->name[n] = '\0';
        if (n == 1 && ret->name[0] == '/')
                ret->name[0] = '\0'; /* root "/" itself: "" + "/meminfo" */
        ret->fd = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (ret->fd < 0)
                return mg_error_set(err, -errno, "%s: %s", p, strerror(errno));
        /* A --procfs/--sysfs tree on disk may hold anything (its files are looked at before they
         * are opened); the kernel's own /proc and /sys hold no FIFO or device. */
        ret->kernel = mg_fd_on_kernel_fs(ret->fd);
        return 0;
}

/* "Node 0, zone      DMA": returns the position after the zone name, or NULL. */
const char *pf_zone_header(const char *line, size_t len, int *ret_node, char *zone, size_t zone_n) {
        const char *end = line + len, *p, *tok;
        size_t tlen;
        if (!mg_startswith(line, "Node ", &p) || p > end)
                return NULL;
        if (!pf_token(&p, end, &tok, &tlen) || tlen < 2 || tok[tlen - 1] != ',')
                return NULL;
        uint64_t node;
        if (mg_parse_u64_n(tok, tlen - 1, &node) < 0 || node >= MG_NODEMASK_BITS) /* MAX_NUMNODES */
                return NULL;
        if (!pf_token(&p, end, &tok, &tlen) || !pf_tok_is(tok, tlen, "zone"))
                return NULL;
        if (!pf_token(&p, end, &tok, &tlen) || tlen >= zone_n)
                return NULL;
        for (size_t i = 0; i < tlen; i++)
                if (!isgraph((unsigned char)tok[i]))
                        return NULL;
        memcpy(zone, tok, tlen);
        zone[tlen] = '\0';
        *ret_node = (int)node;
        return p;
}

