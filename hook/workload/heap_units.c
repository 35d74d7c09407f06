/* SPDX-License-Identifier: Apache-2.0 */
/* The size values of heap settings, each parsed the way its runtime parses it: JVM sizes
 * (-Xmx800m), Go's GOMEMLIMIT (800MiB) and .NET's hexadecimal environment values. Strict: what
 * the runtime would refuse is refused, overflow included. */
#include "memgate/workload/heap_units.h"

#include <errno.h>
#include <string.h>

#include "memgate/util/cleanup.h"
#include "memgate/util/number.h"

int mg_parse_jvm_size(const char *s, uint64_t *ret) {
        if (!s || *s < '0' || *s > '9')
                return -EINVAL;
        size_t n = strspn(s, "0123456789");
        uint64_t v, mult = 1;
        switch (s[n]) {
        case '\0':
                break;
        case 'k': case 'K':
                mult = MG_KIB;
                break;
        case 'm': case 'M':
                mult = MG_MIB;
                break;
        case 'g': case 'G':
                mult = MG_GIB;
                break;
        case 't': case 'T':
                mult = MG_GIB * 1024;
                break;
        default:
                return -EINVAL;
        }
        if (s[n] && s[n + 1])
                return -EINVAL;
        int r = mg_parse_u64_n(s, n, &v);
        if (r < 0)
                return r;
        return mg_mul_u64(v, mult, ret);
}

int mg_parse_go_size(const char *s, uint64_t *ret) {
        static const struct { const char *suffix; uint64_t mult; } units[] = {
                {"TiB", MG_GIB * 1024}, {"GiB", MG_GIB}, {"MiB", MG_MIB}, {"KiB", MG_KIB}, {"B", 1},
        };
        if (!s)
                return -EINVAL;
        if (!strcmp(s, "off")) {
                *ret = UINT64_MAX;
                return 0;
        }
        size_t n = strspn(s, "0123456789");
        if (n == 0)
                return -EINVAL;
        uint64_t mult = 1, v;
        if (s[n]) {
                size_t u;
                for (u = 0; u < ELEMENTSOF(units); u++)
                        if (!strcmp(s + n, units[u].suffix))
                                break;
                if (u == ELEMENTSOF(units))
                        return -EINVAL;
                mult = units[u].mult;
        }
        int r = mg_parse_u64_n(s, n, &v);
        if (r < 0)
                return r;
        if ((r = mg_mul_u64(v, mult, &v)) < 0)
                return r;
        if (v > INT64_MAX) /* the Go runtime refuses it */
                return -ERANGE;
        *ret = v;
        return 0;
}

int mg_parse_dotnet_hex(const char *s, uint64_t *ret) {
        if (!s)
                return -EINVAL;
        if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
                s += 2;
        if (!*s)
                return -EINVAL;
        uint64_t v = 0;
        for (; *s; s++) {
                unsigned d;
                if (*s >= '0' && *s <= '9')
                        d = (unsigned)(*s - '0');
                else if (*s >= 'a' && *s <= 'f')
                        d = (unsigned)(*s - 'a' + 10);
                else if (*s >= 'A' && *s <= 'F')
                        d = (unsigned)(*s - 'A' + 10);
                else
                        return -EINVAL;
                if (v > (UINT64_MAX >> 4))
                        return -ERANGE;
                v = (v << 4) | d;
        }
        *ret = v;
        return 0;
}

