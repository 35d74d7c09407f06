/* SPDX-License-Identifier: Apache-2.0 */
/* The scanners the kernel log parser reads messages with. Everything works on (pointer, length)
 * spans with explicit bounds: a line is never assumed to be NUL-terminated. */
#define _GNU_SOURCE
#include <ctype.h>
#include <string.h>

#include "kernlog_scan.h"

const char *kl_find(kl_span_t s, const char *needle) {
        return memmem(s.p, s.n, needle, strlen(needle));
}

const char *kl_find_last(kl_span_t s, const char *needle) {
        const char *last = NULL, *q;
        kl_span_t rest = s;
        while ((q = kl_find(rest, needle))) {
                last = q;
                rest = kl_from(s, q + 1);
        }
        return last;
}

kl_span_t kl_from(kl_span_t s, const char *p) {
        if (p < s.p || p > s.p + s.n)
                return (kl_span_t){s.p + s.n, 0};
        return (kl_span_t){p, (size_t)(s.p + s.n - p)};
}

const char *kl_u64(kl_span_t s, const char *p, uint64_t *ret) {
        const char *end = s.p + s.n;
        uint64_t v = 0;
        const char *q = p;
        while (q < end && *q >= '0' && *q <= '9') {
                if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, (uint64_t)(*q - '0'), &v))
                        return NULL;
                q++;
        }
        if (q == p)
                return NULL;
        *ret = v;
        return q;
}

const char *kl_i64(kl_span_t s, const char *p, int64_t *ret) {
        bool neg = p < s.p + s.n && *p == '-';
        uint64_t v;
        const char *q = kl_u64(s, p + neg, &v);
        if (!q || v > (uint64_t)INT64_MAX)
                return NULL;
        *ret = neg ? -(int64_t)v : (int64_t)v;
        return q;
}

const char *kl_hex(kl_span_t s, const char *p, uint64_t *ret) {
        const char *end = s.p + s.n;
        uint64_t v = 0;
        if (end - p >= 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
                p += 2;
        const char *q = p;
        while (q < end && isxdigit((unsigned char)*q)) {
                if (v >> 60)
                        return NULL;
                int d = *q <= '9' ? *q - '0' : (tolower((unsigned char)*q) - 'a' + 10);
                v = v * 16 + (uint64_t)d;
                q++;
        }
        if (q == p)
                return NULL;
        *ret = v;
        return q;
}

static const char *skip_spaces(kl_span_t s, const char *p) {
        while (p < s.p + s.n && *p == ' ')
                p++;
        return p;
}

bool kl_key_u64(kl_span_t s, const char *key, uint64_t *ret) {
        const char *k = kl_find(s, key);
        return k && kl_u64(s, skip_spaces(s, k + strlen(key)), ret);
}

bool kl_key_i64(kl_span_t s, const char *key, int64_t *ret) {
        const char *k = kl_find(s, key);
        return k && kl_i64(s, skip_spaces(s, k + strlen(key)), ret);
}

void kl_copy(char *dst, size_t cap, const char *p, size_t n) {
        if (cap == 0)
                return;
        if (n > cap - 1)
                n = cap - 1;
        for (size_t i = 0; i < n; i++)
                dst[i] = ((unsigned char)p[i] < 0x20 || p[i] == 0x7f) ? '?' : p[i];
        dst[n] = '\0';
}

/* The keys of the one-line summary (mm/oom_kill.c dump_oom_summary/dump_oom_victim, 4.19-6.x:
 * "oom-kill:constraint=%s,nodemask=%*pbl" + ",cpuset=%s,mems_allowed=%*pbl" (kernel/cgroup/cpuset.c)
 * + ",oom_memcg=%s,task_memcg=%s" (mm/memcontrol.c mem_cgroup_print_oom_context, 5.0+)
 * + ",task=%s,pid=%d,uid=%d"), and of warn_alloc's tail (mm/page_alloc.c). */
static const char *const list_keys[] = {
        "constraint=", "nodemask=", "cpuset=", "mems_allowed=", "oom_memcg=", "task_memcg=",
        "task=", "pid=", "uid=", "global_oom", "origin_memcg=", "kill_memcg=",
};

bool kl_list_value(kl_span_t s, const char *key, kl_span_t *ret) {
        const char *k = kl_find(s, key);
        /* the key must start the list or follow a comma (",task=" is not inside "task_memcg=") */
        while (k && k > s.p && k[-1] != ',' && k[-1] != ':' && k[-1] != ' ')
                k = kl_find(kl_from(s, k + 1), key);
        if (!k)
                return false;
        const char *v = k + strlen(key);
        kl_span_t rest = kl_from(s, v);
        const char *end = s.p + s.n;
        /* task= holds a comm, which may contain commas: it ends at the last ",pid=". */
        if (!strcmp(key, "task=")) {
                const char *q = kl_find_last(rest, ",pid=");
                if (q)
                        end = q;
        } else {
                for (const char *c = v; c < s.p + s.n; c++) {
                        if (*c != ',')
                                continue;
                        kl_span_t after = kl_from(s, c + 1);
                        bool known = false;
                        for (size_t i = 0; i < sizeof(list_keys) / sizeof(list_keys[0]) && !known; i++) {
                                size_t kn = strlen(list_keys[i]);
                                known = after.n >= kn && !memcmp(after.p, list_keys[i], kn);
                        }
                        if (known) {
                                end = c;
                                break;
                        }
                }
        }
        while (end > v && (end[-1] == ' ' || end[-1] == '\r'))
                end--;
        *ret = (kl_span_t){v, (size_t)(end - v)};
        return true;
}
