/* SPDX-License-Identifier: Apache-2.0 */
/* memgate: parse the command line, run one mode, exit with its status. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "memgate/cli/explain.h"
#include "memgate/cli/modes.h"

#ifndef MEMGATE_VERSION
#define MEMGATE_VERSION "unknown"
#endif

static void usage(FILE *f) {
        fputs("Usage: memgate hook      [options]          evaluate the container whose OCI state is on stdin\n"
              "       memgate check     --bundle DIR [options] evaluate a bundle before any container exists\n"
              "       memgate host      [options]          evaluate the host alone, with the kernel model\n"
              "       memgate precreate [options]          podman precreate: annotate the config on stdin\n"
              "       memgate explain   [--file FILE|-] [--since WHEN] [--format text|json]\n"
              "                                          name the cause of each OOM kill in the kernel log\n"
              "\n"
              "Options:\n"
              "  --procfs DIR            read /proc from DIR (default /proc)\n"
              "  --sysfs DIR             read /sys from DIR (default /sys)\n"
              "  --format text|json|prometheus\n"
              "                          report format (hook: print a report only when given;\n"
              "                          prometheus: node_exporter's textfile format)\n"
              "  --config FILE           memgate.conf (default " MG_DEFAULT_CONF ", absent is fine)\n"
              "  --policy enforce|warn   warn: report refusals as warnings and allow the start\n"
              "  --heuristic auto|legacy|modern\n"
              "                          overcommit mode 0 heuristic (default from the kernel version)\n"
              "  --fail-closed           hook/precreate: refuse the start when memgate itself fails\n"
              "  --bundle DIR            check: the bundle directory holding config.json\n"
              "  -h, --help              this help\n"
              "  --version               print the version\n"
              "\n"
              "Exit status: 0 allowed (warnings possible), 1 refused, 2 usage error or unreadable input.\n"
              "See memgate(1) for the findings and memgate.conf keys.\n",
              f);
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        fputs("memgate: ", stderr);
        vfprintf(stderr, fmt, ap);
        fputs("\nTry 'memgate --help'.\n", stderr);
        va_end(ap);
        return MG_EXIT_USAGE;
}

static int parse_args(int argc, char **argv, mg_options_t *o, const char **ret_cmd) {
        enum { OPT_PROCFS = 256, OPT_SYSFS, OPT_FORMAT, OPT_CONFIG, OPT_POLICY, OPT_FAIL_CLOSED, OPT_BUNDLE,
               OPT_HEURISTIC, OPT_VERSION };
        static const struct option longopts[] = {
                {"procfs", required_argument, NULL, OPT_PROCFS},
                {"sysfs", required_argument, NULL, OPT_SYSFS},
                {"format", required_argument, NULL, OPT_FORMAT},
                {"config", required_argument, NULL, OPT_CONFIG},
                {"policy", required_argument, NULL, OPT_POLICY},
                {"fail-closed", no_argument, NULL, OPT_FAIL_CLOSED},
                {"bundle", required_argument, NULL, OPT_BUNDLE},
                {"heuristic", required_argument, NULL, OPT_HEURISTIC},
                {"help", no_argument, NULL, 'h'},
                {"version", no_argument, NULL, OPT_VERSION},
                {0},
        };
        int c;

        opterr = 0;
        /* GNU getopt permutes: options may come before or after the command word. */
        while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
                switch (c) {
                case OPT_PROCFS:
                        o->eval.roots.procfs = optarg;
                        break;
                case OPT_SYSFS:
                        o->eval.roots.sysfs = optarg;
                        break;
                case OPT_FORMAT:
                        if (!strcmp(optarg, "text"))
                                o->format = MG_FORMAT_TEXT;
                        else if (!strcmp(optarg, "json"))
                                o->format = MG_FORMAT_JSON;
                        else if (!strcmp(optarg, "prometheus"))
                                o->format = MG_FORMAT_PROMETHEUS;
                        else
                                return usage_error("--format \"%s\": expected text, json or prometheus", optarg);
                        o->format_set = true;
                        break;
                case OPT_CONFIG:
                        o->eval.config_path = optarg;
                        break;
                case OPT_POLICY:
                        if (mg_policy_from_name(optarg, &o->eval.policy) < 0)
                                return usage_error("--policy \"%s\": expected enforce or warn", optarg);
                        o->eval.policy_set = true;
                        break;
                case OPT_FAIL_CLOSED:
                        o->eval.fail_closed = true;
                        break;
                case OPT_BUNDLE:
                        o->bundle = optarg;
                        break;
                case OPT_HEURISTIC:
                        if (mg_heuristic_from_name(optarg, &o->eval.heuristic) < 0)
                                return usage_error("--heuristic \"%s\": expected auto, legacy or modern", optarg);
                        o->eval.heuristic_set = true;
                        break;
                case 'h':
                        usage(stdout);
                        return 0;
                case OPT_VERSION:
                        puts("memgate " MEMGATE_VERSION);
                        return 0;
                case ':':
                        return usage_error("option \"%s\" needs a value", argv[optind - 1]);
                default:
                        return usage_error("unknown option \"%s\"", argv[optind - 1]);
                }
        }
        if (optind >= argc)
                return usage_error("%s", "a command is required: hook, check, host, precreate or explain");
        if (optind + 1 < argc)
                return usage_error("unexpected argument \"%s\"", argv[optind + 1]);
        *ret_cmd = argv[optind];
        return -1; /* go on */
}

/* explain has options of its own (--file, --since): it parses the whole command line itself. */
static bool is_explain(int argc, char **argv) {
        for (int i = 1; i < argc; i++) {
                if (!strcmp(argv[i], "--"))
                        return false;
                if (!strcmp(argv[i], "explain"))
                        return i == 1 || (strcmp(argv[i - 1], "--file") && strcmp(argv[i - 1], "--since") &&
                                          strcmp(argv[i - 1], "--format"));
        }
        return false;
}

int main(int argc, char **argv) {
        if (is_explain(argc, argv))
                return mg_cli_explain(argc, argv);
        mg_options_t o = {.eval.roots = {.procfs = "/proc", .sysfs = "/sys"}, .format = MG_FORMAT_TEXT};
        const char *cmd = NULL;
        int r = parse_args(argc, argv, &o, &cmd);
        if (r >= 0)
                return r;

        if (!strcmp(cmd, "hook")) {
                o.mode = MG_MODE_HOOK;
                return mg_mode_hook(&o);
        }
        if (!strcmp(cmd, "precreate")) {
                o.mode = MG_MODE_PRECREATE;
                return mg_mode_precreate(&o);
        }
        if (!strcmp(cmd, "check")) {
                if (!o.bundle)
                        return usage_error("%s", "check needs --bundle DIR");
                o.mode = MG_MODE_CHECK;
                return mg_mode_check(&o);
        }
        if (!strcmp(cmd, "host")) {
                o.mode = MG_MODE_HOST;
                return mg_mode_host(&o);
        }
        return usage_error("unknown command \"%s\": expected hook, check, host, precreate or explain", cmd);
}
