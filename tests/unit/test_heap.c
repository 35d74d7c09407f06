/* SPDX-License-Identifier: Apache-2.0 */
/* Heap detection (hook/workload/heap.c), sh -c splitting (hook/workload/shell.c) and the off-heap estimate
 * (hook/models/offheap.c). */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "memgate/models/offheap.h"
#include "memgate/oci/annotate.h"
#include "memgate/oci/container.h"
#include "memgate/oci/parse.h"
#include "memgate/oci/report_json.h"
#include "memgate/workload/heap.h"
#include "memgate/workload/heap_units.h"
#include "memgate/workload/shell.h"
#include "testutil.h"

#define V(...) ((char *[]){__VA_ARGS__}), ELEMENTSOF(((char *[]){__VA_ARGS__}))
#define NONE NULL, 0

static mg_heap_t det(char **args, size_t nargs, char **env, size_t nenv) {
        mg_heap_t h;
        memset(&h, 0x5a, sizeof(h)); /* detect must initialise everything */
        mg_heap_detect(args, nargs, env, nenv, &h);
        return h;
}

/* ---- parsers -------------------------------------------------------------------------------- */

Test(heap, jvm_size_every_unit) {
        static const struct { const char *s; uint64_t v; } ok[] = {
                {"0", 0}, {"1", 1}, {"4096", 4096}, {"1k", 1024}, {"1K", 1024}, {"512m", 512 * MG_MIB},
                {"512M", 512 * MG_MIB}, {"2g", 2 * MG_GIB}, {"2G", 2 * MG_GIB}, {"1t", 1024 * MG_GIB},
                {"1T", 1024 * MG_GIB}, {"18446744073709551615", UINT64_MAX}, {"16777215t", (uint64_t)16777215 * 1024 * MG_GIB},
        };
        for (size_t i = 0; i < ELEMENTSOF(ok); i++) {
                uint64_t v = 7;
                cr_assert_eq(mg_parse_jvm_size(ok[i].s, &v), 0, "%s", ok[i].s);
                cr_assert_eq(v, ok[i].v, "%s gave %llu", ok[i].s, (unsigned long long)v);
        }
}

Test(heap, jvm_size_junk_and_overflow) {
        static const char *const junk[] = {"", "12q", "-1", "+1", "1.5g", "1gb", "k", " 1g", "1g ", "0x10", "1 g"};
        uint64_t v = 7;
        for (size_t i = 0; i < ELEMENTSOF(junk); i++)
                cr_assert_eq(mg_parse_jvm_size(junk[i], &v), -EINVAL, "\"%s\" must be refused", junk[i]);
        cr_assert_eq(mg_parse_jvm_size(NULL, &v), -EINVAL);
        cr_assert_eq(mg_parse_jvm_size("99999999999999999999g", &v), -ERANGE);
        cr_assert_eq(mg_parse_jvm_size("18446744073709551616", &v), -ERANGE);
        cr_assert_eq(mg_parse_jvm_size("16777216t", &v), -ERANGE, "2^24 TiB is 2^64");
        cr_assert_eq(v, 7, "untouched on failure");
}

Test(heap, go_size_units_and_off) {
        static const struct { const char *s; uint64_t v; } ok[] = {
                {"0", 0}, {"123", 123}, {"123B", 123}, {"1KiB", 1024}, {"900MiB", 900 * MG_MIB},
                {"2GiB", 2 * MG_GIB}, {"1TiB", 1024 * MG_GIB}, {"9223372036854775807", INT64_MAX},
                {"off", UINT64_MAX},
        };
        for (size_t i = 0; i < ELEMENTSOF(ok); i++) {
                uint64_t v = 7;
                cr_assert_eq(mg_parse_go_size(ok[i].s, &v), 0, "%s", ok[i].s);
                cr_assert_eq(v, ok[i].v, "%s", ok[i].s);
        }
        static const char *const bad[] = {"", "1GB", "1gib", "1G", "-1", "1.5GiB", "OFF", "KiB", "1 MiB", "1iB"};
        uint64_t v = 7;
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                cr_assert_eq(mg_parse_go_size(bad[i], &v), -EINVAL, "\"%s\" must be refused", bad[i]);
        cr_assert_eq(mg_parse_go_size("9223372036854775808", &v), -ERANGE, "Go refuses > MaxInt64");
        cr_assert_eq(mg_parse_go_size("8388608TiB", &v), -ERANGE);
        cr_assert_eq(v, 7);
}

Test(heap, dotnet_hex) {
        uint64_t v = 0;
        cr_assert_eq(mg_parse_dotnet_hex("0x32000000", &v), 0);
        cr_assert_eq(v, 800 * MG_MIB);
        cr_assert_eq(mg_parse_dotnet_hex("32000000", &v), 0, "hex without 0x");
        cr_assert_eq(v, 800 * MG_MIB);
        cr_assert_eq(mg_parse_dotnet_hex("0XfF", &v), 0);
        cr_assert_eq(v, 255);
        cr_assert_eq(mg_parse_dotnet_hex("0x", &v), -EINVAL);
        cr_assert_eq(mg_parse_dotnet_hex("12g", &v), -EINVAL);
        cr_assert_eq(mg_parse_dotnet_hex("-1", &v), -EINVAL);
        cr_assert_eq(mg_parse_dotnet_hex("10000000000000000", &v), -ERANGE);
}

/* ---- JVM ------------------------------------------------------------------------------------ */

