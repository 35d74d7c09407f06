#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# A real prometheus-node-exporter (Debian's 1.5) on loopback serves the file contrib/systemd's
# memgate-textfile writes: the memgate_* series arrive with their values, and the collector reports
# no scrape error. The exporter is started on a free port with its textfile directory in a temp
# dir, and stopped on exit (also on failure).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
need_cmd prometheus-node-exporter
need_cmd python3
MG=${MEMGATE_BIN:?}
SRC=${MEMGATE_SRC:?}
WORK=$(mktemp -d)
NE_PID=
cleanup() {
        if [ -n "$NE_PID" ]; then
                kill "$NE_PID" 2>/dev/null || true
                wait "$NE_PID" 2>/dev/null || true
        fi
        rm -rf "$WORK"
}
trap cleanup EXIT
mkdir "$WORK/textfile"

# The textfile, as the timer writes it; nothing else may be left in the directory.
MEMGATE_TEXTFILE_DIR="$WORK/textfile" MEMGATE="$MG" sh "$SRC/contrib/systemd/memgate-textfile"
[ "$(ls -A "$WORK/textfile")" = memgate.prom ] || fail "the textfile directory holds: $(ls -A "$WORK/textfile")"
# A memgate that fails leaves the last good file in place and no temporary file behind.
cp "$WORK/textfile/memgate.prom" "$WORK/before.prom"
printf '#!/bin/sh\necho partial\nexit 2\n' > "$WORK/broken-memgate"
chmod +x "$WORK/broken-memgate"
MEMGATE_TEXTFILE_DIR="$WORK/textfile" MEMGATE="$WORK/broken-memgate" sh "$SRC/contrib/systemd/memgate-textfile" \
        2>/dev/null && fail "memgate-textfile succeeded with a failing memgate"
cmp -s "$WORK/before.prom" "$WORK/textfile/memgate.prom" || fail "a failed run replaced the textfile"
[ "$(ls -A "$WORK/textfile")" = memgate.prom ] || fail "a failed run left: $(ls -A "$WORK/textfile")"

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
prometheus-node-exporter --web.listen-address="127.0.0.1:$PORT" --collector.disable-defaults \
        --collector.textfile --collector.textfile.directory="$WORK/textfile" > "$WORK/ne.log" 2>&1 &
NE_PID=$!
python3 - "$PORT" "$WORK/textfile/memgate.prom" "$WORK/ne.log" <<'PY'
import sys, time, urllib.request
port, path, log = sys.argv[1:]
body = None
for _ in range(100):  # wait for the listener; not a timed assertion
    try:
        body = urllib.request.urlopen("http://127.0.0.1:%s/metrics" % port, timeout=5).read().decode()
        break
    except OSError:
        time.sleep(0.1)
if body is None:
    sys.exit("node_exporter never answered: " + open(log).read())

def key(series):  # name{labels} with the labels sorted: node_exporter re-orders them
    if "{" not in series:
        return series
    name, rest = series.split("{", 1)
    labels, cur, i = [], "", 0
    body = rest[:-1]
    while i < len(body):  # split on commas outside quoted values (values may hold \" and ,)
        c = body[i]
        if c == '"':
            j = i + 1
            while body[j] != '"':
                j += 2 if body[j] == "\\" else 1
            cur += body[i:j + 1]
            i = j + 1
            continue
        if c == ",":
            labels.append(cur)
            cur = ""
        else:
            cur += c
        i += 1
    if cur:
        labels.append(cur)
    return name + "{" + ",".join(sorted(labels)) + "}"

def samples(text):
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            out[key(name)] = value
    return out

served, written = samples(body), samples(open(path).read())
assert served.get("node_textfile_scrape_error") == "0", [l for l in body.splitlines() if "textfile" in l]
memgate = {k: v for k, v in written.items() if k.startswith("memgate_")}
assert len(memgate) > 20, memgate
for k, v in memgate.items():
    assert k in served, "node_exporter does not serve %s" % k
    assert float(served[k]) == float(v), (k, served[k], v)
assert 'node_textfile_mtime_seconds{file="memgate.prom"}' in served or any(
    k.startswith("node_textfile_mtime_seconds") and "memgate.prom" in k for k in served), "no mtime for memgate.prom"
print("PASS: node_exporter serves all %d memgate samples unchanged" % len(memgate))
PY
