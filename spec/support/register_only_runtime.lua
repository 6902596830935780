#!/usr/bin/env lua5.4
--- A scripted runtime that does what bootstrap once did: registers an
--- internal extension, then calls /next without ever polling
--- /extension/event/next. Lambda never finishes its Init, and neither may
--- the fake Runtime API.
local here = arg[0]:match("^(.*)/[^/]+$") or "."
package.path = here .. "/?.lua;" .. package.path
local socket = require "socket"
local wire = require "http_wire"

local host, port = os.getenv("AWS_LAMBDA_RUNTIME_API"):match("^(.+):(%d+)$")

local function request(conn, head, body)
  body = body or ""
  assert(conn:send(head .. "Host: x\r\nContent-Length: " .. #body
    .. "\r\n\r\n" .. body))
  local status = assert(conn:receive("*l"))
  local headers = wire.read_headers(conn)
  return status, headers, (wire.read_body(conn, headers))
end

local conn = assert(socket.connect(host, tonumber(port)))
local status = request(conn, "POST /2020-01-01/extension/register HTTP/1.1\r\n"
  .. "Lambda-Extension-Name: forgetful\r\n", '{"events":[]}')
assert(status:find(" 200 "), status)
-- blocks until an invocation comes, which it must not
request(conn, "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\n")
io.stdout:write("got an invocation past the Init barrier\n")