Test(heap, xmx_in_args_every_unit) {
        static const struct { const char *opt; uint64_t v; } c[] = {
                {"-Xmx1073741824", MG_GIB}, {"-Xmx1048576k", MG_GIB}, {"-Xmx1048576K", MG_GIB},
                {"-Xmx1024m", MG_GIB}, {"-Xmx1024M", MG_GIB}, {"-Xmx1g", MG_GIB}, {"-Xmx1G", MG_GIB},
                {"-Xmx1t", 1024 * MG_GIB}, {"-Xmx1T", 1024 * MG_GIB}, {"-XX:MaxHeapSize=3g", 3 * MG_GIB},
        };
        for (size_t i = 0; i < ELEMENTSOF(c); i++) {
                mg_heap_t h = det(V("java", (char *)c[i].opt, "-jar", "app.jar"), NONE);
                cr_assert_eq(h.runtime, MG_RT_JVM);
                cr_assert(h.have_max_heap, "%s", c[i].opt);
                cr_assert_eq(h.max_heap_bytes, c[i].v, "%s", c[i].opt);
                cr_assert_str_eq(h.option, c[i].opt);
                cr_assert_str_eq(h.source, "process.args");
                cr_assert_eq(mg_heap_effective(&h, 512 * MG_MIB), c[i].v, "a fixed heap ignores the limit");
        }
}

Test(heap, xmx_overflow_and_junk_are_ignored_with_a_note) {
        mg_heap_t h = det(V("java", "-Xmx99999999999999999999g", "-jar", "app.jar"), NONE);
        cr_assert_eq(h.runtime, MG_RT_JVM);
        cr_assert_not(h.have_max_heap);
        cr_assert(strstr(h.note, "-Xmx99999999999999999999g") && strstr(h.note, "out of range"), "%s", h.note);

        h = det(V("java", "-Xmx512m", "-Xmx12q", "Main"), NONE);
        cr_assert(h.have_max_heap);
        cr_assert_eq(h.max_heap_bytes, 512 * MG_MIB, "junk does not replace a valid value");
        cr_assert(strstr(h.note, "-Xmx12q in process.args"), "%s", h.note);

        h = det(V("java", "-Xmx", "-Xmx0", "-XX:MaxRAMPercentage=101", "-XX:MaxRAMPercentage=abc", "Main"), NONE);
        cr_assert_eq(h.runtime, MG_RT_JVM);
        cr_assert_not(h.have_max_heap);
        cr_assert_not(h.have_percent);
}

Test(heap, last_wins_within_a_source_and_maxheapsize_order) {
        mg_heap_t h = det(V("java", "-Xmx1g", "-Xmx800m", "-jar", "app.jar"), NONE);
        cr_assert_eq(h.max_heap_bytes, 800 * MG_MIB);
        cr_assert_str_eq(h.option, "-Xmx800m");

        h = det(V("java", "-XX:MaxHeapSize=1g", "-Xmx512m", "Main"), NONE);
        cr_assert_eq(h.max_heap_bytes, 512 * MG_MIB);
        h = det(V("java", "-Xmx512m", "-XX:MaxHeapSize=1g", "Main"), NONE);
        cr_assert_eq(h.max_heap_bytes, MG_GIB);
        cr_assert_str_eq(h.option, "-XX:MaxHeapSize=1g");

        h = det(NONE, V("JAVA_TOOL_OPTIONS=-Xmx300m   -Xmx400m"));
        cr_assert_eq(h.max_heap_bytes, 400 * MG_MIB);
}

Test(heap, four_source_precedence) {
        /* lowest first: JAVA_TOOL_OPTIONS < JDK_JAVA_OPTIONS < command line < _JAVA_OPTIONS */
        mg_heap_t h = det(V("java", "-Xmx512m", "Main"), V("JAVA_TOOL_OPTIONS=-Xmx1g"));
        cr_assert_eq(h.max_heap_bytes, 512 * MG_MIB);
        cr_assert_str_eq(h.source, "process.args");

        h = det(V("java", "Main"), V("JDK_JAVA_OPTIONS=-Xmx200m", "JAVA_TOOL_OPTIONS=-Xmx100m"));
        cr_assert_eq(h.max_heap_bytes, 200 * MG_MIB, "env order does not matter");
        cr_assert_str_eq(h.source, "env JDK_JAVA_OPTIONS");

        h = det(V("java", "-Xmx300m", "Main"), V("JDK_JAVA_OPTIONS=-Xmx200m", "JAVA_TOOL_OPTIONS=-Xmx100m"));
        cr_assert_eq(h.max_heap_bytes, 300 * MG_MIB);

        h = det(V("java", "-Xmx300m", "Main"),
                V("_JAVA_OPTIONS=-Xmx400m", "JDK_JAVA_OPTIONS=-Xmx200m", "JAVA_TOOL_OPTIONS=-Xmx100m"));
        cr_assert_eq(h.max_heap_bytes, 400 * MG_MIB);
        cr_assert_str_eq(h.source, "env _JAVA_OPTIONS");
        cr_assert_str_eq(h.option, "-Xmx400m");

        h = det(NONE, V("_JAVA_OPTIONS=-Xmx400m", "JAVA_TOOL_OPTIONS=-Xmx100m"));
        cr_assert_eq(h.max_heap_bytes, 400 * MG_MIB);

        /* precedence is per setting: a lower source still supplies what a higher one lacks */
        h = det(V("java", "-Xmx512m", "Main"), V("JAVA_TOOL_OPTIONS=-XX:MaxDirectMemorySize=64m -Xss512k"));
        cr_assert_eq(h.max_heap_bytes, 512 * MG_MIB);
        cr_assert(h.have_max_direct);
        cr_assert_eq(h.max_direct_bytes, 64 * MG_MIB);
        cr_assert_eq(h.thread_stack_bytes, 512 * MG_KIB);
}

