/* SPDX-License-Identifier: Apache-2.0 */
/* The scan behind mg_json_skip_container (json_skip.h): a JSON grammar check over a subset of
 * JSON, a byte table per string and whitespace run, no allocation. Each subset rule is stricter
 * than, or the same as, yajl's lexer and parser (yajl_lex.c, yajl_parser.c):
 *   - strings: bytes 0x20-0x7E but '"' and '\\', or an escape \" \\ \/ \b \f \n \r \t \uXXXX
 *     (yajl: no byte below 0x20, the same escapes, and valid UTF-8, which ASCII is);
 *   - numbers: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? followed by whitespace, ',' or a
 *     closing bracket (yajl lexes the same grammar; "01" is two numbers to it, an error);
 *   - whitespace: space, tab, CR, LF (yajl also takes \v and \f; those are not vouched for);
 *   - objects: a string key, ':', a value, ',' between members, none after the last; arrays
 *     likewise (yajl: the same states).
 * So a span this accepts, yajl accepts. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "json_skip.h"

enum { WS = 1, STR = 2, DIGIT = 4, HEX = 8 };

static const uint8_t cls[256] = {
        [' '] = WS | STR, ['\t'] = WS, ['\n'] = WS, ['\r'] = WS,
        ['!'] = STR, ['#'] = STR, ['$'] = STR, ['%'] = STR, ['&'] = STR, ['\''] = STR, ['('] = STR,
        [')'] = STR, ['*'] = STR, ['+'] = STR, [','] = STR, ['-'] = STR, ['.'] = STR, ['/'] = STR,
        ['0'] = STR | DIGIT | HEX, ['1'] = STR | DIGIT | HEX, ['2'] = STR | DIGIT | HEX,
        ['3'] = STR | DIGIT | HEX, ['4'] = STR | DIGIT | HEX, ['5'] = STR | DIGIT | HEX,
        ['6'] = STR | DIGIT | HEX, ['7'] = STR | DIGIT | HEX, ['8'] = STR | DIGIT | HEX,
        ['9'] = STR | DIGIT | HEX, [':'] = STR, [';'] = STR, ['<'] = STR, ['='] = STR, ['>'] = STR,
        ['?'] = STR, ['@'] = STR,
        ['A'] = STR | HEX, ['B'] = STR | HEX, ['C'] = STR | HEX, ['D'] = STR | HEX, ['E'] = STR | HEX,
        ['F'] = STR | HEX, ['G'] = STR, ['H'] = STR, ['I'] = STR, ['J'] = STR, ['K'] = STR, ['L'] = STR,
        ['M'] = STR, ['N'] = STR, ['O'] = STR, ['P'] = STR, ['Q'] = STR, ['R'] = STR, ['S'] = STR,
        ['T'] = STR, ['U'] = STR, ['V'] = STR, ['W'] = STR, ['X'] = STR, ['Y'] = STR, ['Z'] = STR,
        ['['] = STR, [']'] = STR, ['^'] = STR, ['_'] = STR, ['`'] = STR,
        ['a'] = STR | HEX, ['b'] = STR | HEX, ['c'] = STR | HEX, ['d'] = STR | HEX, ['e'] = STR | HEX,
        ['f'] = STR | HEX, ['g'] = STR, ['h'] = STR, ['i'] = STR, ['j'] = STR, ['k'] = STR, ['l'] = STR,
        ['m'] = STR, ['n'] = STR, ['o'] = STR, ['p'] = STR, ['q'] = STR, ['r'] = STR, ['s'] = STR,
        ['t'] = STR, ['u'] = STR, ['v'] = STR, ['w'] = STR, ['x'] = STR, ['y'] = STR, ['z'] = STR,
        ['{'] = STR, ['|'] = STR, ['}'] = STR, ['~'] = STR,
};

/* The string whose opening quote is at s: just past its closing quote, or NULL. */
static const char *string_end(const char *s, const char *end) {
        const unsigned char *p = (const unsigned char *)s + 1, *e = (const unsigned char *)end;
        for (;;) {
                while (p < e && (cls[*p] & STR))
                        p++;
                if (p >= e)
                        return NULL;
                if (*p == '"')
                        return (const char *)p + 1;
                if (*p != '\\' || ++p >= e)
                        return NULL;
                if (*p == 'u') {
                        if (e - p < 5 || !(cls[p[1]] & cls[p[2]] & cls[p[3]] & cls[p[4]] & HEX))
                                return NULL;
                        p += 5;
                } else if (strchr("\"\\/bfnrt", *p) && *p)
                        p++;
                else
                        return NULL;
        }
}

static const char *digits(const char *p, const char *end) {
        while (p < end && (cls[(unsigned char)*p] & DIGIT))
                p++;
        return p;
}

