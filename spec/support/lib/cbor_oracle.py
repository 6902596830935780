"""The oracle of spec/unit/aws_cbor_spec.lua: botocore's CBOR encoder
(CBORSerializer) and decoder (BaseCBORParser.parse_data_item), and its
smithy-rpc-v2-cbor serializer and parser, run on OUR model files
(aws_model.py).

Reads one JSON request on stdin, writes one JSON answer on stdout.
Values cross as "tagged" trees so that nothing is lost in JSON:
  {"n":1} null   {"t":b} boolean   {"i":"123"} integer
  {"f":"<16 hex digits>"} float (the double's bits)
  {"s":"<hex>"} text or bytes (Lua has one string type)
  {"l":[...]} list   {"m":[[k, v], ...]} map, pairs sorted
A datetime crosses as the epoch seconds Lua gets: an integer when whole,
else a float.

Requests ({"do": ...}):
  random_items  {seed, count}: values botocore's serializer writes for a
                synthetic model of every type -> [{hex, value}] with
                value what botocore's decoder reads back
  generic_items {seed, count}: CBOR made by this file's own encoder
                (indefinite lengths, half/single floats, tags) -> the same
  decode        {items: [hex]}: botocore's decoder on each -> [value|{"error"}]
  build         {service, cases: [{op, seed}]}: random params for each
                operation's input, and botocore's request for them
  parse         {service, cases: [{op, seed} | {op, hex}]}: a random answer
                for each operation's output (or the CBOR given), and
                botocore's parse of it
  parse_error   {cases: [{service, status, headers, hex}]}: botocore's
                Error and, for a modeled code, the parse by its shape
"""
import datetime
import io
import json
import math
import os
import random
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import aws_model  # noqa: E402

import botocore.model  # noqa: E402
import botocore.parsers  # noqa: E402
import botocore.serialize  # noqa: E402


def tag(v):
    if v is None:
        return {"n": 1}
    if isinstance(v, bool):
        return {"t": v}
    if isinstance(v, int):
        return {"i": str(v)}
    if isinstance(v, float):
        return {"f": struct.pack(">d", v).hex()}
    if isinstance(v, (bytes, bytearray)):
        return {"s": bytes(v).hex()}
    if isinstance(v, str):
        return {"s": v.encode("utf-8").hex()}
    if isinstance(v, datetime.datetime):
        if v.microsecond == 0:
            return {"i": str(int(v.timestamp()))}
        return {"f": struct.pack(">d", v.timestamp()).hex()}
    if isinstance(v, (list, tuple)):
        return {"l": [tag(x) for x in v]}
    if isinstance(v, dict):
        pairs = [[tag(k), tag(x)] for k, x in v.items()]
        pairs.sort(key=lambda p: json.dumps(p, sort_keys=True))
        return {"m": pairs}
    raise TypeError(type(v))


def decoder():
    return botocore.parsers.RpcV2CBORParser()


def botocore_decode(data):
    p = decoder()
    stream = p.get_peekable_stream_from_bytes(data)
    return p.parse_data_item(stream)


# A synthetic model with a shape of every type, for random_items.
SYNTHETIC = {
    "metadata": {"protocol": "smithy-rpc-v2-cbor", "targetPrefix": "T",
                 "apiVersion": "1", "serviceId": "T"},
    "operations": {},
    "shapes": {
        "Str": {"type": "string"}, "Blob": {"type": "blob"},
        "Int": {"type": "integer"}, "Long": {"type": "long"},
        "Float": {"type": "float"}, "Double": {"type": "double"},
        "Bool": {"type": "boolean"}, "Time": {"type": "timestamp"},
        "List": {"type": "list", "member": {"shape": "Any"}},
        "Map": {"type": "map", "key": {"shape": "Str"},
                "value": {"shape": "Any"}},
        "Any": {"type": "structure", "members": {
            "s": {"shape": "Str"}, "b": {"shape": "Blob"},
            "i": {"shape": "Int"}, "l": {"shape": "Long"},
            "f": {"shape": "Float"}, "d": {"shape": "Double"},
            "t": {"shape": "Bool"}, "ts": {"shape": "Time"},
            "list": {"shape": "List"}, "map": {"shape": "Map"}}},
    },
}


def rand_text(rng, n):
    alphabet = "abcxyzAZ09 _-é€😀\u0000\u007f"
    return "".join(rng.choice(alphabet) for _ in range(n))


def rand_len(rng):
    return rng.choice([0, 1, 5, 23, 24, 25, 255, 256, 300, 70000])


def rand_int(rng, long=True):
    edges = [0, 1, 23, 24, 255, 256, 65535, 65536, 2**32 - 1, 2**32,
             2**31 - 1, -2**31]
    if long:
        edges += [2**63 - 1, -2**63, 2**53 + 1]
    v = rng.choice(edges + [rng.randint(-2**40, 2**40)])
    if rng.random() < 0.3 and v > 0:
        v = -v - 1 if v < 2**63 else v
    return v


