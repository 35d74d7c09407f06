/* SPDX-License-Identifier: Apache-2.0 */
#include "memgate/outputs/report_out.h"

#include <errno.h>
#include <string.h>

#include "memgate/oci/report_json.h"
#include "memgate/outputs/atomic.h"
#include "memgate/outputs/prometheus.h"
#include "memgate/outputs/stderr.h"
#include "memgate/outputs/text.h"
#include "memgate/util/buf.h"
#include "memgate/util/cleanup.h"
#include "memgate/util/io.h"

int mg_report_print(int fd, mg_format_t f, const mg_report_ctx_t *ctx, mg_error_t *err) {
        int r;
        if (f == MG_FORMAT_JSON) {
                _cleanup_free_ char *json = NULL;
                size_t len = 0;
                if ((r = mg_oci_report_json(ctx, &json, &len, err)) < 0)
                        return r;
                if ((r = mg_write_all(fd, json, len)) < 0 || (r = mg_write_all(fd, "\n", 1)) < 0)
                        return mg_error_set(err, r, "writing the report: %s", strerror(-r));
                return 0;
        }
        mg_buf_t b = {0};
        if (f == MG_FORMAT_PROMETHEUS)
                mg_report_prometheus(ctx, &b);
        else
                mg_report_text(ctx, &b);
        if (b.overflow) {
                mg_buf_free(&b);
                return mg_error_set(err, -ENOMEM, "the %s report: out of memory",
                                    f == MG_FORMAT_PROMETHEUS ? "prometheus" : "text");
        }
        r = b.data ? mg_write_all(fd, b.data, b.len) : 0;
        mg_buf_free(&b);
        if (r < 0)
                return mg_error_set(err, r, "writing the report: %s", strerror(-r));
        return 0;
}

void mg_report_write_bundle(int dirfd, const mg_report_ctx_t *ctx, bool fsync) {
        _cleanup_free_ char *json = NULL;
        size_t len = 0;
        mg_error_t err = {0};
        if (mg_oci_report_json(ctx, &json, &len, &err) < 0 ||
            mg_write_atomic_flags(dirfd, "memgate.json", json, len, 0600, fsync ? MG_ATOMIC_FSYNC : 0, &err) < 0)
                mg_stderr_printf("memgate: warning: could not write memgate.json: %s\n", err.msg);
}
