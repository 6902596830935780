"""The oracle of spec/unit/aws_eventstream_spec.lua: an encoder of
application/vnd.amazon.eventstream messages of its own (zlib's CRC-32,
nothing of botocore), and botocore's EventStreamBuffer and EventStream
reading them, on OUR model files (aws_model.py).

Reads one JSON request on stdin, writes one JSON answer on stdout; values
cross as the tagged trees of cbor_oracle.py.

Requests ({"do": ...}):
  messages  {seed, count}: random messages (every header type, payloads
            of 0 to 300 bytes) -> {hex: the stream, messages: botocore's
            reading [{headers: {name: tagged}, payload: hex}]}
  decode    {items: [hex]}: botocore's EventStreamBuffer on each ->
            [{messages} or {error}]
  events    {service, shape, seed, count, exceptions}: random events of
            the model's event stream shape (JSON payloads, as rest-json
            sends them) and each exception -> {hex, events: botocore's
            EventStream reading, error: {code, message} or null}
  synthetic {}: events of a synthetic model with eventheader members
"""
import base64
import json
import os
import random
import struct
import sys
import uuid
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import aws_model  # noqa: E402
from cbor_oracle import Gen, tag  # noqa: E402

import botocore.eventstream as es  # noqa: E402
import botocore.model  # noqa: E402
import botocore.parsers  # noqa: E402
import botocore.serialize  # noqa: E402


def header_bytes(name, kind, value):
    n = name.encode("utf-8")
    out = bytes([len(n)]) + n + bytes([kind])
    if kind in (0, 1):
        return out
    if kind == 2:
        return out + struct.pack(">b", value)
    if kind == 3:
        return out + struct.pack(">h", value)
    if kind == 4:
        return out + struct.pack(">i", value)
    if kind in (5, 8):
        return out + struct.pack(">q", value)
    if kind in (6, 7):
        v = value if isinstance(value, bytes) else value.encode("utf-8")
        return out + struct.pack(">H", len(v)) + v
    if kind == 9:
        return out + value
    raise ValueError(kind)


def message(headers, payload):
    """headers: [(name, type, value)]; the whole message, CRCs and all."""
    h = b"".join(header_bytes(*x) for x in headers)
    total = 16 + len(h) + len(payload)
    prelude = struct.pack(">II", total, len(h))
    prelude += struct.pack(">I", zlib.crc32(prelude))
    body = prelude + h + payload
    return body + struct.pack(">I", zlib.crc32(body))


def rand_header(rng, i):
    kind = rng.randrange(10)
    name = "h%d-%s" % (i, "ü" if rng.random() < 0.2 else "x")
    value = {
        0: True, 1: False,
        2: rng.randint(-128, 127), 3: rng.randint(-32768, 32767),
        4: rng.randint(-2**31, 2**31 - 1), 5: rng.randint(-2**63, 2**63 - 1),
        6: bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 40))),
        7: "".join(rng.choice("abé€😀 ") for _ in range(rng.randint(0, 20))),
        8: rng.randint(0, 2**45), 9: uuid.UUID(int=rng.getrandbits(128)).bytes,
    }[kind]
    return (name, kind, value)


def read_messages(data, chunk=None):
    buf = es.EventStreamBuffer()
    out = []
    pieces = [data] if chunk is None else [data[i:i + chunk] for i in range(0, len(data), chunk)]
    for piece in pieces:
        buf.add_data(piece)
        for m in buf:
            out.append({"headers": {k: tag(v) for k, v in m.headers.items()},
                        "payload": m.payload.hex()})
    return out


def messages(req):
    rng = random.Random(req["seed"])
    data = b""
    for _ in range(req["count"]):
        headers = [rand_header(rng, i) for i in range(rng.randint(0, 6))]
        payload = bytes(rng.getrandbits(8) for _ in range(rng.choice([0, 1, 17, 300])))
        data += message(headers, payload)
    return {"hex": data.hex(), "messages": read_messages(data, 7)}


def decode_one(data):
    try:
        return {"messages": read_messages(data)}
    except Exception as e:  # noqa: BLE001 - botocore's refusal is the answer
        return {"error": "%s: %s" % (type(e).__name__, e)}


def decode(req):
    return [decode_one(bytes.fromhex(h)) for h in req["items"]]


class Body:
    def __init__(self, data):
        self.data = data

    def stream(self):
        for i in range(0, len(self.data), 5):
            yield self.data[i:i + 5]

    def close(self):
        pass


class JGen(Gen):
    """Gen, with documents (JSON values) for rest-json's payloads."""

    def value(self, shape, depth):
        if getattr(shape, "is_document_type", False):
            return self.rng.choice([None, 1, 2.5, "x", [1, "a", {"k": True}],
                                    {"a": {"b": [1, 2]}, "n": None}])
        return super().value(shape, depth)


def json_payload(value, shape):
    s = botocore.serialize.JSONSerializer()
    body = {}
    s._serialize(body, value, shape)
    return json.dumps(body).encode()


def event_message(name, payload):
    return message([(":message-type", 7, "event"), (":event-type", 7, name),
                    (":content-type", 7, "application/json")], payload)


def exception_message(name, payload):
    return message([(":message-type", 7, "exception"), (":exception-type", 7, name),
                    (":content-type", 7, "application/json")], payload)


def botocore_events(data, stream_shape, parser):
    events, error = [], None
    try:
        for e in es.EventStream(Body(data), stream_shape, parser, "Op"):
            events.append(tag(e))
    except es.EventStreamError as e:
        error = {"code": e.response["Error"]["Code"],
                 "message": e.response["Error"]["Message"]}
    return events, error


