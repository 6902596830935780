"""A fake AWS endpoint for lambda.aws's and lambda.fetch's specs: HTTPS on
127.0.0.1 (port 0: it prints "port N" when it listens), with a test CA's
certificate. Every signed request is checked by botocore (Debian's
python3-botocore), an independent SigV4 implementation, and answered
403 SignatureDoesNotMatch on any difference, as AWS does.

Serves, all on one endpoint (AWS_ENDPOINT_URL):
  DynamoDB (PutItem, GetItem, DeleteItem) and SQS (SendMessage), JSON
  protocol; S3 path-style objects (PUT, GET, HEAD, DELETE; XML errors;
  presigned URLs; ListObjectsV2 with continuation tokens; multipart
  uploads with AWS's 5 MiB part minimum); Lambda Invoke; and each in its
  protocol's real shape (aws_shapes.py): SNS Publish (query), SES v2
  SendEmail (rest-json), EC2 DescribeInstances (ec2), KMS Encrypt and
  Decrypt (json 1.1), STS GetCallerIdentity (query), Bedrock Runtime
  ConverseStream (an application/vnd.amazon.eventstream answer); a container credentials endpoint
  (/creds?ttl=S, Authorization must be the --token); and for lambda.fetch
  /fetch/echo, /fetch/status/N, /fetch/big?n=N, /fetch/cookies,
  /fetch/slow?ms=N, /fetch/drop-reused (closes a reused connection
  without an answer), /fetch/half-reused (half an answer, then closes). Scripted faults: a DynamoDB table named
  "throttle-N-..." is throttled N times, then served; "status-503-..."
  always answers 503, "slow-503-..." after 400 ms. GET /__stats?name=X (unsigned) tells how many
  requests X got.
Run with Debian's python3: fake_aws.py CERT KEY [--token T]
"""
import argparse
import datetime
import hashlib
import http.server
import json
import re
import ssl
import sys
import threading
import time
import types
import uuid
from unittest import mock
from urllib.parse import parse_qsl, urlsplit

import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import fake_http  # noqa: E402 (beside this file)
import aws_shapes  # noqa: E402 (beside this file)

SECRETS = {"AKIDTEST": "test/secret+key"}
LOCK = threading.Lock()
STATS = {}
TABLES = {}
OBJECTS = {}
AUTH_RE = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request, "
    r"SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$")


def count(name):
    with LOCK:
        STATS[name] = STATS.get(name, 0) + 1
        return STATS[name]


