"""botocore as the oracle of lambda.aws's protocols (spec/unit/aws_protocols_spec.lua).

    python3 aws_oracle.py SEED OUT.json

For a seed, picks random operations of services of every protocol (json,
rest-json, rest-xml, query, ec2, smithy-rpc-v2-cbor; models/services.json),
and for each writes three cases, botocore running on OUR model files
(aws_model.service_model):

  request   a random input made from the input shape, and the request
            botocore's serializer makes of it (method, path, query pairs,
            headers, host prefix, body and how to compare it);
  response  a random output made from the output shape, written as the
            protocol's real answer (botocore's own body writers), and what
            botocore's parser reads from it;
  error     an error answer of the protocol, and the code, message and
            request id botocore's parser reads.

Values are JSON with markers the Lua side turns into Lua values: a blob is
{"$blob": base64}, a timestamp {"$ts": epoch seconds}, a non-finite float
{"$float": "Infinity" | "-Infinity" | "NaN"}. Everything follows from the
seed (random.Random(seed)); the same seed gives the same file.
"""
import base64
import calendar
import datetime
import json
import math
import os
import random
import sys
import urllib.parse
import xml.parsers.expat
from xml.etree import ElementTree

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import aws_model  # noqa: E402

import botocore  # noqa: E402
from botocore import parsers, serialize  # noqa: E402
from botocore.awsrequest import HeadersDict  # noqa: E402

PROTOCOLS = ["json", "rest-json", "rest-xml", "query", "ec2", "smithy-rpc-v2-cbor"]
SUPPORTED = set(PROTOCOLS)
# services per protocol, and operations per service, for one seed
SERVICES_PER = {"json": 16, "rest-json": 26, "rest-xml": 4, "query": 8, "ec2": 1,
                "smithy-rpc-v2-cbor": 9}
# always there: the services the issue names, and those whose operations
# have what few others have (greedy labels, a querystring map of lists,
# jsonvalue and list headers, header maps, string payloads, host prefixes)
ALWAYS = {"json": ["dynamodb", "kms", "sqs", "logs", "servicediscovery", "stepfunctions",
                   "sagemaker"],
          "rest-json": ["lambda", "sesv2", "bedrock-runtime", "dataexchange", "lex-runtime",
                        "iot-data", "polly", "entityresolution", "mediastore-data", "amp",
                        "route53globalresolver", "apigateway", "glacier", "greengrassv2",
                        "datazone", "lakeformation", "location"],
          "query": ["sns", "sts", "iam"], "rest-xml": ["s3"]}
OPS_PER_SERVICE = 24
OPS_EC2 = 160
UTC = datetime.timezone.utc
ALPHABET = ("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
            " -_.~/+=&?#%:;,'\"<>@!*()[]{}$")