/* The number at s: just past it, or NULL. What follows is checked by the caller's state. */
static const char *number_end(const char *s, const char *end) {
        const char *p = s, *q;
        if (*p == '-')
                p++;
        if (p < end && *p == '0')
                p++;
        else if (p < end && *p >= '1' && *p <= '9')
                p = digits(p, end);
        else
                return NULL;
        if (p < end && *p == '.') {
                if ((q = digits(p + 1, end)) == p + 1)
                        return NULL;
                p = q;
        }
        if (p < end && (*p == 'e' || *p == 'E')) {
                p++;
                if (p < end && (*p == '+' || *p == '-'))
                        p++;
                if ((q = digits(p, end)) == p)
                        return NULL;
                p = q;
        }
        return p < end ? p : NULL; /* the closing bracket is still to come */
}

static const char *literal_end(const char *s, const char *end) {
        static const char *const words[] = { "true", "false", "null" };
        for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
                size_t n = strlen(words[i]);
                if ((size_t)(end - s) >= n && memcmp(s, words[i], n) == 0)
                        return s + n;
        }
        return NULL;
}

const char *mg_json_member_container(const char *s, const char *end) {
        while (s < end && (cls[(unsigned char)*s] & WS))
                s++;
        if (s == end || *s++ != ':')
                return NULL;
        while (s < end && (cls[(unsigned char)*s] & WS))
                s++;
        return s < end && (*s == '{' || *s == '[') ? s : NULL;
}

enum state {
        VALUE,          /* after ':' or an array's ',' */
        VALUE_OR_CLOSE, /* after '[' */
        KEY,            /* after an object's ',' */
        KEY_OR_CLOSE,   /* after '{' */
        COLON,          /* after a key */
        NEXT,           /* after a value: ',' or the closing bracket */
};

int mg_json_skip_container(const char *s, const char *end, unsigned max_depth, mg_json_span_t *ret,
                           const char **ret_stop) {
        uint64_t maps = 0; /* bit d-1: level d is an object */
        unsigned depth = 0, deepest = 0;
        size_t values = 0;
        enum state st = VALUE;
        const char *p = s;

        if (max_depth > 64)
                max_depth = 64;
        for (;;) {
                while (p < end && (cls[(unsigned char)*p] & WS))
                        p++;
                if (p >= end)
                        break;
                char c = *p;
                const char *q = NULL;
                switch (st) {
                case VALUE_OR_CLOSE:
                case VALUE:
                        if (c == ']' && st == VALUE_OR_CLOSE)
                                goto close;
                        if (c == '{' || c == '[') {
                                if (depth >= max_depth)
                                        goto stop;
                                if (c == '{')
                                        maps |= (uint64_t)1 << depth;
                                else
                                        maps &= ~((uint64_t)1 << depth);
                                if (++depth > deepest)
                                        deepest = depth;
                                values++;
                                st = c == '{' ? KEY_OR_CLOSE : VALUE_OR_CLOSE;
                                p++;
                                continue;
                        }
                        if (depth == 0)
                                goto stop; /* only an object or array is skipped */
                        if (c == '"')
                                q = string_end(p, end);
                        else if (c == '-' || (c >= '0' && c <= '9'))
                                q = number_end(p, end);
                        else
                                q = literal_end(p, end);
                        if (!q)
                                goto stop;
                        p = q;
                        st = NEXT;
                        continue;
                case KEY_OR_CLOSE:
                        if (c == '}')
                                goto close;
                        /* fall through */
                case KEY:
                        if (c != '"' || !(q = string_end(p, end)))
                                goto stop;
                        p = q;
                        st = COLON;
                        continue;
                case COLON:
                        if (c != ':')
                                goto stop;
                        p++;
                        st = VALUE;
                        continue;
                case NEXT: {
                        bool map = maps & ((uint64_t)1 << (depth - 1));
                        if (c == ',') {
                                values++;
                                p++;
                                st = map ? KEY : VALUE;
                                continue;
                        }
                        if (c == (map ? '}' : ']'))
                                goto close;
                        goto stop;
                }
                }
        close:
                if ((c == '}') != !!(maps & ((uint64_t)1 << (depth - 1))))
                        goto stop;
                p++;
                if (--depth == 0) {
                        *ret = (mg_json_span_t){ .end = p, .values = values, .depth = deepest };
                        return 0;
                }
                st = NEXT;
        }
stop:
        *ret_stop = p;
        return -1;
}

int mg_json_skip_value(const char *s, const char *end, unsigned max_depth, mg_json_span_t *ret, const char **ret_stop) {
        if (*s == '{' || *s == '[')
                return mg_json_skip_container(s, end, max_depth, ret, ret_stop);
        const char *q = *s == '"'                          ? string_end(s, end)
                        : *s == '-' || (*s >= '0' && *s <= '9') ? number_end(s, end)
                                                                : literal_end(s, end);
        if (!q) {
                *ret_stop = s;
                return -1;
        }
        *ret = (mg_json_span_t){ .end = q };
        return 0;
}
