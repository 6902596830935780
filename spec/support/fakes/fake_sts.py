"""A stand-in for STS's AssumeRoleWithWebIdentity (and a container
credentials endpoint), plain HTTP on 127.0.0.1, port the kernel picks;
prints "port N" when it listens. For spec/integration/aws_web_identity_spec.lua.

POST /            AssumeRoleWithWebIdentity (query protocol, form body):
                  the token (WebIdentityToken) decides the answer:
                    "invalid..."  400 InvalidIdentityToken
                    "flaky..."    400 IDPCommunicationError the first time
                                  a token is seen, then as below
                    "expiring..." credentials that expire in 200 s
                    otherwise     credentials that expire in an hour
                  Each answer's AccessKeyId is new (ASIAFAKE<n>), its secret
                  "wi/secret&<n>" (sent as &amp;), its token "token-<n>".
GET /container    container credentials (JSON), AccessKeyId CONTAINERKEY
GET /__requests   every request read so far, JSON: [{method, path,
                  headers (lower-case names), body}]
Run: fake_sts.py
"""
import datetime
import http.server
import itertools
import json
import socketserver
import sys
import threading
from urllib.parse import parse_qs

from fake_http import read_body

LOCK = threading.Lock()
REQUESTS = []
SEEN = set()
COUNTER = itertools.count(1)

OK = """<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleWithWebIdentityResult>
    <SubjectFromWebIdentityToken>system:serviceaccount:ns:sa</SubjectFromWebIdentityToken>
    <Audience>sts.amazonaws.com</Audience>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::123456789012:assumed-role/{role}/{session}</Arn>
      <AssumedRoleId>AROAFAKE:{session}</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <SessionToken>token-{n}</SessionToken>
      <SecretAccessKey>wi/secret&amp;{n}</SecretAccessKey>
      <Expiration>{expiration}</Expiration>
      <AccessKeyId>ASIAFAKE{n}</AccessKeyId>
    </Credentials>
    <Provider>www.amazon.com</Provider>
  </AssumeRoleWithWebIdentityResult>
  <ResponseMetadata>
    <RequestId>req-{n}</RequestId>
  </ResponseMetadata>
</AssumeRoleWithWebIdentityResponse>
"""

ERROR = """<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error>
    <Type>Sender</Type>
    <Code>{code}</Code>
    <Message>{message}</Message>
  </Error>
  <RequestId>err-{n}</RequestId>
</ErrorResponse>
"""


def iso(seconds_from_now):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(
        seconds=seconds_from_now)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body, ctype):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def record(self, body):
        with LOCK:
            REQUESTS.append({"method": self.command, "path": self.path,
                             "headers": {k.lower(): v for k, v in self.headers.items()},
                             "body": body.decode("utf-8", "replace")})

    def do_GET(self):
        if self.path == "/__requests":
            with LOCK:
                return self.reply(200, json.dumps(REQUESTS), "application/json")
        self.record(b"")
        if self.path == "/container":
            return self.reply(200, json.dumps({
                "AccessKeyId": "CONTAINERKEY", "SecretAccessKey": "c",
                "Token": "ct", "Expiration": iso(3600)}), "application/json")
        self.reply(404, "no such path", "text/plain")

    def do_POST(self):
        body = read_body(self.rfile, self.headers)
        self.record(body)
        form = {k: v[0] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}
        token = form.get("WebIdentityToken", "")
        n = next(COUNTER)
        if token.startswith("invalid"):
            return self.reply(400, ERROR.format(
                code="InvalidIdentityToken", n=n,
                message="Couldn&apos;t retrieve verification key"), "text/xml")
        if token.startswith("flaky"):
            with LOCK:
                first = token not in SEEN
                SEEN.add(token)
            if first:
                return self.reply(400, ERROR.format(
                    code="IDPCommunicationError", n=n,
                    message="the identity provider did not answer"), "text/xml")
        ttl = 200 if token.startswith("expiring") else 3600
        role = form.get("RoleArn", "").rsplit("/", 1)[-1]
        self.reply(200, OK.format(n=n, expiration=iso(ttl), role=role,
                                  session=form.get("RoleSessionName", "")), "text/xml")


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


def main():
    server = Server(("127.0.0.1", 0), Handler)
    print("port %d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
