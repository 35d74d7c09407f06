/* SPDX-License-Identifier: Apache-2.0 */
#include <criterion/criterion.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "memgate/cli/sandbox.h"
#include "memgate/outputs/syslog.h"
#include "testutil.h"

Test(log, writes_rfc3164_lines_with_ident_and_pid) {
        char *dir = tu_mkdtemp(), path[600];
        snprintf(path, sizeof(path), "%s/log", dir);
        int fd = tu_dgram_listener(path);
        mg_log_t l;
        mg_log_open(&l, "memgate", path);
        mg_log(&l, LOG_ERR, "container %s: refused", "abc");
        char buf[4096] = "";
        ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);
        cr_assert_gt(n, 0);
        char want[64];
        snprintf(want, sizeof(want), " memgate[%d]: container abc: refused", (int)getpid());
        cr_assert(strncmp(buf, "<27>", 4) == 0, "daemon.err is priority 27: %s", buf);
        cr_assert(strstr(buf, want), "%s", buf);
        cr_assert_eq(l.dropped, 0);
        mg_log_close(&l);
        close(fd);
        tu_rmrf(dir);
        free(dir);
}

static void on_alarm(int sig) { _exit(99); }

Test(log, a_stalled_reader_never_blocks_the_hook) {
        char *dir = tu_mkdtemp(), path[600];
        snprintf(path, sizeof(path), "%s/log", dir);
        int fd = tu_dgram_listener(path); /* bound, never read: like a stuck journald */
        signal(SIGALRM, on_alarm);
        alarm(10); /* a blocking send would end the test with exit 99 */
        mg_log_t l;
        mg_log_open(&l, "memgate", path);
        for (int i = 0; i < 5000; i++)
                mg_log(&l, LOG_INFO, "line %d of a stalled log", i);
        alarm(0);
        cr_assert_gt(l.dropped, 0, "the socket's queue filled up and lines were dropped, not waited for");
        cr_assert_lt(l.dropped, 5000);
        mg_log_close(&l);
        close(fd);
        tu_rmrf(dir);
        free(dir);
}

Test(log, no_socket_drops_quietly) {
        mg_log_t l;
        mg_log_open(&l, "memgate", "/nonexistent/log");
        cr_assert_eq(l.fd, -1);
        mg_log(&l, LOG_INFO, "nobody listens");
        cr_assert_eq(l.dropped, 1);
        mg_log_close(&l);
}

#include <sys/wait.h>


Test(log, works_under_the_seccomp_filter) {
        char *dir = tu_mkdtemp(), path[600];
        snprintf(path, sizeof(path), "%s/log", dir);
        int fd = tu_dgram_listener(path);
        pid_t pid = fork();
        cr_assert_geq(pid, 0);
        if (pid == 0) {
                mg_error_t err = {0};
                if (mg_sandbox_enter(&err) < 0)
                        _exit(2);
                mg_log_t l;
                mg_log_open(&l, "memgate", path);
                mg_log(&l, LOG_WARNING, "confined");
                mg_log_close(&l);
                _exit(l.dropped == 0 ? 0 : 3);
        }
        int st = 0;
        waitpid(pid, &st, 0);
        cr_assert(WIFEXITED(st), "killed by signal %d: a call outside the allowlist", WTERMSIG(st));
        cr_assert_eq(WEXITSTATUS(st), 0);
        char buf[512] = "";
        cr_assert_gt(recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT), 0);
        cr_assert(strstr(buf, "confined"), "%s", buf);
        close(fd);
        tu_rmrf(dir);
        free(dir);
}
