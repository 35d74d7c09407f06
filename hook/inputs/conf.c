/* SPDX-License-Identifier: Apache-2.0 */
/* memgate.conf: one `key = value` per line, `#` comments. Every key is listed in the table below
 * and in memgate(1); an unknown key or a malformed value is an error with its file and line, so a
 * typo never silently leaves a default in force. */
#include "memgate/inputs/conf.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>

#include "memgate/util/cleanup.h"
#include "memgate/util/number.h"
#include "memgate/util/read.h"
#include "memgate/util/step.h"
#include "memgate/util/text.h"

/* The off-heap defaults. The JVM figures are resident memory at peak (what the cgroup charges), not the
 * reserved sizes NMT prints. They are fitted to the calibration grid of tests/calibration
 * (JDK 17, G1, heap pre-touched with -Xms=-Xmx, limits 512 MiB to 2 GiB, 5,000-30,000 classes,
 * 20-300 threads, 0-128 MiB direct; tests/calibration/README.md has the table): with accurate
 * class/thread/direct hints the estimate covers every measured need (anonymous memory beyond the
 * heap plus the ~24 MiB of libjvm text and module image a JVM must keep resident) and flags every
 * run that was OOM-killed or thrashed, and no run that peaked below 90% of its limit.
 *
 *   parameter            default    why
 *   jvm_classes          15,000     a Spring Boot service loads 12-20 thousand classes
 *   jvm_threads          100        Tomcat's 200 max are rarely all live; pools, GC, JIT threads
 *   jvm_metaspace_base   8 MiB      metaspace/class space of the JDK's own start-up classes, CDS
 *   jvm_bytes_per_class  7.5 KiB    metaspace, class space, symbols and malloc per loaded class:
 *                                   measured 5.3 KB from 5k to 15k classes (many from the JDK's
 *                                   image) and 7.7 KB from 15k to 30k (defined by class loaders
 *                                   from bytes, like an application's); buildpacks use 5.8 KB
 *   jvm_code_cache       24 MiB     JIT code in use (the 240 MiB reserve is mostly untouched)
 *   jvm_thread_stack     128 KiB    per thread: the touched part of the 1 MiB -Xss stack plus the
 *                                   thread's native structures; measured ~90 KiB for a parked
 *                                   thread (20 -> 300 threads), real request threads go deeper
 *   jvm_gc_percent       5          G1 card table, BOT, mark bitmaps, remembered sets: measured
 *                                   4.5-5.5% of the heap (408m -> 1736m, pre-touched heap);
 *                                   NMT's 6-8% is committed, not all resident
 *   jvm_direct           32 MiB     NIO direct buffers in use (capped by -XX:MaxDirectMemorySize)
 *   jvm_other            24 MiB     libjvm text and data, CDS archive, arenas, compiler memory
 *                                   not proportional to classes or threads
 *   node_young           48 MiB     V8's young generation: 3 x 16 MiB semi-space, outside
 *                                   --max-old-space-size
 *   node_extra           128 MiB    the node binary's resident text (~40 MiB), code/map space,
 *                                   libuv, Buffers (off-heap); with the young space that is
 *                                   176 MiB, so 1 GiB fits --max-old-space-size=768 (Node's
 *                                   75% guidance) and flags 900
 *   go_headroom_percent  10         the GC guide's 5-10% headroom below GOMEMLIMIT (a soft limit)
 *   go_fixed             4 MiB      what GOMEMLIMIT does not count: binary text, cgo
 *   dotnet_extra         128 MiB    the CLR beyond the GC hard limit: JIT, loader heaps, stubs,
 *                                   mapped assemblies; the runtime's own 75% default leaves
 *                                   256 MiB of 1 GiB, so a hard limit of 960 MiB is flagged
 *
 * With these, the JVM estimate for 15,000 classes and 100 threads is 240 MiB at -Xmx600m and
 * 250 MiB at -Xmx800m; measured (JDK 17, heap pre-touched, 32 MiB direct, 1 GiB limit): 190 MiB
 * RSS beyond the heap, -Xmx864m OOM-killed. So in a 1 GiB limit -Xmx800m (224 MiB left) is
 * flagged and -Xmx600m (424 MiB left) is not. */
void mg_offheap_defaults(mg_offheap_params_t *p) {
        *p = (mg_offheap_params_t){
                .jvm_classes = 15000,
                .jvm_threads = 100,
                .jvm_metaspace_base = 8 * MG_MIB,
                .jvm_bytes_per_class = 7680, /* 7.5 KiB */
                .jvm_code_cache = 24 * MG_MIB,
                .jvm_thread_stack = 128 * MG_KIB,
                .jvm_gc_percent = 5,
                .jvm_direct = 32 * MG_MIB,
                .jvm_other = 24 * MG_MIB,
                .node_young = 48 * MG_MIB,
                .node_extra = 128 * MG_MIB,
                .go_headroom_percent = 10,
                .go_fixed = 4 * MG_MIB,
                .dotnet_extra = 128 * MG_MIB,
        };
}

