#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# What operators write by hand: a createRuntime hook in shell and jq (Debian's jq) doing two of
# memgate's checks, for tests/bench/bench.py to compare against. Not a part of memgate.
#  1. the container's memory limit against MemAvailable;
#  2. a JVM heap (-Xmx in process.args or JAVA_TOOL_OPTIONS) against the memory limit.
set -eu
bundle=$(jq -r .bundle)
cfg="$bundle/config.json"
limit=$(jq -r '.linux.resources.memory.limit // 0' "$cfg")
xmx=$(jq -r '[.process.args[]?, (.process.env[]? | select(startswith("JAVA_TOOL_OPTIONS=")))]
             | map(capture("-Xmx(?<n>[0-9]+)(?<u>[kKmMgG]?)")?) | last // empty
             | (.n | tonumber) * ({"":1,"k":1024,"K":1024,"m":1048576,"M":1048576,"g":1073741824,"G":1073741824}[.u])' "$cfg")
avail=$(awk '$1 == "MemAvailable:" { printf "%.0f\n", $2 * 1024 }' /proc/meminfo)
if [ "$limit" -gt 0 ] && [ "$limit" -gt "$avail" ]; then
        echo "hook: memory limit $limit exceeds MemAvailable $avail" >&2
fi
if [ -n "$xmx" ] && [ "$limit" -gt 0 ] && [ "$xmx" -gt "$limit" ]; then
        echo "hook: -Xmx $xmx exceeds the memory limit $limit" >&2
        exit 1
fi
exit 0
