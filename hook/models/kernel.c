/* SPDX-License-Identifier: Apache-2.0 */
/* The kernel's memory arithmetic, reconstructed from a host snapshot. Sources:
 *   si_mem_available()              mm/show_mem.c (mm/page_alloc.c before 6.2)
 *   calculate_totalreserve_pages()  mm/page_alloc.c
 *   __vm_enough_memory()            mm/util.c (mm/mmap.c before 4.1)
 *   vm_commit_limit()               mm/util.c
 * See KERNEL-NOTES.md for the formulas and the commits that changed them. Pure: no I/O. */
#include "memgate/models/kernel.h"

#include <limits.h>
#include <string.h>

#include "memgate/util/number.h"

static bool kernel_at_least(const mg_host_t *h, int major, int minor) {
        if (h->kmajor == 0 && h->kminor == 0) /* unknown: assume a current kernel */
                return true;
        return h->kmajor > major || (h->kmajor == major && h->kminor >= minor);
}

uint64_t mg_default_min_free_kbytes(uint64_t lowmem_kb) {
        /* init_per_zone_wmark_min(): int_sqrt(lowmem_kbytes * 16), clamped to [128, 262144]. In
         * integers, as the kernel does (no libm to load on every start): above 262144^2 the clamp
         * decides, below it the square root has at most 18 bits. */
        uint64_t x = mg_sat_mul(lowmem_kb, 16), v = 0;
        if (x >= (uint64_t)262144 * 262144)
                return 262144;
        for (uint64_t bit = (uint64_t)1 << 18; bit; bit >>= 1)
                if ((v + bit) * (v + bit) <= x)
                        v += bit;
        if (v < 128)
                v = 128;
        if (v > 262144)
                v = 262144;
        return v;
}

static uint64_t zone_max_protection(const mg_zone_t *z);

uint64_t mg_thp_min_free_kbytes(unsigned nr_zones, uint64_t memtotal_kb) {
        /* set_recommended_min_free_kbytes(): pageblock_nr_pages * nr_zones * 2, plus
         * pageblock_nr_pages * nr_zones * MIGRATE_PCPTYPES^2, at most 5% of RAM. x86-64: a 2 MiB
         * pageblock is 512 pages of 4 kB, MIGRATE_PCPTYPES is 3: 22528 kB per zone. */
        uint64_t v = (uint64_t)nr_zones * 512 * (2 + 3 * 3) * 4;
        uint64_t cap = memtotal_kb / 20;
        return v < cap ? v : cap;
}

static bool is_lowmem_zone(const mg_zone_t *z) {
        return strcmp(z->name, "Movable") != 0 && strcmp(z->name, "Device") != 0 && strcmp(z->name, "HighMem") != 0;
}

uint64_t mg_totalreserve_with(const mg_host_t *h, uint64_t min_free_kbytes, uint64_t scale_factor) {
        uint64_t page_kb = h->page_kb ? h->page_kb : 4;
        uint64_t lowmem_pages = 0, reserve = 0;
        for (size_t i = 0; i < h->nzones; i++)
                if (is_lowmem_zone(&h->zones[i]))
                        lowmem_pages = mg_sat_add(lowmem_pages, h->zones[i].managed);
        if (lowmem_pages == 0)
                return 0;
        uint64_t pages_min = min_free_kbytes / page_kb;
        for (size_t i = 0; i < h->nzones; i++) {
                const mg_zone_t *z = &h->zones[i];
                /* min_z = pages_min * managed / lowmem; tmp = max(min_z / 4, managed * wsf / 10000);
                 * high = min_z + 2 * tmp (4.6+; the boost is transient and left out). */
                uint64_t minz = is_lowmem_zone(z) ? (uint64_t)((unsigned __int128)pages_min * z->managed / lowmem_pages)
                                                  : 0;
                uint64_t tmp = (uint64_t)((unsigned __int128)z->managed * scale_factor / 10000);
                if (minz / 4 > tmp)
                        tmp = minz / 4;
                uint64_t r = mg_sat_add(mg_sat_add(minz, mg_sat_mul(2, tmp)), zone_max_protection(z));
                reserve = mg_sat_add(reserve, r > z->managed ? z->managed : r);
        }
        return mg_sat_mul(reserve, page_kb);
}

static uint64_t zone_max_protection(const mg_zone_t *z) {
        uint64_t m = 0;
        for (size_t i = 0; i < z->nprotection; i++)
                if (z->protection[i] > m)
                        m = z->protection[i];
        return m;
}

