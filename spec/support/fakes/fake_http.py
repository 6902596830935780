"""What the Python fakes (fake_aws.py, fetch_server.py) share: reading a
request body as http.server leaves it, chunked or sized."""


def read_body(rfile, headers):
    """The body of the request whose headers were read from rfile."""
    if headers.get("Transfer-Encoding", "").lower() == "chunked":
        chunks = []
        while True:
            size = int(rfile.readline().split(b";")[0].strip(), 16)
            if size == 0:
                while rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(chunks)
            chunks.append(rfile.read(size))
            rfile.readline()
    n = int(headers.get("Content-Length") or 0)
    return rfile.read(n) if n else b""
