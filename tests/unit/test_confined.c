/* SPDX-License-Identifier: Apache-2.0 */
/* What glibc does for memgate under the seccomp filter, on inputs a container controls (issue 10,
 * section 1): sorting (glibc's qsort calls sysinfo from 128 elements on, so memgate sorts with
 * mg_sort), large allocations (mmap, mremap, munmap, brk trimming), stdio and number formatting,
 * error strings, the time zone behind syslog's timestamp. Each confined case runs in a forked
 * child that entered the sandbox; SIGSYS there means a call memgate's code can reach is not
 * allowed. Also mg_sort itself (order, stability, sizes around its insertion runs) and the
 * process.env index behind the heap scan (section 8). */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <errno.h>
#include <malloc.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "memgate/cli/sandbox.h"
#include "memgate/oci/container.h"
#include "memgate/oci/parse.h"
#include "memgate/outputs/syslog.h"
#include "memgate/util/sort.h"
#include "memgate/workload/heap.h"
#include "testutil.h"

/* ---- mg_sort ------------------------------------------------------------------------------- */

typedef struct item {
        uint32_t key;
        uint32_t seq; /* position before sorting: equal keys must keep this order */
        char pad[96]; /* makes the element larger than mg_sort's on-stack element */
} item_t;

static int cmp_item(const void *a, const void *b, void *ctx) {
        (void)ctx;
        const item_t *x = a, *y = b;
        return (x->key > y->key) - (x->key < y->key);
}

static int cmp_u64(const void *a, const void *b, void *ctx) {
        unsigned *calls = ctx;
        (*calls)++;
        uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
        return (x > y) - (x < y);
}

Test(sort, orders_stably_at_every_size_around_its_runs) {
        static const size_t sizes[] = {0, 1, 2, 3, 15, 16, 17, 31, 32, 33, 100, 127, 128, 129, 1000, 4097, 100000};
        srand(42);
        for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
                size_t n = sizes[s];
                item_t *v = calloc(n ? n : 1, sizeof(item_t));
                cr_assert(v);
                for (size_t i = 0; i < n; i++)
                        v[i] = (item_t){.key = (uint32_t)rand() % (n / 4 + 1), .seq = (uint32_t)i};
                cr_assert_eq(mg_sort(v, n, sizeof(item_t), cmp_item, NULL), 0);
                for (size_t i = 1; i < n; i++) {
                        cr_assert(v[i - 1].key <= v[i].key, "n=%zu: out of order at %zu", n, i);
                        if (v[i - 1].key == v[i].key)
                                cr_assert(v[i - 1].seq < v[i].seq, "n=%zu: equal keys swapped at %zu", n, i);
                }
                free(v);
        }
}

Test(sort, sorted_reversed_and_equal_inputs_in_n_log_n_comparisons) {
        size_t n = 100000;
        uint64_t *v = malloc(n * sizeof(uint64_t));
        for (int shape = 0; shape < 3; shape++) {
                for (size_t i = 0; i < n; i++)
                        v[i] = shape == 0 ? i : shape == 1 ? n - i : 7;
                unsigned calls = 0;
                cr_assert_eq(mg_sort(v, n, sizeof(uint64_t), cmp_u64, &calls), 0);
                for (size_t i = 1; i < n; i++)
                        cr_assert(v[i - 1] <= v[i]);
                /* n log2 n is 1.7 million here; a quadratic sort would need billions */
                cr_assert_lt(calls, 3u * 1000u * 1000u, "shape %d: %u comparisons", shape, calls);
        }
        free(v);
}

/* ---- confined children --------------------------------------------------------------------- */

static int confined(void (*body)(void *), void *arg) {
        fflush(NULL);
        pid_t pid = fork();
        cr_assert(pid >= 0);
        if (pid == 0) {
                mg_error_t err = {0};
                if (mg_sandbox_enter(&err) < 0)
                        _exit(100);
                body(arg);
                _exit(0);
        }
        int st;
        cr_assert_eq(waitpid(pid, &st, 0), pid);
        cr_assert(!(WIFEXITED(st) && WEXITSTATUS(st) == 100), "mg_sandbox_enter failed in the child");
        return st;
}

static void assert_clean(int st, const char *what) {
        cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s under the filter: status 0x%x%s", what, st,
                  WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS ? " (SIGSYS: a call outside the allowlist)" : "");
}

static void do_sort(void *arg) {
        size_t n = *(size_t *)arg;
        uint64_t *v = malloc(n * sizeof(uint64_t));
        unsigned calls = 0;
        if (!v)
                _exit(3);
        for (size_t i = 0; i < n; i++)
                v[i] = (n - i) * 2654435761u;
        if (mg_sort(v, n, sizeof(uint64_t), cmp_u64, &calls) < 0)
                _exit(4);
        for (size_t i = 1; i < n; i++)
                if (v[i - 1] > v[i])
                        _exit(5);
        free(v);
}

