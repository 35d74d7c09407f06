/* SPDX-License-Identifier: Apache-2.0 */
/* LD_PRELOADed into memgate by test_cli: a stand-in for a bug in memgate or in a library it
 * uses. On the first JSON parse, which happens inside the confined child, it makes a system call
 * the seccomp allowlist forbids (mkdir). The filter must kill the child, and the parent must map
 * that onto fail-open or fail-closed. If the directory appears, the filter was not there. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <yajl/yajl_tree.h>

yajl_val yajl_tree_parse(const char *input, char *error_buffer, size_t error_buffer_size) {
        const char *dir = getenv("MEMGATE_FORBIDDEN_DIR");
        if (dir)
                (void)mkdir(dir, 0700);
        yajl_val (*real)(const char *, char *, size_t) =
                (yajl_val(*)(const char *, char *, size_t))dlsym(RTLD_NEXT, "yajl_tree_parse");
        return real ? real(input, error_buffer, error_buffer_size) : NULL;
}
