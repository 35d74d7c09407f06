/* SPDX-License-Identifier: Apache-2.0 */
/* The scanner behind mg_heap_detect: heap settings as each source gives them (JVM and Node
 * options, variables from process.env and the command line, sh -c strings). Pure and bounded. */
#include "heap_scan.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "memgate/util/cleanup.h"
#include "memgate/util/number.h"
#include "memgate/util/text.h"
#include "memgate/workload/heap_units.h"
#include "memgate/workload/shell.h"

/* A JVM double flag value: digits with an optional fraction, 0..100. */
static int parse_percent(const char *s, double *ret) {
        size_t n = strspn(s, "0123456789");
        if (n == 0 || n > 12)
                return -EINVAL;
        if (s[n] == '.') {
                size_t f = strspn(s + n + 1, "0123456789");
                if (f > 12)
                        return -EINVAL;
                n += 1 + f;
        }
        if (s[n])
                return -EINVAL;
        double v = strtod(s, NULL);
        if (!isfinite(v) || v < 0 || v > 100)
                return -ERANGE;
        *ret = v;
        return 0;
}

void mg_scan_set_str(char *dst, size_t n, const char *src) {
        snprintf(dst, n, "%s", src ? src : "");
}

void mg_scan_note(char *dst, const char *opt, const char *source, const char *what) {
        /* A long note is cut: the option and its source come first, which is what matters. */
        if (!dst[0] && snprintf(dst, SCAN_NOTE_MAX, "%.60s in %s %s", opt, source, what) >= SCAN_NOTE_MAX)
                dst[SCAN_NOTE_MAX - 1] = '\0';
}

static void put(setting_t *s, uint64_t v, double d, const char *opt, const char *source) {
        s->have = true;
        s->v = v;
        s->d = d;
        mg_scan_set_str(s->option, sizeof(s->option), opt);
        mg_scan_set_str(s->source, sizeof(s->source), source);
}

/* One JVM option word; true when it is one memgate reads (valid or not). */
static bool jvm_option(scan_t *sc, setting_t *st, const char *w, const char *source) {
        static const struct {
                const char *prefix;
                jvm_key_t key;
                enum { SIZE, SIZE_KB, PCT, COUNT } kind;
        } opts[] = {
                {"-Xmx", J_MAX_HEAP, SIZE},
                {"-XX:MaxHeapSize=", J_MAX_HEAP, SIZE},
                {"-Xms", J_INITIAL, SIZE},
                {"-XX:InitialHeapSize=", J_INITIAL, SIZE},
                {"-XX:MaxRAMPercentage=", J_MAX_PCT, PCT},
                {"-XX:MinRAMPercentage=", J_MIN_PCT, PCT},
                {"-XX:MaxRAMFraction=", J_MAX_FRACTION, COUNT},
                {"-XX:MaxRAM=", J_MAX_RAM, SIZE},
                {"-XX:MaxDirectMemorySize=", J_DIRECT, SIZE},
                {"-Xss", J_STACK, SIZE},
                {"-XX:ThreadStackSize=", J_STACK, SIZE_KB},
                {"-XX:ReservedCodeCacheSize=", J_CODE, SIZE},
                {"-XX:MaxMetaspaceSize=", J_META, SIZE},
        };
        for (size_t i = 0; i < ELEMENTSOF(opts); i++) {
                const char *val;
                if (!mg_startswith(w, opts[i].prefix, &val))
                        continue;
                uint64_t v = 0;
                double d = 0;
                int r = -EINVAL;
                switch (opts[i].kind) {
                case SIZE:
                        r = mg_parse_jvm_size(val, &v);
                        break;
                case SIZE_KB: /* ThreadStackSize counts KiB, and takes suffixes too */
                        r = mg_parse_jvm_size(val, &v);
                        if (r >= 0)
                                r = mg_mul_u64(v, MG_KIB, &v);
                        break;
                case PCT:
                        r = parse_percent(val, &d);
                        break;
                case COUNT:
                        r = mg_parse_u64(val, &v);
                        if (r >= 0 && v == 0)
                                r = -EINVAL;
                        break;
                }
                if (r >= 0 && opts[i].key == J_MAX_HEAP && v == 0)
                        r = -EINVAL;
                if (r < 0)
                        mg_scan_note(sc->jvm_note, w, source,
                             r == -ERANGE ? "is out of range (the JVM refuses to start)"
                                          : "is not a valid value (the JVM refuses to start)");
                else
                        put(&st[opts[i].key], v, d, w, source);
                sc->jvm_opt = true;
                return true;
        }
        return false;
}

