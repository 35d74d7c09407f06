/* SPDX-License-Identifier: Apache-2.0 */
/* memgate.conf: one `key = value` per line, `#` comments. Every key is listed in the table below
 * and in memgate(1); an unknown key or a malformed value is an error with its file and line, so a
 * typo never silently leaves a default in force. */
#include "memgate/conf.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>

/* Defaults. The runc figures are measured (KERNEL-NOTES.md: runc 1.1.5 / Go 1.19.8, the `runc run`
 * parent charges about 117 MiB and `runc init` about 77 MiB, both alive while the hook runs). */
void mg_conf_defaults(mg_conf_t *c) {
        *c = (mg_conf_t){
                .policy = MG_POLICY_ENFORCE,
                .allow_opt_out = false,
                .fail_closed = false,
                .heuristic = MG_HEUR_AUTO,
                .runtime_reserve_kb = (117 + 77) * 1024,
                .go_start_kb = 36 * 1024,       /* 4 MiB heap chunk + 32 MiB arena index (Go >= 1.16) */
                .jvm_start_extra_kb = 64 * 1024, /* metaspace, code cache, GC structures committed at start */
                .watermark_warn_percent = 10,
                .write_report = true,
                .syslog = true,
        };
        mg_offheap_defaults(&c->offheap);
}

typedef enum { K_BOOL, K_SIZE_KB, K_SIZE_B, K_COUNT, K_PERCENT, K_POLICY, K_HEURISTIC } kind_t;

static const struct key {
        const char *name;
        kind_t kind;
        size_t offset;
} keys[] = {
#define F(field) offsetof(mg_conf_t, field)
        {"policy", K_POLICY, F(policy)},
        {"allow_opt_out", K_BOOL, F(allow_opt_out)},
        {"fail_closed", K_BOOL, F(fail_closed)},
        {"overcommit_heuristic", K_HEURISTIC, F(heuristic)},
        {"runtime_reserve", K_SIZE_KB, F(runtime_reserve_kb)},
        {"go_start_commit", K_SIZE_KB, F(go_start_kb)},
        {"jvm_start_commit", K_SIZE_KB, F(jvm_start_extra_kb)},
        {"watermark_warn_percent", K_PERCENT, F(watermark_warn_percent)},
        {"write_report", K_BOOL, F(write_report)},
        {"syslog", K_BOOL, F(syslog)},
        {"jvm_classes", K_COUNT, F(offheap.jvm_classes)},
        {"jvm_threads", K_COUNT, F(offheap.jvm_threads)},
        {"jvm_metaspace_base", K_SIZE_B, F(offheap.jvm_metaspace_base)},
        {"jvm_bytes_per_class", K_SIZE_B, F(offheap.jvm_bytes_per_class)},
        {"jvm_code_cache", K_SIZE_B, F(offheap.jvm_code_cache)},
        {"jvm_thread_stack", K_SIZE_B, F(offheap.jvm_thread_stack)},
        {"jvm_gc_percent", K_PERCENT, F(offheap.jvm_gc_percent)},
        {"jvm_direct", K_SIZE_B, F(offheap.jvm_direct)},
        {"jvm_other", K_SIZE_B, F(offheap.jvm_other)},
        {"node_young", K_SIZE_B, F(offheap.node_young)},
        {"node_extra", K_SIZE_B, F(offheap.node_extra)},
        {"go_fixed", K_SIZE_B, F(offheap.go_fixed)},
        {"go_headroom_percent", K_PERCENT, F(offheap.go_headroom_percent)},
        {"dotnet_extra", K_SIZE_B, F(offheap.dotnet_extra)},
#undef F
};

static int parse_bool(const char *v, bool *ret) {
        if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "on") || !strcmp(v, "1"))
                *ret = true;
        else if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "off") || !strcmp(v, "0"))
                *ret = false;
        else
                return -EINVAL;
        return 0;
}