Test(heap, java_options_quoting) {
        mg_heap_t h = det(NONE, V("JAVA_TOOL_OPTIONS=-Dmsg='hello -Xmx9g' \"-Xmx700m\" -XX:OnError=\"kill -9 %p\""));
        cr_assert_eq(h.max_heap_bytes, 700 * MG_MIB, "a quoted -Xmx9g inside a property is not an option");
}

Test(heap, percent_maxram_and_defaults) {
        const uint64_t lim = MG_GIB;
        mg_heap_t h = det(V("java", "-XX:MaxRAMPercentage=75.0", "-jar", "a.jar"), NONE);
        cr_assert(h.have_percent);
        cr_assert_float_eq(h.percent, 75.0, 1e-9);
        cr_assert_str_eq(h.option, "-XX:MaxRAMPercentage=75.0");
        cr_assert_eq(mg_heap_effective(&h, lim), 768 * MG_MIB);
        cr_assert_eq(mg_heap_effective(&h, 0), 0, "no limit, no MaxRAM: unknown");

        h = det(V("java", "-XX:MaxRAMPercentage=50", "-XX:MaxRAM=512m", "Main"), NONE);
        cr_assert_eq(mg_heap_effective(&h, lim), 256 * MG_MIB, "MaxRAM below the limit");
        cr_assert_eq(mg_heap_effective(&h, 0), 256 * MG_MIB, "MaxRAM alone is enough");
        h = det(V("java", "-XX:MaxRAM=2g", "Main"), NONE);
        cr_assert_eq(mg_heap_effective(&h, lim), 512 * MG_MIB, "an explicit MaxRAM replaces the limit (JDK)");

        /* a JVM with no heap setting: 25% of the limit; MinRAMPercentage 50 for small memory */
        h = det(V("java", "-jar", "app.jar"), NONE);
        cr_assert_eq(h.runtime, MG_RT_JVM);
        cr_assert_not(h.have_max_heap);
        cr_assert_not(h.have_percent);
        cr_assert_str_eq(h.source, "java in process.args");
        cr_assert_eq(mg_heap_effective(&h, lim), 256 * MG_MIB);
        cr_assert_eq(mg_heap_effective(&h, 200 * MG_MIB), 100 * MG_MIB);
        cr_assert_eq(mg_heap_effective(&h, 300 * MG_MIB), 130862280, "at least the default MaxHeapSize");
        cr_assert_eq(mg_heap_effective(&h, 0), 0);

        h = det(V("java", "-XX:MaxRAMFraction=2", "Main"), NONE);
        cr_assert_eq(mg_heap_effective(&h, lim), 512 * MG_MIB);
        h = det(V("java", "-XX:MaxRAMPercentage=10", "-XX:MaxRAMFraction=2", "Main"), NONE);
        cr_assert_eq(mg_heap_effective(&h, 4 * lim), 4 * lim / 10, "MaxRAMFraction loses to MaxRAMPercentage");

        h = det(V("java", "-Xms700m", "Main"), NONE);
        cr_assert_eq(mg_heap_effective(&h, lim), 700 * MG_MIB, "-Xms above 25% raises the max heap");
        cr_assert_eq(h.initial_heap_bytes, 700 * MG_MIB);
}

Test(heap, jvm_extras_and_thread_stack_units) {
        mg_heap_t h = det(V("java", "-XX:ThreadStackSize=512", "-XX:ReservedCodeCacheSize=64m",
                            "-XX:MaxMetaspaceSize=128m", "-XX:MaxDirectMemorySize=1g", "-XX:InitialHeapSize=256m", "Main"),
                          NONE);
        cr_assert_eq(h.thread_stack_bytes, 512 * MG_KIB, "ThreadStackSize counts KiB");
        cr_assert_eq(h.code_cache_bytes, 64 * MG_MIB);
        cr_assert_eq(h.max_metaspace_bytes, 128 * MG_MIB);
        cr_assert_eq(h.max_direct_bytes, MG_GIB);
        cr_assert_eq(h.initial_heap_bytes, 256 * MG_MIB);
        h = det(V("java", "-Xss2m", "Main"), NONE);
        cr_assert_eq(h.thread_stack_bytes, 2 * MG_MIB, "-Xss counts bytes");
        h = det(V("java", "-XX:ThreadStackSize=1m", "Main"), NONE);
        cr_assert_eq(h.thread_stack_bytes, MG_GIB, "1m KiB, as the JVM reads it");
}

Test(heap, app_arguments_after_main_are_not_jvm_options) {
        mg_heap_t h = det(V("java", "-cp", "-Xmx9g", "-jar", "app.jar", "-Xmx2g"), NONE);
        cr_assert_eq(h.runtime, MG_RT_JVM);
        cr_assert_not(h.have_max_heap, "-cp's value and the jar's arguments are not options");
        h = det(V("/usr/lib/jvm/java-17/bin/java", "com.example.Main", "-Xmx2g"), NONE);
        cr_assert_not(h.have_max_heap);
        /* no launcher in sight (a start script): an option anywhere counts */
        h = det(V("/opt/app/bin/start", "--verbose", "-Xmx640m"), NONE);
        cr_assert_eq(h.runtime, MG_RT_JVM);
        cr_assert_eq(h.max_heap_bytes, 640 * MG_MIB);
        h = det(V("tini", "--", "java", "-Xmx128m", "-jar", "app.jar"), NONE);
        cr_assert_eq(h.max_heap_bytes, 128 * MG_MIB);
}

