/* SPDX-License-Identifier: Apache-2.0 */
/* Calibration driver: memgate's off-heap estimate for one configuration through the library API
 * (heap.h), for when `memgate check` is not available. Not part of the product.
 *
 *   predict LIMIT_BYTES CLASSES THREADS DIRECT_BYTES [-e NAME=VALUE]... -- ARGS...
 *
 * CLASSES/THREADS/DIRECT_BYTES of "-" leave memgate's default. Prints one JSON object. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memgate/heap.h"

static int hint(const char *s, uint64_t *v) {
        if (strcmp(s, "-") == 0)
                return 0;
        return mg_parse_u64(s, v);
}

int main(int argc, char **argv) {
        mg_offheap_params_t p;
        mg_offheap_t off = {};
        mg_heap_t h = {};
        uint64_t limit = 0;
        char *env[64];
        size_t nenv = 0;
        int i;

        if (argc < 6 || mg_parse_u64(argv[1], &limit) < 0) {
                fprintf(stderr, "usage: predict LIMIT CLASSES THREADS DIRECT [-e NAME=VALUE]... -- ARGS...\n");
                return 2;
        }
        mg_offheap_defaults(&p);
        if (hint(argv[2], &p.jvm_classes) < 0 || hint(argv[3], &p.jvm_threads) < 0 ||
            hint(argv[4], &p.jvm_direct) < 0) {
                fprintf(stderr, "predict: bad hint\n");
                return 2;
        }
        for (i = 5; i < argc && strcmp(argv[i], "--") != 0; i++) {
                if (strcmp(argv[i], "-e") == 0 && i + 1 < argc && nenv < 64)
                        env[nenv++] = argv[++i];
                else {
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