/* Defaults. The runc and Go figures are measured in the kernel lab (tests/kernellab/README.md:
 * runc 1.1.5 / Go 1.19.8 on Debian's 6.1; the `runc run` parent charges about 118 MiB and `runc
 * init` about 79 MiB, both alive while the hook runs, and runc's Go heap grows past that). */
void mg_conf_defaults(mg_conf_t *c) {
        *c = (mg_conf_t){
                .policy = MG_POLICY_ENFORCE,
                .allow_opt_out = false,
                .fail_closed = false,
                .heuristic = MG_HEUR_AUTO,
                /* kernel lab (Debian 6.1, overcommit_memory=2): by its createRuntime hook runc run
                 * and runc init had committed 200-217 MiB (47 runs); starts failed at up to 260
                 * MiB of headroom and ran every run from 280 MiB (the kernel's per-CPU counter
                 * moves the threshold by 8-16 MiB); with the 43 MiB user reserve this asks 275 */
                .runtime_reserve_kb = MG_RUNTIME_RESERVE_DEFAULT_KB,
                /* kernel lab: a static Go 1.19 hello commits 45 MiB (the 32 MiB arena index, a
                 * 4 MiB heap chunk, stacks and runtime structures) */
                .go_start_kb = 45 * 1024,
                .jvm_start_extra_kb = 64 * 1024, /* metaspace, code cache, GC structures committed at start */
                /* runc 1.1.5's init in the container's cgroup, kernel lab (tests/kernellab), 10 runs
                 * per limit: 10 MiB and below failed every run, 12 MiB 3 in 10, 14 MiB 1 in 10,
                 * 16 MiB and up ran every run */
                .runtime_floor_kb = 16 * 1024,
                .watermark_warn_percent = 10,
                .write_report = true,
                .fsync = false, /* the rename is atomic without it; see README "Durability" */
                .syslog = true,
                .engine_auto = true,
                .engine = MG_CENGINE_UNKNOWN,
                /* auto: per engine, measured (checks/engine_model.h: 136 MiB per containerd shim) */
                .engine_commit_kb = MG_ENGINE_COMMIT_AUTO,
                .commit_min_starts = 2,
                .exec_check = MG_EXEC_CHECK_WARN,
                .deadline_ms = MG_DEADLINE_DEFAULT_MS,
        };
        mg_offheap_defaults(&c->offheap);
}

static const char *const policy_names[] = { [MG_POLICY_ENFORCE] = "enforce", [MG_POLICY_WARN] = "warn" };
static const char *const heuristic_names[] = {
        [MG_HEUR_AUTO] = "auto", [MG_HEUR_LEGACY] = "legacy", [MG_HEUR_MODERN] = "modern",
};

static const char *const exec_check_names[] = {
        [MG_EXEC_CHECK_WARN] = "warn", [MG_EXEC_CHECK_REFUSE] = "refuse", [MG_EXEC_CHECK_OFF] = "off",
};

const char *mg_exec_check_name(mg_exec_check_t e) {
        return mg_name_of(exec_check_names, ELEMENTSOF(exec_check_names), (unsigned)e, "warn");
}

int mg_exec_check_from_name(const char *s, mg_exec_check_t *ret) {
        int i = mg_name_index(exec_check_names, ELEMENTSOF(exec_check_names), s);
        if (i < 0)
                return -EINVAL;
        *ret = (mg_exec_check_t)i;
        return 0;
}

const char *mg_policy_name(mg_policy_t p) {
        return mg_name_of(policy_names, ELEMENTSOF(policy_names), (unsigned)p, "enforce");
}

int mg_policy_from_name(const char *s, mg_policy_t *ret) {
        int i = mg_name_index(policy_names, ELEMENTSOF(policy_names), s);
        if (i < 0)
                return -EINVAL;
        *ret = (mg_policy_t)i;
        return 0;
}

const char *mg_heuristic_name(mg_heuristic_t h) {
        return mg_name_of(heuristic_names, ELEMENTSOF(heuristic_names), (unsigned)h, "auto");
}

int mg_heuristic_from_name(const char *s, mg_heuristic_t *ret) {
        int i = mg_name_index(heuristic_names, ELEMENTSOF(heuristic_names), s);
        if (i < 0)
                return -EINVAL;
        *ret = (mg_heuristic_t)i;
        return 0;
}

