/* SPDX-License-Identifier: Apache-2.0 */
/* The floor of any OCI hook, for tests/bench/bench.py: read the state on stdin, the bundle's
 * config.json and /proc/meminfo, and exit. No parsing beyond finding "bundle" in the state, no
 * checks, no output. Whatever a real hook costs above this is the price of what it does.
 *
 * With --wrap RUNTIME ARGS...: the floor of any runtime wrapper (what memgate-runtime is): read
 * the config.json of ARGS' --bundle and /proc/meminfo, then execute RUNTIME with ARGS. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "slurp.h"

static int slurp_path(const char *path, char **ret) {
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        return fd < 0 || slurp(fd, ret) < 0 || close(fd) < 0 ? -1 : 0;
}

static int wrap(int argc, char **argv) {
        char *config, *meminfo, path[4096];
        const char *bundle = ".";
        for (int i = 1; i + 1 < argc; i++)
                if (strcmp(argv[i], "--bundle") == 0 || strcmp(argv[i], "-b") == 0)
                        bundle = argv[i + 1];
        snprintf(path, sizeof(path), "%s/config.json", bundle);
        if (slurp_path(path, &config) < 0 || slurp_path("/proc/meminfo", &meminfo) < 0)
                return 2;
        execv(argv[0], argv);
        return 127;
}

int main(int argc, char **argv) {
        char *state, *config, *meminfo, path[4096];
        if (argc > 2 && strcmp(argv[1], "--wrap") == 0)
                return wrap(argc - 2, argv + 2);
        ssize_t n = slurp(STDIN_FILENO, &state);
        if (n < 0)
                return 2;
        state[n] = '\0';
        char *p = strstr(state, "\"bundle\""), *end;
        if (!p || !(p = strchr(p + 8, '"')) || !(end = strchr(++p, '"')))
                return 2;
        snprintf(path, sizeof(path), "%.*s/config.json", (int)(end - p), p);
        return slurp_path(path, &config) < 0 || slurp_path("/proc/meminfo", &meminfo) < 0 ? 2 : 0;
}
