"""Origins for lambda.fetch's own specs (spec/integration/fetch_spec.lua): two plain
HTTP listeners on 127.0.0.1 ("a" and "b": two origins, ports the kernel
picks) and, given a certificate and key, an HTTPS one ("s"). It prints
"ports a=N b=N s=N" when it listens, then one JSON line per request it
read, before it answers (so the line is there when the client has its
answer): {"origin", "conn" (the connection's number), "seq" (the
request's number on its connection), "method", "path", "headers"
([[name, value], ...] as sent), "body"}.

Endpoints, on every listener:
  /echo                       200, the request as JSON
  /redirect/N?to=URL          status N, Location: URL
  /chunked?n=N&chunk=K        N bytes, chunked, in chunks of K (no length)
  /length?n=N                 N bytes with a Content-Length
  /loop                       302 to itself, for ever
  /reused/nothing             200 "fresh" on a connection's first request;
                              on a later one reads it whole, then closes
                              without a word (as a server that died)
  /reused/half                the same, but half an answer before closing
For streamed bodies (spec/integration/fetch_stream_spec.lua), X an id:
  /parts?id=X                 chunked: "first", then waits (at most 20 s)
                              for /signal?id=X, then "second" and the end
  /signal?id=X                200 "ok"; lets /parts?id=X go on
  /hold?id=X                  Content-Length 1000000, "held", then waits for
                              the client to close the connection and logs
                              {"event": "closed", "id": X}
  /cut?id=X[&chunked=1]       a length of 1000 (or chunked), "partial", then
                              the connection closes mid-body
Run: fetch_server.py [CERT KEY]
"""
import http.server
import itertools
import json
import socketserver
import ssl
import sys
import threading
from urllib.parse import parse_qsl, urlsplit

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import fake_http  # noqa: E402 (beside this file)

LOCK = threading.Lock()
CONNECTIONS = itertools.count(1)
SIGNALS = {}  # id -> threading.Event, for /parts and /signal


def signal(name):
    with LOCK:
        return SIGNALS.setdefault(name, threading.Event())


def log(record):
    with LOCK:
        sys.stdout.write(json.dumps(record) + "\n")
        sys.stdout.flush()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    origin = "?"

    def log_message(self, *args):
        pass

    def setup(self):
        super().setup()
        self.conn_id = next(CONNECTIONS)
        self.seq = 0

    def read_body(self):
        return fake_http.read_body(self.rfile, self.headers)

    def reply(self, status, body=b"", headers=()):
        if isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def die(self, partial=b""):
        if partial:
            self.wfile.write(partial)
            self.wfile.flush()
        self.close_connection = True
        self.connection.shutdown(2)

    def handle_any(self):
        self.seq += 1
        url = urlsplit(self.path)
        query = dict(parse_qsl(url.query))
        body = self.read_body()
        record = {
            "origin": self.origin, "conn": self.conn_id, "seq": self.seq,
            "method": self.command, "path": self.path,
            "headers": [[k, v] for k, v in self.headers.items()],
            "body": body.decode("utf-8", "replace"),
        }
        log(record)
        path = url.path
        if path == "/echo":
            return self.reply(200, json.dumps(record),
                              [("Content-Type", "application/json")])
        if path.startswith("/redirect/"):
            return self.reply(int(path.rsplit("/", 1)[1]), "moved",
                              [("Location", query["to"])])
        if path == "/chunked":
            n, k = int(query["n"]), int(query.get("chunk", "1000"))
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            while n > 0:
                part = min(n, k)
                self.wfile.write(b"%x\r\n%s\r\n" % (part, b"x" * part))
                n -= part
            self.wfile.write(b"0\r\n\r\n")
            return None
        if path == "/loop":
            return self.reply(302, "again", [("Location", "/loop")])
        if path == "/length":
            return self.reply(200, b"x" * int(query["n"]))
        if path == "/reused/nothing":
            if self.seq > 1:
                return self.die()
            return self.reply(200, "fresh")
        if path == "/reused/half":
            if self.seq > 1:
                return self.die(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nfre")
            return self.reply(200, "fresh")
        if path in ("/parts", "/signal", "/hold", "/cut"):
            return self.streamed(path, query)
        return self.reply(404, "no such endpoint")

    def chunk(self, data):
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def streamed(self, path, query):
        name = query.get("id", "")
        if path == "/signal":
            signal(name).set()
            return self.reply(200, "ok")
        self.send_response(200)
        if path == "/parts" or query.get("chunked"):
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length",
                             "1000000" if path == "/hold" else "1000")
        self.end_headers()
        if path == "/parts":
            self.chunk(b"first")
            signal(name).wait(20)
            self.chunk(b"second")
            self.wfile.write(b"0\r\n\r\n")
            return None
        if path == "/cut":
            part = b"partial"
            if query.get("chunked"):
                self.wfile.write(b"%x\r\n%s" % (len(part) + 10, part))
            else:
                self.wfile.write(part)
            return self.die()
        self.wfile.write(b"held")  # /hold
        self.wfile.flush()
        try:
            while self.connection.recv(4096):
                pass
        except OSError:
            pass
        log({"event": "closed", "id": name})
        self.close_connection = True
        return None

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = handle_any


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


def listen(origin, context=None):
    handler = type("Handler_" + origin, (Handler,), {"origin": origin})
    server = Server(("127.0.0.1", 0), handler)
    if context is not None:
        server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server.server_address[1]


def main():
    ports = {"a": listen("a"), "b": listen("b")}
    if len(sys.argv) == 3:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(sys.argv[1], sys.argv[2])
        ports["s"] = listen("s", context)
    log_line = "ports " + " ".join("%s=%d" % kv for kv in sorted(ports.items()))
    with LOCK:
        print(log_line, flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
