/* SPDX-License-Identifier: Apache-2.0 */
/* memgate-runtime's command-line handling: split memgate's own leading options off a runc command
 * line, find the subcommand and, for create/run, the bundle; and find the real runtime to exec.
 * Pure argv work plus stat(2): no file is read here. */
#ifndef MEMGATE_CLI_RUNC_ARGV_H
#define MEMGATE_CLI_RUNC_ARGV_H

#include <sys/stat.h>

#include <stdbool.h>

#include "memgate/util/error.h"

#define MG_DEFAULT_RUNTIME "runc"
#define MG_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* memgate-runtime's own options. They may only come first, before anything meant for runc, and
 * they are removed before the real runtime is executed (Docker's "runtimeArgs" puts them there). */
typedef struct mg_wrapper_own {
        int first;              /* argv index of the first argument that belongs to the runtime */
        const char *runtime;    /* --memgate-runtime=PATH|NAME, or NULL */
        const char *config;     /* --memgate-config=FILE, or NULL */
} mg_wrapper_own_t;

/* Never fails on foreign arguments (they belong to runc); -EINVAL only for an unknown or
 * malformed --memgate-* option. */
int mg_wrapper_split_own(int argc, char *const argv[], mg_wrapper_own_t *ret, mg_error_t *err);

/* A runc command line, as runc itself (urfave/cli v1 on Go's flag package) would read it.
 * Pointers point into argv. */
typedef struct mg_runc_cmd {
        int command_index;      /* argv index of the subcommand; -1 when there is none (--version) */
        const char *command;    /* "create", "run", "start", ... or NULL */
        const char *root;       /* --root, or NULL */
        const char *log;        /* --log FILE: where containerd's shim reads the runtime's errors, or NULL */
        const char *log_format; /* --log-format json|text, or NULL (runc: text) */
        bool evaluate;          /* create, run or restore, and not asking for --help */
        const char *bundle;     /* --bundle/-b of create/run/restore; NULL means the working directory */
        const char *id;         /* the container id of create/run/restore, or NULL */
} mg_runc_cmd_t;

/* Parses argv[first..argc). Global options: --root --log --log-format --criu --rootless
 * --cgroup-manager (crun) take a value; --debug --systemd-cgroup --help --version do not; each
 * may be written -opt or --opt, with the value after '=' or in the next argument. For create and
 * run the subcommand's options are read wherever they stand (urfave/cli moves flags before the
 * arguments), up to "--".
 * Fails with -EINVAL, err naming the argument, when it cannot be sure where the subcommand or the
 * bundle is: an unknown option without '=' before the subcommand or among create/run's options,
 * or an option that lacks its value. The caller must then not guess a bundle. */
int mg_runc_parse(int argc, char *const argv[], int first, mg_runc_cmd_t *ret, mg_error_t *err);

/* Finds the runtime to execute. spec is an absolute path or a name looked up in path_env; a
 * relative path with a '/' is refused (-EINVAL): it would resolve against the working directory,
 * the bundle (which holds the image's rootfs) under containerd. path_env
 * (NULL: MG_DEFAULT_PATH; empty and relative entries are skipped). A candidate that is the same
 * file as self (st_dev and st_ino; self may be NULL) is skipped, so memgate-runtime installed
 * as "runc" ahead of the real one finds the real one, and a spec naming memgate-runtime itself
 * is refused (-ELOOP) rather than executing itself forever. Only executable regular files
 * qualify. *ret_path is malloc'd. */
int mg_runtime_resolve(const char *spec, const char *path_env, const struct stat *self, char **ret_path,
                       mg_error_t *err);

#endif