Test(confined, sorting_any_number_of_elements) {
        size_t sizes[] = {127, 128, 200, 5000, 1000000};
        for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
                assert_clean(confined(do_sort, &sizes[i]), "mg_sort");
}

/* The reproducer's path: a config with this many annotations, parsed (and deduplicated) confined. */
static void do_parse_annotations(void *arg) {
        size_t n = *(size_t *)arg;
        mg_buf_t b = {0};
        mg_buf_printf(&b, "{\"ociVersion\":\"1.0.2\",\"annotations\":{");
        for (size_t i = 0; i < n; i++) /* every tenth key repeats: the dedup has work to do */
                mg_buf_printf(&b, "%s\"k%zu\":\"v%zu\"", i ? "," : "", i % 10 == 9 ? i - 1 : i, i);
        mg_buf_printf(&b, "}}");
        if (b.overflow)
                _exit(3);
        mg_container_t c = {0};
        mg_error_t err = {0};
        if (mg_oci_parse_config(b.data, b.len, "config.json", &c, &err) < 0)
                _exit(4);
        if (c.nannotations != n - n / 10)
                _exit(5);
        mg_container_free(&c);
        mg_buf_free(&b);
}

/* ASan's realloc always copies and yajl's tree grows an object one member at a time: quadratic
 * there, so the sanitizer build stops at 5,000 (glibc grows in place). */
#if defined(__SANITIZE_ADDRESS__)
#define MANY 5000
#else
#define MANY 100000
#endif

Test(confined, configs_with_many_annotations) {
        size_t sizes[] = {0, 127, 128, 200, 5000, MANY};
        for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
                assert_clean(confined(do_parse_annotations, &sizes[i]), "parsing annotations");
}

/* Big and many allocations: mmap'd chunks, mremap on growth, munmap and trimming on free. */
static void do_allocations(void *arg) {
        (void)arg;
        char *p = malloc(256u << 20);
        if (!p)
                _exit(3);
        memset(p, 1, 256u << 20);
        char *q = realloc(p, 512u << 20);
        if (!q)
                _exit(4);
        q[(512u << 20) - 1] = 2;
        free(q);
        void *many[20000];
        for (size_t i = 0; i < 20000; i++)
                if (!(many[i] = malloc(64 + i % 4000)))
                        _exit(5);
        for (size_t i = 0; i < 20000; i++)
                free(many[i]);
        void *huge = malloc((size_t)1 << 46); /* refused: must fail, not kill */
        free(huge);
        malloc_trim(0);
}

Test(confined, large_and_many_allocations) {
        assert_clean(confined(do_allocations, NULL), "allocations");
}

/* stdio, number formatting and error strings, as the outputs use them on untrusted values. */
static void do_formatting(void *arg) {
        (void)arg;
        char small[64];
        char *big = NULL;
        if (asprintf(&big, "%.5000f %e %g %a %'d %ls %5000s", 1e300, 1e-300, 0.1, 1.5, 123456789, L"wide", "x") < 0)
                _exit(3);
        free(big);
        for (int e = 0; e < 200; e++)
                snprintf(small, sizeof(small), "%s", strerror(e));
        for (int s = 1; s < 70; s++)
                snprintf(small, sizeof(small), "%s", strsignal(s));
        fprintf(stderr, "%s", "");
        printf("%s", "");
        fflush(NULL);
        if (strtod("0x1.8p1", NULL) != 3.0 || strtod("1e5000", NULL) != HUGE_VAL)
                _exit(4);
}

Test(confined, formatting_and_error_strings) {
        assert_clean(confined(do_formatting, NULL), "formatting");
}

/* The syslog line with its local-time stamp, to a real socket, under a time zone read from a
 * file: tzset() runs before the filter, so localtime_r needs nothing after it. */
