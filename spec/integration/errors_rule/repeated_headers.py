"""Answers every GET with one header sent twice (X-Two: 1, X-Two: 2), for
errors_rule_spec.lua: how lambda.fetch joins repeated headers. Prints
"port N" once it listens on a port the kernel chose."""
import http.server


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.send_response(200)
        self.send_header("X-Two", "1")
        self.send_header("X-Two", "2")
        self.send_header("Content-Length", "0")
        self.end_headers()


server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
print("port %d" % server.server_address[1], flush=True)
server.serve_forever()
