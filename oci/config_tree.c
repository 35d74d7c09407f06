/* SPDX-License-Identifier: Apache-2.0 */
/* The reference reader of config.json: the whole document as a yajl tree, then each field looked up
 * by oci/get.c's Go rules (json.h). memgate itself reads config.json with config.c's one-pass
 * parse, which must give the same container and the same error for every input; this reader is
 * what the tests (tests/unit/test_config_stream.c) and the config fuzzer compare it with. Nothing
 * in memgate calls it, so the linker leaves it out of the executables. */
#include <errno.h>
#include <string.h>

#include "memgate/oci/parse.h"

#include "json.h"

/* linux.resources.memory.{limit,swap,reservation}: Go *int64. -1 is "unlimited" (runc writes
 * "max"), 0 is what some tools write for "not set"; other negatives make runc fail. */
static int memory_value(yajl_val root, const char *field, const char *name, bool *ret_have, int64_t *ret,
                        mg_error_t *err) {
        bool have = false;
        int64_t v = 0;
        int r = mg_json_get_int64(root, PN("linux", "resources", "memory", field), name, -1, INT64_MAX, true, &have,
                                  &v, err);
        if (r < 0)
                return r;
        *ret_have = have;
        *ret = have ? v : 0;
        return 0;
}

int mg_oci_parse_config_tree(const char *buf, size_t len, const char *name, mg_container_t *ret, mg_error_t *err) {
        _cleanup_yajl_ yajl_val root = NULL;
        mg_container_t c = {};
        bool have;
        int64_t v;
        int r;

        if (!name)
                name = "config.json";
        r = mg_json_parse(buf, len, name, &root, err);
        if (r < 0)
                return r;
        if (!YAJL_IS_OBJECT(root))
                return mg_error_set(err, -EINVAL, "%s: must be a JSON object, got %s", name, mg_json_type_name(root));

        r = mg_json_get_required_string(root, "ociVersion", name, &c.oci_version, err);
        if (r < 0)
                goto fail;

        if ((r = mg_json_get_object_present(root, PN("linux"), name, &c.is_linux, err)) < 0)
                goto fail;

        if ((r = memory_value(root, "limit", name, &have, &v, err)) < 0)
                goto fail;
        c.have_limit = have && v > 0;
        c.limit_bytes = c.have_limit ? (uint64_t)v : 0;

        if ((r = memory_value(root, "swap", name, &c.have_swap, &c.swap, err)) < 0)
                goto fail;

        if ((r = memory_value(root, "reservation", name, &have, &v, err)) < 0)
                goto fail;
        c.have_reservation = have && v > 0;
        c.reservation_bytes = c.have_reservation ? (uint64_t)v : 0;

        if ((r = mg_json_get_strv(root, PN("process", "args"), name, &c.args, &c.nargs, err)) < 0 ||
            (r = mg_json_get_strv(root, PN("process", "env"), name, &c.env, &c.nenv, err)) < 0 ||
            (r = mg_json_get_kv(root, PN("annotations"), name, &c.annotations, &c.nannotations, err)) < 0 ||
            (r = mg_json_get_string(root, PN("linux", "cgroupsPath"), name, &c.cgroups_path, err)) < 0 ||
            (r = mg_json_get_string(root, PN("linux", "resources", "cpu", "mems"), name, &c.cpuset_mems, err)) < 0 ||
            (r = mg_json_get_string(root, PN("root", "path"), name, &c.root_path, err)) < 0)
                goto fail;

        *ret = c;
        return 0;
fail:
        mg_container_free(&c);
        return r;
}
