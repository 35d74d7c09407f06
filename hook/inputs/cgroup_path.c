/* SPDX-License-Identifier: Apache-2.0 */
/* cgroup paths from untrusted text: /proc/<pid>/cgroup lines, linux.cgroupsPath in cgroupfs or
 * systemd notation, limits and NUMA node lists. Pure; everything that comes out is a normalised
 * path that cannot leave its hierarchy. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>

#include "memgate/inputs/cgroup_path.h"

#include "memgate/util/cleanup.h"
#include "memgate/util/number.h"
#include "memgate/util/text.h"

#define NAME_MAX_BYTES 255

int mg_cgroup_path_normalize(const char *path, char **ret_path, mg_error_t *err) {
        _cleanup_free_ char *out = NULL;
        size_t len, o = 0, depth = 0;

        if (!path)
                return mg_error_set(err, -EINVAL, "cgroup path is missing");
        len = strlen(path);
        if (len >= MG_CGROUP_PATH_MAX)
                return mg_error_set(err, -ENAMETOOLONG, "cgroup path of %zu bytes is too long", len);
        out = malloc(len + 2);
        if (!out)
                return mg_error_set(err, -ENOMEM, "out of memory");

        const char *p = path, *nm;
        size_t n;
        while (mg_path_next(&p, &nm, &n)) {
                if ((n == 1 && nm[0] == '.') || (n == 2 && nm[0] == '.' && nm[1] == '.'))
                        return mg_error_set(err, -EINVAL, "cgroup path \"%s\" contains \"%.*s\"", path, (int)n, nm);
                if (n > NAME_MAX_BYTES)
                        return mg_error_set(err, -ENAMETOOLONG, "cgroup path \"%.64s...\" has a name longer than %d bytes",
                                            path, NAME_MAX_BYTES);
                for (size_t i = 0; i < n; i++)
                        if ((unsigned char)nm[i] < 0x20 || nm[i] == 0x7f)
                                return mg_error_set(err, -EINVAL, "cgroup path \"%.64s\" contains a control character", path);
                if (++depth >= MG_CGROUP_DEPTH_MAX)
                        return mg_error_set(err, -E2BIG, "cgroup path \"%.64s...\" is deeper than %d levels", path,
                                            MG_CGROUP_DEPTH_MAX - 1);
                out[o++] = '/';
                memcpy(out + o, nm, n);
                o += n;
        }
        if (o == 0)
                out[o++] = '/';
        out[o] = '\0';
        *ret_path = TAKE_PTR(out);
        return 0;
}

int mg_parse_proc_cgroup(const char *text, const char *controller, char **ret_path, mg_error_t *err) {
        if (!text)
                return mg_error_set(err, -EINVAL, "no cgroup text");

        for (const char *line = text; *line;) {
                const char *eol = strchrnul(line, '\n');
                const char *c1 = memchr(line, ':', (size_t)(eol - line));
                const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(eol - c1 - 1)) : NULL;
                bool match = false;

                if (eol == line) {
                        line = *eol ? eol + 1 : eol;
                        continue;
                }
                /* "ID:controllers:path": the path is everything after the second ':' and may hold ':'. */
                if (!c1 || !c2)
                        return mg_error_set(err, -EINVAL, "malformed cgroup line \"%.*s\"",
                                            (int)((eol - line) > 80 ? 80 : (eol - line)), line);

                if (!controller) {
                        match = c1 - line == 1 && line[0] == '0' && c2 == c1 + 1;
                } else {
                        /* v1 controller list: exact names, comma-separated ("cpu,cpuacct"). */
                        size_t clen = strlen(controller);
                        for (const char *t = c1 + 1; t < c2;) {
                                const char *te = memchr(t, ',', (size_t)(c2 - t));
                                if (!te)
                                        te = c2;
                                if ((size_t)(te - t) == clen && memcmp(t, controller, clen) == 0)
                                        match = true;
                                t = te + 1;
                        }
                }
                if (match) {
                        _cleanup_free_ char *raw = mg_strndup_safe(c2 + 1, (size_t)(eol - c2 - 1));
                        if (!raw)
                                return mg_error_set(err, -ENOMEM, "out of memory");
                        if (raw[0] != '/')
                                return mg_error_set(err, -EINVAL, "cgroup path \"%.80s\" is not absolute", raw);
                        return mg_cgroup_path_normalize(raw, ret_path, err);
                }
                line = *eol ? eol + 1 : eol;
        }
        if (controller)
                return mg_error_set(err, -ENOENT, "no \"%s\" controller line", controller);
        return mg_error_set(err, -ENOENT, "no cgroup v2 (\"0::\") line");
}

