#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# -m 1g with JAVA_TOOL_OPTIONS=-Xmx900m starts with a warning, and through the staged precreate
# hook podman inspect shows io.memgate.verdict=warn and offheap-margin in io.memgate.findings.
# The precreate output is the config podman proposed, with only annotations added.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

need_root
need_cmd podman runc jq cmake
need_env MEMGATE_BUILD
need_image

tmp=$(mktemp -d)
name=memgate-e2e-warn-$$
cleanup() {
        podman rm -f "$name" >/dev/null 2>&1 || true
        rm -rf "$tmp"
}
trap cleanup EXIT
stage_install "$tmp/stage"
[ -f "$MG_STAGE_PRECREATE/memgate-precreate.json" ] || fail "no staged precreate hook in $MG_STAGE_PRECREATE"

mg_podman --hooks-dir "$MG_STAGE_HOOKS" --hooks-dir "$MG_STAGE_PRECREATE" run --name "$name" \
        --label io.memgate.e2e=1 "${MG_ULIMITS[@]}" -m 1g -e JAVA_TOOL_OPTIONS=-Xmx900m "$MG_IMAGE" \
        sh -c 'echo started' >"$tmp/out" 2>"$tmp/err" ||
        { cat "$tmp/out" "$tmp/err"; fail "the -Xmx900m / 1 GiB start was refused or failed"; }
assert_contains "$(cat "$tmp/out")" started "the container ran"

verdict=$(podman inspect --format '{{index .Config.Annotations "io.memgate.verdict"}}' "$name")
findings=$(podman inspect --format '{{index .Config.Annotations "io.memgate.findings"}}' "$name")
log "podman inspect: io.memgate.verdict=$verdict io.memgate.findings=$findings"
[ "$verdict" = warn ] || fail "io.memgate.verdict is '$verdict', expected warn"
case ",$findings," in
*,offheap-margin,*) ;;
*) fail "io.memgate.findings '$findings' lacks offheap-margin" ;;
esac

# The warning itself, as the createRuntime hook recorded it in the bundle.
bundle=$(podman inspect --format '{{.StaticDir}}' "$name")
jq -e '.verdict == "warn" and any(.findings[]; .code == "offheap-margin" and .severity == "warn")' \
        "$bundle/memgate.json" >/dev/null || fail "memgate.json: $(jq -c '{verdict, findings: [.findings[] | {code, severity}]}' "$bundle/memgate.json")"
log "warning: $(jq -r '.findings[] | select(.code == "offheap-margin") | .message' "$bundle/memgate.json")"

# The runtime saw the annotations too (precreate output became config.json).
jq -e '.annotations["io.memgate.verdict"] == "warn"' "$bundle/config.json" >/dev/null ||
        fail "config.json handed to runc lacks io.memgate.verdict"

# Pass-through: feeding podman's own config (annotations stripped) to memgate precreate gives it
# back with nothing changed but io.memgate.* annotations.
jq '.annotations |= with_entries(select(.key | startswith("io.memgate.") | not))' "$bundle/config.json" \
        >"$tmp/proposed.json"
"$MG_STAGE_BIN/memgate" precreate <"$tmp/proposed.json" >"$tmp/annotated.json" 2>"$tmp/precreate.err" ||
        { cat "$tmp/precreate.err"; fail "memgate precreate refused podman's own config"; }
diff <(jq -S . "$tmp/proposed.json") \
        <(jq -S '.annotations |= with_entries(select(.key | startswith("io.memgate.") | not))' "$tmp/annotated.json") \
        >"$tmp/diff" || { cat "$tmp/diff"; fail "memgate precreate changed more than the annotations"; }
jq -e '.annotations["io.memgate.verdict"] == "warn"' "$tmp/annotated.json" >/dev/null ||
        fail "memgate precreate did not add io.memgate.verdict"
log "precreate passes the config through unchanged apart from io.memgate.* annotations"
