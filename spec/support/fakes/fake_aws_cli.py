#!/usr/bin/python3
"""A stand-in for the AWS CLI's `aws lambda publish-layer-version` and
`aws lambda add-layer-version-permission`, for scripts/publish-layer.sh's
spec. It checks each call against botocore's own model of the Lambda API
(Debian's python3-botocore): every option is a member of the operation's
input, the required ones are there, values match the model's types and
patterns. It keeps the layer versions per region and name in
FAKE_AWS_STATE (a JSON file), logs each call to FAKE_AWS_LOG (a JSON
line each), and prints what the CLI prints, --query NAME --output text
included.
"""
import json
import os
import re
import sys

import botocore.session

ACCOUNT = "123456789012"
# What the CLI itself adds for these operations (awscli customizations).
CLI_OPTIONS = {"PublishLayerVersion": {"zip-file": ("Content", "ZipFile")}}


def fail(message):
    sys.stderr.write("\naws: error: %s\n" % message)
    sys.exit(252)


def cli_name(member):
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "-", member).lower()


def parse(argv):
    if len(argv) < 2 or argv[0] != "lambda":
        fail("only 'aws lambda ...' is faked here")
    operation = "".join(part.capitalize() for part in argv[1].split("-"))
    options, i = {}, 2
    while i < len(argv):
        arg = argv[i]
        if not arg.startswith("--"):
            fail("unexpected argument %r" % arg)
        name = arg[2:]
        values = []
        i += 1
        while i < len(argv) and not argv[i].startswith("--"):
            values.append(argv[i])
            i += 1
        if name in options:
            fail("option --%s given twice" % name)
        options[name] = values
    return operation, options


def check_value(shape, value, where):
    if shape.type_name in ("long", "integer"):
        if not re.fullmatch(r"-?\d+", value):
            fail("%s: expected an integer, got %r" % (where, value))
        return int(value)
    pattern = shape.metadata.get("pattern")
    if pattern and not re.fullmatch(pattern, value):
        fail("%s: %r does not match the pattern %s" % (where, value, pattern))
    length = shape.metadata.get("max")
    if length and len(value) > length:
        fail("%s: longer than %d" % (where, length))
    return value


def main():
    operation, options = parse(sys.argv[1:])
    model = botocore.session.get_session().get_service_model("lambda")
    if operation not in model.operation_names:
        fail("no operation %s" % operation)
    shape = model.operation_model(operation).input_shape
    region = (options.pop("region", [None]) or [None])[0]
    query = (options.pop("query", [None]) or [None])[0]
    output = (options.pop("output", ["json"]) or ["json"])[0]
    if not region:
        fail("no region: --region is required here")
    params = {}
    by_cli = {cli_name(m): m for m in shape.members}
    for name, values in options.items():
        extra = CLI_OPTIONS.get(operation, {}).get(name)
        if extra:
            path = values[0]
            if not path.startswith("fileb://"):
                fail("--%s takes fileb://PATH" % name)
            if not os.path.isfile(path[8:]):
                fail("Unable to load paramfile %s" % path)
            if os.path.getsize(path[8:]) > 50 * 1024 * 1024:
                fail("RequestEntityTooLargeException: over 50 MB")
            params.setdefault(extra[0], {})[extra[1]] = path[8:]
            continue
        if name not in by_cli:
            fail("Unknown options: --%s" % name)
        member = by_cli[name]
        mshape = shape.members[member]
        if mshape.type_name == "list":
            params[member] = [check_value(mshape.member, v, "--" + name)
                              for v in values]
        elif len(values) != 1:
            fail("--%s takes one value" % name)
        else:
            params[member] = check_value(mshape, values[0], "--" + name)
    for required in shape.required_members:
        if required not in params:
            fail("the following arguments are required: --%s"
                 % cli_name(required))
    state_path = os.environ["FAKE_AWS_STATE"]
    state = {}
    if os.path.exists(state_path):
        with open(state_path) as f:
            state = json.load(f)
    key = region + "/" + params["LayerName"]
    if operation == "PublishLayerVersion":
        version = state.get(key, 0) + 1
        state[key] = version
        layer = "arn:aws:lambda:%s:%s:layer:%s" % (region, ACCOUNT,
                                                  params["LayerName"])
        result = {"LayerArn": layer, "LayerVersionArn": "%s:%d" % (layer, version),
                  "Version": version,
                  "CompatibleRuntimes": params.get("CompatibleRuntimes", []),
                  "CompatibleArchitectures":
                      params.get("CompatibleArchitectures", [])}
    else:
        if params["VersionNumber"] > state.get(key, 0):
            fail("ResourceNotFoundException: no version %d of %s"
                 % (params["VersionNumber"], key))
        result = {"Statement": json.dumps({"Sid": params["StatementId"]}),
                  "RevisionId": "1"}
    with open(state_path, "w") as f:
        json.dump(state, f)
    with open(os.environ["FAKE_AWS_LOG"], "a") as f:
        f.write(json.dumps({"operation": operation, "region": region,
                            "params": params}) + "\n")
    if query:
        result = result[query]
    if output == "text":
        print(result if not isinstance(result, dict) else
              "\t".join(str(v) for v in result.values()))
    else:
        print(json.dumps(result, indent=4))


main()