/* systemd unit-name rules for one slice name: [A-Za-z0-9:_.\-] plus systemd's \x escapes, which we
 * accept as text; dashes separate the parent slices and may not lead, trail or double. */
static bool slice_char_ok(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ':' ||
               c == '_' || c == '.' || c == '-' || c == '\\' || c == '@';
}

int mg_systemd_expand_slice(const char *slice, char **ret_path, mg_error_t *err) {
        _cleanup_free_ char *out = NULL;
        size_t len, stem, o = 0;

        if (!slice || !*slice)
                return mg_error_set(err, -EINVAL, "empty slice name");
        len = strlen(slice);
        if (len > NAME_MAX_BYTES || len < 7 || strcmp(slice + len - 6, ".slice") != 0)
                return mg_error_set(err, -EINVAL, "invalid slice name \"%.80s\": it must end in \".slice\"", slice);
        if (strcmp(slice, "-.slice") == 0) {
                out = strdup("/");
                if (!out)
                        return mg_error_set(err, -ENOMEM, "out of memory");
                *ret_path = TAKE_PTR(out);
                return 0;
        }
        stem = len - 6;
        for (size_t i = 0; i < stem; i++)
                if (!slice_char_ok(slice[i]))
                        return mg_error_set(err, -EINVAL, "invalid slice name \"%.80s\"", slice);
        if (slice[0] == '-' || slice[stem - 1] == '-' || strstr(slice, "--"))
                return mg_error_set(err, -EINVAL, "invalid slice name \"%.80s\": misplaced '-'", slice);
        if ((stem == 1 && slice[0] == '.') || (stem == 2 && slice[0] == '.' && slice[1] == '.'))
                return mg_error_set(err, -EINVAL, "invalid slice name \"%.80s\"", slice);

        /* "a-b-c.slice" -> "/a.slice/a-b.slice/a-b-c.slice": one level per dash-prefix. */
        size_t levels = 1;
        for (size_t i = 0; i < stem; i++)
                levels += slice[i] == '-';
        if (levels >= MG_CGROUP_DEPTH_MAX)
                return mg_error_set(err, -E2BIG, "slice \"%.80s\" nests too deep", slice);
        out = malloc(levels * (len + 1) + 1);
        if (!out)
                return mg_error_set(err, -ENOMEM, "out of memory");
        for (size_t i = 0; i <= stem; i++) {
                if (i < stem && slice[i] != '-')
                        continue;
                out[o++] = '/';
                memcpy(out + o, slice, i);
                o += i;
                memcpy(out + o, ".slice", 6);
                o += 6;
        }
        out[o] = '\0';
        *ret_path = TAKE_PTR(out);
        return 0;
}

