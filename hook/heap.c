/* SPDX-License-Identifier: Apache-2.0 */
/* Finding a container's heap settings in process.args, sh -c strings and process.env, for the
 * JVM, Node.js, .NET and Go, with each runtime's own precedence (see heap.h). Pure; the work is
 * bounded whatever the input. */
#include "memgate/heap.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <strings.h>

#define MAX_SH_DEPTH 3
#define MAX_TOTAL_WORDS 65536u
#define MAX_TOTAL_EXPAND (1u << 20)
#define MAX_VARS 32
#define DOTNET_MIN_DEFAULT ((uint64_t)20 * 1024 * 1024)
/* JDK 17 MaxHeapSize default: ScaleForWordSize(96 MiB) = 96 MiB * 1.3, aligned down to 8. */
#define JVM_DEFAULT_MAX_HEAP ((uint64_t)130862280)

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

const char *mg_runtime_name(mg_runtime_t rt) {
        switch (rt) {
        case MG_RT_JVM:
                return "JVM";
        case MG_RT_NODE:
                return "Node.js";
        case MG_RT_GO:
                return "Go";
        case MG_RT_DOTNET:
                return ".NET";
        default:
                return "none";
        }
}

/* ---- settings as each source gives them ---------------------------------------------------- */

typedef struct setting {
        bool have;
        uint64_t v;
        double d;
        char option[MG_OPTION_MAX];
        char source[MG_SOURCE_MAX];
} setting_t;

typedef enum {
        J_MAX_HEAP,
        J_INITIAL,
        J_MAX_PCT,
        J_MIN_PCT,
        J_MAX_FRACTION,
        J_MAX_RAM,
        J_DIRECT,
        J_STACK,
        J_CODE,
        J_META,
        _J_MAX,
} jvm_key_t;

/* JVM sources, lowest precedence first (measured; KERNEL-NOTES). */
typedef enum { JS_TOOL, JS_JDK, JS_CMD, JS_JAVA_OPTIONS, _JS_MAX } jvm_src_t;
static const char *const jvm_env_names[_JS_MAX] = {
        [JS_TOOL] = "JAVA_TOOL_OPTIONS", [JS_JDK] = "JDK_JAVA_OPTIONS", [JS_JAVA_OPTIONS] = "_JAVA_OPTIONS",
};
/* Node sources: NODE_OPTIONS is read before the command line, which wins. */
typedef enum { NS_ENV, NS_CMD, _NS_MAX } node_src_t;

typedef struct var {
        char name[48];
        char *value;
        bool env; /* reaches the runtime's environment (inline assignment, export) */
        char source[MG_SOURCE_MAX];
} var_t;

typedef struct scan {
        char *const *env;
        size_t nenv;
        var_t vars[MAX_VARS]; /* assignments found in the command line, last wins */
        size_t nvars;
        setting_t jvm[_JS_MAX][_J_MAX];
        setting_t node[_NS_MAX];
        bool saw_java, saw_node, saw_dotnet, jvm_opt, node_opt;
        char java_where[MG_SOURCE_MAX], node_where[MG_SOURCE_MAX], dotnet_where[MG_SOURCE_MAX];
        char jvm_note[MG_NOTE_MAX], node_note[MG_NOTE_MAX];
        size_t words_left, expand_left;
} scan_t;

static void set_str(char *dst, size_t n, const char *src) {
        snprintf(dst, n, "%s", src ? src : "");
}

static void note(char *dst, const char *opt, const char *source, const char *what) {
        /* A long note is cut: the option and its source come first, which is what matters. */
        if (!dst[0] && snprintf(dst, MG_NOTE_MAX, "%.60s in %s %s", opt, source, what) >= MG_NOTE_MAX)
                dst[MG_NOTE_MAX - 1] = '\0';
}

