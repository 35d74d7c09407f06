/* SPDX-License-Identifier: Apache-2.0 */
#include "memgate/util/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

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

