/* SPDX-License-Identifier: Apache-2.0 */
/* memgate-runtime's argv handling and runtime lookup (see include/memgate/wrapper.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "memgate/cli/runc_argv.h"
#include "memgate/util/cleanup.h"
#include "memgate/util/text.h"

typedef struct mg_opt {
        const char *name;
        bool value;     /* takes a value */
} mg_opt_t;

/* runc 1.1's global flags (main.go), plus crun's --cgroup-manager so MEMGATE_RUNTIME=crun works
 * with the same callers. */
static const mg_opt_t global_opts[] = {
        { "debug", false },        { "log", true },            { "log-format", true },
        { "root", true },          { "criu", true },           { "systemd-cgroup", false },
        { "rootless", true },      { "cgroup-manager", true }, { "help", false },
        { "h", false },            { "version", false },       { "v", false },
};

/* runc 1.1 create, run and restore (create.go, run.go, restore.go): each knows the others' too,
 * which is harmless, runc rejects them itself. */
static const mg_opt_t create_opts[] = {
        { "bundle", true },        { "b", true },              { "console-socket", true },
        { "pid-file", true },      { "no-pivot", false },      { "no-new-keyring", false },
        { "preserve-fds", true },  { "help", false },          { "h", false },
        /* run only; harmless to know for create too, runc rejects them there itself */
        { "detach", false },       { "d", false },             { "keep", false },
        { "no-subreaper", false },
        /* restore only */
        { "image-path", true },    { "work-path", true },      { "tcp-established", false },
        { "ext-unix-sk", false },  { "shell-job", false },     { "file-locks", false },
        { "manage-cgroups-mode", true }, { "empty-ns", true }, { "auto-dedup", false },
        { "lazy-pages", false },   { "lsm-profile", true },    { "lsm-mount-context", true },
};

/* A Go flag: "-name", "--name", "-name=value", "--name=value". Returns false for a non-flag
 * ("-" alone, no dash) and sets the name, its length and the inline value (NULL without '='). */
static bool split_flag(const char *arg, const char **name, size_t *name_len, const char **inline_value) {
        if (arg[0] != '-' || arg[1] == '\0')
                return false;
        const char *n = arg + 1;
        if (*n == '-')
                n++;
        const char *eq = strchr(n, '=');
        *name = n;
        *name_len = eq ? (size_t)(eq - n) : strlen(n);
        *inline_value = eq ? eq + 1 : NULL;
        return true;
}

static const mg_opt_t *find_opt(const mg_opt_t *opts, size_t n, const char *name, size_t len) {
        for (size_t i = 0; i < n; i++)
                if (strlen(opts[i].name) == len && strncmp(opts[i].name, name, len) == 0)
                        return &opts[i];
        return NULL;
}

int mg_wrapper_split_own(int argc, char *const argv[], mg_wrapper_own_t *ret, mg_error_t *err) {
        mg_wrapper_own_t own = { .first = argc > 0 ? 1 : 0 };

        for (int i = own.first; i < argc; i++) {
                const char *v;

                if (!mg_startswith(argv[i], "--memgate-", NULL))
                        break;
                if (mg_startswith(argv[i], "--memgate-runtime=", &v))
                        own.runtime = v;
                else if (mg_startswith(argv[i], "--memgate-config=", &v))
                        own.config = v;
                else
                        return mg_error_set(err, -EINVAL,
                                            "unknown option \"%s\" (memgate-runtime knows --memgate-runtime=PATH and "
                                            "--memgate-config=FILE, given first)",
                                            argv[i]);
                if (*v == '\0')
                        return mg_error_set(err, -EINVAL, "option \"%s\" needs a value after '='", argv[i]);
                own.first = i + 1;
        }

        *ret = own;
        return 0;
}

/* Reads create/run's options from argv[start..argc), wherever they stand. */
static int parse_create(int argc, char *const argv[], int start, mg_runc_cmd_t *cmd, mg_error_t *err) {
        for (int i = start; i < argc; i++) {
                const char *name, *value;
                size_t len;

                if (strcmp(argv[i], "--") == 0) {
                        if (!cmd->id && i + 1 < argc)
                                cmd->id = argv[i + 1];
                        break;
                }
                if (!split_flag(argv[i], &name, &len, &value)) {
                        if (!cmd->id)
                                cmd->id = argv[i];
                        continue;
                }

                const mg_opt_t *o = find_opt(create_opts, ELEMENTSOF(create_opts), name, len);
                if (!o) {
                        if (value)
                                continue; /* --unknown=x: self-contained, cannot hide the bundle */
                        return mg_error_set(err, -EINVAL, "unknown %s option \"%s\": cannot tell where the bundle is",
                                            cmd->command, argv[i]);
                }
                if (o->value && !value) {
                        if (i + 1 >= argc)
                                return mg_error_set(err, -EINVAL, "option \"%s\" of %s lacks its value", argv[i],
                                                    cmd->command);
                        value = argv[++i];
                }
                if (strcmp(o->name, "bundle") == 0 || strcmp(o->name, "b") == 0) {
                        if (*value == '\0')
                                return mg_error_set(err, -EINVAL, "empty bundle in \"%s\"", argv[i]);
                        cmd->bundle = value; /* the last one wins, as with Go's flag package */
                } else if (strcmp(o->name, "help") == 0 || strcmp(o->name, "h") == 0) {
                        cmd->evaluate = false;
                }
        }
        return 0;
}