static void put(setting_t *s, uint64_t v, double d, const char *opt, const char *source) {
        s->have = true;
        s->v = v;
        s->d = d;
        set_str(s->option, sizeof(s->option), opt);
        set_str(s->source, sizeof(s->source), source);
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
                        note(sc->jvm_note, w, source,
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
        char opt[MG_OPTION_MAX];
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
                note(sc->node_note, word, src[*i], "is not a valid size in MiB");
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

static const char *env_lookup(char *const *env, size_t nenv, const char *name, size_t len, bool ci) {
        const char *found = NULL;
        for (size_t i = 0; env && i < nenv; i++) { /* the last one wins, as in runc */
                const char *e = env[i];
                if (e && (ci ? !strncasecmp(e, name, len) : !strncmp(e, name, len)) && e[len] == '=')
                        found = e + len + 1;
        }
        return found;
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
        if (!value)
                return;
        free(v->value);
        v->value = value;
        v->env = env || env_lookup(sc->env, sc->nenv, w, len, false);
        snprintf(v->source, sizeof(v->source), "%.*s= in %s", (int)(len > 24 ? 24 : len), w, source);
        if (v->env && (!strncasecmp(w, "DOTNET_", 7) || !strncasecmp(w, "COMPlus_", 8)) && !sc->saw_dotnet) {
                sc->saw_dotnet = true;
                set_str(sc->dotnet_where, sizeof(sc->dotnet_where), v->source);
        }
}

/* The value the runtime sees for NAME, and where it came from. ci: match the name without case
 * (the CLR's configuration names). */
static const char *getenv_src(scan_t *sc, const char *name, bool ci, char *source, size_t n) {
        size_t len = strlen(name);
        var_t *v = var_find(sc, name, len, ci);
        if (v && v->env) {
                set_str(source, n, v->source);
                return v->value;
        }
        const char *e = env_lookup(sc->env, sc->nenv, name, len, ci);
        if (e)
                snprintf(source, n, "env %s", name);
        return e;
}

static const char *shell_lookup(void *userdata, const char *name, size_t len) {
        scan_t *sc = userdata;
        var_t *v = var_find(sc, name, len, false);
        if (v)
                return v->value;
        return env_lookup(sc->env, sc->nenv, name, len, false);
}

/* ---- the command line ---------------------------------------------------------------------- */

static bool is_blank_c(char c) {
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
static void scan_command(scan_t *sc, char *const *w, const char *const *src, size_t n, unsigned depth,
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
                if (mg_shell_split_ex(s, &o, &w, &ops, &n) < 0)
                        return;
                sc->expand_left = mg_sat_sub(sc->expand_left, expanded);
                if (n && ops[n - 1])
                        n--; /* the operator that ended the command */
                if (n)
                        scan_command(sc, w, src, n, depth, true);
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
static void scan_option_string(scan_t *sc, const char *s, const char *source, bool jvm, setting_t *st) {
        size_t len = strlen(s);
        char *buf = malloc(len + 1);
        char **w = malloc(sizeof(char *) * (len / 2 + 2));
        if (!buf || !w) {
                free(buf);
                free(w);
                return;
        }
        size_t n = 0, o = 0;
        for (size_t i = 0; i < len && n < MG_SHELL_MAX_WORDS;) {
                while (i < len && (is_blank_c(s[i])))
                        i++;
                if (i >= len)
                        break;
                w[n++] = buf + o;
                char q = 0;
                for (; i < len && (q || !is_blank_c(s[i])); i++) {
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
        if (src) {
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

/* ---- putting it together ------------------------------------------------------------------- */

/* The winner for one JVM key: the highest-precedence source that set it. */
static const setting_t *jvm_get(const scan_t *sc, jvm_key_t k) {
        for (int s = _JS_MAX - 1; s >= 0; s--)
                if (sc->jvm[s][k].have)
                        return &sc->jvm[s][k];
        return NULL;
}

static void fill_jvm(const scan_t *sc, const char *detected_by, mg_heap_t *h) {
        const setting_t *s;
        h->runtime = MG_RT_JVM;
        set_str(h->source, sizeof(h->source), detected_by);
        /* MaxRAMFraction counts only when MaxRAMPercentage was not given at all (the JDK's
         * FLAG_IS_DEFAULT), whatever the order. */
        const setting_t *pct = jvm_get(sc, J_MAX_PCT);
        if (!pct && (s = jvm_get(sc, J_MAX_FRACTION))) {
                h->have_percent = true;
                h->percent = 100.0 / (double)s->v;
                set_str(h->source, sizeof(h->source), s->source);
                set_str(h->option, sizeof(h->option), s->option);
        } else if (pct) {
                h->have_percent = true;
                h->percent = pct->d;
                set_str(h->source, sizeof(h->source), pct->source);
                set_str(h->option, sizeof(h->option), pct->option);
        }
        if ((s = jvm_get(sc, J_MAX_HEAP))) {
                h->have_max_heap = true;
                h->max_heap_bytes = s->v;
                set_str(h->source, sizeof(h->source), s->source);
                set_str(h->option, sizeof(h->option), s->option);
        }
        if ((s = jvm_get(sc, J_MIN_PCT))) {
                h->have_min_percent = true;
                h->min_percent = s->d;
        }
#define X(key, have, field)                     \
        if ((s = jvm_get(sc, key))) {           \
                h->have = true;                 \
                h->field = s->v;                \
        }
        X(J_INITIAL, have_initial_heap, initial_heap_bytes);
        X(J_MAX_RAM, have_max_ram, max_ram_bytes);
        X(J_DIRECT, have_max_direct, max_direct_bytes);
        X(J_STACK, have_thread_stack, thread_stack_bytes);
        X(J_CODE, have_code_cache, code_cache_bytes);
        X(J_META, have_max_metaspace, max_metaspace_bytes);
#undef X
        set_str(h->note, sizeof(h->note), sc->jvm_note);
}

static void fill_node(const scan_t *sc, const char *detected_by, mg_heap_t *h) {
        h->runtime = MG_RT_NODE;
        set_str(h->source, sizeof(h->source), detected_by);
        const setting_t *s = sc->node[NS_CMD].have ? &sc->node[NS_CMD] : sc->node[NS_ENV].have ? &sc->node[NS_ENV] : NULL;
        if (s) {
                h->have_max_heap = true;
                h->max_heap_bytes = s->v;
                set_str(h->source, sizeof(h->source), s->source);
                set_str(h->option, sizeof(h->option), s->option);
        }
        set_str(h->note, sizeof(h->note), sc->node_note);
}

/* DOTNET_<name>, else COMPlus_<name> (before .NET 6); hexadecimal. */
static bool dotnet_value(scan_t *sc, const char *name, uint64_t *v, char *source, size_t n, char *opt, size_t on,
                         char *note_buf) {
        static const char *const prefixes[] = {"DOTNET_", "COMPlus_"};
        for (size_t i = 0; i < ELEMENTSOF(prefixes); i++) {
                char full[64];
                snprintf(full, sizeof(full), "%s%s", prefixes[i], name);
                const char *val = getenv_src(sc, full, true, source, n);
                if (!val)
                        continue;
                if (snprintf(opt, on, "%s=%.60s", full, val) >= (int)on)
                        opt[on - 1] = '\0'; /* cut: only shown in messages */
                if (mg_parse_dotnet_hex(val, v) < 0) {
                        note(note_buf, opt, source, "is not a hexadecimal number (environment values are hex)");
                        return false;
                }
                return true;
        }
        return false;
}

static void fill_dotnet(scan_t *sc, const char *detected_by, mg_heap_t *h) {
        char src[MG_SOURCE_MAX], opt[MG_OPTION_MAX];
        uint64_t v;
        h->runtime = MG_RT_DOTNET;
        set_str(h->source, sizeof(h->source), detected_by);
        if (dotnet_value(sc, "GCHeapHardLimitPercent", &v, src, sizeof(src), opt, sizeof(opt), h->note)) {
                if (v > 0 && v < 100) { /* the GC ignores 0 and refuses 100 and above */
                        h->have_percent = true;
                        h->percent = (double)v;
                        set_str(h->source, sizeof(h->source), src);
                        set_str(h->option, sizeof(h->option), opt);
                } else if (v)
                        note(h->note, opt, src, "is not a percentage between 1 and 99 (0x1-0x63)");
        }
        if (dotnet_value(sc, "GCHeapHardLimit", &v, src, sizeof(src), opt, sizeof(opt), h->note) && v) {
                h->have_max_heap = true;
                h->max_heap_bytes = v;
                set_str(h->source, sizeof(h->source), src);
                set_str(h->option, sizeof(h->option), opt);
        }
}

static void fill_go(scan_t *sc, const char *detected_by, mg_heap_t *h) {
        char src[MG_SOURCE_MAX];
        h->runtime = MG_RT_GO;
        set_str(h->source, sizeof(h->source), detected_by);
        const char *val = getenv_src(sc, "GOMEMLIMIT", false, src, sizeof(src));
        if (!val || !*val) /* empty: the default, no limit */
                return;
        char opt[MG_OPTION_MAX];
        snprintf(opt, sizeof(opt), "GOMEMLIMIT=%.80s", val);
        uint64_t v;
        if (mg_parse_go_size(val, &v) < 0)
                note(h->note, opt, src, "is not a valid size (the Go runtime refuses to start)");
        else if (v != UINT64_MAX) {
                h->have_max_heap = true;
                h->max_heap_bytes = v;
                set_str(h->source, sizeof(h->source), src);
                set_str(h->option, sizeof(h->option), opt);
        }
}

static bool has_content(const char *v) {
        for (; v && *v; v++)
                if (!is_blank_c(*v))
                        return true;
        return false;
}

void mg_heap_detect(char *const *args, size_t nargs, char *const *env, size_t nenv, mg_heap_t *ret) {
        scan_t *sc = calloc(1, sizeof(scan_t));
        *ret = (mg_heap_t){0};
        if (!sc)
                return;
        sc->env = env;
        sc->nenv = env ? nenv : 0;
        sc->words_left = MAX_TOTAL_WORDS;
        sc->expand_left = MAX_TOTAL_EXPAND;

        if (args && nargs) {
                /* process.args is one command; a NULL element ends it (defensive). */
                size_t n = 0;
                while (n < nargs && n < MAX_TOTAL_WORDS && args[n])
                        n++;
                const char **src = malloc((n + 1) * sizeof(char *));
                if (src) {
                        for (size_t i = 0; i < n; i++)
                                src[i] = "process.args";
                        scan_command(sc, args, src, n, 0, false);
                        free(src);
                }
        }

        /* The JVM's environment sources, and NODE_OPTIONS. */
        char src[MG_SOURCE_MAX], jvm_env_where[MG_SOURCE_MAX] = "", node_env_where[MG_SOURCE_MAX] = "";
        for (int s = 0; s < _JS_MAX; s++) {
                if (!jvm_env_names[s])
                        continue;
                const char *v = getenv_src(sc, jvm_env_names[s], false, src, sizeof(src));
                if (!has_content(v))
                        continue;
                if (!jvm_env_where[0])
                        set_str(jvm_env_where, sizeof(jvm_env_where), src);
                scan_option_string(sc, v, src, true, sc->jvm[s]);
        }
        const char *nv = getenv_src(sc, "NODE_OPTIONS", false, src, sizeof(src));
        if (has_content(nv)) {
                set_str(node_env_where, sizeof(node_env_where), src);
                scan_option_string(sc, nv, src, false, &sc->node[NS_ENV]);
        }

        /* Other signs of .NET and Go in the environment. */
        for (size_t i = 0; env && i < nenv && !sc->saw_dotnet; i++)
                if (env[i] && (!strncasecmp(env[i], "DOTNET_", 7) || !strncasecmp(env[i], "COMPlus_", 8)) &&
                    strchr(env[i], '=')) {
                        sc->saw_dotnet = true;
                        snprintf(sc->dotnet_where, sizeof(sc->dotnet_where), "env %.*s",
                                 (int)(strchr(env[i], '=') - env[i] > 40 ? 40 : strchr(env[i], '=') - env[i]), env[i]);
                }
        char go_where[MG_SOURCE_MAX] = "";
        if (!getenv_src(sc, "GOMEMLIMIT", false, go_where, sizeof(go_where)))
                getenv_src(sc, "GOGC", false, go_where, sizeof(go_where));

        ret->jvm_detected = sc->saw_java || sc->jvm_opt || jvm_env_where[0];
        if (ret->jvm_detected) {
                const char *by = sc->saw_java ? sc->java_where : jvm_env_where[0] ? jvm_env_where : "process.args";
                fill_jvm(sc, by, ret);
        } else if (sc->saw_node || sc->node_opt || node_env_where[0])
                fill_node(sc, sc->saw_node ? sc->node_where : node_env_where[0] ? node_env_where : "process.args", ret);
        else if (sc->saw_dotnet)
                fill_dotnet(sc, sc->dotnet_where, ret);
        else if (go_where[0])
                fill_go(sc, go_where, ret);

        for (size_t i = 0; i < sc->nvars; i++)
                free(sc->vars[i].value);
        free(sc);
}

/* ---- the heap in use under a limit --------------------------------------------------------- */

static uint64_t pct_of(uint64_t v, double pct) {
        double r = (double)v * pct / 100.0;
        return r >= 18446744073709549568.0 ? UINT64_MAX : (uint64_t)r;
}

uint64_t mg_heap_effective(const mg_heap_t *h, uint64_t limit) {
        if (!h)
                return 0;
        switch (h->runtime) {
        case MG_RT_JVM: {
                if (h->have_max_heap)
                        return h->max_heap_bytes;
                /* An explicit MaxRAM replaces the memory the JVM sees (not a cap on it). */
                uint64_t phys = h->have_max_ram ? h->max_ram_bytes : limit;
                if (!phys)
                        return 0;
                uint64_t max = pct_of(phys, h->have_percent ? h->percent : 25.0);
                uint64_t min = pct_of(phys, h->have_min_percent ? h->min_percent : 50.0);
                if (min < JVM_DEFAULT_MAX_HEAP)
                        max = min; /* small memory: MinRAMPercentage */
                else if (max < JVM_DEFAULT_MAX_HEAP)
                        max = JVM_DEFAULT_MAX_HEAP;
                if (h->have_initial_heap && h->initial_heap_bytes > max)
                        max = h->initial_heap_bytes;
                return max;
        }
        case MG_RT_NODE:
        case MG_RT_GO:
                return h->have_max_heap ? h->max_heap_bytes : 0;
        case MG_RT_DOTNET:
                if (h->have_max_heap)
                        return h->max_heap_bytes;
                if (!limit)
                        return 0;
                if (h->have_percent)
                        return pct_of(limit, h->percent);
                {
                        uint64_t d = limit / 4 * 3;
                        return d > DOTNET_MIN_DEFAULT ? d : DOTNET_MIN_DEFAULT;
                }
        default:
                return 0;
        }
}
