/* SPDX-License-Identifier: Apache-2.0 */
/* The kernel model against the kernel itself: every real capture in tests/fixtures/peer/procfs must be
 * reproduced from its own numbers, and so must the live machine. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "memgate/inputs/host_read.h"
#include "memgate/models/kernel.h"
#include "testutil.h"

static void load(const char *procfs, const char *sysfs, mg_host_t *h, mg_model_t *m, mg_heuristic_t heur) {
        mg_roots_t roots = {.procfs = procfs, .sysfs = sysfs};
        mg_error_t err = {0};
        mg_host_clear(h); /* a static host read again: free the last tree's arrays */
        cr_assert_eq(mg_host_read(&roots, h, &err), 0, "%s: %s", procfs, err.msg);
        mg_model_opts_t o = {.heuristic = heur, .caller_has_sys_admin = true};
        mg_model_compute(h, &o, m);
}

static void peer(const char *name, mg_host_t *h, mg_model_t *m) {
        char p[512], s[512];
        snprintf(p, sizeof(p), "%s/proc", tu_peer(name));
        snprintf(s, sizeof(s), "%s/sys", tu_peer(name));
        load(p, s, h, m, MG_HEUR_AUTO);
}

static const char *captures[] = {
        "procfs/vm-6.18-24g-default",
        "procfs/vm-6.18-24g-min_free_kbytes-2g",
        "procfs/vm-6.18-24g-overcommit2-ratio30",
};

Test(model, memavailable_matches_kernel_on_every_capture) {
        for (size_t i = 0; i < sizeof(captures) / sizeof(captures[0]); i++) {
                static mg_host_t h;
                mg_model_t m;
                peer(captures[i], &h, &m);
                cr_assert(m.reconstructed, "%s: zoneinfo not used", captures[i]);
                cr_assert(m.have_kernel_memavailable);
                cr_assert_eq(m.memavailable_kb, m.kernel_memavailable_kb,
                             "%s: model %lu kB, kernel %lu kB", captures[i], (unsigned long)m.memavailable_kb,
                             (unsigned long)m.kernel_memavailable_kb);
        }
}

Test(model, commit_limit_matches_kernel_on_every_capture) {
        for (size_t i = 0; i < sizeof(captures) / sizeof(captures[0]); i++) {
                static mg_host_t h;
                mg_model_t m;
                peer(captures[i], &h, &m);
                cr_assert_eq(m.commit_limit_kb, m.kernel_commit_limit_kb, "%s: model %lu kB, kernel %lu kB",
                             captures[i], (unsigned long)m.commit_limit_kb, (unsigned long)m.kernel_commit_limit_kb);
        }
}

Test(model, min_free_2g_raises_the_reserve_by_gigabytes) {
        static mg_host_t h1, h2;
        mg_model_t d, big;
        peer("procfs/vm-6.18-24g-default", &h1, &d);
        peer("procfs/vm-6.18-24g-min_free_kbytes-2g", &h2, &big);
        /* MemFree stays put, MemAvailable falls by about 3 GB: the difference is the reserve. */
        cr_assert_gt(big.totalreserve_kb, d.totalreserve_kb + 2500000);
        cr_assert_lt(big.memavailable_kb + 2500000, d.memavailable_kb);
        cr_assert_eq(big.default_min_free_kbytes, 67584, "khugepaged's recommendation for 3 zones");
        cr_assert_eq(d.default_min_free_kbytes, 67584);
}

Test(model, default_watermarks_reproduce_the_default_capture) {
        static mg_host_t h;
        mg_model_t m;
        peer("procfs/vm-6.18-24g-default", &h, &m);
        /* Recomputing the watermarks from the sysctls must give the kernel's own reserve, boost aside. */
        uint64_t again = mg_totalreserve_with(&h, h.vm.min_free_kbytes, h.vm.watermark_scale_factor);
        cr_assert(again <= m.totalreserve_kb + 64 && again + 64 >= m.totalreserve_kb,
                  "recomputed %lu kB vs zoneinfo %lu kB", (unsigned long)again, (unsigned long)m.totalreserve_kb);
}

Test(model, mode2_headroom_is_limit_minus_committed) {
        static mg_host_t h;
        mg_model_t m;
        peer("procfs/vm-6.18-24g-overcommit2-ratio30", &h, &m);
        cr_assert_eq(m.overcommit_memory, 2);
        cr_assert_eq(m.commit_headroom_kb, (int64_t)m.commit_limit_kb - (int64_t)m.committed_as_kb);
        cr_assert_eq(m.commit_limit_kb, 7405224);
}

Test(model, mode0_heuristic_follows_the_kernel_version) {
        static mg_host_t h;
        mg_model_t m;
        peer("procfs/vm-6.18-24g-default", &h, &m);
        cr_assert_eq(m.heuristic, MG_HEUR_MODERN);
        cr_assert_eq(m.commit_headroom_kb, (int64_t)(m.memtotal_kb + 0), "no swap: RAM is the single-request cap");
        h.kmajor = 5;
        h.kminor = 1;
        mg_model_opts_t o = {.heuristic = MG_HEUR_AUTO, .caller_has_sys_admin = true};
        mg_model_compute(&h, &o, &m);
        cr_assert_eq(m.heuristic, MG_HEUR_LEGACY);
        cr_assert_lt(m.commit_headroom_kb, (int64_t)m.legacy_free_kb, "the reserve is taken off");
        o.heuristic = MG_HEUR_MODERN; /* operator override for a backporting distribution kernel */
        mg_model_compute(&h, &o, &m);
        cr_assert_eq(m.heuristic, MG_HEUR_MODERN);
}

