/* SPDX-License-Identifier: Apache-2.0 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "memgate/util/buf.h"
#include "memgate/util/cleanup.h"
#include "memgate/util/error.h"
#include "memgate/util/io.h"
#include "memgate/util/number.h"
#include "memgate/util/read.h"
#include "memgate/util/strv.h"
#include "memgate/util/text.h"
#include "testutil.h"

Test(util, parse_u64_strict) {
        uint64_t v = 7;
        cr_assert_eq(mg_parse_u64("18446744073709551615", &v), 0);
        cr_assert_eq(v, UINT64_MAX);
        cr_assert_eq(mg_parse_u64("18446744073709551616", &v), -ERANGE);
        cr_assert_eq(mg_parse_u64("-1", &v), -EINVAL, "strtoull would wrap a leading minus");
        cr_assert_eq(mg_parse_u64("12kB", &v), -EINVAL);
        cr_assert_eq(mg_parse_u64("", &v), -EINVAL);
        cr_assert_eq(mg_parse_u64("  42\n", &v), 0);
        cr_assert_eq(v, 42);
}

Test(util, parse_i64_bounds) {
        int64_t v;
        cr_assert_eq(mg_parse_i64("-9223372036854775808", &v), 0);
        cr_assert_eq(v, INT64_MIN);
        cr_assert_eq(mg_parse_i64("9223372036854775808", &v), -ERANGE);
        cr_assert_eq(mg_parse_i64("--5", &v), -EINVAL);
        cr_assert_eq(mg_parse_i64("-1", &v), 0);
        cr_assert_eq(v, -1);
}

Test(util, overflow_checked_arithmetic) {
        uint64_t r = 5;
        cr_assert_eq(mg_mul_u64(UINT64_MAX / 1024 + 1, 1024, &r), -ERANGE);
        cr_assert_eq(r, 5, "output untouched on failure");
        cr_assert_eq(mg_mul_u64(3, 1024, &r), 0);
        cr_assert_eq(r, 3072);
        cr_assert_eq(mg_sat_add(UINT64_MAX, 1), UINT64_MAX);
        cr_assert_eq(mg_sat_sub(1, 2), 0);
}

Test(util, read_file_caps_and_nul) {
        char *dir = tu_mkdtemp();
        char path[512];
        snprintf(path, sizeof(path), "%s/f", dir);
        tu_write(path, "0123456789");
        char *buf = NULL;
        size_t len = 0;
        mg_error_t err = {0};
        cr_assert_eq(mg_read_file_at(AT_FDCWD, path, 10, false, &buf, &len, &err), 0);
        cr_assert_eq(len, 10);
        free(buf);
        buf = NULL;
        cr_assert_eq(mg_read_file_at(AT_FDCWD, path, 9, false, &buf, &len, &err), -EFBIG);
        cr_assert_null(buf);
        cr_assert(strstr(err.msg, path), "error names the file: %s", err.msg);
        FILE *f = fopen(path, "wb");
        fwrite("a\0b", 1, 3, f);
        fclose(f);
        cr_assert_eq(mg_read_file_at(AT_FDCWD, path, 100, false, &buf, &len, &err), -EBADMSG);
        tu_rmrf(dir);
        free(dir);
}

Test(util, read_proc_file_with_zero_size) {
        char *buf = NULL;
        size_t len = 0;
        mg_error_t err = {0};
        cr_assert_eq(mg_read_file_at(AT_FDCWD, "/proc/self/status", MG_CAP_PROC, false, &buf, &len, &err), 0,
                     "%s", err.msg);
        cr_assert_gt(len, 100, "st_size is 0 for /proc, the reader must loop to EOF");
        cr_assert_not_null(strstr(buf, "VmRSS"));
        free(buf);
}

/* A single-record file read without the read to EOF holds what the full read holds. */
Test(util, read_kernel_file_one_record_is_whole) {
        const char *files[] = {"/proc/sys/vm/min_free_kbytes", "/proc/sys/vm/overcommit_memory", "/proc/self/cgroup",
                               "/proc/sys/kernel/osrelease", "/sys/devices/system/node/online"};
        for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
                if (access(files[i], R_OK) != 0)
                        continue;
                _cleanup_free_ char *a = NULL, *b = NULL;
                size_t alen = 0, blen = 0;
                mg_error_t err = {0};
                cr_assert_eq(mg_read_file_at(AT_FDCWD, files[i], MG_CAP_PROC, true, &a, &alen, &err), 0, "%s", err.msg);
                cr_assert_eq(mg_read_kernel_file_at(AT_FDCWD, files[i], MG_CAP_PROC, MG_READ_ONE_RECORD, &b, &blen, &err),
                             0, "%s", err.msg);
                cr_assert(alen > 0 && blen == alen && memcmp(a, b, alen) == 0, "%s: \"%s\" read one record against \"%s\"",
                          files[i], b, a);
        }
        /* meminfo's numbers move between two reads; its lines do not. */
        _cleanup_free_ char *m = NULL;
        size_t mlen = 0;
        mg_error_t err = {0};
        cr_assert_eq(mg_read_kernel_file_at(AT_FDCWD, "/proc/meminfo", MG_CAP_PROC, MG_READ_ONE_RECORD, &m, &mlen, &err),
                     0, "%s", err.msg);
        cr_assert(mlen > 0 && m[mlen - 1] == '\n' && strstr(m, "MemAvailable:") && strstr(m, "CommitLimit:"),
                  "meminfo read as one record is cut short:\n%s", m);
}

