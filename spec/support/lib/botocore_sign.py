"""Signs requests with botocore, an independent SigV4 implementation, for
the specs to compare lambda.aws against.

Reads JSON lines on stdin, one request each: method, url, headers (a list
of [name, value]; repeated names allowed), body, service, region,
access_key, secret_key, token (or null), time (unix seconds). Writes one
line per request: the Authorization header botocore computes.
Run with Debian's python3 and python3-botocore.
"""
import datetime
import json
import sys
from unittest import mock

import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


def authorization(req):
    creds = Credentials(req["access_key"], req["secret_key"], req.get("token"))
    auth_class = (botocore.auth.S3SigV4Auth if req["service"] == "s3"
                  else botocore.auth.SigV4Auth)
    auth = auth_class(creds, req["service"], req["region"])
    request = AWSRequest(method=req["method"], url=req["url"],
                         data=req["body"].encode("utf-8"))
    for name, value in req["headers"]:
        request.headers[name] = value  # HTTPHeaders appends: repeats kept
    now = datetime.datetime.fromtimestamp(req["time"], datetime.timezone.utc)
    with mock.patch.object(botocore.auth, "datetime") as fake:
        fake.datetime.utcnow.return_value = now.replace(tzinfo=None)
        auth.add_auth(request)
    return request.headers["Authorization"]


def main():
    for line in sys.stdin:
        if line.strip():
            print(authorization(json.loads(line)), flush=True)


if __name__ == "__main__":
    main()
