/* SPDX-License-Identifier: Apache-2.0 */
/* The text side of the kernel log parser: what comes before the kernel's message on a line, and
 * the small scanners the message parsers use. Everything works on (pointer, length) spans with
 * explicit bounds: a line is never assumed to be NUL-terminated. */
#define _GNU_SOURCE
#include <ctype.h>
#include <string.h>
#include <time.h>

#include "kernlog-internal.h"

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

/* ---- timestamps ---- */

static bool digits(const char *p, size_t n, int *ret) {
        int v = 0;
        for (size_t i = 0; i < n; i++) {
                if (p[i] < '0' || p[i] > '9')
                        return false;
                v = v * 10 + (p[i] - '0');
        }
        *ret = v;
        return true;
}

static time_t utc_seconds(int y, int mon, int d, int h, int mi, int s) {
        struct tm tm = {.tm_year = y - 1900, .tm_mon = mon - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi,
                        .tm_sec = s};
        return timegm(&tm);
}

/* 2026-12-01T16:25:22[.,]661629[Z|+00:00|+0000] (journalctl -o short-iso, dmesg --time-format iso,
 * RFC 3339 syslog), also with a space instead of the T. */
bool kl_parse_iso(const char *p, size_t n, size_t *used, mg_kl_time_t *t) {
        int y, mo, d, h, mi, s;
        if (n < 19 || p[4] != '-' || p[7] != '-' || (p[10] != 'T' && p[10] != ' ') || p[13] != ':' || p[16] != ':')
                return false;
        if (!digits(p, 4, &y) || !digits(p + 5, 2, &mo) || !digits(p + 8, 2, &d) || !digits(p + 11, 2, &h) ||
            !digits(p + 14, 2, &mi) || !digits(p + 17, 2, &s))
                return false;
        if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
                return false;
        size_t i = 19;
        if (i < n && (p[i] == '.' || p[i] == ',')) {
                i++;
                while (i < n && p[i] >= '0' && p[i] <= '9')
                        i++;
        }
        int off = 0;
        bool utc = false;
        if (i < n && p[i] == 'Z') {
                utc = true;
                i++;
        } else if (i + 5 <= n && (p[i] == '+' || p[i] == '-')) {
                int oh, om;
                size_t mpos = p[i + 3] == ':' ? i + 4 : i + 3;
                if (mpos + 2 <= n && digits(p + i + 1, 2, &oh) && digits(p + mpos, 2, &om)) {
                        off = (oh * 60 + om) * 60 * (p[i] == '-' ? -1 : 1);
                        utc = true;
                        i = mpos + 2;
                }
        }
        t->have_wall = true;
        t->wall = utc_seconds(y, mo, d, h, mi, s) - off;
        t->wall_utc = utc;
        *used = i;
        return true;
}

static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

static int month_of(const char *p) {
        for (int i = 0; i < 12; i++)
                if (!memcmp(p, months[i], 3))
                        return i + 1;
        return 0;
}

/* "HH:MM:SS" at p */
static bool clock_at(const char *p, int *h, int *mi, int *s) {
        return p[2] == ':' && p[5] == ':' && digits(p, 2, h) && digits(p + 3, 2, mi) && digits(p + 6, 2, s);
}

/* dmesg -T in the C/English locale (ctime): "Tue Dec  1 16:25:22 2026". Other locales are
 * recognised as a prefix by the bracket, without a time. */
bool kl_parse_ctime(const char *p, size_t n, mg_kl_time_t *t) {
        int mo, d, h, mi, s, y;
        while (n && *p == ' ')
                p++, n--;
        if (n != 24 || p[3] != ' ' || p[7] != ' ' || p[10] != ' ' || p[19] != ' ')
                return false;
        if (!(mo = month_of(p + 4)))
                return false;
        if (!digits(p + 8 + (p[8] == ' '), p[8] == ' ' ? 1 : 2, &d) || !clock_at(p + 11, &h, &mi, &s) ||
            !digits(p + 20, 4, &y))
                return false;
        t->have_wall = true;
        t->wall = utc_seconds(y, mo, d, h, mi, s);
        t->wall_utc = false;
        return true;
}

/* BSD syslog / journalctl short: "Dec  1 16:25:22 " or "Dec 01 16:25:22 ". No year, so no time. */
bool kl_parse_syslog(const char *p, size_t n, size_t *used) {
        int d, h, mi, s;
        if (n < 16 || p[3] != ' ' || !month_of(p) || p[6] != ' ' || p[15] != ' ')
                return false;
        if (!digits(p + 4 + (p[4] == ' '), p[4] == ' ' ? 1 : 2, &d) || !clock_at(p + 7, &h, &mi, &s))
                return false;
        *used = 16;
        return true;
}