int mg_runc_parse(int argc, char *const argv[], int first, mg_runc_cmd_t *ret, mg_error_t *err) {
        mg_runc_cmd_t cmd = { .command_index = -1 };
        int i;

        for (i = first; i < argc; i++) {
                const char *name, *value;
                size_t len;

                if (strcmp(argv[i], "--") == 0) {
                        i++;
                        break;
                }
                if (!split_flag(argv[i], &name, &len, &value))
                        break;

                const mg_opt_t *o = find_opt(global_opts, ELEMENTSOF(global_opts), name, len);
                if (!o) {
                        if (value)
                                continue;
                        return mg_error_set(err, -EINVAL, "unknown global option \"%s\": cannot tell which argument "
                                            "is the subcommand", argv[i]);
                }
                if (o->value && !value) {
                        if (i + 1 >= argc)
                                return mg_error_set(err, -EINVAL, "global option \"%s\" lacks its value", argv[i]);
                        value = argv[++i];
                }
                if (strcmp(o->name, "root") == 0)
                        cmd.root = value;
                else if (strcmp(o->name, "log") == 0)
                        cmd.log = value;
                else if (strcmp(o->name, "log-format") == 0)
                        cmd.log_format = value;
        }

        if (i < argc) {
                cmd.command_index = i;
                cmd.command = argv[i];
                /* restore starts a container from a checkpoint, from the same bundle: judged like create. */
                if (strcmp(cmd.command, "create") == 0 || strcmp(cmd.command, "run") == 0 ||
                    strcmp(cmd.command, "restore") == 0) {
                        cmd.evaluate = true;
                        int r = parse_create(argc, argv, i + 1, &cmd, err);
                        if (r < 0)
                                return r;
                }
        }

        *ret = cmd;
        return 0;
}

static bool same_file(const struct stat *a, const struct stat *b) {
        return a && b && a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

static bool is_executable_file(const char *path, struct stat *st) {
        return stat(path, st) == 0 && S_ISREG(st->st_mode) && access(path, X_OK) == 0;
}

int mg_runtime_resolve(const char *spec, const char *path_env, const struct stat *self, char **ret_path,
                       mg_error_t *err) {
        struct stat st;

        if (!spec || *spec == '\0')
                return mg_error_set(err, -EINVAL, "empty runtime name");

        if (strchr(spec, '/') && spec[0] != '/')
                return mg_error_set(err, -EINVAL,
                                    "runtime \"%s\" is a relative path: give an absolute path or a name to look up "
                                    "in PATH (a relative path would resolve against the working directory, which is "
                                    "the bundle under containerd)",
                                    spec);
        if (strchr(spec, '/')) {
                if (!is_executable_file(spec, &st))
                        return mg_error_set(err, -ENOENT, "runtime \"%s\" is not an executable file", spec);
                if (same_file(&st, self))
                        return mg_error_set(err, -ELOOP, "runtime \"%s\" is memgate-runtime itself", spec);
                char *p = strdup(spec);
                if (!p)
                        return mg_error_set(err, -ENOMEM, "out of memory");
                *ret_path = p;
                return 0;
        }

        const char *path = path_env && *path_env ? path_env : MG_DEFAULT_PATH;
        bool skipped_self = false;

        for (const char *p = path; *p;) {
                const char *end = strchrnul(p, ':');
                size_t dlen = (size_t)(end - p);

                if (dlen > 0 && p[0] == '/') {
                        _cleanup_free_ char *cand = NULL;
                        if (asprintf(&cand, "%.*s/%s", (int)dlen, p, spec) < 0)
                                return mg_error_set(err, -ENOMEM, "out of memory");
                        if (is_executable_file(cand, &st)) {
                                if (same_file(&st, self))
                                        skipped_self = true;
                                else {
                                        *ret_path = TAKE_PTR(cand);
                                        return 0;
                                }
                        }
                }
                p = *end ? end + 1 : end;
        }

        return mg_error_set(err, -ENOENT, "runtime \"%s\" not found in PATH \"%s\"%s", spec, path,
                            skipped_self ? " (only memgate-runtime itself goes by that name)" : "");
}
