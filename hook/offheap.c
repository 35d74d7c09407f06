/* SPDX-License-Identifier: Apache-2.0 */
/* What a runtime needs beyond its heap under a memory limit: documented defaults for "a typical
 * server application", tuned by memgate.conf and io.memgate.* annotations. The parameters are
 * data (mg_offheap_params_t); calibration (issue 6) changes the table below, not the formula. */
#include "memgate/heap.h"

#include <string.h>

/* Defaults. The JVM figures are resident memory at peak (what the cgroup charges), not the
 * reserved sizes NMT prints. They are fitted to the calibration grid of tests/calibration
 * (JDK 17, G1, heap pre-touched with -Xms=-Xmx, limits 512 MiB to 2 GiB, 5,000-30,000 classes,
 * 20-300 threads, 0-128 MiB direct; tests/calibration/README.md has the table): with accurate
 * class/thread/direct hints the estimate covers every measured need (anonymous memory beyond the
 * heap plus the ~24 MiB of libjvm text and module image a JVM must keep resident) and flags every
 * run that was OOM-killed or thrashed, and no run that peaked below 90% of its limit.
 *
 *   parameter            default    why
 *   jvm_classes          15,000     a Spring Boot service loads 12-20 thousand classes
 *   jvm_threads          100        Tomcat's 200 max are rarely all live; pools, GC, JIT threads
 *   jvm_metaspace_base   8 MiB      metaspace/class space of the JDK's own start-up classes, CDS
 *   jvm_bytes_per_class  7.5 KiB    metaspace, class space, symbols and malloc per loaded class:
 *                                   measured 5.3 KB from 5k to 15k classes (many from the JDK's
 *                                   image) and 7.7 KB from 15k to 30k (defined by class loaders
 *                                   from bytes, like an application's); buildpacks use 5.8 KB
 *   jvm_code_cache       24 MiB     JIT code in use (the 240 MiB reserve is mostly untouched)
 *   jvm_thread_stack     128 KiB    per thread: the touched part of the 1 MiB -Xss stack plus the
 *                                   thread's native structures; measured ~90 KiB for a parked
 *                                   thread (20 -> 300 threads), real request threads go deeper
 *   jvm_gc_percent       5          G1 card table, BOT, mark bitmaps, remembered sets: measured
 *                                   4.5-5.5% of the heap (408m -> 1736m, pre-touched heap);
 *                                   NMT's 6-8% is committed, not all resident
 *   jvm_direct           32 MiB     NIO direct buffers in use (capped by -XX:MaxDirectMemorySize)
 *   jvm_other            24 MiB     libjvm text and data, CDS archive, arenas, compiler memory
 *                                   not proportional to classes or threads
 *   node_young           48 MiB     V8's young generation: 3 x 16 MiB semi-space, outside
 *                                   --max-old-space-size
 *   node_extra           128 MiB    the node binary's resident text (~40 MiB), code/map space,
 *                                   libuv, Buffers (off-heap); with the young space that is
 *                                   176 MiB, so 1 GiB fits --max-old-space-size=768 (Node's
 *                                   75% guidance) and flags 900
 *   go_headroom_percent  10         the GC guide's 5-10% headroom below GOMEMLIMIT (a soft limit)
 *   go_fixed             4 MiB      what GOMEMLIMIT does not count: binary text, cgo
 *   dotnet_extra         128 MiB    the CLR beyond the GC hard limit: JIT, loader heaps, stubs,
 *                                   mapped assemblies; the runtime's own 75% default leaves
 *                                   256 MiB of 1 GiB, so a hard limit of 960 MiB is flagged
 *
 * With these, the JVM estimate for 15,000 classes and 100 threads is 240 MiB at -Xmx600m and
 * 250 MiB at -Xmx800m; measured (JDK 17, heap pre-touched, 32 MiB direct, 1 GiB limit): 190 MiB
 * RSS beyond the heap, -Xmx864m OOM-killed. So in a 1 GiB limit -Xmx800m (224 MiB left) is
 * flagged and -Xmx600m (424 MiB left) is not. */
void mg_offheap_defaults(mg_offheap_params_t *p) {
        *p = (mg_offheap_params_t){
                .jvm_classes = 15000,
                .jvm_threads = 100,
                .jvm_metaspace_base = 8 * MG_MIB,
                .jvm_bytes_per_class = 7680, /* 7.5 KiB */
                .jvm_code_cache = 24 * MG_MIB,
                .jvm_thread_stack = 128 * MG_KIB,
                .jvm_gc_percent = 5,
                .jvm_direct = 32 * MG_MIB,
                .jvm_other = 24 * MG_MIB,
                .node_young = 48 * MG_MIB,
                .node_extra = 128 * MG_MIB,
                .go_headroom_percent = 10,
                .go_fixed = 4 * MG_MIB,
                .dotnet_extra = 128 * MG_MIB,
        };
}

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
