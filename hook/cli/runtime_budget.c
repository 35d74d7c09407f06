/* SPDX-License-Identifier: Apache-2.0 */
/* The cheap host budget check before a runc command (see runtime_budget.h). */
#define _GNU_SOURCE
#include "memgate/cli/runtime_budget.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "memgate/util/buf.h"
#include "memgate/util/cleanup.h"
#include "memgate/util/number.h"

/* "Name:   123 kB" lines: sets *ret and returns true for the named field. */
static bool field(const char *line, size_t len, const char *name, uint64_t *ret) {
        size_t nl = strlen(name);
        if (len <= nl || strncmp(line, name, nl) != 0 || line[nl] != ':')
                return false;
        const char *p = line + nl + 1, *end = line + len;
        while (p < end && *p == ' ')
                p++;
        const char *digits = p;
        while (p < end && *p >= '0' && *p <= '9')
                p++;
        return p > digits && mg_parse_u64_n(digits, (size_t)(p - digits), ret) == 0;
}

void mg_budget_parse_meminfo(const char *text, size_t len, mg_budget_t *b) {
        const char *p = text, *end = text + len;
        bool have_limit = false, have_committed = false;
        while (p < end) {
                const char *nl = memchr(p, '\n', (size_t)(end - p));
                size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
                if (field(p, l, "MemAvailable", &b->available_kb))
                        b->have_available = true;
                else if (field(p, l, "MemFree", &b->free_kb))
                        ;
                else if (field(p, l, "CommitLimit", &b->commit_limit_kb))
                        have_limit = true;
                else if (field(p, l, "Committed_AS", &b->committed_kb))
                        have_committed = true;
                p += l + 1;
        }
        if (!have_limit || !have_committed)
                b->commit_limit_kb = b->committed_kb = 0;
}

static ssize_t read_at(int dirfd, const char *path, char *buf, size_t cap) {
        _cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return -errno;
        size_t len = 0;
        while (len < cap) {
                ssize_t r = read(fd, buf + len, cap - len);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r < 0)
                        return -errno;
                if (r == 0)
                        break;
                len += (size_t)r;
        }
        return (ssize_t)len;
}

int mg_budget_read(const char *procfs, mg_budget_t *ret) {
        mg_budget_t b = {.overcommit_memory = -1};
        _cleanup_close_ int dirfd = open(procfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dirfd < 0)
                return -errno;
        char buf[8192];
        ssize_t n = read_at(dirfd, "meminfo", buf, sizeof(buf));
        if (n < 0)
                return (int)n;
        mg_budget_parse_meminfo(buf, (size_t)n, &b);
        char oc[32];
        n = read_at(dirfd, "sys/vm/overcommit_memory", oc, sizeof(oc) - 1);
        if (n > 0) {
                oc[n] = '\0';
                uint64_t v;
                if (mg_parse_u64_n(oc, strcspn(oc, "\n"), &v) == 0 && v <= 2)
                        b.overcommit_memory = (int)v;
        }
        *ret = b;
        return 0;
}

bool mg_budget_verdict(const mg_budget_t *b, const char *command, const char **ret_code, char *buf, size_t n) {
        char x[32], y[32], z[32], w[32];
        if (b->overcommit_memory == 2 && b->commit_limit_kb) {
                int64_t headroom = (int64_t)b->commit_limit_kb - (int64_t)b->committed_kb;
                if (headroom < (int64_t)MG_BUDGET_RUNC_COMMIT_KB) {
                        snprintf(buf, n,
                                 "vm.overcommit_memory=2: Committed_AS is %s of "
                                 "CommitLimit %s, leaving %s%s, but runc %s needs about %s of commit: it will fail "
                                 "with \"fatal error: runtime: out of memory\"; raise vm.overcommit_ratio (or "
                                 "vm.overcommit_kbytes), or stop containers: each one under containerd keeps a "
                                 "containerd-shim-runc-v2 of about 136 MiB committed",
                                 mg_fmt_bytes(b->committed_kb * 1024, x, sizeof(x)),
                                 mg_fmt_bytes(b->commit_limit_kb * 1024, y, sizeof(y)), headroom < 0 ? "-" : "",
                                 mg_fmt_bytes((uint64_t)(headroom < 0 ? -headroom : headroom) * 1024, z, sizeof(z)),
                                 command, mg_fmt_bytes(MG_BUDGET_RUNC_COMMIT_KB * 1024, w, sizeof(w)));
                        *ret_code = "commit-exhausted";
                        return true;
                }
        }
        if (b->have_available && b->available_kb < MG_BUDGET_MIN_AVAILABLE_KB) {
                snprintf(buf, n,
                         "MemAvailable is %s while MemFree is %s: runc %s may "
                         "die of memory now (\"fatal error: runtime: out of memory\"); run `memgate host` for the "
                         "cause (often vm.min_free_kbytes or a full page cache that cannot be reclaimed) and its fix",
                         mg_fmt_bytes(b->available_kb * 1024, x, sizeof(x)), mg_fmt_bytes(b->free_kb * 1024, y, sizeof(y)),
                         command);
                *ret_code = "memavailable-zero";
                return true;
        }
        return false;
}
