#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# contrib/prometheus: `promtool check rules` on the rules file and on the PrometheusRule's groups
# (which must be the rules file's), and `promtool test rules` on rules.test.yml, after checking
# that every alert has a case where it fires and one where it does not.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
need_cmd promtool
need_cmd python3
PY=/usr/bin/python3
$PY -c "import yaml" 2>/dev/null || PY=python3
$PY -c "import yaml" 2>/dev/null || skip "needs python3-yaml"
SRC=${MEMGATE_SRC:?}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
RULES="$SRC/contrib/prometheus/memgate.rules.yml"

promtool check rules "$RULES" || fail "promtool check rules $RULES"
cp "$RULES" "$WORK/memgate.rules.yml"
$PY - "$RULES" "$SRC/contrib/prometheus/memgate-prometheusrule.yaml" "$(dirname "$0")/rules.test.yml" \
        "$WORK" <<'PY'
import sys, yaml
rules_path, cr_path, test_path, work = sys.argv[1:]
rules = yaml.safe_load(open(rules_path))
cr = yaml.safe_load(open(cr_path))
assert cr["apiVersion"] == "monitoring.coreos.com/v1" and cr["kind"] == "PrometheusRule", cr.get("kind")
assert cr["spec"]["groups"] == rules["groups"], "memgate-prometheusrule.yaml differs from memgate.rules.yml"
yaml.safe_dump({"groups": cr["spec"]["groups"]}, open(work + "/operator.rules.yml", "w"))

alerts = {}
for g in rules["groups"]:
    for r in g["rules"]:
        a = r["annotations"]
        assert "runbook" in a and "Cause:" in a["runbook"] and "Fix:" in a["runbook"] and "`" in a["runbook"], r["alert"]
        assert "{{" not in a["runbook"], "%s: the runbook is static text" % r["alert"]
        assert r["labels"]["severity"] in ("critical", "warning", "info"), r["alert"]
        alerts[r["alert"]] = a["runbook"]

tests = yaml.safe_load(open(test_path))
fires, silent = set(), set()
for t in tests["tests"]:
    for c in t.get("alert_rule_test", []):
        name = c["alertname"]
        assert name in alerts, "test of an unknown alert %s" % name
        (fires if c.get("exp_alerts") else silent).add(name)
        for e in c.get("exp_alerts") or []:
            e.setdefault("exp_annotations", {})["runbook"] = alerts[name]
missing = [a for a in alerts if a not in fires or a not in silent]
assert not missing, "alerts without a firing and a silent case: %s" % missing
yaml.safe_dump(tests, open(work + "/rules.test.yml", "w"), sort_keys=False)
print("%d alerts, each tested firing and silent" % len(alerts))
PY
promtool check rules "$WORK/operator.rules.yml" || fail "promtool check rules on the PrometheusRule's groups"
(cd "$WORK" && promtool test rules rules.test.yml) || fail "promtool test rules"
echo "PASS: rules check and every alert's unit tests pass"
