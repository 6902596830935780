"""The oracle for sam_template.lua: PyYAML reads each file given, with no
implicit typing (every scalar a string, as written) and CloudFormation's
short-form tags in their long form. Prints one JSON object: path ->
{"value": document} or {"error": message, "line": line (1-based)}."""
import json
import sys

import yaml


class Loader(yaml.SafeLoader):
    pass


# No implicit resolvers: 128, true, null, 2010-09-09 and "" stay strings.
Loader.yaml_implicit_resolvers = {}


def long_form(loader, suffix, node):
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    if suffix in ("Ref", "Condition"):
        return {suffix: value}
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {"Fn::" + suffix: value}


Loader.add_multi_constructor("!", long_form)

results = {}
for path in sys.argv[1:]:
    with open(path, encoding="utf-8") as f:
        text = f.read()
    try:
        results[path] = {"value": yaml.load(text, Loader=Loader)}
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        results[path] = {"error": str(e), "line": mark and mark.line + 1}
json.dump(results, sys.stdout, sort_keys=True)