/* --max-old-space-size=N or --max-old-space-size N (V8 also takes underscores). *i may advance
 * past the value word. */
static bool node_option(scan_t *sc, setting_t *st, char *const *w, size_t n, size_t *i, const char *const *src) {
        const char *val;
        const char *word = w[*i];
        if (!mg_startswith(word, "--max-old-space-size", &val) && !mg_startswith(word, "--max_old_space_size", &val))
                return false;
        char opt[SCAN_OPTION_MAX];
        if (*val == '=')
                val++;
        else if (*val == '\0' && *i + 1 < n) {
                val = w[++*i];
                snprintf(opt, sizeof(opt), "%.40s %.40s", word, val);
                word = opt;
        } else
                return false;
        uint64_t mib, bytes;
        if (mg_parse_u64(val, &mib) < 0 || mib == 0 || mg_mul_u64(mib, MG_MIB, &bytes) < 0)
                mg_scan_note(sc->node_note, word, src[*i], "is not a valid size in MiB");
        else
                put(st, bytes, 0, word, src[*i]);
        sc->node_opt = true;
        return true;
}

/* ---- variables: process.env and assignments in the command line ---------------------------- */

static bool is_assignment(const char *w) {
        if (!((*w >= 'a' && *w <= 'z') || (*w >= 'A' && *w <= 'Z') || *w == '_'))
                return false;
        size_t n = strspn(w, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");
        return w[n] == '=';
}

static var_t *var_find(scan_t *sc, const char *name, size_t len, bool ci) {
        for (size_t i = 0; i < sc->nvars; i++)
                if (strlen(sc->vars[i].name) == len &&
                    (ci ? !strncasecmp(sc->vars[i].name, name, len) : !strncmp(sc->vars[i].name, name, len)))
                        return &sc->vars[i];
        return NULL;
}

/* NAME=value seen in a command line. env: it reaches the started program's environment (an
 * assignment before a command, env's arguments, export); a bare assignment only sets a shell
 * variable, which is exported when the name is already in the environment. */
static void record_assignment(scan_t *sc, const char *w, bool env, const char *source) {
        const char *eq = strchr(w, '=');
        size_t len = (size_t)(eq - w);
        if (len >= sizeof(sc->vars[0].name))
                return;
        var_t *v = var_find(sc, w, len, false);
        if (!v) {
                if (sc->nvars == MAX_VARS)
                        return;
                v = &sc->vars[sc->nvars++];
                memcpy(v->name, w, len);
                v->name[len] = '\0';
        }
        char *value = strdup(eq + 1);
        if (!value) {
                sc->oom = true;
                return;
        }
        free(v->value);
        v->value = value;
        v->env = env || mg_scan_env_lookup(sc, w, len, false);
        snprintf(v->source, sizeof(v->source), "%.*s= in %s", (int)(len > 24 ? 24 : len), w, source);
        if (v->env && (!strncasecmp(w, "DOTNET_", 7) || !strncasecmp(w, "COMPlus_", 8)) && !sc->saw_dotnet) {
                sc->saw_dotnet = true;
                mg_scan_set_str(sc->dotnet_where, sizeof(sc->dotnet_where), v->source);
        }
}

/* The value the runtime sees for NAME, and where it came from. ci: match the name without case
 * (the CLR's configuration names). */
const char *mg_scan_getenv(scan_t *sc, const char *name, bool ci, char *source, size_t n) {
        size_t len = strlen(name);
        var_t *v = var_find(sc, name, len, ci);
        if (v && v->env) {
                mg_scan_set_str(source, n, v->source);
                return v->value;
        }
        const char *e = mg_scan_env_lookup(sc, name, len, ci);
        if (e)
                snprintf(source, n, "env %s", name);
        return e;
}

static const char *shell_lookup(void *userdata, const char *name, size_t len) {
        scan_t *sc = userdata;
        var_t *v = var_find(sc, name, len, false);
        if (v)
                return v->value;
        return mg_scan_env_lookup(sc, name, len, false);
}

/* ---- the command line ---------------------------------------------------------------------- */

bool mg_scan_is_blank(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static const char *base_name(const char *w) {
        const char *s = strrchr(w, '/');
        return s ? s + 1 : w;
}

static bool is_shell(const char *b) {
        static const char *const shells[] = {"sh", "bash", "dash", "ash", "zsh", "ksh", "mksh"};
        for (size_t i = 0; i < ELEMENTSOF(shells); i++)
                if (!strcmp(b, shells[i]))
                        return true;
        return false;
}

static bool is_one_of(const char *w, const char *const *list) {
        for (; *list; list++)
                if (!strcmp(w, *list))
                        return true;
        return false;
}

static void scan_shell_string(scan_t *sc, const char *s, unsigned depth);

/* The java launcher's own options, up to the main class, -jar FILE or -m MODULE; what follows
 * belongs to the application. */
static void scan_java(scan_t *sc, char *const *w, const char *const *src, size_t i, size_t n) {
        static const char *const with_arg[] = {
                "-cp", "-classpath", "--class-path", "-p", "--module-path", "--upgrade-module-path",
                "--add-modules", "--limit-modules", "--add-reads", "--add-exports", "--add-opens",
                "--patch-module", "--source", "--enable-native-access", NULL,
        };
        for (; i < n; i++) {
                const char *a = w[i];
                if (a[0] != '-' || !strcmp(a, "-jar") || !strcmp(a, "-m") || !strcmp(a, "--module"))
                        return;
                if (is_one_of(a, with_arg)) {
                        i++;
                        continue;
                }
                jvm_option(sc, sc->jvm[JS_CMD], a, src[i]);
        }
}

/* node's options, up to the script. */
static void scan_node(scan_t *sc, char *const *w, const char *const *src, size_t i, size_t n) {
        static const char *const with_arg[] = {
                "-r", "--require", "--import", "--loader", "--experimental-loader", "-C", "--conditions",
                "-e", "--eval", "-p", "--print", "--title", "--env-file", "--stack-size", NULL,
        };
        for (; i < n; i++) {
                const char *a = w[i];
                if (a[0] != '-' || !strcmp(a, "-") || !strcmp(a, "--"))
                        return;
                if (node_option(sc, &sc->node[NS_CMD], w, n, &i, src))
                        continue;
                if (is_one_of(a, with_arg))
                        i++;
        }
}

/* A shell word at w[i]: when it runs a -c string, scans that and returns true. */
static bool scan_shell_word(scan_t *sc, char *const *w, size_t *i, size_t n, unsigned depth) {
        size_t j = *i + 1;
        bool c = false;
        for (; j < n && (w[j][0] == '-' || w[j][0] == '+') && w[j][1]; j++) {
                if (!strcmp(w[j], "--")) {
                        j++;
                        break;
                }
                if (!strcmp(w[j], "-o") || !strcmp(w[j], "+o")) {
                        j++;
                        continue;
                }
                if (w[j][0] == '-' && w[j][1] != '-' && strchr(w[j], 'c'))
                        c = true;
        }
        if (c && j < n) {
                scan_shell_string(sc, w[j], depth + 1);
                return true;
        }
        *i = j - 1; /* `sh script args...`: go on with the script's arguments */
        return false;
}

/* One simple command: words w[0..n), each with where it came from. */
void mg_scan_command(scan_t *sc, char *const *w, const char *const *src, size_t n, unsigned depth,
                         bool from_shell) {
        static const char *const reserved[] = {"if", "then", "else", "elif", "do", "while", "until",
                                               "!", "{", "time", "nohup", NULL};
        size_t i = 0;
        if (n > sc->words_left)
                n = sc->words_left;
        sc->words_left -= n;

        for (;;) {
                while (i < n && is_one_of(w[i], reserved))
                        i++;
                if (i < n && from_shell && !strcmp(w[i], "export")) {
                        for (i++; i < n; i++)
                                if (is_assignment(w[i]))
                                        record_assignment(sc, w[i], true, src[i]);
                        return;
                }
                size_t first = i;
                while (i < n && is_assignment(w[i]))
                        i++;
                for (size_t k = first; k < i; k++) /* bare assignments only set shell variables */
                        record_assignment(sc, w[k], i < n, src[k]);
                if (i < n && !strcmp(w[i], "exec")) {
                        for (i++; i < n && w[i][0] == '-'; i++)
                                if (!strcmp(w[i], "-a"))
                                        i++;
                        continue;
                }
                if (i < n && !strcmp(base_name(w[i]), "env")) {
                        for (i++; i < n; i++) {
                                if (is_assignment(w[i]))
                                        record_assignment(sc, w[i], true, src[i]);
                                else if (!strcmp(w[i], "-u") || !strcmp(w[i], "-C"))
                                        i++;
                                else if ((!strcmp(w[i], "-S") || !strcmp(w[i], "--split-string")) && i + 1 < n) {
                                        scan_shell_string(sc, w[i + 1], depth + 1);
                                        return;
                                } else if (w[i][0] != '-')
                                        break;
                        }
                        continue;
                }
                break;
        }

        size_t start = i;
        for (; i < n; i++) {
                const char *b = base_name(w[i]);
                if (is_shell(b)) {
                        if (scan_shell_word(sc, w, &i, n, depth))
                                return;
                } else if (!strcmp(b, "java")) {
                        if (!sc->saw_java) {
                                sc->saw_java = true;
                                snprintf(sc->java_where, sizeof(sc->java_where), "java in %s", src[i]);
                        }
                        scan_java(sc, w, src, i + 1, n);
                        return;
                } else if (!strcmp(b, "node") || !strcmp(b, "nodejs")) {
                        if (!sc->saw_node) {
                                sc->saw_node = true;
                                snprintf(sc->node_where, sizeof(sc->node_where), "node in %s", src[i]);
                        }
                        scan_node(sc, w, src, i + 1, n);
                        return;
                } else if (!strcmp(b, "dotnet")) {
                        if (!sc->saw_dotnet) {
                                sc->saw_dotnet = true;
                                snprintf(sc->dotnet_where, sizeof(sc->dotnet_where), "dotnet in %s", src[i]);
                        }
                        return;
                }
        }
        /* No launcher we know (a start script, a wrapper): options anywhere still count. */
        for (i = start; i < n; i++)
                if (!jvm_option(sc, sc->jvm[JS_CMD], w[i], src[i]))
                        node_option(sc, &sc->node[NS_CMD], w, n, &i, src);
}

static void scan_shell_string(scan_t *sc, const char *s, unsigned depth) {
        static const char *const src[] = {[0 ... MG_SHELL_MAX_WORDS] = "sh -c in process.args"};
        if (depth > MAX_SH_DEPTH)
                return;
        /* One simple command at a time, so that `X=1; java $X` expands with X set. */
        while (*s && sc->words_left && sc->expand_left) {
                size_t expanded = 0, consumed = 0;
                mg_shell_opts_t o = {
                        .lenient = true, .lookup = shell_lookup, .userdata = sc, .max_expand = sc->expand_left,
                        .max_words = sc->words_left < MG_SHELL_MAX_WORDS ? sc->words_left : MG_SHELL_MAX_WORDS,
                        .ret_expanded = &expanded, .one_command = true, .ret_consumed = &consumed,
                };
                char **w = NULL;
                bool *ops = NULL;
                size_t n = 0;
                int r = mg_shell_split_ex(s, &o, &w, &ops, &n);
                if (r == -ENOMEM)
                        sc->oom = true;
                if (r < 0)
                        return;
                sc->expand_left = mg_sat_sub(sc->expand_left, expanded);
                if (n && ops[n - 1])
                        n--; /* the operator that ended the command */
                if (n)
                        mg_scan_command(sc, w, src, n, depth, true);
                else if (sc->words_left) /* empty commands (";;;") still cost */
                        sc->words_left--;
                mg_strv_free(w);
                free(ops);
                if (consumed == 0)
                        break;
                s += consumed;
        }
}

/* Splits an *_OPTIONS variable as the launchers do: blanks separate, '...' and "..." group. */
void mg_scan_option_string(scan_t *sc, const char *s, const char *source, bool jvm, setting_t *st) {
        size_t len = strlen(s);
        char *buf = malloc(len + 1);
        char **w = malloc(sizeof(char *) * (len / 2 + 2));
        if (!buf || !w) {
                sc->oom = true;
                free(buf);
                free(w);
                return;
        }
        size_t n = 0, o = 0;
        for (size_t i = 0; i < len && n < MG_SHELL_MAX_WORDS;) {
                while (i < len && (mg_scan_is_blank(s[i])))
                        i++;
                if (i >= len)
                        break;
                w[n++] = buf + o;
                char q = 0;
                for (; i < len && (q || !mg_scan_is_blank(s[i])); i++) {
                        if (!q && (s[i] == '\'' || s[i] == '"'))
                                q = s[i];
                        else if (q && s[i] == q)
                                q = 0;
                        else
                                buf[o++] = s[i];
                }
                buf[o++] = '\0';
        }
        const char **src = malloc((n + 1) * sizeof(char *));
        if (!src)
                sc->oom = true;
        else {
                for (size_t i = 0; i < n; i++)
                        src[i] = source;
                for (size_t i = 0; i < n; i++) {
                        if (jvm)
                                jvm_option(sc, st, w[i], source);
                        else
                                node_option(sc, st, w, n, &i, src);
                }
                free(src);
        }
        free(buf);
        free(w);
}