def frozen_time(stamp):
    fake = mock.patch.object(botocore.auth, "datetime")
    patched = fake.start()
    patched.datetime.utcnow.return_value = datetime.datetime.strptime(
        stamp, "%Y%m%dT%H%M%SZ")
    patched.datetime.strptime = datetime.datetime.strptime
    return fake


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # headers and body go out in two writes: without this, Nagle and the
    # client's delayed ACK hold every answer back 40 ms
    disable_nagle_algorithm = True
    token = None

    def log_message(self, *args):
        pass

    # --- plumbing ----------------------------------------------------------

    def read_body(self):
        return fake_http.read_body(self.rfile, self.headers)

    def reply(self, status, body=b"", ctype="application/json", headers=()):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        elif isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-amzn-RequestId", "req-" + uuid.uuid4().hex[:12])
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def aws_error(self, status, code, message, xml=False):
        if xml:
            body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>%s</Code>"
                    "<Message>%s</Message><RequestId>xml-req-1</RequestId></Error>"
                    % (code, message))
            return self.reply(status, body, "application/xml")
        return self.reply(status, {"__type": "com.amazonaws#" + code,
                                   "message": message},
                          "application/x-amz-json-1.0")

    # --- SigV4, checked by botocore --------------------------------------

    def verify_header_signature(self, body):
        auth = self.headers.get("Authorization", "")
        m = AUTH_RE.match(auth)
        if not m:
            return None, "no SigV4 Authorization header"
        key, _, region, service, signed, _ = m.groups()
        secret = SECRETS.get(key)
        if secret is None:
            return None, "unknown access key"
        token = self.headers.get("X-Amz-Security-Token")
        request = AWSRequest(method=self.command,
                             url="https://%s%s" % (self.headers["Host"], self.path),
                             data=body)
        for name in signed.split(";"):
            for value in self.headers.get_all(name) or []:
                request.headers[name] = value
        s3 = service == "s3"
        if s3 and self.headers.get("X-Amz-Content-SHA256") == "UNSIGNED-PAYLOAD":
            request.context["client_config"] = types.SimpleNamespace(
                s3={"payload_signing_enabled": False})
        cls = botocore.auth.S3SigV4Auth if s3 else botocore.auth.SigV4Auth
        signer = cls(Credentials(key, secret, token), service, region)
        fake = frozen_time(self.headers.get("X-Amz-Date", ""))
        try:
            signer.add_auth(request)
        finally:
            fake.stop()
        if request.headers["Authorization"] != auth:
            return None, "expected " + request.headers["Authorization"]
        if s3 and self.headers.get("X-Amz-Content-SHA256") not in (
                "UNSIGNED-PAYLOAD", hashlib.sha256(body).hexdigest()):
            return None, "x-amz-content-sha256 does not match the body"
        return service, None

    def verify_query_signature(self):
        parts = urlsplit(self.path)
        params = parse_qsl(parts.query, keep_blank_values=True)
        given = dict(params)
        cred = given.get("X-Amz-Credential", "").split("/")
        if len(cred) != 5 or cred[0] not in SECRETS:
            return None, "bad X-Amz-Credential"
        rest = "&".join(p for p in parts.query.split("&")
                        if p and not p.split("=", 1)[0].startswith("X-Amz-"))
        url = "https://%s%s%s" % (self.headers["Host"], parts.path,
                                  "?" + rest if rest else "")
        request = AWSRequest(method=self.command, url=url)
        request.headers["host"] = self.headers["Host"]
        cls = (botocore.auth.S3SigV4QueryAuth if cred[3] == "s3"
               else botocore.auth.SigV4QueryAuth)
        signer = cls(Credentials(cred[0], SECRETS[cred[0]],
                                 given.get("X-Amz-Security-Token")),
                     cred[3], cred[2], expires=int(given.get("X-Amz-Expires", 0)))
        fake = frozen_time(given.get("X-Amz-Date", ""))
        try:
            signer.add_auth(request)
        finally:
            fake.stop()
        expected = dict(parse_qsl(urlsplit(request.url).query))["X-Amz-Signature"]
        if expected != given.get("X-Amz-Signature"):
            return None, "presigned URL: expected signature " + expected
        return cred[3], None

    # --- dispatch ----------------------------------------------------------

    def handle_any(self):
        path = urlsplit(self.path).path
        if path.startswith("/__stats"):
            name = dict(parse_qsl(urlsplit(self.path).query)).get("name", "")
            if name == "s3-uploads-open":
                return self.reply(200, {"count": aws_shapes.uploads_open()})
            return self.reply(200, {"count": STATS.get(name, 0)})
        if path.startswith("/fetch/"):
            return self.fetch_endpoints(path)
        if path.startswith("/creds"):
            return self.container_credentials()
        body = self.read_body()
        if "X-Amz-Signature=" in self.path:
            service, problem = self.verify_query_signature()
        else:
            service, problem = self.verify_header_signature(body)
        if problem:
            count("signature-failures")
            sys.stderr.write("signature check failed: %s\n" % problem)
            return self.aws_error(403, "SignatureDoesNotMatch", problem,
                                  xml=service == "s3" or "X-Amz-Signature" in self.path)
        target = self.headers.get("X-Amz-Target", "")
        if service == "dynamodb":
            return self.dynamodb(target.split(".")[-1], json.loads(body or b"{}"))
        if service == "sqs":
            return self.sqs(target.split(".")[-1], json.loads(body or b"{}"))
        if service == "s3":
            if self.s3_more(path, body):
                return None
            return self.s3(path, body)
        answer = aws_shapes.answer(service, self.command, self.path,
                                   dict((k.lower(), v) for k, v in self.headers.items()),
                                   body)
        if answer is not None:
            status, headers, data = answer
            return self.reply(status, data, headers.pop("content-type"),
                              headers=list(headers.items()))
        if service == "lambda":
            return self.lambda_invoke(path, body)
        return self.aws_error(400, "UnknownService", service)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = handle_any

    # --- services ----------------------------------------------------------

    def dynamodb(self, op, req):
        table = req.get("TableName", "")
        n = count("dynamodb:" + table)
        m = re.match(r"^throttle-(\d+)-", table)
        if m and n <= int(m.group(1)):
            return self.aws_error(400, "ThrottlingException", "Rate exceeded")
        if table.startswith("status-503-"):
            return self.aws_error(503, "ServiceUnavailable", "try later")
        if table.startswith("slow-503-"):
            time.sleep(0.4)
            return self.aws_error(503, "ServiceUnavailable", "try later")
        items = TABLES.setdefault(table, {})
        key_of = lambda item: json.dumps(item, sort_keys=True)
        if op == "PutItem":
            item = req["Item"]
            items[key_of({"id": item["id"]})] = item
            return self.reply(200, {}, "application/x-amz-json-1.0")
        if op == "GetItem":
            item = items.get(key_of(req["Key"]))
            return self.reply(200, {"Item": item} if item else {},
                              "application/x-amz-json-1.0")
        if op == "DeleteItem":
            items.pop(key_of(req["Key"]), None)
            return self.reply(200, {}, "application/x-amz-json-1.0")
        return self.aws_error(400, "UnknownOperationException", op)

    def sqs(self, op, req):
        if op != "SendMessage":
            return self.aws_error(400, "UnknownOperationException", op)
        if not req.get("QueueUrl"):
            return self.aws_error(400, "MissingParameter", "QueueUrl is required")
        return self.reply(200, {
            "MessageId": str(uuid.uuid4()),
            "MD5OfMessageBody": hashlib.md5(req["MessageBody"].encode()).hexdigest(),
        }, "application/x-amz-json-1.0")

    def s3(self, path, body):
        count("s3")
        key = path
        if self.command == "PUT":
            OBJECTS[key] = (body, self.headers.get("Content-Type",
                                                   "binary/octet-stream"))
            return self.reply(200, b"", headers=[("ETag", '"%s"' %
                                                  hashlib.md5(body).hexdigest())])
        if self.command in ("GET", "HEAD"):
            if key not in OBJECTS:
                if self.command == "HEAD":
                    return self.reply(404, b"", "application/xml")
                return self.aws_error(404, "NoSuchKey",
                                      "The specified key does not exist.", xml=True)
            data, ctype = OBJECTS[key]
            if self.command == "HEAD":
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                return None
            return self.reply(200, data, ctype)
        if self.command == "DELETE":
            OBJECTS.pop(key, None)
            return self.reply(204, b"")
        return self.aws_error(405, "MethodNotAllowed", self.command, xml=True)

    def s3_more(self, path, body):
        """ListObjectsV2 and multipart uploads; False for the rest."""
        query = dict(parse_qsl(urlsplit(self.path).query, keep_blank_values=True))
        answer = aws_shapes.s3(self.command, path, query, body, OBJECTS)
        if answer is None:
            return False
        status, headers, data = answer
        self.reply(status, data, headers.pop("content-type", "application/xml"),
                   headers=list(headers.items()))
        return True

    def lambda_invoke(self, path, body):
        m = re.match(r"^/2015-03-31/functions/([^/]+)/invocations$", path)
        if not m:
            return self.aws_error(404, "ResourceNotFoundException", path)
        name = m.group(1)
        qualifier = dict(parse_qsl(urlsplit(self.path).query)).get("Qualifier")
        if name == "fails":
            return self.reply(200, {"errorMessage": "boom", "errorType": "Error"},
                              headers=[("X-Amz-Function-Error", "Unhandled"),
                                       ("X-Amz-Executed-Version", "$LATEST")])
        return self.reply(200, {"echo": json.loads(body or b"null"),
                                "qualifier": qualifier},
                          headers=[("X-Amz-Executed-Version", qualifier or "$LATEST")])

    def container_credentials(self):
        n = count("creds")
        if self.headers.get("Authorization") != Handler.token:
            return self.reply(401, {"message": "bad authorization token"})
        ttl = int(dict(parse_qsl(urlsplit(self.path).query)).get("ttl", 3600))
        key = "AKIDCONTAINER%d" % n
        SECRETS[key] = "container-secret-%d" % n
        expires = datetime.datetime.utcnow() + datetime.timedelta(seconds=ttl)
        return self.reply(200, {
            "AccessKeyId": key, "SecretAccessKey": SECRETS[key],
            "Token": "container-token-%d" % n,
            "Expiration": expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
        })

    # --- lambda.fetch ------------------------------------------------------

    def fetch_endpoints(self, path):
        query = dict(parse_qsl(urlsplit(self.path).query))
        body = self.read_body()
        count(path)
        if path == "/fetch/echo":
            return self.reply(200, {
                "method": self.command, "path": self.path,
                "headers": [[k.lower(), v] for k, v in self.headers.items()],
                "body": body.decode("utf-8", "replace"),
                "chunked": self.headers.get("Transfer-Encoding") == "chunked",
            })
        m = re.match(r"^/fetch/status/(\d+)$", path)
        if m:
            return self.reply(int(m.group(1)), "status " + m.group(1), "text/plain")
        if path == "/fetch/big":
            return self.reply(200, b"x" * int(query.get("n", "0")), "text/plain")
        if path == "/fetch/cookies":
            return self.reply(200, "ok", "text/plain",
                              headers=[("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"),
                                       ("X-Multi", "one"), ("X-Multi", "two")])
        if path == "/fetch/slow":
            time.sleep(int(query.get("ms", "0")) / 1000)
            return self.reply(200, "slow", "text/plain")
        if path == "/fetch/drop-reused":
            served = getattr(self, "served", 0)
            self.served = served + 1
            if served >= 1:  # a reused connection: gone, as after a freeze
                self.close_connection = True
                self.connection.shutdown(2)
                return None
            return self.reply(200, "fresh", "text/plain")
        if path == "/fetch/half-reused":
            served = getattr(self, "served", 0)
            self.served = served + 1
            if served >= 1:  # dies halfway through its answer
                self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nfre")
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(2)
                return None
            return self.reply(200, "fresh", "text/plain")
        return self.reply(404, "no such fetch endpoint", "text/plain")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("cert")
    parser.add_argument("key")
    parser.add_argument("--token", default="test-container-token")
    args = parser.parse_args()
    Handler.token = args.token
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(args.cert, args.key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    print("port %d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