def events(req):
    model = aws_model.service_model(req["service"])
    stream_shape = model.shape_for(req["shape"])
    parser = botocore.parsers.create_parser(model.protocol)._event_stream_parser
    rng = random.Random(req["seed"])
    names = [n for n, s in stream_shape.members.items() if not s.metadata.get("exception")]
    data = b""
    for _ in range(req["count"]):
        name = rng.choice(names)
        shape = stream_shape.members[name]
        payload_member = [m for m, s in shape.members.items()
                          if s.serialization.get("eventpayload")]
        if payload_member:
            mshape = shape.members[payload_member[0]]
            if mshape.type_name == "blob":
                payload = bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 64)))
            elif mshape.type_name == "string":
                payload = "é€x".encode()
            else:
                payload = json_payload(JGen(rng).value(mshape, 4), mshape)
        else:
            payload = json_payload(JGen(rng).value(shape, 4), shape)
        data += event_message(name, payload)
    data += event_message("notAnEventOfThisStream", b"{}")
    exception = req.get("exception")
    if exception:
        data += exception_message(exception, json.dumps({"message": "it broke"}).encode())
        data += event_message(names[0], b"{}")
    evs, error = botocore_events(data, stream_shape, parser)
    return {"hex": data.hex(), "events": evs, "error": error}


SYNTHETIC = {
    "metadata": {"protocol": "rest-json", "apiVersion": "1", "serviceId": "S"},
    "operations": {},
    "shapes": {
        "Stream": {"type": "structure", "eventstream": True, "members": {
            "Headers": {"shape": "HeaderEvent"}, "Text": {"shape": "TextEvent"},
            "Plain": {"shape": "PlainEvent"},
            "Boom": {"shape": "BoomException"}}},
        "HeaderEvent": {"type": "structure", "event": True, "members": {
            "Name": {"shape": "Str", "eventheader": True},
            "When": {"shape": "Time", "eventheader": True},
            "Count": {"shape": "Int", "eventheader": True},
            "Big": {"shape": "Long", "eventheader": True},
            "Flag": {"shape": "Bool", "eventheader": True},
            "Raw": {"shape": "Blob", "eventheader": True},
            "Body": {"shape": "Inner", "eventpayload": True}}},
        "TextEvent": {"type": "structure", "event": True, "members": {
            "Tag": {"shape": "Str", "eventheader": True},
            "Text": {"shape": "Str", "eventpayload": True}}},
        "PlainEvent": {"type": "structure", "members": {
            "Name": {"shape": "Str", "eventheader": True}, "a": {"shape": "Int"}}},
        "BoomException": {"type": "structure", "exception": True, "members": {
            "Message": {"shape": "Str"}, "Extra": {"shape": "Int"}}},
        "Inner": {"type": "structure", "members": {"a": {"shape": "Int"},
                                                   "when": {"shape": "Time"}}},
        "Str": {"type": "string"}, "Int": {"type": "integer"},
        "Long": {"type": "long"}, "Bool": {"type": "boolean"},
        "Time": {"type": "timestamp"}, "Blob": {"type": "blob"},
    },
}


def synthetic(req):
    model = botocore.model.ServiceModel(SYNTHETIC, "s")
    stream_shape = model.shape_for("Stream")
    parser = botocore.parsers.create_parser("rest-json")._event_stream_parser
    ev = [(":message-type", 7, "event")]
    data = message(ev + [(":event-type", 7, "Headers"), ("Name", 7, "n"),
                         ("When", 8, 1700000000123), ("Count", 4, -7),
                         ("Big", 5, 2**40), ("Flag", 1, False), ("Raw", 6, b"\x00\xff"),
                         ("Ignored", 7, "x")],
                   json.dumps({"a": 5, "when": 1700000000.5}).encode())
    data += message(ev + [(":event-type", 7, "Headers"), ("When", 8, 1700000000000)], b"")
    data += message(ev + [(":event-type", 7, "Text"), ("Tag", 7, "t")], "héllo".encode())
    data += message(ev + [(":event-type", 7, "Plain"), ("Name", 7, "p")],
                    json.dumps({"a": 1}).encode())
    data += message([(":message-type", 7, "exception"), (":exception-type", 7, "Boom")],
                    json.dumps({"Message": "boom", "Extra": 3}).encode())
    evs, error = botocore_events(data, stream_shape, parser)
    return {"hex": data.hex(), "events": evs, "error": error,
            "model": SYNTHETIC}


def error_message(req):
    data = message([(":message-type", 7, "error"), (":error-code", 7, "InternalFailure"),
                    (":error-message", 7, "it failed")], b"")
    model = aws_model.service_model(req["service"])
    stream_shape = model.shape_for(req["shape"])
    parser = botocore.parsers.create_parser(model.protocol)._event_stream_parser
    evs, error = botocore_events(data, stream_shape, parser)
    return {"hex": data.hex(), "events": evs, "error": error}


def bench(req):
    """A stream of count messages of size bytes of payload, to a file."""
    rng = random.Random(1)
    with open(req["path"], "wb") as f:
        for i in range(req["count"]):
            payload = base64.b64encode(bytes(rng.getrandbits(8) for _ in range(req["size"] * 3 // 4)))
            f.write(event_message("PayloadChunk", payload[:req["size"]]))
    return {}


def main():
    req = json.load(sys.stdin)
    handler = {"messages": messages, "decode": decode, "events": events,
               "synthetic": synthetic, "error_message": error_message,
               "bench": bench}[req["do"]]
    json.dump(handler(req), sys.stdout)


if __name__ == "__main__":
    main()
