"""Decodes an application/vnd.amazon.eventstream body with botocore's own
parser (an independent check of serve's framing and CRCs) and prints the
messages as JSON: [{"headers": {...}, "payload": "..."}]. Reads stdin."""
import json
import sys

from botocore.eventstream import EventStreamBuffer


def main():
    buf = EventStreamBuffer()
    buf.add_data(sys.stdin.buffer.read())
    out = []
    for message in buf:  # raises on a bad length or CRC
        out.append({"headers": message.headers,
                    "payload": message.payload.decode("latin-1")})
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