typedef enum {
        K_BOOL, K_SIZE_KB, K_SIZE_B, K_COUNT, K_PERCENT, K_POLICY, K_HEURISTIC, K_ENGINE, K_SIZE_KB_AUTO, K_EXEC_CHECK,
        K_DURATION_MS,
} kind_t;

static const struct key {
        const char *name;
        kind_t kind;
        size_t offset;
} keys[] = {
#define F(field) offsetof(mg_conf_t, field)
        {"policy", K_POLICY, F(policy)},
        {"allow_opt_out", K_BOOL, F(allow_opt_out)},
        {"fail_closed", K_BOOL, F(fail_closed)},
        {"overcommit_heuristic", K_HEURISTIC, F(heuristic)},
        {"runtime_reserve", K_SIZE_KB, F(runtime_reserve_kb)},
        {"go_start_commit", K_SIZE_KB, F(go_start_kb)},
        {"jvm_start_commit", K_SIZE_KB, F(jvm_start_extra_kb)},
        {"runtime_floor", K_SIZE_KB, F(runtime_floor_kb)},
        {"watermark_warn_percent", K_PERCENT, F(watermark_warn_percent)},
        {"write_report", K_BOOL, F(write_report)},
        {"fsync", K_BOOL, F(fsync)},
        {"syslog", K_BOOL, F(syslog)},
        {"engine", K_ENGINE, F(engine)},
        {"engine_commit", K_SIZE_KB_AUTO, F(engine_commit_kb)},
        {"commit_min_starts", K_COUNT, F(commit_min_starts)},
        {"exec_check", K_EXEC_CHECK, F(exec_check)},
        {"deadline", K_DURATION_MS, F(deadline_ms)},
        {"jvm_classes", K_COUNT, F(offheap.jvm_classes)},
        {"jvm_threads", K_COUNT, F(offheap.jvm_threads)},
        {"jvm_metaspace_base", K_SIZE_B, F(offheap.jvm_metaspace_base)},
        {"jvm_bytes_per_class", K_SIZE_B, F(offheap.jvm_bytes_per_class)},
        {"jvm_code_cache", K_SIZE_B, F(offheap.jvm_code_cache)},
        {"jvm_thread_stack", K_SIZE_B, F(offheap.jvm_thread_stack)},
        {"jvm_gc_percent", K_PERCENT, F(offheap.jvm_gc_percent)},
        {"jvm_direct", K_SIZE_B, F(offheap.jvm_direct)},
        {"jvm_other", K_SIZE_B, F(offheap.jvm_other)},
        {"node_young", K_SIZE_B, F(offheap.node_young)},
        {"node_extra", K_SIZE_B, F(offheap.node_extra)},
        {"go_fixed", K_SIZE_B, F(offheap.go_fixed)},
        {"go_headroom_percent", K_PERCENT, F(offheap.go_headroom_percent)},
        {"dotnet_extra", K_SIZE_B, F(offheap.dotnet_extra)},
#undef F
};

static int parse_bool(const char *v, bool *ret) {
        if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "on") || !strcmp(v, "1"))
                *ret = true;
        else if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "off") || !strcmp(v, "0"))
                *ret = false;
        else
                return -EINVAL;
        return 0;
}

/* "2s", "500ms", or a bare number of seconds. */
int mg_parse_duration_ms(const char *v, uint64_t *ret) {
        size_t n = strlen(v);
        uint64_t u, scale = 1000;
        if (n > 2 && strcmp(v + n - 2, "ms") == 0) {
                n -= 2;
                scale = 1;
        } else if (n > 1 && v[n - 1] == 's')
                n--;
        for (size_t i = 0; i < n; i++)
                if (!isdigit((unsigned char)v[i]))
                        return -EINVAL; /* no sign, no space, no fraction */
        int r = mg_parse_u64_n(v, n, &u);
        if (r < 0)
                return r;
        if (mg_mul_u64(u, scale, &u) < 0)
                return -ERANGE;
        *ret = u;
        return 0;
}