/* Without MG_READ_ONE_RECORD a seq_file of many records is read to its end. */
Test(util, read_kernel_file_many_records_to_eof) {
        _cleanup_free_ char *z = NULL;
        size_t zlen = 0;
        mg_error_t err = {0};
        if (access("/proc/zoneinfo", R_OK) != 0)
                cr_skip_test("no /proc/zoneinfo here");
        cr_assert_eq(mg_read_kernel_file_at(AT_FDCWD, "/proc/zoneinfo", MG_CAP_PROC, 0, &z, &zlen, &err), 0, "%s",
                     err.msg);
        FILE *f = fopen("/proc/zoneinfo", "re");
        cr_assert_not_null(f);
        char line[4096];
        size_t zones = 0, seen = 0;
        while (fgets(line, sizeof(line), f))
                zones += strncmp(line, "Node ", 5) == 0;
        fclose(f);
        for (const char *p = z; (p = strstr(p, "Node ")); p++)
                seen += p == z || p[-1] == '\n';
        cr_assert(zones > 0 && seen == zones, "%zu of %zu zones read", seen, zones);
}

/* No look before the open, but the opened file must still be a regular file, never followed. */
Test(util, read_kernel_file_refuses_what_is_not_a_file) {
        _cleanup_free_ char *buf = NULL;
        mg_error_t err = {0};
        cr_assert_eq(mg_read_kernel_file_at(AT_FDCWD, "/proc/self", MG_CAP_PROC, 0, &buf, NULL, &err), -ELOOP);
        cr_assert(strstr(err.msg, "symbolic link"), "%s", err.msg);
        err = (mg_error_t){0};
        cr_assert_eq(mg_read_kernel_file_at(AT_FDCWD, "/proc/sys/vm", MG_CAP_PROC, 0, &buf, NULL, &err), -EISDIR,
                     "%s", err.msg);
        err = (mg_error_t){0};
        cr_assert_eq(mg_read_kernel_file_at(AT_FDCWD, "/proc/sys/vm/no-such-sysctl", MG_CAP_PROC, 0, &buf, NULL, &err),
                     -ENOENT);
        cr_assert_null(buf);
}

Test(util, read_nofollow_refuses_symlink) {
        char *dir = tu_mkdtemp();
        char target[512], link[512];
        snprintf(target, sizeof(target), "%s/t", dir);
        snprintf(link, sizeof(link), "%s/l", dir);
        tu_write(target, "x");
        cr_assert_eq(symlink(target, link), 0);
        char *buf = NULL;
        mg_error_t err = {0};
        cr_assert_eq(mg_read_file_at(AT_FDCWD, link, 100, true, &buf, NULL, &err), -ELOOP);
        cr_assert(strstr(err.msg, "symbolic link"), "%s", err.msg);
        tu_rmrf(dir);
        free(dir);
}

Test(util, fmt_bytes) {
        char b[32];
        cr_assert_str_eq(mg_fmt_bytes(3ULL * MG_GIB + MG_GIB / 10, b, sizeof(b)), "3.1 GiB");
        cr_assert_str_eq(mg_fmt_bytes(812 * MG_MIB, b, sizeof(b)), "812 MiB");
        cr_assert_str_eq(mg_fmt_bytes(4096, b, sizeof(b)), "4 kB");
}

/* The report's integers without snprintf: the same text as "%" PRIu64 / PRId64 everywhere,
 * boundaries and every digit count included. */
Test(util, fmt_u64_i64_match_printf) {
        char got[MG_FMT_I64_MAX], want[32];
        uint64_t u[] = {0, 1, 9, 10, 99, 100, 4294967295u, 4294967296u, 999999999999999999u,
                        1000000000000000000u, 18446744073709551615u};
        for (size_t i = 0; i < sizeof(u) / sizeof(u[0]); i++) {
                size_t n = mg_fmt_u64(u[i], got);
                snprintf(want, sizeof(want), "%" PRIu64, u[i]);
                cr_assert_str_eq(got, want);
                cr_assert_eq(n, strlen(want));
        }
        int64_t s[] = {0, -1, 1, INT64_MIN, INT64_MAX, INT64_MIN + 1, -10, -9223372036854775807 + 5};
        for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
                size_t n = mg_fmt_i64(s[i], got);
                snprintf(want, sizeof(want), "%" PRId64, s[i]);
                cr_assert_str_eq(got, want);
                cr_assert_eq(n, strlen(want));
        }
        uint64_t x = 88172645463325252u; /* xorshift: numbers of every length */
        for (int i = 0; i < 20000; i++) {
                x ^= x << 13, x ^= x >> 7, x ^= x << 17;
                uint64_t v = x >> (i % 64);
                mg_fmt_u64(v, got);
                snprintf(want, sizeof(want), "%" PRIu64, v);
                cr_assert_str_eq(got, want);
                mg_fmt_i64((int64_t)v, got);
                snprintf(want, sizeof(want), "%" PRId64, (int64_t)v);
                cr_assert_str_eq(got, want);
        }
}
