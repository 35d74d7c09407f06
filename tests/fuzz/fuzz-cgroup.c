/* SPDX-License-Identifier: Apache-2.0 */
/* The cgroup inputs: /proc/<pid>/cgroup, memory.max / memory.limit_in_bytes, cpuset.mems, and
 * linux.cgroupsPath from config.json (systemd slice syntax included). */
#include "fuzz.h"
#include "memgate/checks/checks.h"
#include "memgate/inputs/cgroup.h"
#include "memgate/inputs/nodemask.h"
#include "memgate/models/kernel.h"
#include "memgate/outputs/host_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *s = fuzz_text(data, size, MG_CAP_PROC);
        if (!s)
                return 0;
        mg_error_t err = {0};
        char *path = NULL;
        bool b;
        uint64_t v;
        static const char *const controllers[] = {"memory", "cpuset", ""};
        for (size_t i = 0; i < 3; i++)
                if (mg_parse_proc_cgroup(s, controllers[i], &path, &err) == 0) {
                        free(path);
                        path = NULL;
                }
        (void)mg_cgroup_parse_limit(s, 1, &b, &v);
        (void)mg_cgroup_parse_limit(s, 2, &b, &v);
        mg_nodemask_t m;
        if (mg_parse_node_list(s, &m) == 0) {
                (void)mg_nodemask_count(&m);
                (void)mg_nodemask_test(&m, 1);
        }
        if (mg_cgroup_spec_to_path(s, &path, &b, &err) == 0) {
                free(path);
                path = NULL;
        }
        if (mg_systemd_expand_slice(s, &path, &err) == 0) {
                free(path);
                path = NULL;
        }
        if (mg_cgroup_path_normalize(s, &path, &err) == 0)
                free(path);
        free(s);
        return 0;
}
