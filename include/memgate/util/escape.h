/* SPDX-License-Identifier: Apache-2.0 */
/* Untrusted text on its way to a terminal or the journal: annotation values, heap options from an
 * image's environment, container ids. Control bytes would reach the user's terminal (ESC, BEL) or
 * forge a line ("\nmemgate: allowed") in stderr and a record in the journal; they are written as
 * escapes instead, the way pf_quote treats /proc text. JSON outputs need none of this: the
 * generator escapes exactly. */
#ifndef MEMGATE_UTIL_ESCAPE_H
#define MEMGATE_UTIL_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>

#include "memgate/util/buf.h"

/* Length of the valid UTF-8 sequence at s (n bytes available) by Go's rules (no overlongs, no
 * surrogates, nothing above U+10FFFF), 0 when invalid. */
size_t mg_utf8_valid_len(const unsigned char *s, size_t n);

/* Sets *ret_len to strnlen(s, max) and says whether those bytes are all valid UTF-8 (by the rules
 * above): then a JSON generator can take s as it is, without a copy through
 * mg_utf8_replace_invalid. Reads no byte past the NUL or past max. */
bool mg_utf8_valid_n(const char *s, size_t max, size_t *ret_len);

/* Copies s[0..n) to out with each byte of invalid UTF-8 replaced by U+FFFD (a string cut inside a
 * character by snprintf, say), so a JSON generator that validates UTF-8 never refuses it. out must
 * hold 3 * n bytes; returns the bytes written. */
size_t mg_utf8_replace_invalid(const char *s, size_t n, char *out);

/* Appends s[0..n) with every C0 control byte, DEL, C1 control (U+0080-U+009F) and invalid UTF-8
 * byte written as \n, \t, \r or \xNN. A backslash stays a backslash. */
void mg_buf_escape(mg_buf_t *b, const char *s, size_t n);
/* The same for a NUL-terminated string. */
void mg_buf_escape_str(mg_buf_t *b, const char *s);

#endif