Test(heap, sh_c_with_quotes_escapes_and_exec) {
        mg_heap_t h = det(V("/bin/sh", "-c", "cd /app && exec java \"-Xmx7\"00m -Dx='a b' -Dy=\\\" -jar app.jar"), NONE);
        cr_assert_eq(h.runtime, MG_RT_JVM);
        cr_assert_eq(h.max_heap_bytes, 700 * MG_MIB);
        cr_assert_str_eq(h.option, "-Xmx700m");
        cr_assert_str_eq(h.source, "sh -c in process.args");

        h = det(V("bash", "-o", "pipefail", "-ec", "echo start; java -Xmx\\\n256m -jar app.jar | tee log"), NONE);
        cr_assert_eq(h.max_heap_bytes, 256 * MG_MIB, "line continuation, -o takes a value, -ec has c");

        h = det(V("sh", "-c", "# java -Xmx9g\nexec java -Xmx1g -jar app.jar 2>&1"), NONE);
        cr_assert_eq(h.max_heap_bytes, MG_GIB, "a comment is not a command");

        h = det(V("sh", "-c", "echo 'java -Xmx9g -jar x'"), NONE);
        cr_assert_neq(h.runtime, MG_RT_JVM, "a quoted string is one word, not a command");
}

Test(heap, sh_c_nested_and_bounded) {
        mg_heap_t h = det(V("bash", "-lc", "sh -c 'exec java -Xmx300m -jar a.jar'"), NONE);
        cr_assert_eq(h.max_heap_bytes, 300 * MG_MIB);
        /* each level hides the next in a variable: 3 levels are read, the 4th is not */
        h = det(V("sh", "-c", "$A"), V("A=sh -c $B", "B=sh -c $C", "C=java -Xmx100m Main"));
        cr_assert_eq(h.max_heap_bytes, 100 * MG_MIB);
        h = det(V("sh", "-c", "$A"), V("A=sh -c $B", "B=sh -c $C", "C=sh -c $D", "D=java -Xmx100m Main"));
        cr_assert_not(h.have_max_heap, "nesting beyond 3 levels is not followed");
}

Test(heap, inline_env_assignments) {
        mg_heap_t h = det(V("sh", "-c", "JAVA_TOOL_OPTIONS=-Xmx1g java -jar app.jar"), NONE);
        cr_assert_eq(h.max_heap_bytes, MG_GIB);
        cr_assert_str_eq(h.source, "JAVA_TOOL_OPTIONS= in sh -c in process.args");

        h = det(V("env", "JAVA_TOOL_OPTIONS=-Xmx2g", "java", "-jar", "app.jar"), V("JAVA_TOOL_OPTIONS=-Xmx3g"));
        cr_assert_eq(h.max_heap_bytes, 2 * MG_GIB, "env's assignment replaces the container's variable");

        h = det(V("sh", "-c", "export _JAVA_OPTIONS='-Xmx640m'; exec java -Xmx2g -jar app.jar"), NONE);
        cr_assert_eq(h.max_heap_bytes, 640 * MG_MIB, "exported _JAVA_OPTIONS beats the command line");

        /* JAVA_OPTS is a convention of scripts, not read by the JVM... */
        h = det(V("sh", "-c", "JAVA_OPTS=-Xmx1g java -jar app.jar"), NONE);
        cr_assert_eq(h.runtime, MG_RT_JVM);
        cr_assert_not(h.have_max_heap);
        /* ...but the shell expands it onto the command line */
        h = det(V("sh", "-c", "exec java $JAVA_OPTS -jar app.jar"), V("JAVA_OPTS=-Xms64m -Xmx640m"));
        cr_assert_eq(h.max_heap_bytes, 640 * MG_MIB);
        h = det(V("sh", "-c", "HEAP=512m; exec java -Xmx${HEAP} ${EXTRA:--Xss256k} -jar app.jar"), NONE);
        cr_assert_eq(h.max_heap_bytes, 512 * MG_MIB);
        cr_assert_eq(h.thread_stack_bytes, 256 * MG_KIB);
        h = det(V("sh", "-c", "exec java '$JAVA_OPTS' -jar app.jar"), V("JAVA_OPTS=-Xmx640m"));
        cr_assert_not(h.have_max_heap, "single quotes do not expand");
}

Test(heap, env_alone_counts_busybox) {
        /* podman run -m 1g -e JAVA_TOOL_OPTIONS=-Xmx900m busybox */
        mg_heap_t h = det(V("sh"), V("PATH=/bin", "JAVA_TOOL_OPTIONS=-Xmx900m"));
        cr_assert_eq(h.runtime, MG_RT_JVM);
        cr_assert(h.jvm_detected);
        cr_assert_eq(mg_heap_effective(&h, MG_GIB), 900 * MG_MIB);
        cr_assert_str_eq(h.source, "env JAVA_TOOL_OPTIONS");
        cr_assert_str_eq(h.option, "-Xmx900m");
}

