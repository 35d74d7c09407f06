// SPDX-License-Identifier: Apache-2.0
// Validates every document of the YAML files on the command line against the Kubernetes API
// schemas (kubernetes-models, and the Prometheus Operator's for PrometheusRule), offline. Prints one
// line per document; exits 1 when any is invalid or of a kind it has no schema for.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

async function model(apiVersion, kind) {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  const mod = group === "monitoring.coreos.com"
    ? `@kubernetes-models/prometheus-operator/${group}/${version}`
    : group ? `kubernetes-models/${group}/${version}` : `kubernetes-models/${version}`;
  const m = await import(mod);
  if (!m[kind]) throw new Error(`no model for ${apiVersion} ${kind}`);
  return m[kind];
}

let bad = 0;
for (const file of process.argv.slice(2)) {
  for (const doc of parseAllDocuments(readFileSync(file, "utf8"))) {
    if (doc.errors.length) { console.log(`${file}: YAML: ${doc.errors[0].message}`); bad++; continue; }
    const obj = doc.toJS();
    if (obj === null) continue;
    const name = `${file}: ${obj.kind} ${obj.metadata && obj.metadata.name}`;
    try {
      const Model = await model(obj.apiVersion, obj.kind);
      new Model(obj).validate();
      console.log(`${name}: valid`);
    } catch (e) {
      console.log(`${name}: INVALID: ${e.message}`);
      bad++;
    }
  }
}
process.exit(bad ? 1 : 0);
