/* SPDX-License-Identifier: Apache-2.0 */
/* The event type's two helpers. */
#include <string.h>

#include "memgate/inputs/kernlog_event.h"

void mg_kl_event_reset(mg_kl_event_t *e, mg_kl_kind_t kind) {
        memset(e, 0, sizeof(*e));
        e->kind = kind;
        e->invoker_pid = e->pid = e->uid = e->score = -1;
        e->order = -1;
        e->usage_kb = e->limit_kb = e->failcnt = e->swap_usage_kb = e->swap_limit_kb = MG_KL_U64_UNSET;
        e->total_vm_kb = e->anon_rss_kb = e->file_rss_kb = e->shmem_rss_kb = MG_KL_U64_UNSET;
        e->commit_bytes = MG_KL_U64_UNSET;
}

const char *mg_kl_kind_name(mg_kl_kind_t k) {
        switch (k) {
        case MG_KL_OOM:
                return "oom-kill";
        case MG_KL_ALLOC_FAIL:
                return "allocation-failure";
        case MG_KL_COMMIT:
                return "commit-refused";
        }
        return "?";
}