Test(heap, podman_peer_config) {
        size_t len;
        char *buf = tu_slurp(tu_peer("generated/podman-4.3.1-memory-1g-java-env-config.json"), &len);
        mg_container_t c = {0};
        mg_error_t err = {0};
        cr_assert_eq(mg_oci_parse_config(buf, len, "config.json", &c, &err), 0, "%s", err.msg);
        mg_heap_t h = det(c.args, c.nargs, c.env, c.nenv);
        cr_assert_str_eq(c.args[0], "/bin/echo");
        cr_assert_eq(h.runtime, MG_RT_JVM);
        cr_assert_eq(h.max_heap_bytes, 800 * MG_MIB);
        cr_assert_str_eq(h.option, "-Xmx800m");
        cr_assert_str_eq(h.source, "env JAVA_TOOL_OPTIONS");
        cr_assert_eq(c.limit_bytes, MG_GIB);
        cr_assert_eq(mg_heap_effective(&h, c.limit_bytes), 800 * MG_MIB);
        mg_container_free(&c);
        free(buf);
}

Test(heap, empty_and_null_inputs) {
        mg_heap_t h = det(NULL, 0, NULL, 0);
        cr_assert_eq(h.runtime, MG_RT_NONE);
        cr_assert_not(h.have_max_heap);
        cr_assert_str_eq(h.source, "");
        cr_assert_eq(mg_heap_effective(&h, MG_GIB), 0);
        cr_assert_eq(mg_heap_effective(NULL, MG_GIB), 0);
        h = det(NULL, 5, NULL, 7);
        cr_assert_eq(h.runtime, MG_RT_NONE);
        h = det(V("", "", "="), V("", "=", "JAVA_TOOL_OPTIONS", "JAVA_TOOL_OPTIONS=   "));
        cr_assert_eq(h.runtime, MG_RT_NONE, "a blank JAVA_TOOL_OPTIONS is not a JVM");
        h = det(V("sh", "-c"), NONE);
        cr_assert_eq(h.runtime, MG_RT_NONE);
        h = det(V("sh", "-c", "java -Xmx1g 'unterminated"), NONE);
        cr_assert_eq(h.max_heap_bytes, MG_GIB, "an unterminated quote still yields what came before");
        char *withnull[] = {"java", "-Xmx1g", NULL, "-Xmx2g"};
        h = det(withnull, 4, NULL, 0);
        cr_assert_eq(h.max_heap_bytes, MG_GIB, "a NULL element ends the arguments");
}

Test(heap, hostile_input_is_bounded) {
        /* 10,000 expansions of a 100 kB variable would be 1 GB: the budget stops it */
        size_t n = 100000;
        char *big = malloc(n + 3);
        memcpy(big, "A=", 2);
        memset(big + 2, 'x', n);
        big[n + 2] = '\0';
        char *cmd = malloc(30000 + 64);
        strcpy(cmd, "java -Xmx1g Main ");
        for (int i = 0; i < 10000; i++)
                strcat(cmd, "$A ");
        char *env[] = {big};
        mg_heap_t h = det(V("sh", "-c", cmd), env, 1);
        cr_assert_eq(h.max_heap_bytes, MG_GIB);
        /* deep quoting and many words */
        char *deep = malloc(200001);
        for (int i = 0; i < 200000; i++)
                deep[i] = "\"'\\ ;&|()$`{}"[i % 13];
        deep[200000] = '\0';
        h = det(V("sh", "-c", deep), V("X=1"));
        cr_assert_eq(h.runtime, MG_RT_NONE);
        free(big);
        free(cmd);
        free(deep);
}

/* ---- Node, Go, .NET, precedence ------------------------------------------------------------- */

Test(heap, node_args_beat_node_options) {
        mg_heap_t h = det(V("node", "--max-old-space-size=512", "server.js"), V("NODE_OPTIONS=--max-old-space-size=1024"));
        cr_assert_eq(h.runtime, MG_RT_NODE);
        cr_assert_eq(h.max_heap_bytes, 512 * MG_MIB);
        cr_assert_str_eq(h.source, "process.args");
        h = det(V("node", "server.js"), V("NODE_OPTIONS=--require ./x.js --max-old-space-size=1024"));
        cr_assert_eq(h.max_heap_bytes, 1024 * MG_MIB);
        cr_assert_str_eq(h.source, "env NODE_OPTIONS");
        cr_assert_str_eq(h.option, "--max-old-space-size=1024");
        h = det(V("/usr/local/bin/node", "--max-old-space-size", "768", "server.js"), NONE);
        cr_assert_eq(h.max_heap_bytes, 768 * MG_MIB);
        cr_assert_str_eq(h.option, "--max-old-space-size 768");
        h = det(V("node", "--max_old_space_size=300", "--max-old-space-size=200", "s.js"), NONE);
        cr_assert_eq(h.max_heap_bytes, 200 * MG_MIB, "last wins; underscores are accepted");
        h = det(V("node", "server.js", "--max-old-space-size=100"), NONE);
        cr_assert_eq(h.runtime, MG_RT_NODE);
        cr_assert_not(h.have_max_heap, "after the script it is the script's argument");
        h = det(V("sh", "-c", "NODE_OPTIONS=--max-old-space-size=384 exec node app.js"), NONE);
        cr_assert_eq(h.max_heap_bytes, 384 * MG_MIB);
        cr_assert_eq(mg_heap_effective(&h, MG_GIB), 384 * MG_MIB);
}