UNICODE = "\u00e9\u00fc\u00df\u4e2d\u6587\u0416\U0001F600\u00a0\u2028"
HEADER_ALPHABET = ("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                   "-_.~/+=&?#%:;'<>@!*()[]{}$")
FLOATS = [0.0, 1.0, -2.5, 0.1, 0.30000000000000004, 1e20, 1.5e-07, 3.141592653589793,
          123456.789, 1e16, 1e15, -0.0001, 2.0 ** 70]
SPECIAL_FLOATS = [float("inf"), float("-inf"), float("nan")]


def protocol_of(metadata):
    for p in metadata.get("protocols") or [metadata.get("protocol")]:
        if p in SUPPORTED:
            return p
    return metadata.get("protocol")


def mark_float(v):
    if math.isnan(v):
        return {"$float": "NaN"}
    if math.isinf(v):
        return {"$float": "Infinity" if v > 0 else "-Infinity"}
    return v


def epoch_of(dt):
    whole = calendar.timegm(dt.utctimetuple())
    if dt.microsecond:
        return whole + dt.microsecond / 1e6
    return whole


class Gen:
    """Random values for shapes: (botocore's value, the marked JSON)."""

    def __init__(self, rng, protocol, output=False):
        self.rng = rng
        self.protocol = protocol
        self.output = output

    def string(self, n_max=12, alphabet=None):
        r = self.rng
        alphabet = alphabet or ALPHABET
        n = r.randint(0, n_max)
        chars = []
        for _ in range(n):
            if alphabet is ALPHABET and r.random() < 0.12:
                chars.append(r.choice(UNICODE))
            else:
                chars.append(r.choice(alphabet))
        return "".join(chars)

    def token(self, n_min=1, n_max=10):
        r = self.rng
        return "".join(r.choice("abcdefghijklmnopqrstuvwxyz0123456789-")
                       for _ in range(r.randint(n_min, n_max)))

    def timestamp(self):
        r = self.rng
        secs = r.randint(0, 4_000_000_000)
        micro = r.choice([0, 0, r.randint(0, 999) * 1000])
        dt = datetime.datetime.fromtimestamp(secs, UTC).replace(microsecond=micro)
        return dt, {"$ts": epoch_of(dt)}

    def float(self, special=True):
        r = self.rng
        if special and r.random() < 0.25:
            v = r.choice(SPECIAL_FLOATS)
            return v, mark_float(v)
        v = r.choice(FLOATS) if r.random() < 0.7 else r.uniform(-1e6, 1e6)
        if r.random() < 0.5 and not math.isinf(v) and not math.isnan(v):
            v = -v
        return v, mark_float(v)

    def document(self, depth=0):
        r = self.rng
        kind = r.choice(["s", "n", "f", "b", "l", "m", "null"] if depth < 3 else ["s", "n"])
        if kind == "s":
            return self.string()
        if kind == "n":
            return r.randint(-1000, 1000)
        if kind == "f":
            return r.choice([0.5, -1.25, 3.0])
        if kind == "b":
            return r.random() < 0.5
        if kind == "null":
            return None
        if kind == "l":
            return [self.document(depth + 1) for _ in range(r.randint(1, 3))]
        return {self.token(): self.document(depth + 1) for _ in range(r.randint(1, 3))}

    def value(self, shape, depth=0, where=None):
        """where: None (body), "header", "uri", "greedy", "query", "host"."""
        r = self.rng
        t = shape.type_name
        if t == "structure":
            if shape.is_document_type:
                v = self.document()
                return v, v
            return self.structure(shape, depth)
        if t == "list":
            n = r.randint(0, 3) if depth < 4 else 0
            if where == "header":
                n = r.randint(1, 3)
            items = [self.value(shape.member, depth + 1,
                                "header_item" if where == "header" else
                                ("query" if where == "query" else None)) for _ in range(n)]
            return [a for a, _ in items], [b for _, b in items]
        if t == "map":
            n = r.randint(0, 3) if depth < 4 else 0
            out, marked = {}, {}
            for _ in range(n):
                key = self.token() if where in ("headers", "query") else self.string(8)
                if shape.key.type_name != "string":
                    key = self.token()
                sub = "query" if where == "query" else None
                a, b = self.value(shape.value, depth + 1, sub)
                out[key], marked[key] = a, b
            # in the order lambda.aws writes a map (its keys sorted, as a Lua
            # table has none): botocore writes the caller's
            keys = sorted(out)
            return {k: out[k] for k in keys}, {k: marked[k] for k in keys}
        if t == "string":
            if where == "host":
                v = self.token()
            elif where in ("uri", "greedy"):
                v = self.string(12) or "x"
            elif where == "header_item":
                v = self.string(8, HEADER_ALPHABET + ',"') or "v"
            elif where in ("header", "headers"):
                v = self.string(12, HEADER_ALPHABET)
            elif where == "payload":
                v = self.string(30)
            else:
                v = self.string()
            if shape.serialization.get("jsonvalue") and where == "header":
                v = {self.token(): self.rng.choice([self.token(), 7, True])}
            return v, v
        if t == "blob":
            if where == "payload":
                v = self.string(30).encode("utf-8")
            elif where == "header":
                v = bytes(r.randrange(256) for _ in range(r.randint(1, 12)))
            else:
                v = bytes(r.randrange(256) for _ in range(r.randint(0, 20)))
            return v, {"$blob": base64.b64encode(v).decode()}
        if t == "boolean":
            v = r.random() < 0.5
            return v, v
        if t == "integer":
            v = r.choice([0, 1, -1, r.randint(-2 ** 31, 2 ** 31 - 1), r.randint(0, 1000)])
            return v, v
        if t == "long":
            v = r.choice([0, r.randint(-2 ** 62, 2 ** 62), r.randint(-10 ** 6, 10 ** 6),
                          2 ** 53 + 1])
            return v, v
        if t in ("float", "double"):
            special = not (self.output and self.protocol == "json")
            return self.float(special)
        if t == "timestamp":
            return self.timestamp()
        raise ValueError("shape type " + t)

    def structure(self, shape, depth):
        r = self.rng
        members = shape.members
        required = set(shape.required_members)
        names = member_names(shape)
        if shape.is_tagged_union:
            names = [n for n in names if not members[n].serialization.get("eventstream")]
            names = [r.choice(names)] if names else []
        out, marked = {}, {}
        for name in names:
            m = members[name]
            if m.serialization.get("eventstream") or m.type_name == "structure" \
                    and m.serialization.get("eventstream"):
                continue
            if not shape.is_tagged_union and name not in required:
                if depth >= 4 or r.random() < 0.45:
                    continue
            out[name], marked[name] = self.value(m, depth + 1)
        return out, marked


def member_names(shape):
    """A structure's members in the order lambda.aws writes them: the
    model's memberOrder (rest-xml models carry it; XML elements go in that
    order), else sorted. botocore writes them in the caller's order: the
    inputs are made in this one."""
    order = shape._shape_model.get("memberOrder")
    if order:
        return [n for n in order if n in shape.members]
    return sorted(shape.members)


def where_of(member, top):
    s = member.serialization
    if not top:
        return None
    if s.get("hostLabel"):
        return "host"
    loc = s.get("location")
    if loc == "uri":
        return "uri"
    if loc == "querystring":
        return "query"
    if loc == "header":
        return "header"
    if loc == "headers":
        return "headers"
    return None


def top_value(gen, shape, protocol, output=False):
    """The operation's input (or output) structure, with the location rules
    of the top level: every uri label and host label filled, valid."""
    r = gen.rng
    rest = protocol in ("rest-json", "rest-xml")
    out, marked = {}, {}
    required = set(shape.required_members)
    payload = shape.serialization.get("payload")
    for name in member_names(shape):
        m = shape.members[name]
        s = m.serialization
        if s.get("eventstream"):
            continue
        must = name in required or s.get("hostLabel") or (rest and s.get("location") == "uri")
        if not must and r.random() < 0.4:
            continue
        where = where_of(m, True) if rest or s.get("hostLabel") else None
        if name == payload and m.type_name in ("blob", "string"):
            where = "payload"
        if output and s.get("location") == "statusCode":
            v = r.choice([200, 201, 202, 204, 206])
            out[name], marked[name] = v, v
            continue
        if output and s.get("location") in ("uri", "querystring"):
            continue
        if where == "uri" and s.get("location") == "uri" and m.type_name == "string":
            where = "uri"
        out[name], marked[name] = gen.value(m, 1, where)
    return out, marked


# ---- bodies compared canonically ---------------------------------------

def xml_canonical(data):
    """XML bytes -> {"t": tag, "a": attrs, "c": [children]} or {"t", "a", "x": text};
    white space between elements dropped."""
    stack = [{"t": "", "a": {}, "c": [], "x": ""}]
    parser = xml.parsers.expat.ParserCreate()

    def start(tag, attrs):
        node = {"t": tag, "a": dict(attrs), "c": [], "x": ""}
        stack[-1]["c"].append(node)
        stack.append(node)

    def end(tag):
        node = stack.pop()
        if node["c"]:
            del node["x"]
        else:
            del node["c"]

    def text(data):
        stack[-1]["x"] += data

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    parser.Parse(data, True)
    return stack[0]["c"][0]


def mark_plain(v):
    """A decoded CBOR / parsed value -> marked JSON."""
    if isinstance(v, bytes):
        return {"$blob": base64.b64encode(v).decode()}
    if isinstance(v, ElementTree.Element):
        # S3's deprecated notification shapes (two members, one element name)
        raise ValueError("botocore's parser left an XML element in the output")
    if isinstance(v, datetime.datetime):
        return {"$ts": epoch_of(v)}
    if isinstance(v, float):
        return mark_float(v)
    if isinstance(v, dict):
        return {k: mark_plain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [mark_plain(x) for x in v]
    return v


def cbor_decode(data):
    p = parsers.RpcV2CBORParser()
    return p.parse_data_item(p.get_peekable_stream_from_bytes(data))


def body_expect(protocol, serialized, op):
    body = serialized["body"]
    if protocol in ("query", "ec2"):
        pairs = sorted([k, str(v)] for k, v in body.items())
        # as botocore's AWSRequest sends a dict body
        raw = urllib.parse.urlencode(list(body.items()), doseq=True).encode()
        return {"kind": "form", "raw": base64.b64encode(raw).decode(), "value": pairs}
    if not body:
        return {"kind": "empty"}
    shape = op.input_shape
    payload = shape and shape.serialization.get("payload")
    if payload and shape.members[payload].type_name in ("blob", "string"):
        return {"kind": "raw", "raw": base64.b64encode(body).decode()}
    raw = base64.b64encode(body).decode()
    if protocol in ("json", "rest-json"):
        return {"kind": "json", "raw": raw, "value": json.loads(body)}
    if protocol == "rest-xml":
        return {"kind": "xml", "raw": raw, "value": xml_canonical(body)}
    return {"kind": "cbor", "raw": raw, "value": mark_plain(cbor_decode(body))}


def request_case(svc, protocol, op, gen):
    shape = op.input_shape
    if shape is not None:
        params, marked = top_value(gen, shape, protocol)
    else:
        params, marked = {}, {}
    precision = "millisecond" if svc.service_name == "bedrock-agentcore" else "default"
    ser = serialize.create_serializer(protocol, True, timestamp_precision=precision)
    req = ser.serialize_to_request(params, op)
    url_path = req["url_path"]
    path, _, fixed = url_path.partition("?")
    query = []
    for part in fixed.split("&") if fixed else []:
        k, _, v = part.partition("=")
        query.append([k, v])
    qs = req["query_string"]
    if isinstance(qs, dict):
        for k, v in qs.items():
            for item in (v if isinstance(v, list) else [v]):
                query.append([k, item if isinstance(item, str) else str(item)])
    headers = {k.lower(): v for k, v in req["headers"].items()}
    return {"input": marked, "expect": {
        "method": req["method"], "path": path, "query": query, "headers": headers,
        "host_prefix": req.get("host_prefix"), "body": body_expect(protocol, req, op)}}


# ---- answers written as the protocol writes them -----------------------

def xml_of(shape, value, root_name):
    s = serialize.RestXMLSerializer()
    pseudo = ElementTree.Element("")
    s._serialize(shape, value, pseudo, root_name)
    return list(pseudo)[0]


def rest_answer(protocol, shape, value, gen):
    ser = serialize.RestJSONSerializer() if protocol == "rest-json" else \
        serialize.RestXMLSerializer()
    headers, body_params, status, body = {}, {}, 200, b""
    payload = shape.serialization.get("payload")
    for name, v in value.items():
        m = shape.members[name]
        loc = m.serialization.get("location")
        key = m.serialization.get("name", name)
        if loc == "header":
            if m.type_name == "list" and not v:
                continue
            headers[key.lower()] = ser._convert_header_value(m, v)
        elif loc == "headers":
            for k, x in v.items():
                headers[(key + k).lower()] = x
        elif loc == "statusCode":
            status = v
        elif name == payload:
            if m.type_name in ("blob", "string"):
                body = v if isinstance(v, bytes) else v.encode()
            elif protocol == "rest-json":
                body = ser._serialize_body_params(v, m)
            else:
                root = m.serialization.get("name", m.name)
                body = ElementTree.tostring(xml_of(m, v, root), encoding="utf-8")
        else:
            body_params[name] = v
    if not payload and body_params:
        if protocol == "rest-json":
            body = ser._serialize_body_params(body_params, shape)
        else:
            root = shape.serialization.get("name", shape.name)
            body = ElementTree.tostring(xml_of(shape, body_params, root), encoding="utf-8")
    rid = gen.token(8, 8)
    headers["x-amzn-requestid" if protocol == "rest-json" else "x-amz-request-id"] = rid
    return status, headers, body


def answer(protocol, op, value, gen):
    shape = op.output_shape
    rid = gen.token(8, 8)
    if protocol == "json":
        body = {}
        if shape is not None:
            serialize.JSONSerializer()._serialize(body, value, shape)
        return 200, {"x-amzn-requestid": rid, "content-type": "application/x-amz-json-1.0"}, \
            json.dumps(body).encode()
    if protocol in ("rest-json", "rest-xml"):
        if shape is None:
            return 200, {}, b""
        return rest_answer(protocol, shape, value, gen)
    if protocol == "smithy-rpc-v2-cbor":
        body = b""
        if shape is not None:
            body = serialize.RpcV2CBORSerializer()._serialize_body_params(value, shape)
        return 200, {"x-amzn-requestid": rid, "smithy-protocol": "rpc-v2-cbor",
                     "content-type": "application/cbor"}, body
    name = op.name + "Response"
    root = ElementTree.Element(name)
    if protocol == "ec2":
        root.set("xmlns", "http://ec2.amazonaws.com/doc/2016-11-15/")
        ElementTree.SubElement(root, "requestId").text = rid
        if shape is not None:
            for child in xml_of(shape, value, "x"):
                root.append(child)
    else:
        root.set("xmlns", "https://example.amazonaws.com/doc/2010-03-31/")
        if shape is not None:
            wrapper = shape.serialization.get("resultWrapper")
            inner = xml_of(shape, value, wrapper or "x")
            if wrapper:
                root.append(inner)
            else:
                for child in inner:
                    root.append(child)
        meta = ElementTree.SubElement(root, "ResponseMetadata")
        ElementTree.SubElement(meta, "RequestId").text = rid
    return 200, {"x-amzn-requestid": rid, "content-type": "text/xml"}, \
        ElementTree.tostring(root, encoding="utf-8")


def mark_output(shape, v):
    """botocore's parsed value -> marked JSON under lambda.aws's value rules
    (a float shape's value a float)."""
    if v is None:
        return None
    t = shape.type_name
    if t == "structure" and not shape.is_document_type and isinstance(v, dict):
        out = {}
        for k, x in v.items():
            if k in shape.members:
                out[k] = mark_output(shape.members[k], x)
            else:
                out[k] = mark_plain(x)
        return out
    if t == "list" and isinstance(v, list):
        return [mark_output(shape.member, x) for x in v]
    if t == "map" and isinstance(v, dict):
        return {k: mark_output(shape.value, x) for k, x in v.items()}
    if t in ("float", "double") and isinstance(v, int) and not isinstance(v, bool):
        return float(v)
    if t == "blob" and isinstance(v, str):
        return v
    return mark_plain(v)


def response_case(protocol, op, gen):
    shape = op.output_shape
    value = {}
    if shape is not None:
        value, _ = top_value(gen, shape, protocol, output=True)
    status, headers, body = answer(protocol, op, value, gen)
    parsed = parsers.create_parser(protocol).parse(
        {"status_code": status, "headers": HeadersDict(headers), "body": body,
         "context": {"operation_name": op.name}}, shape)
    parsed.pop("ResponseMetadata", None)
    expect = mark_output(shape, parsed) if shape is not None else parsed
    return {"response": {"status": status, "headers": headers,
                         "body": base64.b64encode(body).decode()}, "expect": expect}


CODES = ["ValidationException", "ResourceNotFoundException", "AccessDenied",
         "ThrottlingException", "InvalidParameterValue", "Throttling"]


def error_answer(protocol, svc, gen):
    r = gen.rng
    code = r.choice(CODES)
    message = gen.string(20)
    rid = gen.token(8, 12)
    status = r.choice([400, 400, 403, 404, 409, 429, 500])
    if r.random() < 0.1:
        return r.choice([500, 502, 503]), {"x-amzn-requestid": rid}, \
            r.choice([b"", b"  ", b"<html><body>down</body></html>"])
    headers = {"x-amzn-requestid": rid}
    if protocol in ("json", "rest-json", "smithy-rpc-v2-cbor"):
        typ = r.choice([code, "com.amazonaws.svc#" + code,
                        code + ":http://internal.amazon.com/coral/com.amazon.coral/",
                        "aws.protocoltests#" + code + ":http://x"])
        body = {}
        key = r.choice(["__type", "__type", "code", "Code", None])
        if key:
            body[key] = typ
        mkey = r.choice(["message", "Message", None])
        if mkey:
            body[mkey] = message
        if protocol == "rest-json" and r.random() < 0.4:
            headers["x-amzn-errortype"] = r.choice([code, code + ":http://internal.amazon.com/"])
        if "awsQueryCompatible" in svc.metadata and r.random() < 0.6:
            headers["x-amzn-query-error"] = r.choice(
                ["AWS.SimpleQueueService.NonExistentQueue;Sender", code + ";Receiver", ";x"])
        if protocol == "smithy-rpc-v2-cbor":
            data = cbor_map(body)
            headers["smithy-protocol"] = "rpc-v2-cbor"
            return status, headers, data
        return status, headers, json.dumps(body).encode()
    if protocol == "ec2":
        text = ("<Response><Errors><Error><Code>%s</Code><Message>%s</Message></Error>"
                "</Errors><RequestID>%s</RequestID></Response>")
        return status, {}, (text % (code, xml_escape(message), rid)).encode()
    if protocol == "query":
        text = ('<ErrorResponse xmlns="https://example.amazonaws.com/doc/2010-03-31/">'
                "<Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error>"
                "<RequestId>%s</RequestId></ErrorResponse>")
        return status, {}, (text % (code, xml_escape(message), rid)).encode()
    # rest-xml: S3's form, the others', or no body
    form = r.choice(["s3", "other", "none"])
    headers = {"x-amz-request-id": rid, "x-amz-id-2": gen.token()}
    if form == "none":
        return r.choice([404, 403, 301 + 1]), headers, b""
    if form == "s3":
        text = ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>%s</Code>'
                "<Message>%s</Message><RequestId>%s</RequestId><HostId>h</HostId></Error>")
        return status, headers, (text % (code, xml_escape(message), rid)).encode()
    text = ('<ErrorResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><Error>'
            "<Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error>"
            "<RequestId>%s</RequestId></ErrorResponse>")
    return status, {}, (text % (code, xml_escape(message), rid)).encode()


def xml_escape(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def cbor_map(d):
    """A CBOR map of text strings (an error body)."""
    def head(major, n):
        if n < 24:
            return bytes([major << 5 | n])
        return bytes([major << 5 | 25]) + n.to_bytes(2, "big")
    out = bytearray(head(5, len(d)))
    for k, v in d.items():
        for s in (k, v):
            b = s.encode()
            out += head(3, len(b)) + b
    return bytes(out)


def error_case(protocol, svc, op, gen):
    status, headers, body = error_answer(protocol, svc, gen)
    parsed = parsers.create_parser(protocol).parse(
        {"status_code": status, "headers": HeadersDict(headers), "body": body,
         "context": {"operation_name": op.name}}, op.output_shape)
    err = parsed.get("Error", {})
    return {"response": {"status": status, "headers": headers,
                         "body": base64.b64encode(body).decode()},
            "expect": {"code": err.get("Code"), "message": err.get("Message"),
                       "request_id": parsed.get("ResponseMetadata", {}).get("RequestId")}}


def has_event_stream(shape):
    if shape is None:
        return False
    return any(m.serialization.get("eventstream") for m in shape.members.values())


def has_kind(shape, kinds, seen=None, depth=0):
    """Whether shape holds (to depth 3) a member of one of the types kinds."""
    if shape is None or depth > 3:
        return False
    seen = seen if seen is not None else set()
    if shape.name in seen:
        return False
    seen.add(shape.name)
    t = shape.type_name
    if t in kinds:
        return True
    if t == "structure":
        return any(has_kind(m, kinds, seen, depth + 1) for m in shape.members.values())
    if t == "list":
        return has_kind(shape.member, kinds, seen, depth + 1)
    if t == "map":
        return has_kind(shape.value, kinds, seen, depth + 1)
    return False


def interesting(op, protocol):
    """Whether an operation has a binding few have (and so is always taken)."""
    if protocol == "smithy-rpc-v2-cbor" and has_kind(op.input_shape, ("float", "double", "blob")):
        return True
    if "+}" in op.http.get("requestUri", "") or (op.endpoint or {}).get("hostPrefix"):
        return True
    for shape in (op.input_shape, op.output_shape):
        if shape is None:
            continue
        if shape.serialization.get("payload"):
            return True
        for m in shape.members.values():
            s = m.serialization
            loc = s.get("location")
            if loc in ("headers", "statusCode") or s.get("jsonvalue"):
                return True
            if loc == "header" and m.type_name in ("list", "timestamp"):
                return True
            if loc == "querystring" and m.type_name in ("map", "timestamp"):
                return True
    return False


def safely(f, svc, op_name, protocol):
    try:
        return f(svc.operation_model(op_name), protocol)
    except Exception:  # noqa: BLE001 - a shape our model lacks (see skipped)
        return False


def pick_services(rng):
    with open(os.path.join(aws_model.MODELS, "services.json"), encoding="utf-8") as f:
        info = json.load(f)
    by = {p: [] for p in PROTOCOLS}
    for name in sorted(info):
        p = protocol_of(info[name])
        if p in by:
            by[p].append(name)
    chosen = []
    for p in PROTOCOLS:
        names = list(by[p])
        fixed = [n for n in ALWAYS.get(p, []) if n in names]
        rest = [n for n in names if n not in fixed]
        rng.shuffle(rest)
        chosen += [(p, n) for n in (fixed + rest)[:max(SERVICES_PER[p], len(fixed))]]
    return chosen


def cases(seed):
    rng = random.Random(seed)
    out, services, skipped = [], [], []
    for protocol, name in pick_services(rng):
        svc = aws_model.service_model(name)
        names = sorted(svc.operation_names)
        rng.shuffle(names)
        special = [n for n in names if safely(interesting, svc, n, protocol)]
        names = names[:OPS_EC2 if protocol == "ec2" else OPS_PER_SERVICE]
        names += [n for n in special if n not in names]
        services.append(name)
        for op_name in sorted(names):
            try:
                op = svc.operation_model(op_name)
                op.input_shape, op.output_shape  # noqa: B018 - resolves both
            except Exception as e:  # noqa: BLE001 - a shape our model lacks
                skipped.append([name, op_name, "all", "%s: %s" % (type(e).__name__, e)])
                continue
            gen = Gen(random.Random("%s/%s/%s" % (seed, name, op_name)), protocol)
            base = {"protocol": protocol, "service": name, "operation": op_name}
            for kind, make in (("request", lambda: request_case(svc, protocol, op, gen)),
                               ("response", lambda: response_case(protocol, op, out_gen)),
                               ("error", lambda: error_case(protocol, svc, op, gen))):
                out_gen = Gen(gen.rng, protocol, output=True)
                try:
                    if kind == "request" and has_event_stream(op.input_shape):
                        skipped.append([name, op_name, kind, "input event stream"])
                        continue
                    if kind == "response" and has_event_stream(op.output_shape):
                        skipped.append([name, op_name, kind, "output event stream"])
                        continue
                    case = make()
                except Exception as e:  # noqa: BLE001 - recorded, counted
                    skipped.append([name, op_name, kind, "%s: %s" % (type(e).__name__, e)])
                    continue
                case.update(base)
                case["kind"] = kind
                out.append(case)
    return {"seed": seed, "botocore": botocore.__version__, "services": services,
            "skipped": skipped, "cases": out}


def main():
    seed = int(sys.argv[1])
    result = cases(seed)
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        json.dump(result, f, ensure_ascii=False, allow_nan=False)
    ops = {(c["service"], c["operation"]) for c in result["cases"]}
    print("seed %d: %d cases, %d operations of %d services, %d skipped" % (
        seed, len(result["cases"]), len(ops), len(result["services"]), len(result["skipped"])))


if __name__ == "__main__":
    main()
