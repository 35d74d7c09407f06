/* SPDX-License-Identifier: Apache-2.0 */
/* Word splitting of `sh -c` strings, the way a POSIX shell tokenises a list of simple commands
 * (XCU 2.3 Token Recognition, 2.2 Quoting), with optional parameter expansion from a lookup.
 * No command substitution, globbing or arithmetic: those are kept as written. Bounded in words
 * and in expanded bytes. */
#include "memgate/workload/shell.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "memgate/util/text.h"

#define DEFAULT_MAX_EXPAND (1u << 20)

typedef struct splitter {
        const mg_shell_opts_t *o;
        size_t max_words, expand_left;
        char **words;
        bool *ops;
        size_t n, cap;
        char *cur; /* the word being built */
        size_t len, curcap;
        bool in_word; /* a word has started (even an empty "" one) */
        bool full;    /* max_words reached (lenient) */
        size_t consumed;
} splitter_t;

static int sp_putc(splitter_t *p, char c) {
        if (p->len + 1 >= p->curcap) {
                size_t ncap = p->curcap ? p->curcap * 2 : 64;
                char *n = realloc(p->cur, ncap);
                if (!n)
                        return -ENOMEM;
                p->cur = n;
                p->curcap = ncap;
        }
        p->cur[p->len++] = c;
        p->in_word = true;
        return 0;
}

static int sp_push(splitter_t *p, const char *w, size_t len, bool op) {
        if (p->n >= p->max_words) {
                if (!p->o->lenient)
                        return -E2BIG;
                p->full = true;
                return 0;
        }
        if (p->n + 2 > p->cap) {
                size_t ncap = p->cap ? p->cap * 2 : 16;
                char **nw = realloc(p->words, ncap * sizeof(char *));
                if (!nw)
                        return -ENOMEM;
                p->words = nw;
                bool *no = realloc(p->ops, ncap * sizeof(bool));
                if (!no)
                        return -ENOMEM;
                p->ops = no;
                p->cap = ncap;
        }
        char *d = mg_strndup_safe(w, len);
        if (!d)
                return -ENOMEM;
        p->ops[p->n] = op;
        p->words[p->n++] = d;
        p->words[p->n] = NULL;
        return 0;
}

static int sp_end_word(splitter_t *p) {
        if (!p->in_word)
                return 0;
        p->in_word = false;
        size_t len = p->len;
        p->len = 0;
        return sp_push(p, p->cur ? p->cur : "", len, false);
}