Test(heap, go_gomemlimit) {
        mg_heap_t h = det(V("/app/server"), V("GOMEMLIMIT=900MiB"));
        cr_assert_eq(h.runtime, MG_RT_GO);
        cr_assert_eq(h.max_heap_bytes, 900 * MG_MIB);
        cr_assert_str_eq(h.option, "GOMEMLIMIT=900MiB");
        cr_assert_str_eq(h.source, "env GOMEMLIMIT");
        h = det(V("/app/server"), V("GOMEMLIMIT=off"));
        cr_assert_eq(h.runtime, MG_RT_GO);
        cr_assert_not(h.have_max_heap);
        cr_assert_eq(mg_heap_effective(&h, MG_GIB), 0);
        h = det(V("/app/server"), V("GOGC=50"));
        cr_assert_eq(h.runtime, MG_RT_GO);
        cr_assert_not(h.have_max_heap);
        h = det(V("/app/server"), V("GOMEMLIMIT=1GB"));
        cr_assert_eq(h.runtime, MG_RT_GO);
        cr_assert_not(h.have_max_heap);
        cr_assert(strstr(h.note, "GOMEMLIMIT=1GB"), "%s", h.note);
        h = det(V("sh", "-c", "GOMEMLIMIT=2GiB exec /app/server"), V("GOMEMLIMIT=1GiB"));
        cr_assert_eq(h.max_heap_bytes, 2 * MG_GIB);
}

Test(heap, dotnet_limits_hex_and_complus) {
        mg_heap_t h = det(V("dotnet", "app.dll"), V("DOTNET_GCHeapHardLimit=0x32000000"));
        cr_assert_eq(h.runtime, MG_RT_DOTNET);
        cr_assert_eq(h.max_heap_bytes, 800 * MG_MIB);
        cr_assert_str_eq(h.option, "DOTNET_GCHeapHardLimit=0x32000000");
        h = det(V("/app/api"), V("DOTNET_GCHeapHardLimit=32000000"));
        cr_assert_eq(h.runtime, MG_RT_DOTNET, "any DOTNET_ variable shows .NET");
        cr_assert_eq(h.max_heap_bytes, 800 * MG_MIB, "hex without 0x");
        h = det(V("dotnet", "app.dll"), V("COMPlus_GCHeapHardLimit=0x20000000"));
        cr_assert_eq(h.max_heap_bytes, 512 * MG_MIB);
        cr_assert_str_eq(h.source, "env COMPlus_GCHeapHardLimit");
        h = det(V("dotnet", "app.dll"), V("COMPlus_GCHeapHardLimit=0x20000000", "DOTNET_GCHeapHardLimit=0x10000000"));
        cr_assert_eq(h.max_heap_bytes, 256 * MG_MIB, "DOTNET_ wins over COMPlus_");

        h = det(V("dotnet", "app.dll"), V("DOTNET_GCHeapHardLimitPercent=0x32"));
        cr_assert(h.have_percent);
        cr_assert_eq(mg_heap_effective(&h, MG_GIB), 512 * MG_MIB, "0x32 = 50%%");
        h = det(V("dotnet", "app.dll"), V("DOTNET_GCHeapHardLimitPercent=50"));
        cr_assert_float_eq(h.percent, 80.0, 1e-9, "env values are hex: 50 is 80%%");
        h = det(V("dotnet", "app.dll"), V("DOTNET_GCHeapHardLimitPercent=0x32", "DOTNET_GCHeapHardLimit=0x10000000"));
        cr_assert_eq(mg_heap_effective(&h, MG_GIB), 256 * MG_MIB, "the hard limit beats the percent");

        h = det(V("dotnet", "app.dll"), NONE);
        cr_assert_eq(h.runtime, MG_RT_DOTNET);
        cr_assert_eq(mg_heap_effective(&h, MG_GIB), 768 * MG_MIB, "container default 75%%");
        cr_assert_eq(mg_heap_effective(&h, 16 * MG_MIB), 20 * MG_MIB, "at least 20 MiB");
        cr_assert_eq(mg_heap_effective(&h, 0), 0);
        h = det(V("dotnet", "app.dll"), V("DOTNET_GCHeapHardLimit=0xZZ"));
        cr_assert_not(h.have_max_heap);
        cr_assert(strstr(h.note, "hexadecimal"), "%s", h.note);
}

Test(heap, runtime_precedence) {
        char *all[] = {"GOMEMLIMIT=100MiB", "DOTNET_RUNNING_IN_CONTAINER=true", "NODE_OPTIONS=--max-old-space-size=200",
                       "JAVA_TOOL_OPTIONS=-Xmx300m"};
        mg_heap_t h = det(NONE, all, 4);
        cr_assert_eq(h.runtime, MG_RT_JVM);
        cr_assert_eq(h.max_heap_bytes, 300 * MG_MIB);
        h = det(NONE, all, 3);
        cr_assert_eq(h.runtime, MG_RT_NODE);
        cr_assert_eq(h.max_heap_bytes, 200 * MG_MIB);
        h = det(NONE, all, 2);
        cr_assert_eq(h.runtime, MG_RT_DOTNET);
        h = det(NONE, all, 1);
        cr_assert_eq(h.runtime, MG_RT_GO);
        cr_assert_str_eq(mg_runtime_name(MG_RT_DOTNET), ".NET");
        cr_assert_str_eq(mg_runtime_name(MG_RT_NONE), "none");
}

/* ---- sh -c splitting ------------------------------------------------------------------------ */

