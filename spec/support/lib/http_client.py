"""A small HTTP client for serve --http's specs, as a browser would use it
(http.client, reading a streamed body as it arrives). Prints JSON.

  http_client.py request METHOD URL [BODY_FILE] [Name:Value ...]
      -> {"status", "headers": [[name, value], ...], "body_hex"}
  http_client.py stream URL FILE
      reads the status and the first line, then creates FILE (the handler
      waits for it before it writes more) and reads the rest
      -> {"status", "headers", "first", "rest"}
  http_client.py disconnect URL FILE
      reads the first line, closes the connection, then creates FILE
      -> {"status", "first"}
"""
import http.client
import json
import sys
import urllib.parse


def connect(url):
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
    path = u.path + ("?" + u.query if u.query else "")
    return conn, path


def main():
    mode, url = sys.argv[1], sys.argv[2]
    if mode == "request":
        method, url = sys.argv[2], sys.argv[3]
        body = None
        rest = sys.argv[4:]
        if rest and ":" not in rest[0]:
            with open(rest[0], "rb") as f:
                body = f.read()
            rest = rest[1:]
        conn, path = connect(url)
        conn.putrequest(method, path)
        for h in rest:
            name, value = h.split(":", 1)
            conn.putheader(name, value)
        if body is not None:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        r = conn.getresponse()
        data = r.read()
        print(json.dumps({"status": r.status, "headers": r.getheaders(),
                          "body_hex": data.hex()}))
        return
    conn, path = connect(url)
    conn.request("GET", path)
    r = conn.getresponse()
    first = r.readline().decode()
    if mode == "disconnect":
        conn.sock.close()
        conn.close()
        open(sys.argv[3], "w").close()
        print(json.dumps({"status": r.status, "first": first}))
        return
    open(sys.argv[3], "w").close()
    rest = r.read().decode()
    print(json.dumps({"status": r.status, "headers": r.getheaders(),
                      "first": first, "rest": rest}))


if __name__ == "__main__":
    main()
