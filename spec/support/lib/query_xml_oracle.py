"""The oracle of spec/unit/aws_query_spec.lua: botocore's query and ec2
serializers and parsers, and its RestXMLSerializer / RestXMLParser for XML
bodies, run on lua-lambda's own models (aws_model.py).

Reads a JSON list of cases on stdin, writes a JSON list of answers.
Values cross as JSON with blobs as {"__blob": base64} and timestamps as
epoch seconds (an integer when whole); structures are given to botocore
with their members in the order lambda.aws writes them in (the model's
memberOrder in rest-xml models, sorted elsewhere) and maps with sorted
keys.

Cases ("kind"):
  build        service, operation, params -> method, url_path, body (the
               form as botocore's AWSRequest encodes it), headers, host_prefix
  parse        service, operation, body[, status, headers] -> the value
  parse_error  service, operation, body, status -> code, message,
               request_id, fields (the modeled error's parse, or null)
  xml_encode   service, shape, value, root_name[, xml_namespace] -> body
  xml_decode   service, shape, body -> value
  random_build service, operation, seed -> params and build's answer
  random_parse service, operation, seed[, pretty] -> body and parse's answer
  etree        b64 (the document's bytes) -> ok and the tree (name, ns,
               attrs, text, tail, children) ElementTree reads, or not ok
  random_xml   service, shape, seed -> value, its XML (encode's answer),
               a generated body of the shape and decode's answer of it
"""
import base64
import calendar
import datetime
import json
import os
import random
import sys
from urllib.parse import urlencode
from xml.etree import ElementTree

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import aws_model  # noqa: E402

import botocore.model  # noqa: E402
import botocore.parsers  # noqa: E402
import botocore.serialize  # noqa: E402

MODELS = {}


def service(name):
    if name not in MODELS:
        MODELS[name] = aws_model.service_model(name)
    return MODELS[name]


# ---- values across the wire ------------------------------------------

