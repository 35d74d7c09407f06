/* SPDX-License-Identifier: Apache-2.0 */
/* Calibration driver: memgate's off-heap estimate for one configuration through the library API
 * (heap.h), for when `memgate check` is not available. Not part of the product.
 *
 *   predict LIMIT_BYTES [-a ANNOTATION=VALUE]... [-e NAME=VALUE]... -- ARGS...
 *
 * Annotations are the io.memgate.* hints (jvm.classes, jvm.threads: counts; jvm.direct,
 * node.extra, dotnet.extra: sizes such as 64MiB); absent ones leave memgate's default.
 * Prints one JSON object. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memgate/models/offheap.h"
#include "memgate/workload/heap.h"
#include "memgate/workload/heap_units.h"
#include "memgate/workload/shell.h"

static int hint(mg_offheap_params_t *p, const char *kv) {
        static const struct {
                const char *key;
                bool size;
                size_t off;
        } known[] = {
                { "io.memgate.jvm.classes=", false, offsetof(mg_offheap_params_t, jvm_classes) },
                { "io.memgate.jvm.threads=", false, offsetof(mg_offheap_params_t, jvm_threads) },
                { "io.memgate.jvm.direct=", true, offsetof(mg_offheap_params_t, jvm_direct) },
                { "io.memgate.node.extra=", true, offsetof(mg_offheap_params_t, node_extra) },
                { "io.memgate.dotnet.extra=", true, offsetof(mg_offheap_params_t, dotnet_extra) },
        };
        for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
                size_t n = strlen(known[i].key);
                if (strncmp(kv, known[i].key, n) != 0)
                        continue;
                uint64_t *v = (uint64_t *) ((char *) p + known[i].off);
                return known[i].size ? mg_parse_size(kv + n, v) : mg_parse_u64(kv + n, v);
        }
        return -EINVAL;
}

int main(int argc, char **argv) {
        mg_offheap_params_t p;
        mg_offheap_t off = {};
        mg_heap_t h = {};
        uint64_t limit = 0;
        char *env[64];
        size_t nenv = 0;
        int i;

        if (argc < 3 || mg_parse_u64(argv[1], &limit) < 0) {
                fprintf(stderr, "usage: predict LIMIT [-a ANNOTATION=VALUE]... [-e NAME=VALUE]... -- ARGS...\n");
                return 2;
        }
        mg_offheap_defaults(&p);
        for (i = 2; i < argc && strcmp(argv[i], "--") != 0; i++) {
                if (strcmp(argv[i], "-e") == 0 && i + 1 < argc && nenv < 64)
                        env[nenv++] = argv[++i];
                else if (strcmp(argv[i], "-a") == 0 && i + 1 < argc) {
                        if (hint(&p, argv[++i]) < 0) {
                                fprintf(stderr, "predict: bad hint %s\n", argv[i]);
                                return 2;
                        }
                } else {
                        fprintf(stderr, "predict: unexpected %s\n", argv[i]);
                        return 2;
                }
        }
        if (i >= argc) {
                fprintf(stderr, "predict: missing --\n");
                return 2;
        }
        i++;

        mg_heap_detect(argv + i, (size_t) (argc - i), env, nenv, &h);
        uint64_t heap = mg_heap_effective(&h, limit);
        mg_offheap_estimate(&h, heap, &p, &off);

        printf("{\"runtime\": \"%s\", \"heap_bytes\": %llu, \"offheap_bytes\": %llu, \"parts\": {",
               mg_runtime_name(h.runtime), (unsigned long long) heap, (unsigned long long) off.total_bytes);
        for (size_t k = 0; k < off.nparts && k < MG_OFFHEAP_PARTS; k++)
                printf("%s\"%s\": %llu", k ? ", " : "", off.parts[k].name,
                       (unsigned long long) off.parts[k].bytes);
        printf("}}\n");
        return 0;
}