static void compute_memavailable(const mg_host_t *h, mg_model_t *m) {
        const mg_meminfo_t *mi = &h->meminfo;
        uint64_t page_kb = h->page_kb ? h->page_kb : 4;

        m->memfree_kb = mg_meminfo_or0(mi, "MemFree");
        m->memtotal_kb = mg_meminfo_or0(mi, "MemTotal");
        m->pagecache_kb = mg_sat_add(mg_meminfo_or0(mi, "Active(file)"), mg_meminfo_or0(mi, "Inactive(file)"));
        /* KReclaimable (4.20+) covers reclaimable slab and other reclaimable kernel memory. */
        uint64_t kr;
        if (mg_meminfo_get(mi, "KReclaimable", &kr) < 0)
                kr = mg_meminfo_or0(mi, "SReclaimable");
        m->reclaimable_kb = kr;
        m->have_kernel_memavailable = mg_meminfo_get(mi, "MemAvailable", &m->kernel_memavailable_kb) == 0;

        if (!h->have_zoneinfo) {
                m->reconstructed = false;
                m->have_memavailable = m->have_kernel_memavailable;
                m->memavailable_kb = m->have_kernel_memavailable ? m->kernel_memavailable_kb : 0;
                return;
        }

        uint64_t reserve = 0, wmin = 0, wlow = 0, whigh = 0;
        for (size_t i = 0; i < h->nzones; i++) {
                const mg_zone_t *z = &h->zones[i];
                uint64_t r = mg_sat_add(z->high, zone_max_protection(z));
                if (r > z->managed)
                        r = z->managed;
                reserve = mg_sat_add(reserve, r);
                wmin = mg_sat_add(wmin, z->min);
                wlow = mg_sat_add(wlow, z->low);
                whigh = mg_sat_add(whigh, z->high);
        }
        m->totalreserve_kb = mg_sat_mul(reserve, page_kb);
        m->wmark_min_kb = mg_sat_mul(wmin, page_kb);
        m->wmark_low_kb = mg_sat_mul(wlow, page_kb);
        m->wmark_high_kb = mg_sat_mul(whigh, page_kb);

        /* In pages, as the kernel does, so the halvings round the same way. 128-bit: every term is
         * a kernel figure that a hostile or broken /proc can put near 2^64. */
        typedef __int128 i128;
        i128 free_p = m->memfree_kb / page_kb;
        i128 pagecache = m->pagecache_kb / page_kb;
        i128 reclaimable = m->reclaimable_kb / page_kb;
        i128 low = wlow;
        i128 avail;

        /* 4.5 (84ad5802a33a) subtracts totalreserve; 3.14-4.4 subtracted the low watermark. */
        if (kernel_at_least(h, 4, 5))
                avail = free_p - (i128)reserve;
        else
                avail = free_p - low;
        i128 pagecache_credit = pagecache - (pagecache / 2 < low ? pagecache / 2 : low);
        i128 reclaimable_credit = reclaimable - (reclaimable / 2 < low ? reclaimable / 2 : low);
        m->pagecache_credit_kb = mg_sat_mul((uint64_t)pagecache_credit, page_kb);
        m->reclaimable_credit_kb = mg_sat_mul((uint64_t)reclaimable_credit, page_kb);
        avail += pagecache_credit + reclaimable_credit;
        i128 unclamped = avail * (i128)page_kb;
        m->memavailable_unclamped_kb = unclamped > INT64_MAX ? INT64_MAX : unclamped < INT64_MIN ? INT64_MIN
                                                                                                : (int64_t)unclamped;
        if (avail < 0)
                avail = 0;
        i128 kb = avail * (i128)page_kb;
        m->memavailable_kb = kb > (i128)UINT64_MAX ? UINT64_MAX : (uint64_t)kb;
        m->reconstructed = true;
        m->have_memavailable = true;
}

bool mg_model_memavailable(const mg_model_t *m, uint64_t *ret_kb) {
        if (!m->have_memavailable)
                return false;
        *ret_kb = m->have_kernel_memavailable ? m->kernel_memavailable_kb : m->memavailable_kb;
        return true;
}

/* An unsigned kernel figure as a signed headroom term: never negative by wrapping. */
static int64_t clamp_i64(uint64_t v) {
        return v > INT64_MAX ? INT64_MAX : (int64_t)v;
}

