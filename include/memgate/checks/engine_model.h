/* SPDX-License-Identifier: Apache-2.0 */
/* What the container engine adds to memgate's picture: how a fix for the memory limit reads
 * for it, and what it keeps committed under strict overcommit for every running container
 * (a containerd-shim-runc-v2 per container under Docker and ctr, per pod under the CRI). Pure. */
#ifndef MEMGATE_CHECKS_ENGINE_MODEL_H
#define MEMGATE_CHECKS_ENGINE_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "memgate/inputs/engine_detect.h"

/* Measured here (Docker 20.10.24, containerd 1.6.20, Go 1.19, tests/bench/engine-commit.sh):
 * each idle containerd-shim-runc-v2 holds 128-145 MiB of private writable mappings (11-13
 * threads x 8 MiB stacks), and five idle containers raised Committed_AS by 648-674 MiB. */
#define MG_SHIM_COMMIT_KB ((uint64_t)136 * 1024)

/* "the fix": how to set a memory limit of mib MiB where this engine runs the container, e.g.
 * "docker run -m 1156m", "resources.limits.memory: 1156Mi in the pod spec". */
void mg_engine_limit_hint(mg_cengine_t e, uint64_t mib, char *buf, size_t n);

/* Measured the same way at each runc command (a recording runtime between shim and runc): at
 * `runc create` the shim already holds 112-145 MiB, and it grows by up to 17 MiB (two more
 * thread stacks) by the time the container runs. That growth is part of this start. */
#define MG_SHIM_GROWTH_KB ((uint64_t)16 * 1024)

typedef struct mg_engine_commit {
        uint64_t keep_kb;    /* committed by the engine for as long as one more container runs */
        uint64_t growth_kb;  /* what this start's shim still commits after runc create */
        const char *keeper;  /* what holds it ("containerd-shim-runc-v2 per container"), or NULL */
} mg_engine_commit_t;

/* The engine's figures for a container (first_in_pod: the CRI sandbox, whose start brings the
 * pod's shim); override_kb (memgate.conf engine_commit) replaces keep_kb unless it is
 * MG_ENGINE_COMMIT_AUTO. */
mg_engine_commit_t mg_engine_commit(mg_cengine_t e, bool first_in_pod, uint64_t override_kb);

/* How many further starts of per_start_kb each fit in headroom_kb (0 for none; saturating). */
uint64_t mg_starts_that_fit(int64_t headroom_kb, uint64_t per_start_kb);

#endif
