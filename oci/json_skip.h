/* SPDX-License-Identifier: Apache-2.0 */
/* Internal to oci/: stepping over an object or array of config.json that no field memgate reads
 * lies in (podman's seccomp profile, the mounts: two thirds of a typical config's bytes), so
 * yajl, at about 20 instructions a byte, does not have to lex it (issue 14).
 *
 * Skipping must never let through a text yajl would refuse, or the document yajl reads would not
 * be the one runc reads. So the span is vouched for only when it is JSON in a subset whose every
 * text yajl accepts: strings of printable ASCII with JSON's escapes, numbers in JSON's grammar,
 * true/false/null, whitespace of space, tab, CR and LF. Anything else (a byte above 0x7E, \v, a
 * comment, a syntax error, more nesting than allowed) is "not vouched for", and yajl reads that
 * span as it always did: its error, if it has one, is the one reported. */
#ifndef MEMGATE_OCI_JSON_SKIP_H
#define MEMGATE_OCI_JSON_SKIP_H

#include <stddef.h>

typedef struct mg_json_span {
        const char *end; /* just past the closing bracket */
        size_t values;   /* counted as mg_json_check_limits counts: brackets opened and commas */
        unsigned depth;  /* deepest nesting; the value itself is 1 */
} mg_json_span_t;

/* s just past a member's key: where its value starts when that is an object or array (JSON
 * whitespace, ':', whitespace before it), else NULL. */
const char *mg_json_member_container(const char *s, const char *end);

/* The object or array at s (*s is '{' or '[', s < end), nested at most max_depth deep, with
 * everything in it in the subset above: 0 and *ret filled in. -1 when not vouched for; *ret_stop
 * is then where the scan stopped (nothing before it is a reason to give up). */
int mg_json_skip_container(const char *s, const char *end, unsigned max_depth, mg_json_span_t *ret,
                           const char **ret_stop);

/* Any value at s (s < end): an object or array as above, or a string, number, true, false or
 * null in the subset (values and depth 0). A number must be followed by a byte, as it is in
 * an object. */
int mg_json_skip_value(const char *s, const char *end, unsigned max_depth, mg_json_span_t *ret,
                       const char **ret_stop);

#endif