static void compute_commit(const mg_host_t *h, const mg_model_opts_t *o, mg_model_t *m) {
        const mg_meminfo_t *mi = &h->meminfo;
        const mg_vm_t *vm = &h->vm;
        uint64_t total = m->memtotal_kb, swap_total = mg_meminfo_or0(mi, "SwapTotal");
        uint64_t hugetlb;

        m->overcommit_memory = vm->have_overcommit_memory ? (int)vm->overcommit_memory : 0;
        m->committed_as_kb = mg_meminfo_or0(mi, "Committed_AS");
        (void)mg_meminfo_get(mi, "CommitLimit", &m->kernel_commit_limit_kb);

        /* vm_commit_limit(): hugetlb pages are not overcommittable. Hugetlb is printed since 5.16;
         * before that HugePages_Total x Hugepagesize is the same for the default size. */
        if (mg_meminfo_get(mi, "Hugetlb", &hugetlb) < 0)
                hugetlb = mg_sat_mul(mg_meminfo_or0(mi, "HugePages_Total"), mg_meminfo_or0(mi, "Hugepagesize"));

        if (vm->have_overcommit_kbytes && vm->overcommit_kbytes > 0)
                m->commit_limit_kb = vm->overcommit_kbytes;
        else {
                uint64_t ratio = vm->have_overcommit_ratio ? vm->overcommit_ratio : 50;
                /* (totalram_pages - hugetlb) * ratio / 100, in pages. */
                uint64_t page_kb = h->page_kb ? h->page_kb : 4;
                uint64_t pages = mg_sat_sub(total, hugetlb) / page_kb;
                m->commit_limit_kb = mg_sat_mul(mg_sat_mul(pages, ratio) / 100, page_kb);
        }
        m->commit_limit_kb = mg_sat_add(m->commit_limit_kb, swap_total);

        mg_heuristic_t heur = o ? o->heuristic : MG_HEUR_AUTO;
        if (heur == MG_HEUR_AUTO)
                heur = kernel_at_least(h, 5, 2) ? MG_HEUR_MODERN : MG_HEUR_LEGACY;
        m->heuristic = heur;

        bool admin = o && o->caller_has_sys_admin;
        uint64_t admin_reserve = admin ? 0 : vm->admin_reserve_kbytes;

        switch (m->overcommit_memory) {
        case 1:
                m->commit_headroom_kb = INT64_MAX;
                break;
        case 2: {
                /* Fails when Committed_AS + request > CommitLimit - admin_reserve - user_reserve
                 * (the user reserve is min(total_vm/32, user_reserve_kbytes); the check adds the
                 * per-process term itself, here the host-wide part). */
                __int128 room = (__int128)m->commit_limit_kb - admin_reserve - m->committed_as_kb;
                m->commit_headroom_kb = room > INT64_MAX ? INT64_MAX : room < -INT64_MAX ? -INT64_MAX : (int64_t)room;
                break;
        }
        default:
                if (heur == MG_HEUR_MODERN) {
                        /* 8c7829b04c52: only a single request larger than RAM + swap fails. */
                        m->commit_headroom_kb = clamp_i64(mg_sat_add(total, swap_total));
                } else {
                        /* free = free pages + file pages - shmem + swap free + reclaimable slab. */
                        /* NR_FILE_PAGES is Cached + Buffers + SwapCached in meminfo terms. */
                        uint64_t file = mg_sat_add(mg_sat_add(mg_meminfo_or0(mi, "Buffers"), mg_meminfo_or0(mi, "Cached")),
                                                   mg_meminfo_or0(mi, "SwapCached"));
                        uint64_t f = mg_sat_add(m->memfree_kb, file);
                        f = mg_sat_sub(f, mg_meminfo_or0(mi, "Shmem"));
                        f = mg_sat_add(f, mg_meminfo_or0(mi, "SwapFree"));
                        f = mg_sat_add(f, mg_meminfo_or0(mi, "SReclaimable"));
                        m->legacy_free_kb = f;
                        __int128 room = (__int128)f - m->totalreserve_kb - admin_reserve;
                        m->commit_headroom_kb = room > INT64_MAX ? INT64_MAX : room < -INT64_MAX ? -INT64_MAX
                                                                                               : (int64_t)room;
                }
                break;
        }
}

void mg_model_compute(const mg_host_t *h, const mg_model_opts_t *o, mg_model_t *ret) {
        mg_model_t m = {0};
        compute_memavailable(h, &m);
        compute_commit(h, o, &m);
        /* Low memory for the default: the lowmem zones (nr_free_buffer_pages, roughly). */
        uint64_t lowmem = 0;
        unsigned populated = 0;
        for (size_t i = 0; i < h->nzones; i++)
                if (is_lowmem_zone(&h->zones[i]) && h->zones[i].managed > 0) {
                        lowmem = mg_sat_add(lowmem, mg_sat_mul(h->zones[i].managed, h->page_kb ? h->page_kb : 4));
                        populated++;
                }
        if (lowmem == 0)
                lowmem = m.memtotal_kb;
        m.default_min_free_kbytes = mg_default_min_free_kbytes(lowmem);
        uint64_t thp = mg_thp_min_free_kbytes(populated ? populated : 1, m.memtotal_kb);
        if (thp > m.default_min_free_kbytes)
                m.default_min_free_kbytes = thp;
        if (h->have_zoneinfo)
                m.default_totalreserve_kb = mg_totalreserve_with(h, m.default_min_free_kbytes, 10);
        *ret = m;
}

uint64_t mg_node_available_kb(const mg_node_t *n) {
        return mg_sat_add(n->mem_free_kb, mg_sat_add(n->file_pages_kb / 2, n->sreclaimable_kb / 2));
}
