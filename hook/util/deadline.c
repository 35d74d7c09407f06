/* SPDX-License-Identifier: Apache-2.0 */
#include "memgate/util/deadline.h"

#include <time.h>

uint64_t mg_clock_ms(void) {
        struct timespec ts = {0};
        (void)clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t mg_deadline_after(uint64_t ms) {
        if (ms == MG_DEADLINE_NONE)
                return MG_DEADLINE_NONE;
        uint64_t now = mg_clock_ms(), at;
        if (__builtin_add_overflow(now, ms, &at) || at == MG_DEADLINE_NONE)
                return MG_DEADLINE_NONE - 1;
        return at;
}

int mg_deadline_left_ms(uint64_t at) {
        if (at == MG_DEADLINE_NONE)
                return -1;
        uint64_t now = mg_clock_ms();
        if (now >= at)
                return 0;
        uint64_t left = at - now;
        return left > INT32_MAX ? INT32_MAX : (int)left;
}
