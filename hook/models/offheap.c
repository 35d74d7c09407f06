/* SPDX-License-Identifier: Apache-2.0 */
/* What a runtime needs beyond its heap under a memory limit: the formula. Its parameters are data
 * (mg_offheap_params_t: the documented defaults in inputs/conf.c, tuned by memgate.conf and the
 * io.memgate.* annotations); calibration changes the defaults, not the formula. */
#include "memgate/models/offheap.h"

#include <stdio.h>
#include <string.h>

#include "memgate/util/number.h"

static void part(mg_offheap_t *o, const char *name, uint64_t bytes) {
        if (o->nparts < MG_OFFHEAP_PARTS) {
                snprintf(o->parts[o->nparts].name, sizeof(o->parts[0].name), "%s", name);
                o->parts[o->nparts++].bytes = bytes;
        }
        o->total_bytes = mg_sat_add(o->total_bytes, bytes);
}

static uint64_t min_u64(uint64_t a, uint64_t b) {
        return a < b ? a : b;
}

void mg_offheap_estimate(const mg_heap_t *h, uint64_t heap_bytes, const mg_offheap_params_t *p,
                         mg_offheap_t *ret) {
        mg_offheap_params_t defaults;
        *ret = (mg_offheap_t){0};
        if (!h)
                return;
        if (!p) {
                mg_offheap_defaults(&defaults);
                p = &defaults;
        }
        switch (h->runtime) {
        case MG_RT_JVM: {
                /* Each part is capped by the JVM's own limit on it when one is set: the JVM fails
                 * that allocation (OutOfMemoryError) rather than grow past it. */
                uint64_t meta = mg_sat_add(p->jvm_metaspace_base, mg_sat_mul(p->jvm_classes, p->jvm_bytes_per_class));
                if (h->have_max_metaspace)
                        meta = min_u64(meta, h->max_metaspace_bytes);
                uint64_t code = p->jvm_code_cache;
                if (h->have_code_cache)
                        code = min_u64(code, h->code_cache_bytes);
                uint64_t per_thread = p->jvm_thread_stack;
                if (h->have_thread_stack && h->thread_stack_bytes)
                        per_thread = min_u64(per_thread, h->thread_stack_bytes);
                uint64_t direct = p->jvm_direct;
                if (h->have_max_direct)
                        direct = min_u64(direct, h->max_direct_bytes);
                part(ret, "metaspace", meta);
                part(ret, "code cache", code);
                part(ret, "thread stacks", mg_sat_mul(p->jvm_threads, per_thread));
                part(ret, "GC structures", mg_sat_mul(heap_bytes / 100, p->jvm_gc_percent));
                part(ret, "direct buffers", direct);
                part(ret, "JVM internals", p->jvm_other);
                break;
        }
        case MG_RT_NODE:
                part(ret, "young generation", p->node_young);
                part(ret, "V8 and libuv", p->node_extra);
                break;
        case MG_RT_GO:
                part(ret, "GC headroom", mg_sat_mul(heap_bytes / 100, p->go_headroom_percent));
                part(ret, "Go runtime", p->go_fixed);
                break;
        case MG_RT_DOTNET:
                part(ret, "CLR runtime", p->dotnet_extra);
                break;
        default:
                break;
        }
}