Test(model, overcommit_kbytes_replaces_the_ratio) {
        static mg_host_t h;
        mg_model_t m;
        peer("procfs/vm-6.18-24g-overcommit2-ratio30", &h, &m);
        h.vm.overcommit_kbytes = 1048576;
        h.vm.have_overcommit_kbytes = true;
        mg_model_opts_t o = {0};
        mg_model_compute(&h, &o, &m);
        cr_assert_eq(m.commit_limit_kb, 1048576, "no swap on this capture");
}

Test(model, hugetlb_is_not_overcommittable) {
        static mg_host_t h;
        mg_model_t m, m2;
        peer("procfs/vm-6.18-24g-overcommit2-ratio30", &h, &m);
        /* 1 GiB of hugetlb pages comes off MemTotal before the ratio. */
        for (size_t i = 0; i < h.meminfo.n; i++)
                if (!strcmp(h.meminfo.f[i].name, "Hugetlb"))
                        h.meminfo.f[i].value = 1048576;
        mg_model_opts_t o = {0};
        mg_model_compute(&h, &o, &m2);
        cr_assert_eq(m.commit_limit_kb - m2.commit_limit_kb, 1048576 * 30 / 100);
}

Test(model, without_zoneinfo_the_kernel_figure_stands) {
        static mg_host_t h;
        mg_model_t m;
        peer("procfs/vm-6.18-24g-min_free_kbytes-2g", &h, &m);
        h.have_zoneinfo = false;
        h.nzones = 0;
        mg_model_opts_t o = {0};
        mg_model_compute(&h, &o, &m);
        cr_assert_not(m.reconstructed);
        cr_assert_eq(m.memavailable_kb, m.kernel_memavailable_kb);
}

Test(model, pre_4_5_kernels_subtract_the_low_watermark) {
        static mg_host_t h;
        mg_model_t new_m, old_m;
        peer("procfs/vm-6.18-24g-min_free_kbytes-2g", &h, &new_m);
        h.kmajor = 4;
        h.kminor = 4;
        mg_model_opts_t o = {0};
        mg_model_compute(&h, &o, &old_m);
        /* The low watermark is below the reserve (high + protection), so the old formula says more. */
        cr_assert_gt(old_m.memavailable_kb, new_m.memavailable_kb);
        cr_assert_eq(old_m.memavailable_kb,
                     new_m.memavailable_kb + (new_m.totalreserve_kb - new_m.wmark_low_kb));
}

Test(model, default_min_free_follows_the_sqrt_rule) {
        cr_assert_eq(mg_default_min_free_kbytes(0), 128);
        cr_assert_eq(mg_default_min_free_kbytes(1024 * 1024), 4096, "1 GiB: sqrt(16 Mi) = 4096");
        cr_assert_eq(mg_default_min_free_kbytes(UINT64_MAX / 4), 262144);
        cr_assert_eq(mg_thp_min_free_kbytes(3, 24684084), 67584);
        cr_assert_eq(mg_thp_min_free_kbytes(3, 1000000), 50000, "capped at 5% of RAM");
}

Test(model, live_kernel_is_reproduced) {
        static mg_host_t h;
        mg_model_t m;
        load("/proc", "/sys", &h, &m, MG_HEUR_AUTO);
        cr_assert(m.reconstructed);
        /* Memory moves between the reads: within 0.5% for MemAvailable, 1 MiB for CommitLimit. */
        double diff = (double)m.memavailable_kb - (double)m.kernel_memavailable_kb;
        cr_assert(diff < 0.005 * m.kernel_memavailable_kb && -diff < 0.005 * m.kernel_memavailable_kb,
                  "model %lu kB vs kernel %lu kB", (unsigned long)m.memavailable_kb,
                  (unsigned long)m.kernel_memavailable_kb);
        int64_t cd = (int64_t)m.commit_limit_kb - (int64_t)m.kernel_commit_limit_kb;
        cr_assert(cd <= 1024 && cd >= -1024, "CommitLimit model %lu vs kernel %lu", (unsigned long)m.commit_limit_kb,
                  (unsigned long)m.kernel_commit_limit_kb);
}

static void fixture(const char *name, mg_host_t *h, mg_model_t *m, mg_heuristic_t heur) {
        char p[512], s[512];
        snprintf(p, sizeof(p), "%s/proc", tu_fixture(name));
        snprintf(s, sizeof(s), "%s/sys", tu_fixture(name));
        load(p, s, h, m, heur);
}

Test(model, incident_host_4g_min_free_2g) {
        static mg_host_t h;
        mg_model_t m;
        fixture("procfs/host-4g-minfree-2g", &h, &m, MG_HEUR_AUTO);
        cr_assert_eq(h.vm.min_free_kbytes, 2097152);
        cr_assert_eq(m.memavailable_kb, 0, "the incident: nothing available");
        cr_assert_eq(m.kernel_memavailable_kb, 0);
        cr_assert_gt(m.memfree_kb, 2500000, "while free shows gigabytes");
        /* KERNEL-NOTES: the reserve comes to about 3.0 GiB. */
        cr_assert(m.totalreserve_kb > 2900000 && m.totalreserve_kb < 3300000, "totalreserve %lu kB",
                  (unsigned long)m.totalreserve_kb);
        cr_assert_eq(m.commit_limit_kb, m.kernel_commit_limit_kb);
        cr_assert_lt(m.default_totalreserve_kb, 300000, "the default would reserve a small fraction");
}