def to_wire(value):
    if isinstance(value, (bytes, bytearray)):
        return {"__blob": base64.b64encode(bytes(value)).decode()}
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=datetime.timezone.utc)
        t = value.timestamp()
        return int(t) if t == int(t) else t
    if isinstance(value, dict):
        return {k: to_wire(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_wire(v) for v in value]
    return value


def ordered(shape, keys):
    """keys in lambda.aws's order for a structure: the model's memberOrder
    where the model has one (rest-xml), else sorted."""
    order = shape._shape_model.get("memberOrder")
    if not order:
        return sorted(keys)
    keys = set(keys)
    return [k for k in order if k in keys] + sorted(k for k in keys if k not in order)


def from_wire(shape, value):
    """A value from Lua (JSON) as botocore takes it, in lambda.aws's order."""
    if value is None:
        return None
    t = shape.type_name
    if t == "structure":
        return {k: from_wire(shape.members[k], value[k])
                for k in ordered(shape, value) if k in shape.members} | \
            {k: value[k] for k in value if k not in shape.members}
    if t == "list":
        return [from_wire(shape.member, v) for v in value]
    if t == "map":
        return {k: from_wire(shape.value, value[k]) for k in sorted(value)}
    if t == "blob" and isinstance(value, dict):
        return base64.b64decode(value["__blob"])
    return value


# ---- random values from shapes ---------------------------------------

CHARS = ("abcXYZ019 _-.~+=&<>\"'%/:;?#[]@!$()*,\n\t\u00e9\u00df\u6f22"
         "\u5b57\U0001f600")


def rand_string(rng):
    n = rng.choice([0, 1, 3, 8, 12])
    return "".join(rng.choice(CHARS) for _ in range(n))


FLOATS = [0.5, 1.0, -2.25, 1e-05, 1e16, 123.456, 0.1, 3.0e-7, 1234567.0,
          -0.0, 2.5e20]


def rand_value(rng, shape, depth, for_output=False):
    t = shape.type_name
    if t == "structure":
        return rand_structure(rng, shape, depth, for_output)
    if t == "list":
        if depth > 4:
            return []
        return [rand_value(rng, shape.member, depth + 1, for_output)
                for _ in range(rng.choice([0, 1, 2, 3]))]
    if t == "map":
        if depth > 4:
            return {}
        return {"k" + rand_string(rng).replace("\n", "") + str(i):
                rand_value(rng, shape.value, depth + 1, for_output)
                for i in range(rng.choice([0, 1, 2]))}
    if t in ("string", "character"):
        return rand_string(rng)
    if t == "boolean":
        return rng.choice([True, False])
    if t in ("integer", "long"):
        return rng.choice([0, 1, -7, 42, 2**31 - 1, rng.randint(-10**6, 10**9)]
                          + ([2**53 + 1] if t == "long" else []))
    if t in ("float", "double"):
        return rng.choice(FLOATS + [round(rng.random() * 1000, 3)])
    if t == "blob":
        return bytes(rng.randrange(256) for _ in range(rng.choice([0, 1, 5, 16])))
    if t == "timestamp":
        whole = rng.randint(0, 2**31)
        if for_output:
            return whole
        return rng.choice([whole, whole + 0.125])
    return rand_string(rng)


def rand_structure(rng, shape, depth, for_output):
    out = {}
    names = [n for n in shape.members
             if shape.members[n].serialization.get("location") is None
             and not shape.members[n].serialization.get("eventheader")]
    if shape.is_tagged_union:
        names = [rng.choice(names)] if names else []
    for name in sorted(names):
        m = shape.members[name]
        if shape.is_tagged_union or rng.random() < (0.7 if depth < 3 else 0.3):
            if m.serialization.get("xmlAttribute"):
                out[name] = rand_string(rng).replace("\n", "").replace("\t", "")
                continue
            if depth > 5 and m.type_name in ("structure", "list", "map"):
                continue
            out[name] = rand_value(rng, m, depth + 1, for_output)
    return out


def sort_value(shape, value):
    t = shape.type_name
    if t == "structure":
        return {k: sort_value(shape.members[k], value[k]) for k in ordered(shape, value)}
    if t == "list":
        return [sort_value(shape.member, v) for v in value]
    if t == "map":
        return {k: sort_value(shape.value, value[k]) for k in sorted(value)}
    return value


# ---- the cases --------------------------------------------------------

def serializer_for(protocol):
    return botocore.serialize.create_serializer(protocol, include_validation=False)


def build(svc, op, params):
    s = serializer_for(svc.protocol)
    req = s.serialize_to_request(params, op)
    body = req["body"]
    if isinstance(body, dict):
        body = urlencode([(k.encode() if isinstance(k, str) else k,
                           v.encode() if isinstance(v, str) else v)
                          for k, v in body.items()], doseq=True)
    if isinstance(body, bytes):
        body = body.decode("utf-8")
    return {"method": req["method"], "url_path": req["url_path"], "body": body,
            "headers": req["headers"], "host_prefix": req.get("host_prefix")}


def response(body, status=200, headers=None):
    return {"body": body.encode() if isinstance(body, str) else body,
            "status_code": status, "headers": headers or {},
            "context": {"operation_name": "x"}}


def parse(svc, op, body, status=200, headers=None):
    parser = botocore.parsers.create_parser(svc.protocol)
    parsed = parser.parse(response(body, status, headers), op.output_shape)
    parsed.pop("ResponseMetadata", None)
    return to_wire(parsed)


def parse_error(svc, op, body, status, headers=None):
    parser = botocore.parsers.create_parser(svc.protocol)
    resp = response(body, status, headers)
    parsed = parser.parse(resp, op.output_shape)
    err = parsed.get("Error", {})
    code = err.get("Code")
    fields = None
    shape = svc.shape_for_error_code(code) if code is not None else None
    if shape is not None:
        fields = parser.parse(resp, shape)
    return to_wire({"code": code, "message": err.get("Message"),
                    "request_id": parsed.get("ResponseMetadata", {}).get("RequestId"),
                    "fields": fields})


class Ref:
    """A shape with the payload member's serialization (name, namespace)."""


def xml_encode(svc, shape_name, value, root_name, namespace=None):
    shape = svc.shape_for(shape_name)
    traits = {"shape": shape_name, "locationName": root_name}
    if namespace is not None:
        traits["xmlNamespace"] = namespace
    shape = svc._shape_resolver.resolve_shape_ref(traits)
    s = botocore.serialize.RestXMLSerializer()
    return s._serialize_body_params(value, shape).decode()


def xml_decode(svc, shape_name, body):
    p = botocore.parsers.RestXMLParser()
    shape = svc.shape_for(shape_name)
    return to_wire(p._parse_shape(shape, p._initial_body_parse(body.encode())))


def element_of(shape, value, name):
    root = ElementTree.Element("")
    botocore.serialize.RestXMLSerializer()._serialize(shape, value, root, name)
    return list(root)[0]


def answer_body(svc, op, value, rng, pretty):
    """An answer as the service sends it, with the output's value."""
    name = op.name + "Response"
    ns = "https://%s.amazonaws.com/doc/%s/" % (svc.endpoint_prefix,
                                               svc.api_version)
    shape = op.output_shape
    if svc.protocol == "ec2":
        root = element_of(shape, value, name) if shape is not None \
            else ElementTree.Element(name)
        rid = ElementTree.Element("requestId")
        rid.text = "req-1"
        root.insert(0, rid)
    else:
        root = ElementTree.Element(name)
        if shape is not None:
            wrapper = shape.serialization.get("resultWrapper", op.name + "Result")
            root.append(element_of(shape, value, wrapper))
        meta = ElementTree.SubElement(root, "ResponseMetadata")
        ElementTree.SubElement(meta, "RequestId").text = "req-1"
    root.set("xmlns", ns)
    if pretty:
        ElementTree.indent(root)
    text = ElementTree.tostring(root, encoding="unicode")
    if pretty:
        text = '<?xml version="1.0" encoding="UTF-8"?>\n<!-- answer -->\n' + text
    return text


def random_build(svc, op, seed):
    rng = random.Random(seed)
    params = rand_value(rng, op.input_shape, 0) if op.input_shape else {}
    if op.input_shape:
        params = sort_value(op.input_shape, params)
    return {"params": to_wire(params), "expected": build(svc, op, params)}


def random_parse(svc, op, seed, pretty):
    rng = random.Random(seed)
    value = rand_value(rng, op.output_shape, 0, True) if op.output_shape else {}
    body = answer_body(svc, op, value, rng, pretty)
    return {"body": body, "expected": parse(svc, op, body)}


def random_xml(svc, shape_name, seed):
    rng = random.Random(seed)
    shape = svc.shape_for(shape_name)
    value = sort_value(shape, rand_value(rng, shape, 0))
    enc = xml_encode(svc, shape_name, value, shape_name)
    out_value = rand_value(rng, shape, 0, True)
    root = element_of(shape, out_value, shape_name)
    root.set("xmlns", "urn:x")
    root.set("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance")
    if seed % 2:
        ElementTree.indent(root)
    body = ElementTree.tostring(root, encoding="unicode")
    return {"value": to_wire(value), "encoded": enc, "body": body,
            "decoded": xml_decode(svc, shape_name, body)}


def tree(el, scope_attrs=None):
    tag = el.tag
    ns, name = (tag[1:].split("}", 1) if tag.startswith("{") else (None, tag))
    return {"name": name, "ns": ns, "attrs": el.attrib, "text": el.text,
            "tail": el.tail, "children": [tree(c) for c in el]}


def etree(data):
    try:
        parser = ElementTree.XMLParser(target=ElementTree.TreeBuilder())
        parser.feed(data)
        return {"ok": True, "tree": tree(parser.close())}
    except ElementTree.ParseError as e:
        return {"ok": False, "error": str(e)}


def run(case):
    if case["kind"] == "etree":
        return etree(base64.b64decode(case["b64"]))
    svc = service(case["service"])
    kind = case["kind"]
    op = svc.operation_model(case["operation"]) if "operation" in case else None
    if kind == "build":
        params = from_wire(op.input_shape, case["params"]) if op.input_shape else {}
        return build(svc, op, params)
    if kind == "parse":
        return parse(svc, op, case["body"], case.get("status", 200), case.get("headers"))
    if kind == "parse_error":
        return parse_error(svc, op, case["body"], case["status"], case.get("headers"))
    if kind == "xml_encode":
        shape = svc.shape_for(case["shape"])
        return xml_encode(svc, case["shape"], from_wire(shape, case["value"]),
                          case["root_name"], case.get("xml_namespace"))
    if kind == "xml_decode":
        return xml_decode(svc, case["shape"], case["body"])
    if kind == "random_build":
        return random_build(svc, op, case["seed"])
    if kind == "random_parse":
        return random_parse(svc, op, case["seed"], case.get("pretty", False))
    if kind == "random_xml":
        return random_xml(svc, case["shape"], case["seed"])
    raise ValueError("unknown case kind " + kind)


def main():
    cases = json.load(sys.stdin)
    out = []
    for case in cases:
        try:
            out.append({"ok": run(case)})
        except Exception as e:  # the spec shows which case and why
            out.append({"error": "%s: %s" % (type(e).__name__, e)})
    json.dump(out, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
