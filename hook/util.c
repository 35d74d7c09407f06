/* SPDX-License-Identifier: Apache-2.0 */
#include "memgate/util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>

int mg_error_set(mg_error_t *err, int code, const char *fmt, ...) {
        if (err) {
                va_list ap;
                va_start(ap, fmt);
                vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
                va_end(ap);
                err->code = code;
        }
        return code;
}

int mg_error_prefix(mg_error_t *err, const char *fmt, ...) {
        if (!err)
                return 0;
        char old[sizeof(err->msg)];
        memcpy(old, err->msg, sizeof(old));
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
        va_end(ap);
        if (n >= 0 && (size_t)n + 2 < sizeof(err->msg)) {
                memcpy(err->msg + n, ": ", 2);
                size_t room = sizeof(err->msg) - (size_t)n - 2;
                size_t ol = strnlen(old, room - 1);
                memcpy(err->msg + n + 2, old, ol);
                err->msg[n + 2 + ol] = '\0';
        }
        return err->code;
}

int mg_read_fd(int fd, const char *name, size_t cap, char **ret_buf, size_t *ret_len, mg_error_t *err) {
        struct stat st;
        size_t size = 4096, len = 0;

        if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
                if ((uint64_t)st.st_size > cap)
                        return mg_error_set(err, -EFBIG, "%s: %jd bytes is over the %zu byte limit", name,
                                            (intmax_t)st.st_size, cap);
                size = (size_t)st.st_size + 1; /* one more, to see EOF in one read */
        }
        if (size > cap + 1)
                size = cap + 1;

        _cleanup_free_ char *buf = malloc(size + 1);
        if (!buf)
                return mg_error_set(err, -ENOMEM, "%s: out of memory", name);

        for (;;) {
                if (len == size) {
                        if (size > cap)
                                return mg_error_set(err, -EFBIG, "%s: larger than the %zu byte limit", name, cap);
                        size_t nsize = size * 2 > cap + 1 ? cap + 1 : size * 2;
                        char *n = realloc(buf, nsize + 1);
                        if (!n)
                                return mg_error_set(err, -ENOMEM, "%s: out of memory", name);
                        buf = n;
                        size = nsize;
                }
                ssize_t r = read(fd, buf + len, size - len);
                if (r < 0) {
                        if (errno == EINTR)
                                continue;
                        return mg_error_set(err, -errno, "%s: read failed: %s", name, strerror(errno));
                }
                if (r == 0)
                        break;
                len += (size_t)r;
        }
        if (len > cap)
                return mg_error_set(err, -EFBIG, "%s: larger than the %zu byte limit", name, cap);
        if (memchr(buf, '\0', len))
                return mg_error_set(err, -EBADMSG, "%s: contains a NUL byte", name);
        buf[len] = '\0';
        *ret_buf = TAKE_PTR(buf);
        if (ret_len)
                *ret_len = len;
        return 0;
}

int mg_read_file_at(int dirfd, const char *path, size_t cap, bool nofollow, char **ret_buf, size_t *ret_len,
                    mg_error_t *err) {
        _cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY | (nofollow ? O_NOFOLLOW : 0));
        if (fd < 0)
                return mg_error_set(err, -errno, "%s: %s", path,
                                    errno == ELOOP && nofollow ? "is a symbolic link, not followed" : strerror(errno));
        struct stat st;
        if (fstat(fd, &st) < 0)
                return mg_error_set(err, -errno, "%s: %s", path, strerror(errno));
        if (S_ISDIR(st.st_mode))
                return mg_error_set(err, -EISDIR, "%s: is a directory", path);
        if (!S_ISREG(st.st_mode))
                return mg_error_set(err, -EINVAL, "%s: not a regular file", path);
        return mg_read_fd(fd, path, cap, ret_buf, ret_len, err);
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

const char *mg_fmt_bytes(uint64_t b, char *buf, size_t n) {
        if (b >= MG_GIB)
                snprintf(buf, n, "%.1f GiB", (double)b / (double)MG_GIB);
        else if (b >= MG_MIB)
                snprintf(buf, n, "%" PRIu64 " MiB", (b + MG_MIB / 2) / MG_MIB);
        else
                snprintf(buf, n, "%" PRIu64 " kB", b / MG_KIB);
        return buf;
}

void mg_buf_vprintf(mg_buf_t *b, const char *fmt, va_list ap) {
        if (b->overflow)
                return;
        va_list aq;
        va_copy(aq, ap);
        int need = vsnprintf(NULL, 0, fmt, aq);
        va_end(aq);
        if (need < 0)
                return;
        if (b->len + (size_t)need + 1 > MG_BUF_MAX) {
                b->overflow = true;
                return;
        }
        if (b->len + (size_t)need + 1 > b->cap) {
                size_t ncap = b->cap ? b->cap : 256;
                while (ncap < b->len + (size_t)need + 1)
                        ncap *= 2;
                char *d = realloc(b->data, ncap);
                if (!d) {
                        b->overflow = true;
                        return;
                }
                b->data = d;
                b->cap = ncap;
        }
        vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
        b->len += (size_t)need;
}

void mg_buf_printf(mg_buf_t *b, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        mg_buf_vprintf(b, fmt, ap);
        va_end(ap);
}

void mg_buf_free(mg_buf_t *b) {
        free(b->data);
        *b = (mg_buf_t){0};
}

char *mg_strndup_safe(const char *s, size_t n) {
        return s ? strndup(s, n) : NULL;
}

bool mg_startswith(const char *s, const char *prefix, const char **rest) {
        size_t n = strlen(prefix);
        if (strncmp(s, prefix, n) != 0)
                return false;
        if (rest)
                *rest = s + n;
        return true;
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