static int set_value(mg_conf_t *c, const struct key *k, const char *v, const char **ret_expect) {
        char *p = (char *)c + k->offset;
        uint64_t u;
        int r;

        switch (k->kind) {
        case K_BOOL:
                *ret_expect = "yes or no";
                return parse_bool(v, (bool *)p);
        case K_SIZE_KB:
        case K_SIZE_B:
                *ret_expect = "a size such as 512M or 2G";
                r = mg_parse_size(v, &u);
                if (r < 0)
                        return r;
                *(uint64_t *)p = k->kind == K_SIZE_KB ? u / 1024 : u;
                return 0;
        case K_COUNT:
                *ret_expect = "a whole number";
                r = mg_parse_u64(v, &u);
                if (r < 0)
                        return r;
                if (u > 100000000)
                        return -ERANGE;
                *(uint64_t *)p = u;
                return 0;
        case K_PERCENT:
                *ret_expect = "a whole number from 0 to 100";
                r = mg_parse_u64(v, &u);
                if (r < 0)
                        return r;
                if (u > 100)
                        return -ERANGE;
                *(uint64_t *)p = u;
                return 0;
        case K_POLICY:
                *ret_expect = "enforce or warn";
                return mg_policy_from_name(v, (mg_policy_t *)p);
        case K_HEURISTIC:
                *ret_expect = "auto, legacy (before 5.2) or modern (5.2 and later)";
                return mg_heuristic_from_name(v, (mg_heuristic_t *)p);
        case K_ENGINE:
                *ret_expect = "auto, docker, cri, containerd, podman, cri-o or unknown";
                if (strcmp(v, "auto") == 0) {
                        c->engine_auto = true;
                        c->engine = MG_CENGINE_UNKNOWN;
                        return 0;
                }
                r = mg_cengine_parse(v, (mg_cengine_t *)p);
                if (r == 0)
                        c->engine_auto = false;
                return r;
        case K_SIZE_KB_AUTO:
                *ret_expect = "auto or a size such as 136M";
                if (strcmp(v, "auto") == 0) {
                        *(uint64_t *)p = MG_ENGINE_COMMIT_AUTO;
                        return 0;
                }
                r = mg_parse_size(v, &u);
                if (r < 0)
                        return r;
                *(uint64_t *)p = u / 1024;
                return 0;
        case K_EXEC_CHECK:
                *ret_expect = "warn, refuse or off";
                return mg_exec_check_from_name(v, (mg_exec_check_t *)p);
        case K_DURATION_MS:
                *ret_expect = "a duration from 10ms to 300s, such as 2s or 500ms";
                r = mg_parse_duration_ms(v, &u);
                if (r < 0)
                        return r;
                if (u < MG_DEADLINE_MIN_MS || u > MG_DEADLINE_MAX_MS)
                        return -ERANGE;
                *(uint64_t *)p = u;
                return 0;
        }
        return -EINVAL;
}

static char *trim(char *s) {
        while (isspace((unsigned char)*s))
                s++;
        size_t n = strlen(s);
        while (n > 0 && isspace((unsigned char)s[n - 1]))
                s[--n] = '\0';
        return s;
}

int mg_conf_parse(const char *text, const char *name, mg_conf_t *c, mg_error_t *err) {
        _cleanup_free_ char *copy = strdup(text);
        if (!copy)
                return mg_error_set(err, -ENOMEM, "%s: out of memory", name);
        mg_conf_t tmp = *c; /* untouched on failure */
        unsigned line = 0;
        char *save = NULL;

        /* strtok_r would skip empty lines and miscount; walk lines by hand. */
        for (char *l = copy; l; l = save) {
                line++;
                save = strchr(l, '\n');
                if (save)
                        *save++ = '\0';
                char *hash = strchr(l, '#');
                if (hash)
                        *hash = '\0';
                char *s = trim(l);
                if (*s == '\0')
                        continue;
                char *eq = strchr(s, '=');
                if (!eq)
                        return mg_error_set(err, -EINVAL, "%s:%u: expected \"key = value\", got \"%.80s\"", name,
                                            line, s);
                *eq = '\0';
                char *key = trim(s), *value = trim(eq + 1);
                if (*key == '\0' || *value == '\0')
                        return mg_error_set(err, -EINVAL, "%s:%u: expected \"key = value\", got an empty %s", name,
                                            line, *key ? "value" : "key");
                const struct key *k = NULL;
                for (size_t i = 0; i < ELEMENTSOF(keys); i++)
                        if (!strcmp(keys[i].name, key))
                                k = &keys[i];
                if (!k)
                        return mg_error_set(err, -EINVAL, "%s:%u: unknown key \"%.64s\"", name, line, key);
                const char *expect = "";
                int r = set_value(&tmp, k, value, &expect);
                if (r < 0)
                        return mg_error_set(err, -EINVAL, "%s:%u: %s = \"%.64s\": expected %s%s", name, line, key,
                                            value, expect, r == -ERANGE ? " (out of range)" : "");
        }
        *c = tmp;
        return 0;
}

int mg_conf_load(const char *path, bool must_exist, mg_conf_t *c, mg_error_t *err) {
        _cleanup_free_ char *buf = NULL;
        mg_step("reading memgate.conf %s", path);
        int r = mg_read_file_at(AT_FDCWD, path, MG_CAP_CONF, false, &buf, NULL, err);
        if (r == -ENOENT && !must_exist)
                return 0;
        if (r < 0)
                return r;
        return mg_conf_parse(buf, path, c, err);
}
