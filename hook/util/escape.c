/* SPDX-License-Identifier: Apache-2.0 */
#include "memgate/util/escape.h"

#include <string.h>

/* Length of a valid UTF-8 sequence at s (Go's utf8.DecodeRune rules: no overlongs, no surrogates,
 * nothing above U+10FFFF), 0 when invalid. */
size_t mg_utf8_valid_len(const unsigned char *s, size_t n) {
        unsigned char c = s[0];
        unsigned char lo = 0x80, hi = 0xBF;
        size_t need;

        if (c < 0x80)
                return 1;
        if (c >= 0xC2 && c <= 0xDF)
                need = 2;
        else if (c >= 0xE0 && c <= 0xEF) {
                need = 3;
                if (c == 0xE0)
                        lo = 0xA0;
                else if (c == 0xED)
                        hi = 0x9F;
        } else if (c >= 0xF0 && c <= 0xF4) {
                need = 4;
                if (c == 0xF0)
                        lo = 0x90;
                else if (c == 0xF4)
                        hi = 0x8F;
        } else
                return 0;
        if (n < need)
                return 0;
        if (s[1] < lo || s[1] > hi)
                return 0;
        for (size_t k = 2; k < need; k++)
                if (s[k] < 0x80 || s[k] > 0xBF)
                        return 0;
        return need;
}

bool mg_utf8_valid_n(const char *s, size_t max, size_t *ret_len) {
        const unsigned char *u = (const unsigned char *)s;
        size_t i = 0;
        while (i < max && u[i]) {
                if (u[i] < 0x80) {
                        i++;
                        continue;
                }
                size_t k = mg_utf8_valid_len(u + i, max - i);
                if (k == 0) {
                        *ret_len = i + strnlen(s + i, max - i);
                        return false;
                }
                i += k;
        }
        *ret_len = i;
        return true;
}

size_t mg_utf8_replace_invalid(const char *s, size_t n, char *out) {
        size_t w = 0;
        for (size_t i = 0; i < n;) {
                size_t k = mg_utf8_valid_len((const unsigned char *)s + i, n - i);
                if (k == 0) {
                        memcpy(out + w, "\xEF\xBF\xBD", 3);
                        w += 3;
                        i++;
                } else {
                        memcpy(out + w, s + i, k);
                        w += k;
                        i += k;
                }
        }
        return w;
}

void mg_buf_escape(mg_buf_t *b, const char *s, size_t n) {
        static const char hex[] = "0123456789abcdef";
        size_t i = 0, start = 0;
        while (i < n) {
                unsigned char c = (unsigned char)s[i];
                size_t k = c < 0x80 ? 1 : mg_utf8_valid_len((const unsigned char *)s + i, n - i);
                bool c1 = k == 2 && c == 0xC2 && (unsigned char)s[i + 1] < 0xA0; /* U+0080..U+009F */
                if (k > 0 && !c1 && c >= 0x20 && c != 0x7f) {
                        i += k;
                        continue;
                }
                if (i > start)
                        mg_buf_printf(b, "%.*s", (int)(i - start), s + start);
                size_t bad = k > 0 ? k : 1;
                for (size_t j = 0; j < bad; j++) {
                        unsigned char d = (unsigned char)s[i + j];
                        if (d == '\n')
                                mg_buf_printf(b, "\\n");
                        else if (d == '\t')
                                mg_buf_printf(b, "\\t");
                        else if (d == '\r')
                                mg_buf_printf(b, "\\r");
                        else
                                mg_buf_printf(b, "\\x%c%c", hex[d >> 4], hex[d & 15]);
                }
                i += bad;
                start = i;
        }
        if (i > start)
                mg_buf_printf(b, "%.*s", (int)(i - start), s + start);
}

void mg_buf_escape_str(mg_buf_t *b, const char *s) {
        if (s)
                mg_buf_escape(b, s, strlen(s));
}