/* [   262.661629] */
static bool mono_bracket(const char *p, size_t n, mg_kl_time_t *t) {
        uint64_t sec = 0, usec = 0;
        size_t i = 0, nd = 0;
        while (i < n && p[i] == ' ')
                i++;
        kl_span_t s = {p, n};
        const char *q = kl_u64(s, p + i, &sec);
        if (!q || q >= p + n || *q != '.')
                return false;
        q++;
        while (q < p + n && *q >= '0' && *q <= '9' && nd < 6) {
                usec = usec * 10 + (uint64_t)(*q - '0');
                q++, nd++;
        }
        if (q != p + n || nd == 0)
                return false;
        while (nd++ < 6)
                usec *= 10;
        if (sec > UINT64_MAX / 1000000 - 1)
                return false;
        t->have_mono = true;
        t->mono_usec = sec * 1000000 + usec;
        return true;
}

/* A /dev/kmsg record as `cat /dev/kmsg` saves it: "prio,seq,usec,flags[,more];text"
 * (Documentation/ABI/testing/dev-kmsg). */
static size_t kmsg_header(const char *p, size_t n, mg_kl_time_t *t) {
        kl_span_t s = {p, n};
        uint64_t prio, seq, usec;
        const char *q = kl_u64(s, p, &prio);
        if (!q || q >= p + n || *q != ',' || !(q = kl_u64(s, q + 1, &seq)) || q >= p + n || *q != ',' ||
            !(q = kl_u64(s, q + 1, &usec)) || q >= p + n || *q != ',')
                return 0;
        const char *semi = memchr(q, ';', (size_t)(p + n - q));
        if (!semi || semi - q > 32)
                return 0;
        t->have_mono = true;
        t->mono_usec = usec;
        return (size_t)(semi + 1 - p);
}

size_t mg_kl_strip_prefix(const char *line, size_t len, mg_kl_time_t *t) {
        size_t i = 0, used;
        bool kernel_tag_done = false;
        memset(t, 0, sizeof(*t));

        if ((used = kmsg_header(line, len, t)))
                return used;
        for (int pass = 0; pass < 12 && i < len; pass++) {
                const char *p = line + i;
                size_t n = len - i;
                if (*p == ' ' || *p == '\t') {
                        while (i < len && (line[i] == ' ' || line[i] == '\t'))
                                i++;
                        continue;
                }
                if (*p == '<') { /* <4> syslog priority */
                        size_t k = 1;
                        while (k < n && k < 5 && p[k] >= '0' && p[k] <= '9')
                                k++;
                        if (k > 1 && k < n && p[k] == '>') {
                                i += k + 1;
                                continue;
                        }
                }
                if (*p == '[') {
                        const char *close = memchr(p, ']', n < 80 ? n : 80);
                        if (close) {
                                size_t inner = (size_t)(close - p - 1);
                                bool table = true; /* "[  24293]" and "[  pid  ]" open the kernel's task table */
                                for (size_t k = 1; k <= inner; k++)
                                        if (p[k] != ' ' && !(p[k] >= '0' && p[k] <= '9'))
                                                table = false;
                                if (inner >= 3 && kl_find((kl_span_t){p, inner + 2}, "pid"))
                                        table = true;
                                if (table)
                                        break;
                                mg_kl_time_t bt = {0};
                                if (mono_bracket(p + 1, inner, &bt)) {
                                        t->have_mono = true;
                                        t->mono_usec = bt.mono_usec;
                                } else if (kl_parse_ctime(p + 1, inner, &bt)) {
                                        t->have_wall = true;
                                        t->wall = bt.wall;
                                        t->wall_utc = bt.wall_utc;
                                } /* else: a date in another locale, a "+0.000013" delta: a prefix all the same */
                                i += inner + 2;
                                continue;
                        }
                }
                mg_kl_time_t it = {0};
                if (kl_parse_iso(p, n, &used, &it)) {
                        t->have_wall = true;
                        t->wall = it.wall;
                        t->wall_utc = it.wall_utc;
                        i += used;
                        continue;
                }
                if (kl_parse_syslog(p, n, &used)) {
                        i += used;
                        continue;
                }
                if (*p >= '0' && *p <= '9') { /* line numbers: "12:", "12|", "12 ", "12\t" */
                        size_t k = 0;
                        while (k < n && k < 9 && p[k] >= '0' && p[k] <= '9')
                                k++;
                        if (k < n && (p[k] == ':' || p[k] == '|' || p[k] == ' ' || p[k] == '\t' || p[k] == '.')) {
                                /* not "262.661629" (that is a bracket-less dmesg time) unless followed by text */
                                i += k + 1;
                                continue;
                        }
                }
                if (!kernel_tag_done) { /* "host kernel: " (syslog, journalctl), once */
                        kernel_tag_done = true;
                        const char *k = kl_find((kl_span_t){p, n < 200 ? n : 200}, "kernel: ");
                        if (k) {
                                i = (size_t)(k - line) + 8;
                                continue;
                        }
                }
                /* dmesg -x: "kern  :warn  : " */
                if (n > 8 && !memcmp(p, "kern", 4)) {
                        const char *c1 = memchr(p, ':', n < 12 ? n : 12);
                        const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(p + n - c1 - 1) < 12 ? (size_t)(p + n - c1 - 1) : 12) : NULL;
                        if (c2 && c2 + 1 < p + n && c2[1] == ' ') {
                                i = (size_t)(c2 - line) + 2;
                                continue;
                        }
                }
                break;
        }
        return i;
}
