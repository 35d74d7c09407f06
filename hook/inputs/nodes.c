/* SPDX-License-Identifier: Apache-2.0 */
/* A NUMA node's meminfo (/sys/devices/system/node/nodeN/meminfo): text in, figures out. */
#include "memgate/inputs/nodes.h"

#include <errno.h>
#include <string.h>

#include "memgate/inputs/meminfo.h"
#include "memgate/util/number.h"
#include "proc_text.h"

/* ---- NUMA nodes ---- */

int mg_parse_node_meminfo_named(const char *text, const char *name, int id, mg_node_t *ret, mg_error_t *err) {
        if (!name)
                name = "node meminfo";
        mg_node_t nd = { .id = id };
        bool have_total = false, have_free = false;
        size_t lineno = 0, len;
        const char *p = text, *line;

        while (pf_next_line(&p, &line, &len)) {
                lineno++;
                const char *end = line + len, *q = line, *tok;
                size_t tlen;
                if (!pf_token(&q, end, &tok, &tlen))
                        continue;
                /* "Node 0 MemTotal:  24684084 kB" */
                uint64_t lid;
                if (!pf_tok_is(tok, tlen, "Node") || !pf_token(&q, end, &tok, &tlen) ||
                    mg_parse_u64_n(tok, tlen, &lid) < 0)
                        return pf_line_error(err, -EBADMSG, name, lineno, line, len, "expected \"Node N Name: value\"");
                if (lid != (uint64_t)id)
                        return pf_line_error(err, -EBADMSG, name, lineno, line, len, "line of another node");
                while (q < end && (*q == ' ' || *q == '\t'))
                        q++;
                mg_meminfo_field_t f;
                const char *why = NULL;
                int r = mg_parse_meminfo_line(q, (size_t)(end - q), &f, &why);
                if (r < 0)
                        return pf_line_error(err, r == -ERANGE ? -ERANGE : -EBADMSG, name, lineno, line, len, why);
                if (strcmp(f.name, "MemTotal") == 0)
                        nd.mem_total_kb = f.value, have_total = true;
                else if (strcmp(f.name, "MemFree") == 0)
                        nd.mem_free_kb = f.value, have_free = true;
                else if (strcmp(f.name, "FilePages") == 0)
                        nd.file_pages_kb = f.value;
                else if (strcmp(f.name, "SReclaimable") == 0)
                        nd.sreclaimable_kb = f.value;
        }
        if (!have_total || !have_free)
                return mg_error_set(err, -EBADMSG, "%s: no MemTotal or MemFree line", name);
        *ret = nd;
        return 0;
}

int mg_parse_node_meminfo(const char *text, int id, mg_node_t *ret, mg_error_t *err) {
        return mg_parse_node_meminfo_named(text, NULL, id, ret, err);
}

