/* SPDX-License-Identifier: Apache-2.0 */
/* NUMA node lists, as in cpuset.mems, linux.resources.cpu.mems and /sys/devices/system/node/online. */
#include "memgate/inputs/nodemask.h"

#include <errno.h>
#include <string.h>

#include "memgate/util/cleanup.h"
#include "memgate/util/number.h"

/* Node lists: "0", "0-3", "0-1,3", "" (empty). */
int mg_parse_node_list(const char *s, mg_nodemask_t *ret) {
        mg_nodemask_t m = {};
        const char *p = s, *end;

        if (!s)
                return -EINVAL;
        while (*p == ' ' || *p == '\t')
                p++;
        end = p + strlen(p);
        while (end > p && (end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t'))
                end--;
        if (end - p > 4096)
                return -E2BIG;

        while (p < end) {
                uint64_t a, b;
                const char *q = p;
                int r;

                while (q < end && *q >= '0' && *q <= '9')
                        q++;
                if (q == p || q - p > 4)
                        return q == p ? -EINVAL : -ERANGE;
                r = mg_parse_u64_n(p, (size_t)(q - p), &a);
                if (r < 0)
                        return r;
                b = a;
                if (q < end && *q == '-') {
                        const char *d = ++q;
                        while (q < end && *q >= '0' && *q <= '9')
                                q++;
                        if (q == d || q - d > 4)
                                return q == d ? -EINVAL : -ERANGE;
                        r = mg_parse_u64_n(d, (size_t)(q - d), &b);
                        if (r < 0)
                                return r;
                        if (b < a)
                                return -EINVAL;
                }
                if (a >= MG_NODEMASK_BITS || b >= MG_NODEMASK_BITS)
                        return -ERANGE;
                for (uint64_t i = a; i <= b; i++)
                        m.bits[i / 64] |= (uint64_t)1 << (i % 64);
                if (q == end)
                        break;
                if (*q != ',' || q + 1 == end)
                        return -EINVAL;
                p = q + 1;
        }
        *ret = m;
        return 0;
}

bool mg_nodemask_test(const mg_nodemask_t *m, int node) {
        if (!m || node < 0 || node >= MG_NODEMASK_BITS)
                return false;
        return (m->bits[node / 64] >> (node % 64)) & 1;
}

size_t mg_nodemask_count(const mg_nodemask_t *m) {
        size_t c = 0;
        for (size_t i = 0; i < ELEMENTSOF(m->bits); i++)
                c += (size_t)__builtin_popcountll(m->bits[i]);
        return c;
}

int mg_nodemask_next(const mg_nodemask_t *m, int after) {
        if (after >= MG_NODEMASK_BITS - 1)
                return -1;
        /* A word at a time: the walk over 1024 bits one by one cost 10 k instructions a call. */
        for (int n = after < 0 ? 0 : after + 1; n < MG_NODEMASK_BITS; n = (n / 64 + 1) * 64) {
                uint64_t w = m->bits[n / 64] >> (n % 64);
                if (w)
                        return n + __builtin_ctzll(w);
        }
        return -1;
}

void mg_nodemask_set(mg_nodemask_t *m, int node) {
        if (m && node >= 0 && node < MG_NODEMASK_BITS)
                m->bits[node / 64] |= (uint64_t)1 << (node % 64);
}
