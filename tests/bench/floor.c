/* SPDX-License-Identifier: Apache-2.0 */
/* The floor of any OCI hook, for tests/bench/bench.py: read the state on stdin, the bundle's
 * config.json and /proc/meminfo, and exit. No parsing beyond finding "bundle" in the state, no
 * checks, no output. Whatever a real hook costs above this is the price of what it does. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "slurp.h"

int main(void) {
        char *state, *config, *meminfo, path[4096];
        ssize_t n = slurp(STDIN_FILENO, &state);
        if (n < 0)
                return 2;
        state[n] = '\0';
        char *p = strstr(state, "\"bundle\""), *end;
        if (!p || !(p = strchr(p + 8, '"')) || !(end = strchr(++p, '"')))
                return 2;
        snprintf(path, sizeof(path), "%.*s/config.json", (int)(end - p), p);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || slurp(fd, &config) < 0 || close(fd) < 0)
                return 2;
        if ((fd = open("/proc/meminfo", O_RDONLY | O_CLOEXEC)) < 0 || slurp(fd, &meminfo) < 0)
                return 2;
        return close(fd) < 0 ? 2 : 0;
}