static bool is_name_start(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_name_char(char c) {
        return is_name_start(c) || (c >= '0' && c <= '9');
}

static bool is_blank(char c) {
        return c == ' ' || c == '\t';
}

/* Appends an expansion result: unquoted, blanks and newlines split fields (IFS default), and an
 * empty result makes no word; quoted, it is one piece of the current word. */
static int sp_expand(splitter_t *p, const char *v, size_t vlen, bool quoted) {
        int r;
        if (vlen > p->expand_left)
                vlen = p->expand_left;
        p->expand_left -= vlen;
        if (quoted)
                p->in_word = true;
        for (size_t i = 0; i < vlen; i++) {
                if (!quoted && (is_blank(v[i]) || v[i] == '\n')) {
                        r = sp_end_word(p);
                } else
                        r = sp_putc(p, v[i]);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* At s[*i] == '$'. Expands $NAME, ${NAME}, ${NAME-w}, ${NAME:-w} when a lookup is set; anything
 * else ($1, $(...), ${#X}, ...) is copied as written, through its closing bracket. */
static int sp_dollar(splitter_t *p, const char *s, size_t *i, bool quoted) {
        size_t k = *i + 1;
        int r;

        if (s[k] == '(' || (s[k] == '{' && !p->o->lookup)) {
                char open = s[k], close = open == '(' ? ')' : '}';
                int depth = 0;
                size_t j = k;
                for (; s[j]; j++) {
                        if (s[j] == open)
                                depth++;
                        else if (s[j] == close && --depth == 0)
                                break;
                }
                size_t end = s[j] ? j + 1 : j;
                for (size_t q = *i; q < end; q++)
                        if ((r = sp_putc(p, s[q])) < 0)
                                return r;
                *i = end;
                return 0;
        }
        if (p->o->lookup && is_name_start(s[k])) {
                size_t b = k;
                while (is_name_char(s[k]))
                        k++;
                const char *v = p->o->lookup(p->o->userdata, s + b, k - b);
                *i = k;
                return v ? sp_expand(p, v, strlen(v), quoted) : (quoted ? (p->in_word = true, 0) : 0);
        }
        if (p->o->lookup && s[k] == '{' && is_name_start(s[k + 1])) {
                size_t b = k + 1, e = b;
                while (is_name_char(s[e]))
                        e++;
                bool colon = s[e] == ':' && s[e + 1] == '-';
                bool dash = s[e] == '-';
                if (s[e] == '}' || colon || dash) {
                        size_t w = e + (colon ? 2 : dash ? 1 : 0), we = w;
                        while (s[we] && s[we] != '}')
                                we++;
                        if (s[we] == '}') {
                                const char *v = p->o->lookup(p->o->userdata, s + b, e - b);
                                *i = we + 1;
                                if (s[e] != '}' && (!v || (colon && !*v)))
                                        return sp_expand(p, s + w, we - w, quoted);
                                if (v)
                                        return sp_expand(p, v, strlen(v), quoted);
                                if (quoted)
                                        p->in_word = true;
                                return 0;
                        }
                }
                /* ${X:=...}, ${#X}, unterminated: keep as written, through the '}' */
                size_t j = k;
                while (s[j] && s[j] != '}')
                        j++;
                size_t end = s[j] ? j + 1 : j;
                for (size_t q = *i; q < end; q++)
                        if ((r = sp_putc(p, s[q])) < 0)
                                return r;
                *i = end;
                return 0;
        }
        *i = k;
        return sp_putc(p, '$');
}

static int split(splitter_t *p, const char *s) {
        size_t i = 0;
        int r;

        while (s[i] && !p->full) {
                char c = s[i];

                if (!p->in_word && c == '#') { /* a comment runs to the end of the line */
                        while (s[i] && s[i] != '\n')
                                i++;
                        continue;
                }
                if (is_blank(c)) {
                        if ((r = sp_end_word(p)) < 0)
                                return r;
                        i++;
                        continue;
                }
                if (c == '\n' || c == ';' || c == '|' || c == '(' || c == ')' ||
                    (c == '&' && !(p->in_word && p->len > 0 && (p->cur[p->len - 1] == '>' || p->cur[p->len - 1] == '<')))) {
                        if ((r = sp_end_word(p)) < 0)
                                return r;
                        size_t oplen = (c == ';' || c == '&' || c == '|') && s[i + 1] == c ? 2 : 1;
                        if (c == '\n')
                                r = sp_push(p, ";", 1, true);
                        else
                                r = sp_push(p, s + i, oplen, true);
                        if (r < 0)
                                return r;
                        i += oplen;
                        if (p->o->one_command)
                                break;
                        continue;
                }
                if (c == '\\') {
                        if (s[i + 1] == '\n') { /* line continuation */
                                i += 2;
                                continue;
                        }
                        if (!s[i + 1]) {
                                r = sp_putc(p, '\\');
                                i++;
                        } else {
                                r = sp_putc(p, s[i + 1]);
                                i += 2;
                        }
                        if (r < 0)
                                return r;
                        continue;
                }
                if (c == '\'') {
                        const char *e = strchr(s + i + 1, '\'');
                        if (!e && !p->o->lenient)
                                return -EINVAL;
                        size_t end = e ? (size_t)(e - s) : strlen(s);
                        p->in_word = true;
                        for (size_t q = i + 1; q < end; q++)
                                if ((r = sp_putc(p, s[q])) < 0)
                                        return r;
                        i = e ? end + 1 : end;
                        continue;
                }
                if (c == '"') {
                        p->in_word = true;
                        i++;
                        for (;;) {
                                if (!s[i]) {
                                        if (!p->o->lenient)
                                                return -EINVAL;
                                        break;
                                }
                                if (s[i] == '"') {
                                        i++;
                                        break;
                                }
                                if (s[i] == '\\' && s[i + 1] == '\n') {
                                        i += 2;
                                        continue;
                                }
                                if (s[i] == '\\' && s[i + 1] && strchr("$`\"\\", s[i + 1])) {
                                        r = sp_putc(p, s[i + 1]);
                                        i += 2;
                                } else if (s[i] == '$')
                                        r = sp_dollar(p, s, &i, true);
                                else
                                        r = sp_putc(p, s[i++]);
                                if (r < 0)
                                        return r;
                        }
                        continue;
                }
                if (c == '$') {
                        if ((r = sp_dollar(p, s, &i, false)) < 0)
                                return r;
                        continue;
                }
                if (c == '`') {
                        const char *e = strchr(s + i + 1, '`');
                        size_t end = e ? (size_t)(e - s) + 1 : strlen(s);
                        for (size_t q = i; q < end; q++)
                                if ((r = sp_putc(p, s[q])) < 0)
                                        return r;
                        i = end;
                        continue;
                }
                if ((r = sp_putc(p, c)) < 0)
                        return r;
                i++;
        }
        p->consumed = p->full ? strlen(s) : i;
        return sp_end_word(p);
}

int mg_shell_split_ex(const char *s, const mg_shell_opts_t *o, char ***ret, bool **ret_ops, size_t *ret_n) {
        static const mg_shell_opts_t defaults = {0};
        if (!o)
                o = &defaults;
        splitter_t p = {
                .o = o,
                .max_words = o->max_words ? o->max_words : MG_SHELL_MAX_WORDS,
                .expand_left = o->max_expand ? o->max_expand : DEFAULT_MAX_EXPAND,
        };
        if (!s)
                s = "";
        int r = split(&p, s);
        free(p.cur);
        if (r >= 0 && o->ret_consumed)
                *o->ret_consumed = p.consumed;
        if (o->ret_expanded)
                *o->ret_expanded = (o->max_expand ? o->max_expand : DEFAULT_MAX_EXPAND) - p.expand_left;
        if (r >= 0 && !p.words) { /* no words: still a valid empty vector */
                p.words = calloc(1, sizeof(char *));
                p.ops = calloc(1, sizeof(bool));
                if (!p.words || !p.ops)
                        r = -ENOMEM;
        }
        if (r < 0) {
                mg_strv_free(p.words);
                free(p.ops);
                return r;
        }
        *ret = p.words;
        if (ret_ops)
                *ret_ops = p.ops;
        else
                free(p.ops);
        if (ret_n)
                *ret_n = p.n;
        return (int)p.n;
}

int mg_shell_split(const char *s, char ***ret, size_t *ret_n) {
        return mg_shell_split_ex(s, NULL, ret, NULL, ret_n);
}