def rand_scalar(rng, kind):
    if kind == "s":
        return rand_text(rng, min(rand_len(rng), 300))
    if kind == "b":
        return bytes(rng.getrandbits(8) for _ in range(min(rand_len(rng), 300)))
    if kind == "i":
        return rand_int(rng, long=False)
    if kind == "l":
        return rand_int(rng)
    if kind == "f":
        return struct.unpack(">f", struct.pack(">f", rng.uniform(-1e30, 1e30)))[0]
    if kind == "d":
        return rng.choice([0.0, -0.0, 1.5, 1e300, -5e-324, math.inf, -math.inf,
                           rng.uniform(-1e10, 1e10)])
    if kind == "t":
        return rng.random() < 0.5
    if kind == "ts":
        return rng.randint(0, 2**33)


def rand_any(rng, depth):
    v = {}
    for kind in ["s", "b", "i", "l", "f", "d", "t", "ts"]:
        if rng.random() < 0.5:
            v[kind] = rand_scalar(rng, kind)
    if depth > 0 and rng.random() < 0.5:
        v["list"] = [rand_any(rng, depth - 1) for _ in range(rng.randint(0, 3))]
    if depth > 0 and rng.random() < 0.5:
        v["map"] = {rand_text(rng, 4): rand_any(rng, depth - 1)
                    for _ in range(rng.randint(0, 3))}
    return v


def random_items(req):
    rng = random.Random(req["seed"])
    model = botocore.model.ServiceModel(SYNTHETIC, "t")
    shape = model.shape_for("Any")
    s = botocore.serialize.RpcV2CBORSerializer()
    out = []
    for _ in range(req["count"]):
        value = rand_any(rng, 3)
        body = bytearray()
        s._serialize_data_item(body, value, shape)
        out.append({"hex": bytes(body).hex(),
                    "value": tag(botocore_decode(bytes(body)))})
    return out


# An encoder of our own for what botocore's serializer never writes.
def head(major, n, width=None):
    if width is None:
        width = 0 if n < 24 else 1 if n < 256 else 2 if n < 65536 else \
            4 if n < 2**32 else 8
    ai = {0: n, 1: 24, 2: 25, 4: 26, 8: 27}[width]
    return bytes([major << 5 | ai]) + (n.to_bytes(width, "big") if width else b"")


def gen(rng, depth):
    k = rng.randrange(12 if depth > 0 else 8)
    if k == 0:
        n = rng.choice([0, 23, 24, 255, 256, 65536, 2**32, 2**63 - 1])
        return head(0, n, rng.choice([None, 8]) if n < 2**32 else None)
    if k == 1:
        return head(1, rng.choice([0, 23, 24, 1000, 2**40, 2**63 - 1]))
    if k == 2:
        b = bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 40)))
        if rng.random() < 0.5:
            return head(2, len(b)) + b
        cut = rng.randint(0, len(b))
        return b"\x5f" + head(2, cut) + b[:cut] + head(2, len(b) - cut) + b[cut:] + b"\xff"
    if k == 3:
        t = rand_text(rng, rng.randint(0, 20)).encode()
        if rng.random() < 0.5:
            return head(3, len(t)) + t
        return b"\x7f" + head(3, len(t)) + t + b"\x60\xff"
    if k == 4:
        return rng.choice([b"\xf4", b"\xf5", b"\xf6", b"\xf7"])
    if k == 5:
        h = rng.choice([0x0000, 0x8000, 0x3c00, 0x7bff, 0x0001, 0x03ff, 0x0400,
                        0xc400, 0x7c00, 0xfc00, 0x3555])
        return b"\xf9" + struct.pack(">H", h)
    if k == 6:
        return b"\xfa" + struct.pack(">f", rng.uniform(-1e20, 1e20))
    if k == 7:
        return b"\xfb" + struct.pack(">d", rng.uniform(-1e300, 1e300))
    if k == 8:
        return b"\xc1" + rng.choice([head(0, rng.randint(0, 2**34)),
                                     b"\xfb" + struct.pack(">d", rng.randint(0, 2**30) + 0.25)])
    if k == 9 or k == 10:
        n = rng.randint(0, 4)
        items = [gen(rng, depth - 1) for _ in range(n * (2 if k == 10 else 1))]
        if k == 10:
            keys = [head(3, 2) + b"k" + bytes([48 + i]) for i in range(n)]
            items = [x for i in range(n) for x in (keys[i], items[2 * i])]
        major = 4 if k == 9 else 5
        if rng.random() < 0.5:
            return head(major, n) + b"".join(items)
        return bytes([major << 5 | 31]) + b"".join(items) + b"\xff"
    return b"\x80"


def generic_items(req):
    rng = random.Random(req["seed"])
    out = []
    for _ in range(req["count"]):
        data = gen(rng, 4)
        out.append({"hex": data.hex(), "value": tag(botocore_decode(data))})
    return out


def decode(req):
    out = []
    for h in req["items"]:
        try:
            out.append({"value": tag(botocore_decode(bytes.fromhex(h)))})
        except Exception as e:  # noqa: BLE001 - botocore's refusal is the answer
            out.append({"error": "%s: %s" % (type(e).__name__, e)})
    return out