static int set_value(mg_conf_t *c, const struct key *k, const char *v, const char **ret_expect) {
        char *p = (char *)c + k->offset;
        uint64_t u;
        int r;

        switch (k->kind) {
        case K_BOOL:
                *ret_expect = "yes or no";
                return parse_bool(v, (bool *)p);
        case K_SIZE_KB:
        case K_SIZE_B:
                *ret_expect = "a size such as 512M or 2G";
                r = mg_parse_size(v, &u);
                if (r < 0)
                        return r;
                *(uint64_t *)p = k->kind == K_SIZE_KB ? u / 1024 : u;
                return 0;
        case K_COUNT:
                *ret_expect = "a whole number";
                r = mg_parse_u64(v, &u);
                if (r < 0)
                        return r;
                if (u > 100000000)
                        return -ERANGE;
                *(uint64_t *)p = u;
                return 0;
        case K_PERCENT:
                *ret_expect = "a whole number from 0 to 100";
                r = mg_parse_u64(v, &u);
                if (r < 0)
                        return r;
                if (u > 100)
                        return -ERANGE;
                *(uint64_t *)p = u;
                return 0;
        case K_POLICY:
                *ret_expect = "enforce or warn";
                if (!strcmp(v, "enforce"))
                        *(mg_policy_t *)p = MG_POLICY_ENFORCE;
                else if (!strcmp(v, "warn"))
                        *(mg_policy_t *)p = MG_POLICY_WARN;
                else
                        return -EINVAL;
                return 0;
        case K_HEURISTIC:
                *ret_expect = "auto, legacy (before 5.2) or modern (5.2 and later)";
                if (!strcmp(v, "auto"))
                        *(mg_heuristic_t *)p = MG_HEUR_AUTO;
                else if (!strcmp(v, "legacy"))
                        *(mg_heuristic_t *)p = MG_HEUR_LEGACY;
                else if (!strcmp(v, "modern"))
                        *(mg_heuristic_t *)p = MG_HEUR_MODERN;
                else
                        return -EINVAL;
                return 0;
        }
        return -EINVAL;
}

static char *trim(char *s) {
        while (isspace((unsigned char)*s))
                s++;
        size_t n = strlen(s);
        while (n > 0 && isspace((unsigned char)s[n - 1]))
                s[--n] = '\0';
        return s;
}

int mg_conf_parse(const char *text, const char *name, mg_conf_t *c, mg_error_t *err) {
        _cleanup_free_ char *copy = strdup(text);
        if (!copy)
                return mg_error_set(err, -ENOMEM, "%s: out of memory", name);
        mg_conf_t tmp = *c; /* untouched on failure */
        unsigned line = 0;
        char *save = NULL;

        /* strtok_r would skip empty lines and miscount; walk lines by hand. */
        for (char *l = copy; l; l = save) {
                line++;
                save = strchr(l, '\n');
                if (save)
                        *save++ = '\0';
                char *hash = strchr(l, '#');
                if (hash)
                        *hash = '\0';
                char *s = trim(l);
                if (*s == '\0')
                        continue;
                char *eq = strchr(s, '=');
                if (!eq)
                        return mg_error_set(err, -EINVAL, "%s:%u: expected \"key = value\", got \"%.80s\"", name,
                                            line, s);
                *eq = '\0';
                char *key = trim(s), *value = trim(eq + 1);
                if (*key == '\0' || *value == '\0')
                        return mg_error_set(err, -EINVAL, "%s:%u: expected \"key = value\", got an empty %s", name,
                                            line, *key ? "value" : "key");
                const struct key *k = NULL;
                for (size_t i = 0; i < ELEMENTSOF(keys); i++)
                        if (!strcmp(keys[i].name, key))
                                k = &keys[i];
                if (!k)
                        return mg_error_set(err, -EINVAL, "%s:%u: unknown key \"%.64s\"", name, line, key);
                const char *expect = "";
                int r = set_value(&tmp, k, value, &expect);
                if (r < 0)
                        return mg_error_set(err, -EINVAL, "%s:%u: %s = \"%.64s\": expected %s%s", name, line, key,
                                            value, expect, r == -ERANGE ? " (out of range)" : "");
        }
        *c = tmp;
        return 0;
}

int mg_conf_load(const char *path, bool must_exist, mg_conf_t *c, mg_error_t *err) {
        _cleanup_free_ char *buf = NULL;
        int r = mg_read_file_at(AT_FDCWD, path, MG_CAP_CONF, false, &buf, NULL, err);
        if (r == -ENOENT && !must_exist)
                return 0;
        if (r < 0)
                return r;
        return mg_conf_parse(buf, path, c, err);
}
