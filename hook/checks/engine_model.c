/* SPDX-License-Identifier: Apache-2.0 */
/* The engine's part of the fix hints and the commit model (see include/memgate/checks/engine_model.h). */
#include "memgate/checks/engine_model.h"

#include <inttypes.h>
#include <stdio.h>

#include "memgate/inputs/conf.h"

void mg_engine_limit_hint(mg_cengine_t e, uint64_t mib, char *buf, size_t n) {
        switch (e) {
        case MG_CENGINE_DOCKER:
                snprintf(buf, n, "docker run -m %" PRIu64 "m", mib);
                break;
        case MG_CENGINE_CRI:
        case MG_CENGINE_CRIO:
                snprintf(buf, n, "resources.limits.memory: %" PRIu64 "Mi in the pod spec", mib);
                break;
        case MG_CENGINE_CONTAINERD: {
                uint64_t bytes = mib > UINT64_MAX / (1024 * 1024) ? UINT64_MAX : mib * 1024 * 1024;
                snprintf(buf, n, "ctr run --memory-limit %" PRIu64, bytes);
                break;
        }
        case MG_CENGINE_PODMAN:
        case MG_CENGINE_UNKNOWN:
        default:
                snprintf(buf, n, "podman run -m %" PRIu64 "m", mib);
                break;
        }
}

mg_engine_commit_t mg_engine_commit(mg_cengine_t e, bool first_in_pod, uint64_t override_kb) {
        mg_engine_commit_t c = {0};
        switch (e) {
        case MG_CENGINE_DOCKER:
        case MG_CENGINE_CONTAINERD:
                c = (mg_engine_commit_t){MG_SHIM_COMMIT_KB, MG_SHIM_GROWTH_KB, "a containerd-shim-runc-v2 per container"};
                break;
        case MG_CENGINE_CRI:
                c = (mg_engine_commit_t){MG_SHIM_COMMIT_KB, first_in_pod ? MG_SHIM_GROWTH_KB : 0,
                                         "a containerd-shim-runc-v2 per pod"};
                break;
        default:
                /* conmon (C) keeps about 0.5 MiB (podman 4.3.1's: 512 kB of private writable
                 * mappings, one thread, measured here); a runc run by hand keeps nothing. */
                break;
        }
        if (override_kb != MG_ENGINE_COMMIT_AUTO) {
                c.keep_kb = override_kb;
                c.keeper = override_kb ? "the engine's share (engine_commit)" : NULL;
        }
        return c;
}

uint64_t mg_starts_that_fit(int64_t headroom_kb, uint64_t per_start_kb) {
        if (headroom_kb <= 0)
                return 0;
        if (per_start_kb == 0)
                return UINT64_MAX;
        return (uint64_t)headroom_kb / per_start_kb;
}
