/* SPDX-License-Identifier: Apache-2.0 */
/* The OCI state document a runtime writes on a hook's stdin. runc writes it with Go and status
 * "creating" at the prestart/createRuntime hooks; crun writes "created" and adds "root". */
#include <errno.h>
#include <string.h>

#include "memgate/oci/parse.h"

#include "json.h"

static const char *const known_status[] = { "creating", "created", "running", "stopped" };

int mg_oci_parse_state(const char *buf, size_t len, const char *name, mg_state_t *ret, mg_error_t *err) {
        _cleanup_yajl_ yajl_val root = NULL;
        mg_state_t s = {};
        bool have_pid = false;
        int r;

        if (!name)
                name = "state";
        r = mg_json_parse(buf, len, name, &root, err);
        if (r < 0)
                return r;
        if (!YAJL_IS_OBJECT(root))
                return mg_error_set(err, -EINVAL, "%s: must be a JSON object, got %s", name, mg_json_type_name(root));

        if ((r = mg_json_get_required_string(root, "ociVersion", name, &s.oci_version, err)) < 0 ||
            (r = mg_json_get_required_string(root, "id", name, &s.id, err)) < 0 ||
            (r = mg_json_get_required_string(root, "status", name, &s.status, err)) < 0 ||
            (r = mg_json_get_required_string(root, "bundle", name, &s.bundle, err)) < 0 ||
            (r = mg_json_get_string(root, PN("root"), name, &s.root, err)) < 0 ||
            (r = mg_json_get_int64(root, PN("pid"), name, 0, INT32_MAX, false, &have_pid, &s.pid, err)) < 0 ||
            (r = mg_json_get_kv(root, PN("annotations"), name, &s.annotations, &s.nannotations, err)) < 0)
                goto fail;

        bool known = false;
        for (size_t i = 0; i < ELEMENTSOF(known_status); i++)
                known = known || strcmp(s.status, known_status[i]) == 0;
        if (!known) {
                r = mg_error_set(err, -EINVAL, "%s: \"status\" is \"%.64s\", not one of creating, created, running, stopped",
                                 name, s.status);
                goto fail;
        }
        if (s.id[0] == '\0') {
                r = mg_error_set(err, -EINVAL, "%s: \"id\" is empty", name);
                goto fail;
        }
        if (s.bundle[0] != '/') {
                r = mg_error_set(err, -EINVAL, "%s: \"bundle\" must be an absolute path, got \"%.200s\"", name, s.bundle);
                goto fail;
        }
        if (!have_pid)
                s.pid = 0;
        *ret = s;
        return 0;
fail:
        mg_state_free(&s);
        return r;
}