/* "slice:prefix:name" as runc and crun read it with the systemd cgroup manager. */
static int systemd_spec_to_path(const char *spec, char **ret_path, mg_error_t *err) {
        const char *c1 = strchr(spec, ':');
        const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        _cleanup_free_ char *slice = NULL, *prefix = NULL, *name = NULL, *slice_path = NULL, *joined = NULL;
        size_t n;

        if (!c1 || !c2 || strchr(c2 + 1, ':'))
                return mg_error_set(err, -EINVAL, "cgroupsPath \"%.80s\" is neither a path nor slice:prefix:name", spec);
        slice = mg_strndup_safe(spec, (size_t)(c1 - spec));
        prefix = mg_strndup_safe(c1 + 1, (size_t)(c2 - c1 - 1));
        name = strdup(c2 + 1);
        if (!slice || !prefix || !name)
                return mg_error_set(err, -ENOMEM, "out of memory");
        if (!*name)
                return mg_error_set(err, -EINVAL, "cgroupsPath \"%.80s\" has no unit name", spec);
        if (strchr(slice, '/') || strchr(prefix, '/') || strchr(name, '/'))
                return mg_error_set(err, -EINVAL, "cgroupsPath \"%.80s\": systemd names cannot contain '/'", spec);

        /* An empty slice is system.slice; "-" (or "-.slice") is the root slice. */
        if (!*slice)
                slice_path = strdup("/system.slice");
        else if (strcmp(slice, "-") == 0)
                slice_path = strdup("/");
        else {
                int r = mg_systemd_expand_slice(slice, &slice_path, err);
                if (r < 0) {
                        mg_error_prefix(err, "cgroupsPath \"%.80s\"", spec);
                        return r;
                }
        }
        if (!slice_path)
                return mg_error_set(err, -ENOMEM, "out of memory");

        /* The unit: a slice given as the name is used as is, otherwise "<prefix>-<name>.scope". */
        n = strlen(slice_path) + strlen(prefix) + strlen(name) + 16;
        joined = malloc(n);
        if (!joined)
                return mg_error_set(err, -ENOMEM, "out of memory");
        if (strlen(name) > 6 && strcmp(name + strlen(name) - 6, ".slice") == 0)
                snprintf(joined, n, "%s/%s", slice_path, name);
        else if (*prefix)
                snprintf(joined, n, "%s/%s-%s.scope", slice_path, prefix, name);
        else
                snprintf(joined, n, "%s/%s.scope", slice_path, name);
        return mg_cgroup_path_normalize(joined, ret_path, err);
}

int mg_cgroup_spec_to_path(const char *spec, char **ret_path, bool *ret_relative, mg_error_t *err) {
        int r;

        if (!spec || !*spec)
                return mg_error_set(err, -EINVAL, "cgroupsPath is empty");
        if (strlen(spec) >= MG_CGROUP_PATH_MAX)
                return mg_error_set(err, -ENAMETOOLONG, "cgroupsPath of %zu bytes is too long", strlen(spec));

        /* runc: a path starting with '/' is a cgroupfs path; otherwise "a:b:c" is systemd notation. */
        if (spec[0] != '/' && strchr(spec, ':')) {
                r = systemd_spec_to_path(spec, ret_path, err);
                if (r >= 0 && ret_relative)
                        *ret_relative = false;
                return r;
        }
        r = mg_cgroup_path_normalize(spec, ret_path, err);
        if (r < 0) {
                mg_error_prefix(err, "cgroupsPath");
                return r;
        }
        if (ret_relative)
                *ret_relative = spec[0] != '/';
        return 0;
}

int mg_cgroup_parse_limit(const char *text, int version, bool *ret_have, uint64_t *ret_bytes) {
        uint64_t v;
        size_t n;
        int r;

        if (!text)
                return -EINVAL;
        n = strcspn(text, "\n");
        if (text[n] == '\n' && text[n + 1] != '\0')
                return -EINVAL; /* one line only */
        if (version == 2 && n == 3 && memcmp(text, "max", 3) == 0) {
                *ret_have = false;
                *ret_bytes = 0;
                return 0;
        }
        r = mg_parse_u64_n(text, n, &v);
        if (r < 0)
                return r;
        *ret_have = !(version == 1 && v >= MG_CGROUP_V1_UNLIMITED);
        *ret_bytes = *ret_have ? v : 0;
        return 0;
}

