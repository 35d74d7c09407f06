/* SPDX-License-Identifier: Apache-2.0 */
/* memgate-runtime's lines, where the engine shows them (see include/memgate/cli/runtime_out.h). */
#define _GNU_SOURCE
#include "memgate/cli/runtime_out.h"

#include <string.h>
#include <time.h>
#include <unistd.h>

#include "memgate/outputs/stderr.h"
#include "memgate/outputs/text.h"
#include "memgate/util/buf.h"
#include "memgate/util/io.h"

void mg_rt_out_set_engine(mg_rt_out_t *o, mg_cengine_t engine) {
        /* Under containerd's shims stderr is the container's: a warning there would be the first
         * line of `docker logs`. Elsewhere stderr is where the caller shows runc's complaints. */
        o->to_stderr = !mg_cengine_reads_runtime_log(engine) || o->log_fd < 0;
}

void mg_rt_out_open(mg_rt_out_t *o, const mg_runc_cmd_t *cmd, mg_cengine_t engine) {
        *o = (mg_rt_out_t){.log_fd = -1, .format = mg_rtlog_format_parse(cmd ? cmd->log_format : NULL)};
        if (cmd && cmd->log) {
                mg_error_t err = {0};
                int fd = mg_rtlog_open(cmd->log, &err);
                if (fd >= 0)
                        o->log_fd = fd;
                else if (!mg_cengine_reads_runtime_log(engine))
                        mg_stderr_printf("memgate: note: %s\n", err.msg);
        }
        mg_rt_out_set_engine(o, engine);
}

void mg_rt_out_close(mg_rt_out_t *o) {
        if (o->log_fd >= 0)
                close(o->log_fd);
        o->log_fd = -1;
}

static void record(const mg_rt_out_t *o, bool error, const char *msg) {
        if (o->log_fd < 0)
                return;
        struct timespec now = {0};
        clock_gettime(CLOCK_REALTIME, &now);
        mg_buf_t b = {0};
        mg_rtlog_record(&b, o->format, error ? "error" : "warning", msg, &now);
        if (b.data)
                (void)mg_write_all(o->log_fd, b.data, b.len); /* best effort, as stderr is */
        mg_buf_free(&b);
}

void mg_rt_out_line(const mg_rt_out_t *o, bool error, const char *line) {
        record(o, error, line);
        if (o->to_stderr)
                mg_stderr_printf("%s\n", line);
}

/* The findings of one severity as lines, without the last newline. */
static void lines_of(const mg_report_t *r, mg_severity_t sev, mg_buf_t *b) {
        for (size_t i = 0; i < r->n; i++)
                if (r->findings[i].severity == sev)
                        mg_finding_line(&r->findings[i], r->policy_downgraded, b);
        if (b->len && b->data[b->len - 1] == '\n')
                b->data[--b->len] = '\0';
}

void mg_rt_out_findings(const mg_rt_out_t *o, const mg_report_t *r) {
        if (o->to_stderr)
                mg_stderr_findings(r);
        if (o->log_fd < 0)
                return;
        for (size_t i = 0; i < r->n; i++) {
                const mg_finding_t *f = &r->findings[i];
                /* A refusal downgraded by policy is a warning: the start goes on. */
                if (f->severity == MG_SEV_WARN || (f->severity == MG_SEV_REFUSE && r->policy_downgraded)) {
                        mg_buf_t b = {0};
                        mg_finding_line(f, r->policy_downgraded, &b);
                        if (b.len && b.data[b.len - 1] == '\n')
                                b.data[--b.len] = '\0';
                        if (b.data)
                                record(o, false, b.data);
                        mg_buf_free(&b);
                }
        }
        if (r->verdict != MG_VERDICT_REFUSE)
                return;
        mg_buf_t b = {0};
        lines_of(r, MG_SEV_REFUSE, &b);
        if (b.data)
                record(o, true, b.data);
        mg_buf_free(&b);
}
