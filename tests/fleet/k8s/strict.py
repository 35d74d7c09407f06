# SPDX-License-Identifier: Apache-2.0
# Unknown fields, which the schema validators let through (the API server drops or rejects them):
# every key of every built-in object must be a field of its python3-kubernetes model, recursively.
# Kinds the client has no model for (PrometheusRule) are left to validate.mjs.
import sys
import yaml
import kubernetes.client as k

def model_name(api_version, kind):
    version = api_version.split("/")[-1]
    return version.capitalize() + kind

def walk(obj, typ, path, errors):
    if obj is None:
        return
    if typ.startswith("list["):
        for i, v in enumerate(obj):
            walk(v, typ[5:-1], "%s[%d]" % (path, i), errors)
        return
    if typ.startswith("dict("):
        inner = typ[5:-1].split(", ", 1)[1]
        for key, v in obj.items():
            walk(v, inner, "%s.%s" % (path, key), errors)
        return
    klass = getattr(k, typ, None)
    if klass is None or not isinstance(obj, dict):
        return  # a scalar, object or IntOrString
    fields = {json_name: attr for attr, json_name in klass.attribute_map.items()}
    for key, v in obj.items():
        if key not in fields:
            errors.append("%s.%s: unknown field of %s" % (path, key, typ))
        else:
            walk(v, klass.openapi_types[fields[key]], "%s.%s" % (path, key), errors)

bad = 0
for f in sys.argv[1:]:
    for doc in yaml.safe_load_all(open(f)):
        if not doc:
            continue
        typ = model_name(doc["apiVersion"], doc["kind"])
        if not hasattr(k, typ):
            print("%s: %s %s: no python3-kubernetes model, schema check only" % (f, doc["kind"], doc["metadata"]["name"]))
            continue
        errors = []
        walk(doc, typ, doc["kind"], errors)
        for e in errors:
            print("%s: %s" % (f, e))
        bad += bool(errors)
        if not errors:
            print("%s: %s %s: no unknown fields" % (f, doc["kind"], doc["metadata"]["name"]))
sys.exit(1 if bad else 0)
