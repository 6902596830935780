#!/usr/bin/env python3
"""Generates lua-lambda's AWS service models from botocore's data.

    python3 scripts/aws-models.py [--out models] [SERVICE...]

For every service botocore knows (or the ones named), writes
<out>/<service>.model: botocore's service-2.json with what serialisation,
parsing, pagination, retries and endpoints need and nothing else (no
documentation, examples or validation limits), its paginators-1.json
"pagination" and its endpoint-rule-set-1.json, as lines (models/README.md):

    line 1   {"botocore","name","metadata","operations","methods","paginators",
             "errorCodes","clientContextParams"}
    line 2   the endpoint rule set (JSON), or {} when the service has none
    then     one line per shape, sorted: <ShapeName> TAB <shape as JSON>

so that a client decodes the header at once and each shape only when a
call first needs it (a plain search for "\n<ShapeName>\t"). Also writes
<out>/partitions.json, <out>/VERSION (the botocore version read) and
<out>/services.json (botocore name -> serviceId, protocol, file size).
Uses whichever botocore `python3` imports (the newest present should be
first on PATH); a build of lua-lambda needs none of this, the output is
committed.
"""
import argparse
import json
import os
import sys

import botocore
import botocore.loaders

# Keys of a shape or a member reference that serialisation, parsing,
# endpoints and types never read (never names of members or shapes).
DROP = {
    "documentation", "documentationUrl", "examples", "min", "max", "pattern",
    "enum", "sensitive", "box", "deprecated", "deprecatedMessage",
    "deprecatedSince", "wrapper", "synthetic",
}
# And an operation's own: its name (the key it is under), its error list,
# hints for documentation. Nowhere else: "name" is also a contextParam's
# and an auth scheme's.
DROP_OPERATION = {"name", "errors", "idempotent", "readonly"}
# Metadata a client reads.
METADATA = {
    "apiVersion", "endpointPrefix", "globalEndpoint", "jsonVersion",
    "protocol", "protocols", "serviceId", "signatureVersion", "signingName",
    "targetPrefix", "uid", "xmlNamespace", "auth", "awsQueryCompatible",
    "protocolSettings", "checksumFormat",
}


def strip_ref(ref):
    """A member reference (a member, a list's member, a map's key or
    value, an operation's input or output) without DROP's keys."""
    return {k: v for k, v in ref.items() if k not in DROP}


def strip_shape(shape):
    """A shape without DROP's keys; its members' names are kept whatever
    they are ("name", "min", "errors" are members of some)."""
    out = {}
    for k, v in shape.items():
        if k in DROP:
            continue
        if k == "members":
            v = {name: strip_ref(ref) for name, ref in v.items()}
        elif k in ("member", "key", "value"):
            v = strip_ref(v)
        out[k] = v
    return out


def strip_operation(op):
    out = {}
    for k, v in op.items():
        if k in DROP or k in DROP_OPERATION:
            continue
        if k in ("input", "output"):
            v = strip_ref(v)
        out[k] = v
    return out


def strip_rules(value):
    """A rule set without its documentation (nothing else there is ours
    to drop: parameter names are the rule set's own)."""
    if isinstance(value, dict):
        return {k: strip_rules(v) for k, v in value.items() if k != "documentation"}
    if isinstance(value, list):
        return [strip_rules(v) for v in value]
    return value


def optional(loader, service, kind, version):
    try:
        return loader.load_service_model(service, kind, version)
    except botocore.exceptions.DataNotFoundError:
        return None


def model_of(loader, service):
    version = loader.determine_latest_version(service, "service-2")
    model = loader.load_service_model(service, "service-2", version)
    out = {
        "botocore": botocore.__version__,
        "name": service,
        "metadata": {k: v for k, v in model["metadata"].items() if k in METADATA},
        "operations": {name: strip_operation(op)
                       for name, op in model["operations"].items()},
        # snake_case method names, as boto3 names them (botocore.xform_name)
        "methods": {botocore.xform_name(op): op for op in model["operations"]},
        "shapes": {name: strip_shape(shape) for name, shape in model["shapes"].items()},
    }
    if model.get("clientContextParams"):
        # the rule set parameters a client's configuration sets (S3's
        # ForcePathStyle, Accelerate, ...)
        out["clientContextParams"] = {name: strip_ref(p) for name, p in
                                      model["clientContextParams"].items()}
    # botocore's ServiceModel.shape_for_error_code: an exception's
    # error.code, else its name; only the codes that differ are written
    codes = {}
    for name, shape in model["shapes"].items():
        if shape.get("exception"):
            code = (shape.get("error") or {}).get("code") or name
            if code != name:
                codes[code] = name
    if codes:
        out["errorCodes"] = codes
    if model["metadata"].get("protocol") == "rest-xml":
        # XML elements go in the model's order (S3, Route 53 and CloudFront
        # read them so); JSON objects have none, so it is written out
        for name, shape in model["shapes"].items():
            if shape.get("type") == "structure" and len(shape.get("members", {})) > 1:
                out["shapes"][name]["memberOrder"] = list(shape["members"])
    pages = optional(loader, service, "paginators-1", version)
    if pages and pages.get("pagination"):
        out["paginators"] = pages["pagination"]
    rules = optional(loader, service, "endpoint-rule-set-1", version)
    if rules:
        out["endpointRules"] = strip_rules(rules)
    return out


def compact(value):
    return json.dumps(value, separators=(",", ":"), sort_keys=True,
                      ensure_ascii=False)


def write_json(path, value):
    text = compact(value) + "\n"
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return len(text.encode())


def write_model(path, model):
    shapes = model.pop("shapes")
    rules = model.pop("endpointRules", {})
    lines = [compact(model), compact(rules)]
    for name in sorted(shapes):
        if "\t" in name or "\n" in name:
            raise SystemExit("shape name with a tab or newline: %r" % name)
        lines.append(name + "\t" + compact(shapes[name]))
    text = "\n".join(lines) + "\n"
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return len(text.encode())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "models"))
    parser.add_argument("services", nargs="*")
    args = parser.parse_args()
    loader = botocore.loaders.create_loader()
    names = args.services or sorted(loader.list_available_services("service-2"))
    os.makedirs(args.out, exist_ok=True)
    index = {}
    for name in names:
        model = model_of(loader, name)
        size = write_model(os.path.join(args.out, name + ".model"), model)
        meta = model["metadata"]
        index[name] = {"serviceId": meta.get("serviceId"),
                       "protocol": meta.get("protocol"),
                       "protocols": meta.get("protocols"), "bytes": size}
    if not args.services:
        write_json(os.path.join(args.out, "services.json"), index)
        write_json(os.path.join(args.out, "partitions.json"),
                   loader.load_data("partitions"))
        with open(os.path.join(args.out, "VERSION"), "w") as f:
            f.write("botocore %s\n" % botocore.__version__)
    print("%d models from botocore %s into %s" % (len(names),
          botocore.__version__, args.out), file=sys.stderr)


if __name__ == "__main__":
    main()
