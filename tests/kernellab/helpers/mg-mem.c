/* mg-mem: the kernel lab's memory workload, built static for the guest.
 *
 *   mg-mem commit KB [hold]    map KB of private writable memory without touching it (charged to
 *                              Committed_AS under overcommit_memory=2); print "commit ok KB" or
 *                              "commit failed KB: <errno>"; with "hold", stay until killed
 *   mg-mem touch MB [hold]     map and write MB, one page at a time; print progress every 64 MiB
 *                              to stdout (unbuffered), so a kill shows how far it got
 *   mg-mem fill LEFT_MIB       touch memory 4 MiB at a time until MemFree is within LEFT_MIB of the
 *                              sum of the zones' min watermarks (pages on the per-CPU lists do not
 *                              show in MemFree, so a size computed beforehand falls short); print
 *                              what it holds, then stay until killed
 *   mg-mem frag LEFT_MIB       fill as above, then give back every other page (MADV_DONTNEED):
 *                              half the memory returns to the kernel as single pages whose
 *                              neighbours stay in use; print, then stay until killed
 *   mg-mem headroom            print CommitLimit - Committed_AS in kB
 *   mg-mem charged PID         print the kB of PID's private writable mappings (what
 *                              overcommit_memory=2 charges for it, less mappings made read-only
 *                              after being charged) and its VmSize
 *   java -Xms<size> ...        (argv[0] "java") a JVM stand-in: commits the initial heap -Xms asks
 *                              for, as a JVM does at start, and exits 0, or 1 when refused
 *
 * Exit status: 0 done, 1 the kernel refused the memory, 2 usage.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static void hold(void) {
        for (;;)
                pause();
}

static long long meminfo_kb(const char *key) {
        FILE *f = fopen("/proc/meminfo", "re");
        char line[256];
        long long v = -1;
        size_t n = strlen(key);

        if (!f)
                return -1;
        while (fgets(line, sizeof line, f))
                if (strncmp(line, key, n) == 0 && line[n] == ':') {
                        v = strtoll(line + n + 1, NULL, 10);
                        break;
                }
        fclose(f);
        return v;
}

/* A size as java takes it: digits with an optional k/m/g/t suffix (none = bytes). */
static long long java_size(const char *s) {
        char *end;
        long long v = strtoll(s, &end, 10);

        switch (*end) {
        case 'k': case 'K': return v << 10;
        case 'm': case 'M': return v << 20;
        case 'g': case 'G': return v << 30;
        case 't': case 'T': return v << 40;
        default: return v;
        }
}

static int do_commit(long long bytes, int keep) {
        void *p = mmap(NULL, (size_t)bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

        if (p == MAP_FAILED) {
                printf("commit failed %lld: %s\n", bytes >> 10, strerror(errno));
                return 1;
        }
        printf("commit ok %lld\n", bytes >> 10);
        fflush(stdout);
        if (keep)
                hold();
        return 0;
}

static int do_touch(long long mb, int keep) {
        size_t len = (size_t)mb << 20;
        long page = sysconf(_SC_PAGESIZE);
        char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

        setvbuf(stdout, NULL, _IONBF, 0);
        if (p == MAP_FAILED) {
                printf("touch failed %lld MiB: %s\n", mb, strerror(errno));
                return 1;
        }
        for (size_t off = 0; off < len; off += (size_t)page) {
                p[off] = 1;
                if (off % (64u << 20) == 0 && off)
                        printf("touched %zu MiB\n", off >> 20);
        }
        printf("touch ok %lld MiB\n", mb);
        if (keep)
                hold();
        return 0;
}

static long long min_watermarks_kb(void) {
        FILE *f = fopen("/proc/zoneinfo", "re");
        char line[256];
        long long pages = 0, v;

        if (!f)
                return -1;
        while (fgets(line, sizeof line, f))
                if (sscanf(line, " min %lld", &v) == 1)
                        pages += v;
        fclose(f);
        return pages * (sysconf(_SC_PAGESIZE) / 1024);
}

static int do_fill(long long left_mib, int frag) {
        long long min_kb = min_watermarks_kb(), held = 0;
        long page = sysconf(_SC_PAGESIZE);
        const size_t chunk = 4u << 20;

        if (min_kb < 0)
                return 1;
        static char *chunks[1 << 16];
        size_t n = 0;
        while (n < sizeof chunks / sizeof chunks[0] && meminfo_kb("MemFree") - min_kb > left_mib * 1024) {
                char *p = mmap(NULL, chunk, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
                if (p == MAP_FAILED)
                        break;
                for (size_t off = 0; off < chunk; off += (size_t)page)
                        p[off] = 1;
                chunks[n++] = p;
                held += 4;
        }
        if (frag) {
                for (size_t i = 0; i < n; i++)
                        for (size_t off = 0; off < chunk; off += 2 * (size_t)page)
                                madvise(chunks[i] + off, (size_t)page, MADV_DONTNEED);
                held /= 2;
        }
        printf("fill holds %lld MiB, MemFree %lld kB, min watermarks %lld kB\n", held, meminfo_kb("MemFree"), min_kb);
        fflush(stdout);
        hold();
        return 0;
}

static int do_charged(const char *pid) {
        char path[64], line[512];
        unsigned long long lo, hi, sum = 0;
        char perms[8];
        FILE *f;

        snprintf(path, sizeof path, "/proc/%s/maps", pid);
        f = fopen(path, "re");
        if (!f) {
                printf("charged %s: %s\n", pid, strerror(errno));
                return 1;
        }
        while (fgets(line, sizeof line, f))
                if (sscanf(line, "%llx-%llx %7s", &lo, &hi, perms) == 3 && perms[1] == 'w' && perms[3] == 'p')
                        sum += hi - lo;
        fclose(f);
        printf("%llu\n", sum >> 10);
        return 0;
}

int main(int argc, char **argv) {
        const char *base = strrchr(argv[0], '/');

        base = base ? base + 1 : argv[0];
        if (strcmp(base, "java") == 0) {
                long long xms = 0;
                for (int i = 1; i < argc; i++)
                        if (strncmp(argv[i], "-Xms", 4) == 0)
                                xms = java_size(argv[i] + 4);
                if (xms <= 0) {
                        printf("java stand-in: no -Xms, nothing to commit\n");
                        return 0;
                }
                return do_commit(xms, 0);
        }
        if (argc >= 2 && strcmp(argv[1], "headroom") == 0) {
                printf("%lld\n", meminfo_kb("CommitLimit") - meminfo_kb("Committed_AS"));
                return 0;
        }
        if (argc >= 3 && strcmp(argv[1], "fill") == 0)
                return do_fill(atoll(argv[2]), 0);
        if (argc >= 3 && strcmp(argv[1], "frag") == 0)
                return do_fill(atoll(argv[2]), 1);
        if (argc >= 3 && strcmp(argv[1], "charged") == 0)
                return do_charged(argv[2]);
        if (argc >= 3 && strcmp(argv[1], "commit") == 0)
                return do_commit(atoll(argv[2]) << 10, argc > 3 && strcmp(argv[3], "hold") == 0);
        if (argc >= 3 && strcmp(argv[1], "touch") == 0)
                return do_touch(atoll(argv[2]), argc > 3 && strcmp(argv[3], "hold") == 0);
        fprintf(stderr, "usage: mg-mem commit KB [hold] | touch MB [hold] | fill LEFT_MIB | frag LEFT_MIB | headroom | charged PID | java -Xms<size>\n");
        return 2;
}
