/* SPDX-License-Identifier: Apache-2.0 */
/* runtime-floor: a memory limit too small for the runtime itself. runc places `runc init` in the
 * container's memory cgroup, under the container's limit, before it executes the program; below
 * what runc init needs there the start fails with messages that name no cause ("container init
 * was OOM-killed (memory limit too low?)", or "unable to set memory limit to N (current usage:
 * ..., peak usage: ...)" when the cgroup already holds more, runc#3986). runc init's anonymous
 * memory and the memfd copy of the runc binary (about 8 MiB, the CVE-2019-5736 fix) are both
 * charged to the container's cgroup. The floor is measured in
 * the kernel lab (tests/kernellab/README.md) and is memgate.conf's runtime_floor. */
#include "runtime_floor.h"

#include <inttypes.h>
#include <stdio.h>

#include "memgate/util/buf.h"

#define FMT(v, buf) mg_fmt_bytes((v), (buf), sizeof(buf))

void mg_check_runtime_floor(const mg_input_t *in, uint64_t limit, mg_report_t *r) {
        const mg_container_t *ctr = in->container;
        uint64_t floor_kb = in->conf->runtime_floor_kb;
        char a[32], b[32];

        if (!ctr || limit == 0 || floor_kb == 0 || limit / 1024 >= floor_kb)
                return;
        bool own = ctr->have_limit && ctr->limit_bytes == limit;
        mg_finding_t *f = mg_report_add(
                r, "runtime-floor", MG_SEV_REFUSE,
                "the memory limit %s%s is below the %s the container runtime's own init needs in the "
                "container's cgroup before the program starts (runtime_floor); runc fails such a start with "
                "\"container init was OOM-killed (memory limit too low?)\" or \"unable to set memory limit\", "
                "which do not say why",
                FMT(limit, a), own ? "" : " (of an ancestor cgroup)", FMT(floor_kb * 1024, b));
        if (!f)
                return;
        uint64_t mib = (floor_kb + 1023) / 1024;
        if (own)
                mg_finding_fix(f,
                               "raise the memory limit to at least %" PRIu64 " MiB (e.g. podman run -m %" PRIu64
                               "m); on crun nodes, which start under far less, set runtime_floor = 0 in memgate.conf",
                               mib, mib);
        else
                mg_finding_fix(f,
                               "raise the ancestor cgroup's limit above %" PRIu64 " MiB plus what its other "
                               "members use; on crun nodes set runtime_floor = 0 in memgate.conf",
                               mib);
        mg_ev_u64(f, "limit_bytes", limit);
        mg_ev_u64(f, "runtime_floor_kb", floor_kb);
}