# Random values by a real model's shapes.
class Gen:
    def __init__(self, rng, output=False):
        self.rng = rng
        self.output = output

    def value(self, shape, depth):
        t = shape.type_name
        rng = self.rng
        if t == "structure":
            names = list(shape.members)
            if shape.is_tagged_union:
                names = [rng.choice(names)] if names else []
            elif depth <= 0:
                names = [n for n in names if n in shape.required_members]
            v = {}
            for n in names:
                if shape.is_tagged_union or n in shape.required_members or rng.random() < 0.6:
                    v[n] = self.value(shape.members[n], depth - 1)
            return v
        if t == "list":
            count = rng.randint(0, 3) if depth > 0 else 0
            return [self.value(shape.member, depth - 1) for _ in range(count)]
        if t == "map":
            count = rng.randint(0, 3) if depth > 0 else 0
            return {self.value(shape.key, 0): self.value(shape.value, depth - 1)
                    for _ in range(count)}
        if t == "string":
            if shape.enum:
                return rng.choice(shape.enum)
            return rand_text(rng, rng.randint(0, 12))
        if t == "blob":
            return bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 20)))
        if t == "boolean":
            return rng.random() < 0.5
        if t in ("integer", "long"):
            return rand_int(rng, long=(t == "long"))
        if t == "float":
            return struct.unpack(">f", struct.pack(">f", rng.uniform(-1e6, 1e6)))[0]
        if t == "double":
            return rng.uniform(-1e12, 1e12)
        if t == "timestamp":
            return rng.randint(0, 2**32)
        raise TypeError(t)


def wire_order(value, shape):
    """params reordered as the Lua side writes them: structure members by
    their names on the wire, map keys sorted."""
    t = shape.type_name
    if t == "structure":
        items = [(shape.members[k].serialization.get("name", k), k)
                 for k in value if value[k] is not None]
        items.sort()
        return {k: wire_order(value[k], shape.members[k]) for _, k in items}
    if t == "list":
        return [wire_order(x, shape.member) for x in value]
    if t == "map":
        return {k: wire_order(value[k], shape.value) for k in sorted(value)}
    return value


def build(req):
    model = aws_model.service_model(req["service"])
    s = botocore.serialize.create_serializer("smithy-rpc-v2-cbor", include_validation=False)
    out = []
    for case in req["cases"]:
        op = model.operation_model(case["op"])
        rng = random.Random(case["seed"])
        params = {}
        if op.input_shape is not None:
            params = wire_order(Gen(rng).value(op.input_shape, 4), op.input_shape)
        r = s.serialize_to_request(params, op)
        out.append({"params": tag(params), "method": r["method"],
                    "url_path": r["url_path"],
                    "headers": {k.lower(): v for k, v in r["headers"].items()},
                    "body": bytes(r["body"]).hex(),
                    "host_prefix": r.get("host_prefix")})
    return out


def strip(parsed):
    parsed.pop("ResponseMetadata", None)
    return parsed


def parse(req):
    model = aws_model.service_model(req["service"])
    s = botocore.serialize.RpcV2CBORSerializer()
    p = botocore.parsers.create_parser("smithy-rpc-v2-cbor")
    out = []
    for case in req["cases"]:
        op = model.operation_model(case["op"])
        rng = random.Random(case.get("seed", 0))
        shape = op.output_shape
        if "hex" in case:
            body = bytes.fromhex(case["hex"])
        else:
            value = Gen(rng, output=True).value(shape, 4) if shape else {}
            body = bytearray()
            if shape is not None:
                s._serialize_data_item(body, value, shape)
        parsed = p.parse({"status_code": 200, "headers": {"x-amzn-requestid": "r"},
                          "body": bytes(body)}, shape)
        out.append({"body": bytes(body).hex(), "value": tag(strip(parsed))})
    return out


def parse_error(req):
    p = botocore.parsers.create_parser("smithy-rpc-v2-cbor")
    out = []
    models = {}
    for case in req["cases"]:
        service = case.get("service", req.get("service"))
        if service not in models:
            models[service] = aws_model.service_model(service)
        model = models[service]
        response = {"status_code": case["status"], "headers": case["headers"],
                    "body": bytes.fromhex(case["hex"])}
        parsed = p.parse(response, None)
        e = parsed["Error"]
        answer = {"code": e.get("Code"), "message": e.get("Message"),
                  "request_id": parsed.get("ResponseMetadata", {}).get("RequestId"),
                  "query_error_code": e.get("QueryErrorCode"), "type": e.get("Type")}
        shape = model.shape_for_error_code(e.get("Code"))
        if shape is not None:
            answer["fields"] = tag(p.parse(response, shape))
        out.append(answer)
    return out


def main():
    req = json.load(sys.stdin)
    handler = {"random_items": random_items, "generic_items": generic_items,
               "decode": decode, "build": build, "parse": parse,
               "parse_error": parse_error}[req["do"]]
    json.dump(handler(req), sys.stdout)


if __name__ == "__main__":
    main()