static void do_syslog(void *arg) {
        const char *path = arg;
        mg_log_t l;
        mg_log_open(&l, "memgate-test", path);
        if (l.fd < 0)
                _exit(3);
        time_t t = time(NULL);
        struct tm tm;
        char buf[64];
        for (int i = 0; i < 3; i++) {
                mg_log(&l, LOG_INFO, "line %d \xe2\x80\xae\x1b[31m", i);
                if (!localtime_r(&t, &tm) || !strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S %Z", &tm))
                        _exit(4);
        }
        mg_log_close(&l);
}

Test(confined, syslog_with_a_time_zone_file) {
        char *dir = tu_mkdtemp();
        char path[256];
        snprintf(path, sizeof(path), "%s/log", dir);
        int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        cr_assert_lt(strlen(path), sizeof(sa.sun_path));
        memcpy(sa.sun_path, path, strlen(path) + 1);
        cr_assert_eq(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
        static const char *const zones[] = {"America/New_York", ":/etc/localtime", "Nowhere/Garbage",
                                            "EST5EDT,M3.2.0,M11.1.0", NULL};
        for (size_t i = 0; i < sizeof(zones) / sizeof(zones[0]); i++) {
                if (zones[i])
                        setenv("TZ", zones[i], 1);
                else
                        unsetenv("TZ");
                tzset();
                assert_clean(confined(do_syslog, path), zones[i] ? zones[i] : "TZ unset");
                char line[4096];
                ssize_t n = recv(s, line, sizeof(line) - 1, MSG_DONTWAIT);
                cr_assert_gt(n, 0, "no syslog line arrived with TZ=%s", zones[i] ? zones[i] : "(unset)");
                while (recv(s, line, sizeof(line), MSG_DONTWAIT) > 0)
                        ;
        }
        unsetenv("TZ");
        close(s);
        tu_rmrf(dir);
        free(dir);
}

/* ---- the process.env index (section 8) ----------------------------------------------------- */

/* 8,000 bare assignments in sh -c against a 200,000-entry env (one name reassigned 4,000 times,
 * then names the env has, which makes them exported): the heap option behind $JAVA_OPTS is still
 * found. Each assignment looks its name up in the env: with a scan per lookup this was 8,000 x
 * 200,000 comparisons (seconds, tests/hostile/README.md), with the index a binary search. */
Test(envindex, eight_thousand_assignments_against_two_hundred_thousand_entries) {
        size_t nenv = 200001;
        char **env = calloc(nenv, sizeof(char *));
        for (size_t i = 0; i < nenv - 1; i++)
                cr_assert(asprintf(&env[i], "V%zu=x", i) > 0);
        env[nenv - 1] = strdup("JAVA_OPTS=-Xmx900m");
        mg_buf_t sh = {0};
        for (size_t i = 0; i < 4000; i++) /* one name reassigned (each a lookup), then names the env has */
                mg_buf_printf(&sh, "X=%zu ", i);
        for (size_t i = 0; i < 4000; i++)
                mg_buf_printf(&sh, "%sV%zu=y", i % 100 ? " " : "; ", i * 50);
        mg_buf_printf(&sh, "; exec java $JAVA_OPTS -jar app.jar");
        char *args[] = {"sh", "-c", sh.data, NULL};
        mg_heap_t h;
        cr_assert_eq(mg_heap_detect(args, 3, env, nenv, &h), 0);
        cr_assert_eq(h.runtime, MG_RT_JVM);
        cr_assert(h.have_max_heap);
        cr_assert_eq(h.max_heap_bytes, 900ull << 20);
        mg_strv_free_n(env, nenv);
        mg_buf_free(&sh);
}

/* The index keeps runc's rules: the last entry of a name wins, a longer name or one without '='
 * is another entry, and a name that is a prefix of another finds only itself. */
Test(envindex, last_entry_wins_and_names_match_exactly) {
        size_t nenv = 1000;
        char **env = calloc(nenv + 1, sizeof(char *));
        for (size_t i = 0; i < nenv; i++)
                cr_assert(asprintf(&env[i], "FILL%zu=%zu", i, i) > 0);
        free(env[10]);
        env[10] = strdup("JAVA_TOOL_OPTIONS=-Xmx100m");
        free(env[500]);
        env[500] = strdup("JAVA_TOOL_OPTIONS=-Xmx200m");
        free(env[600]);
        env[600] = strdup("JAVA_TOOL_OPTIONSX=-Xmx300m");
        free(env[700]);
        env[700] = strdup("JAVA_TOOL_OPTIONS");
        free(env[800]);
        env[800] = strdup("JAVA_TOOL=-Xmx400m");
        char *args[] = {"java", "-jar", "app.jar", NULL};
        mg_heap_t h;
        cr_assert_eq(mg_heap_detect(args, 3, env, nenv, &h), 0);
        cr_assert(h.have_max_heap);
        cr_assert_eq(h.max_heap_bytes, 200ull << 20, "got %llu", (unsigned long long)h.max_heap_bytes);
        /* ... and through a shell: $JAVA_TOOL_OPTIONS expands to the last one too */
        char *sargs[] = {"sh", "-c", "exec java $JAVA_TOOL_OPTIONS -jar app.jar", NULL};
        free(env[10]);
        env[10] = strdup("JAVA_TOOL_OPTIONS=");
        cr_assert_eq(mg_heap_detect(sargs, 3, env, nenv, &h), 0);
        cr_assert_eq(h.max_heap_bytes, 200ull << 20);
        mg_strv_free_n(env, nenv);
}
