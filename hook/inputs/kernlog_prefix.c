/* SPDX-License-Identifier: Apache-2.0 */
/* The prefix of a kernel log line (see the header): how far it goes, and the time it gives when
 * it is one of the forms with a known clock. */
#define _GNU_SOURCE
#include <string.h>
#include <time.h>

#include "kernlog_scan.h"
#include "memgate/inputs/kernlog_prefix.h"

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
static bool kl_parse_iso(const char *p, size_t n, size_t *used, mg_kl_time_t *t) {
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
static bool kl_parse_ctime(const char *p, size_t n, mg_kl_time_t *t) {
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
static bool kl_parse_syslog(const char *p, size_t n, size_t *used) {
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
                if (*p == '>') { /* a quoted mail or forum post: "> [  204.308148] Task in ..." */
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
