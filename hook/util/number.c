/* SPDX-License-Identifier: Apache-2.0 */
#include "memgate/util/number.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "memgate/util/cleanup.h"

size_t mg_fmt_u64(uint64_t v, char *out) {
        char rev[20];
        size_t n = 0;
        do {
                rev[n++] = (char)('0' + v % 10);
                v /= 10;
        } while (v);
        for (size_t i = 0; i < n; i++)
                out[i] = rev[n - 1 - i];
        out[n] = '\0';
        return n;
}

size_t mg_fmt_i64(int64_t v, char *out) {
        if (v >= 0)
                return mg_fmt_u64((uint64_t)v, out);
        out[0] = '-';
        return 1 + mg_fmt_u64(0 - (uint64_t)v, out + 1); /* unsigned: INT64_MIN negates exactly */
}

static int parse_digits(const char *s, size_t n, uint64_t *ret) {
        size_t i = 0, end = n;
        while (i < end && isspace((unsigned char)s[i]))
                i++;
        while (end > i && isspace((unsigned char)s[end - 1]))
                end--;
        if (i == end)
                return -EINVAL;
        uint64_t v = 0;
        for (; i < end; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return -EINVAL;
                if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, (uint64_t)(s[i] - '0'), &v))
                        return -ERANGE;
        }
        *ret = v;
        return 0;
}

int mg_parse_u64_n(const char *s, size_t n, uint64_t *ret) {
        if (!s)
                return -EINVAL;
        return parse_digits(s, n, ret);
}

int mg_parse_u64(const char *s, uint64_t *ret) {
        if (!s)
                return -EINVAL;
        return parse_digits(s, strlen(s), ret);
}

int mg_parse_i64(const char *s, int64_t *ret) {
        if (!s)
                return -EINVAL;
        while (isspace((unsigned char)*s))
                s++;
        bool neg = *s == '-';
        if (neg || *s == '+')
                s++;
        if (*s < '0' || *s > '9') /* no "--5", no "- 5" */
                return -EINVAL;
        uint64_t u;
        int r = mg_parse_u64(s, &u);
        if (r < 0)
                return r;
        if (neg) {
                if (u > (uint64_t)INT64_MAX + 1)
                        return -ERANGE;
                *ret = u == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)u;
        } else {
                if (u > INT64_MAX)
                        return -ERANGE;
                *ret = (int64_t)u;
        }
        return 0;
}

int mg_parse_size(const char *s, uint64_t *ret) {
        static const struct {
                const char *suffix;
                uint64_t mult;
        } units[] = {
                {"", 1},         {"B", 1},          {"k", MG_KIB},     {"K", MG_KIB},     {"kB", MG_KIB},
                {"KB", MG_KIB},  {"KiB", MG_KIB},   {"m", MG_MIB},     {"M", MG_MIB},     {"MB", MG_MIB},
                {"MiB", MG_MIB}, {"g", MG_GIB},     {"G", MG_GIB},     {"GB", MG_GIB},    {"GiB", MG_GIB},
                {"t", MG_GIB * 1024}, {"T", MG_GIB * 1024}, {"TB", MG_GIB * 1024}, {"TiB", MG_GIB * 1024},
                /* Kubernetes quantities, as people copy them from resource limits. */
                {"Ki", MG_KIB},  {"Mi", MG_MIB},    {"Gi", MG_GIB},    {"Ti", MG_GIB * 1024},
        };
        if (!s)
                return -EINVAL;
        while (isspace((unsigned char)*s))
                s++;
        size_t digits = 0;
        while (s[digits] >= '0' && s[digits] <= '9')
                digits++;
        if (digits == 0)
                return -EINVAL;
        uint64_t v;
        int r = mg_parse_u64_n(s, digits, &v);
        if (r < 0)
                return r;
        const char *suf = s + digits;
        size_t sl = strlen(suf);
        while (sl > 0 && isspace((unsigned char)suf[sl - 1]))
                sl--;
        for (size_t i = 0; i < ELEMENTSOF(units); i++)
                if (strlen(units[i].suffix) == sl && strncmp(units[i].suffix, suf, sl) == 0)
                        return mg_mul_u64(v, units[i].mult, ret);
        return -EINVAL;
}