static void assert_words(const char *s, const char *const *want, size_t n) {
        char **w = NULL;
        size_t got = 0;
        cr_assert_eq(mg_shell_split(s, &w, &got), (int)n, "%s", s);
        cr_assert_eq(got, n);
        for (size_t i = 0; i < n; i++)
                cr_assert_str_eq(w[i], want[i], "word %zu of %s", i, s);
        cr_assert_null(w[n]);
        mg_strv_free(w);
}

Test(shell, split_quotes_escapes_operators) {
        assert_words("exec java -jar app.jar", (const char *[]){"exec", "java", "-jar", "app.jar"}, 4);
        assert_words("a'b c'\"d e\" f\\ g", (const char *[]){"ab cd e", "f g"}, 2);
        assert_words("echo \"\\$HOME \\\" \\n\" ''", (const char *[]){"echo", "$HOME \" \\n", ""}, 3);
        assert_words("cd /x&&java -X||y;z & w|v", (const char *[]){"cd", "/x", "&&", "java", "-X", "||", "y", ";", "z", "&", "w", "|", "v"}, 13);
        assert_words("a # comment ; b\nc", (const char *[]){"a", ";", "c"}, 3);
        assert_words("a#b 2>&1 >&2", (const char *[]){"a#b", "2>&1", ">&2"}, 3);
        assert_words("echo $(date; id) `a;b` ${X;}", (const char *[]){"echo", "$(date; id)", "`a;b`", "${X;}"}, 4);
        assert_words("  \t ", NULL, 0);
        assert_words("a\\\nb", (const char *[]){"ab"}, 1);
        char **w = (char **)1;
        cr_assert_eq(mg_shell_split("echo 'open", &w, NULL), -EINVAL);
        cr_assert_eq(mg_shell_split("echo \"open", &w, NULL), -EINVAL);
        cr_assert_eq(w, (char **)1, "untouched on failure");
}

Test(shell, split_word_limit) {
        size_t n = MG_SHELL_MAX_WORDS + 1;
        char *s = malloc(n * 2 + 1);
        for (size_t i = 0; i < n; i++)
                memcpy(s + 2 * i, "a ", 2);
        s[n * 2] = '\0';
        char **w = NULL;
        cr_assert_eq(mg_shell_split(s, &w, NULL), -E2BIG);
        s[(n - 1) * 2] = '\0';
        size_t got = 0;
        cr_assert_eq(mg_shell_split(s, &w, &got), MG_SHELL_MAX_WORDS);
        mg_strv_free(w);
        mg_strv_free(NULL);
        free(s);
}

static const char *lookup(void *u, const char *name, size_t len) {
        (void)u;
        if (len == 4 && !memcmp(name, "OPTS", 4))
                return " -Xmx1g  -Xss1m ";
        if (len == 5 && !memcmp(name, "EMPTY", 5))
                return "";
        return NULL;
}

Test(shell, split_expansion) {
        mg_shell_opts_t o = {.lookup = lookup};
        char **w = NULL;
        bool *ops = NULL;
        size_t n = 0;
        cr_assert_eq(mg_shell_split_ex("java $OPTS \"$OPTS\" '$OPTS' x${EMPTY}y $EMPTY ${UNSET:-d e} ${EMPTY-f} \"$UNSET\" ; z",
                                       &o, &w, &ops, &n), 11);
        const char *want[] = {"java", "-Xmx1g", "-Xss1m", " -Xmx1g  -Xss1m ", "$OPTS", "xy", "d", "e", "", ";", "z"};
        for (size_t i = 0; i < n; i++)
                cr_assert_str_eq(w[i], want[i], "word %zu", i);
        cr_assert(ops[9] && !ops[0] && !ops[10]);
        mg_strv_free(w);
        free(ops);
        /* without a lookup nothing expands */
        assert_words("java $OPTS ${OPTS}", (const char *[]){"java", "$OPTS", "${OPTS}"}, 3);
}

/* ---- off-heap estimate ---------------------------------------------------------------------- */

static uint64_t jvm_need(const char *xmx, uint64_t limit, uint64_t classes, uint64_t threads, uint64_t *heap) {
        mg_heap_t h = det(V("java", (char *)xmx, "-jar", "app.jar"), NONE);
        mg_offheap_params_t p;
        mg_offheap_defaults(&p);
        if (classes)
                p.jvm_classes = classes;
        if (threads)
                p.jvm_threads = threads;
        *heap = mg_heap_effective(&h, limit);
        mg_offheap_t o;
        mg_offheap_estimate(&h, *heap, &p, &o);
        uint64_t sum = 0;
        for (size_t i = 0; i < o.nparts; i++)
                sum += o.parts[i].bytes;
        cr_assert_eq(sum, o.total_bytes, "the parts add up");
        return o.total_bytes;
}

Test(offheap, calibration_anchor_1g) {
        uint64_t heap;
        uint64_t need = jvm_need("-Xmx800m", MG_GIB, 0, 0, &heap);
        cr_assert_eq(heap, 800 * MG_MIB);
        cr_assert_lt(MG_GIB - heap, need, "800m in 1 GiB leaves 224 MiB, less than the %llu MiB needed: flagged",
                     (unsigned long long)(need / MG_MIB));
        need = jvm_need("-Xmx600m", MG_GIB, 0, 0, &heap);
        cr_assert_gt(MG_GIB - heap, need, "600m in 1 GiB leaves 424 MiB, more than %llu MiB: not flagged",
                     (unsigned long long)(need / MG_MIB));
        need = jvm_need("-Xmx900m", MG_GIB, 0, 0, &heap);
        cr_assert_lt(MG_GIB - heap, need, "900m was OOM-killed");
        need = jvm_need("-Xmx700m", MG_GIB, 0, 0, &heap);
        cr_assert_gt(MG_GIB - heap, need, "700m ran with a 910 MiB peak");
}

