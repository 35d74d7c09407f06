/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the libFuzzer targets: the input as the parsers see it after memgate's bounded
 * reader, i.e. NUL-terminated text with no NUL inside (mg_read_fd refuses those). */
#ifndef MEMGATE_FUZZ_H
#define MEMGATE_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The util stage is everyone's foundation; tests use all of it. */
#include "memgate/util/buf.h"
#include "memgate/util/cleanup.h"
#include "memgate/util/error.h"
#include "memgate/util/escape.h"
#include "memgate/util/io.h"
#include "memgate/util/number.h"
#include "memgate/util/read.h"
#include "memgate/util/strv.h"
#include "memgate/util/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A NUL-terminated copy, or NULL when the input holds a NUL (the reader refuses it) or is
 * larger than cap (the reader's size limit). */
static inline char *fuzz_text(const uint8_t *data, size_t size, size_t cap) {
        if (size > cap || memchr(data, '\0', size))
                return NULL;
        char *s = malloc(size + 1);
        if (!s)
                return NULL;
        memcpy(s, data, size);
        s[size] = '\0';
        return s;
}

#endif
