/* SPDX-License-Identifier: Apache-2.0 */
/* Word splitting of `sh -c` strings as a POSIX shell tokenises them, with optional parameter
 * expansion. Pure and bounded. */
#ifndef MEMGATE_WORKLOAD_SHELL_H
#define MEMGATE_WORKLOAD_SHELL_H

#include <stdbool.h>
#include <stddef.h>

#include "memgate/util/strv.h"

/* Splits a shell command string into words the way sh would for a list of simple commands:
 * blanks, '...', "..." (with \\ \" \$ \` escapes), backslashes, line continuations, # comments;
 * unquoted control operators (; & | && || ;; ( ) and newline as ;) come out as words of their
 * own. $(...), `...` and ${...} are kept as written; nothing is expanded. Returns the count, or
 * -EINVAL for an unterminated quote, -E2BIG above MG_SHELL_MAX_WORDS words, -ENOMEM. *ret is a
 * NULL-terminated array to free with mg_strv_free (util/strv.h). */
#define MG_SHELL_MAX_WORDS 4096
int mg_shell_split(const char *s, char ***ret, size_t *ret_n);

/* The extended splitter behind mg_shell_split. lookup, when set, expands $NAME, ${NAME},
 * ${NAME-word} and ${NAME:-word} outside single quotes (unquoted results are split on blanks
 * as sh does); lookup returns NULL for an unset name. ret_ops (optional) marks the words that
 * are unquoted control operators. lenient: an unterminated quote ends the string and words
 * past max_words are dropped, instead of failing. */
typedef const char *(*mg_shell_lookup_t)(void *userdata, const char *name, size_t len);
typedef struct mg_shell_opts {
        size_t max_words;           /* 0: MG_SHELL_MAX_WORDS */
        size_t max_expand;          /* bytes of expansion in all; 0: 1 MiB */
        bool lenient;
        mg_shell_lookup_t lookup;
        void *userdata;
        size_t *ret_expanded;       /* optional: bytes expanded, for a caller's own budget */
        /* Stop after the first control operator and store in *ret_consumed where the rest of s
         * begins: a caller that expands command by command sees earlier assignments. */
        bool one_command;
        size_t *ret_consumed;
} mg_shell_opts_t;
int mg_shell_split_ex(const char *s, const mg_shell_opts_t *o, char ***ret, bool **ret_ops, size_t *ret_n);

#endif