Test(offheap, measured_shape) {
        /* 15,000 classes, 100 threads, 32 MiB direct: ~190 MiB RSS beyond the heap measured, killed with
         * 160 MiB left (tests/calibration) */
        uint64_t heap;
        for (int m = 600; m <= 800; m += 100) {
                char opt[32];
                snprintf(opt, sizeof(opt), "-Xmx%dm", m);
                uint64_t need = jvm_need(opt, MG_GIB, 15000, 100, &heap);
                cr_assert(need >= 220 * MG_MIB && need <= 260 * MG_MIB, "%s: %llu MiB", opt,
                          (unsigned long long)(need / MG_MIB));
        }
        /* more classes and threads need more */
        uint64_t small = jvm_need("-Xmx600m", MG_GIB, 5000, 20, &heap);
        uint64_t large = jvm_need("-Xmx600m", MG_GIB, 30000, 400, &heap);
        cr_assert_lt(small, 200 * MG_MIB);
        cr_assert_gt(large, 300 * MG_MIB);
}

Test(offheap, jvm_caps_from_options) {
        mg_heap_t h = det(V("java", "-Xmx512m", "-XX:MaxDirectMemorySize=8m", "-XX:MaxMetaspaceSize=40m",
                            "-XX:ReservedCodeCacheSize=16m", "-Xss128k", "Main"),
                          NONE);
        mg_offheap_params_t p;
        mg_offheap_defaults(&p);
        mg_offheap_t o;
        mg_offheap_estimate(&h, 512 * MG_MIB, &p, &o);
        cr_assert_eq(o.nparts, 6);
        cr_assert_str_eq(o.parts[0].name, "metaspace");
        cr_assert_eq(o.parts[0].bytes, 40 * MG_MIB);
        cr_assert_eq(o.parts[1].bytes, 16 * MG_MIB);
        cr_assert_eq(o.parts[2].bytes, 100 * 128 * MG_KIB);
        cr_assert_eq(o.parts[3].bytes, 512 * MG_MIB / 100 * 5, "G1 structures: 5%% of the heap, measured (tests/calibration)");
        cr_assert_str_eq(o.parts[4].name, "direct buffers");
        cr_assert_eq(o.parts[4].bytes, 8 * MG_MIB);
        /* a cap above the default in-use figure changes nothing */
        h = det(V("java", "-Xmx512m", "-XX:MaxDirectMemorySize=1g", "Main"), NONE);
        mg_offheap_estimate(&h, 512 * MG_MIB, &p, &o);
        cr_assert_eq(o.parts[4].bytes, 32 * MG_MIB);
        for (size_t i = 0; i < o.nparts; i++)
                for (const char *c = o.parts[i].name; *c; c++)
                        cr_assert(*c == ' ' || (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z'), "%s",
                                  o.parts[i].name);
}

Test(offheap, other_runtimes) {
        mg_offheap_params_t p;
        mg_offheap_defaults(&p);
        mg_offheap_t o;
        mg_heap_t h = det(V("node", "--max-old-space-size=768", "s.js"), NONE);
        mg_offheap_estimate(&h, mg_heap_effective(&h, MG_GIB), &p, &o);
        cr_assert_eq(o.total_bytes, 176 * MG_MIB, "48 MiB young space + 128 MiB");
        cr_assert_gt(MG_GIB - 768 * MG_MIB, o.total_bytes, "Node's advice (75%%) is not flagged");
        cr_assert_lt(MG_GIB - 900 * MG_MIB, o.total_bytes, "900 MiB of old space in 1 GiB is");

        h = det(V("/app/server"), V("GOMEMLIMIT=900MiB"));
        mg_offheap_estimate(&h, mg_heap_effective(&h, MG_GIB), &p, &o);
        cr_assert_eq(o.total_bytes, 900 * MG_MIB / 100 * 10 + 4 * MG_MIB);
        cr_assert_gt(MG_GIB - 900 * MG_MIB, o.total_bytes);
        h = det(V("/app/server"), V("GOMEMLIMIT=1000MiB"));
        mg_offheap_estimate(&h, mg_heap_effective(&h, MG_GIB), &p, &o);
        cr_assert_lt(MG_GIB - 1000 * MG_MIB, o.total_bytes, "2%% headroom is too little");

        h = det(V("dotnet", "app.dll"), NONE);
        mg_offheap_estimate(&h, mg_heap_effective(&h, MG_GIB), &p, &o);
        cr_assert_eq(o.total_bytes, 128 * MG_MIB);
        cr_assert_gt(MG_GIB / 4, o.total_bytes, ".NET's own default is not flagged");
        cr_assert_lt(MG_GIB - 960 * MG_MIB, o.total_bytes, "a 960 MiB hard limit in 1 GiB is");

        h = det(NONE, NONE);
        mg_offheap_estimate(&h, 0, &p, &o);
        cr_assert_eq(o.total_bytes, 0);
        cr_assert_eq(o.nparts, 0);
        mg_offheap_estimate(NULL, 0, &p, &o);
        cr_assert_eq(o.total_bytes, 0);
}
