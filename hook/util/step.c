/* SPDX-License-Identifier: Apache-2.0 */
#include "memgate/util/step.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static mg_step_page_t *page;

void mg_step_attach(mg_step_page_t *p) {
        page = p;
}

void mg_step(const char *fmt, ...) {
        if (!page)
                return;
        unsigned next = (__atomic_load_n(&page->current, __ATOMIC_RELAXED) + 1) & 1;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(page->slot[next], sizeof(page->slot[next]), fmt, ap);
        va_end(ap);
        __atomic_store_n(&page->current, next, __ATOMIC_RELEASE);
}

void mg_step_writing(int on) {
        if (page)
                __atomic_store_n(&page->writing, on, __ATOMIC_RELEASE);
}

int mg_step_page_writing(const mg_step_page_t *p) {
        return p ? __atomic_load_n(&p->writing, __ATOMIC_ACQUIRE) : 0;
}

void mg_step_read(const mg_step_page_t *p, char *buf, size_t n) {
        if (n == 0)
                return;
        buf[0] = '\0';
        if (!p)
                return;
        unsigned cur = __atomic_load_n(&p->current, __ATOMIC_ACQUIRE) & 1;
        size_t len = strnlen(p->slot[cur], sizeof(p->slot[cur]) - 1);
        if (len >= n)
                len = n - 1;
        memcpy(buf, p->slot[cur], len);
        buf[len] = '\0';
}
