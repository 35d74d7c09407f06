/* SPDX-License-Identifier: Apache-2.0 */
/* Heap settings from process.args and process.env: lines up to the first empty line are the
 * args, the rest are env entries. Also the size parsers on the first line. */
#include "fuzz.h"
#include "memgate/models/offheap.h"
#include "memgate/workload/heap.h"
#include "memgate/workload/heap_units.h"
#include "memgate/workload/shell.h"

#define MAX_STRINGS 256

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *s = fuzz_text(data, size, 64 * 1024);
        if (!s)
                return 0;
        char *args[MAX_STRINGS], *env[MAX_STRINGS];
        size_t nargs = 0, nenv = 0;
        bool in_env = false;
        uint64_t v;
        (void)mg_parse_jvm_size(s, &v);
        (void)mg_parse_go_size(s, &v);
        (void)mg_parse_dotnet_hex(s, &v);
        for (char *line = s, *next; line; line = next) {
                next = strchr(line, '\n');
                if (next)
                        *next++ = '\0';
                if (!in_env && !*line) {
                        in_env = true;
                        continue;
                }
                if (in_env && nenv < MAX_STRINGS)
                        env[nenv++] = line;
                else if (!in_env && nargs < MAX_STRINGS)
                        args[nargs++] = line;
        }
        mg_heap_t h;
        mg_heap_detect(args, nargs, env, nenv, &h);
        (void)mg_heap_effective(&h, 1024ull * 1024 * 1024);
        (void)mg_heap_effective(&h, 0);
        free(s);
        return 0;
}
