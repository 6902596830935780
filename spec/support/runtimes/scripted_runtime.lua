--- What the scripted runtimes share (streaming_runtime.lua and the
--- others run by specs in place of bootstrap): a connection to
--- AWS_LAMBDA_RUNTIME_API and one request at a time over it.
-- spec/support/lib (http_wire) beside this folder, for every runtime
package.path = debug.getinfo(1, "S").source:match("^@(.*)/[^/]+$")
  .. "/../lib/?.lua;" .. package.path
local socket = require "socket"
local wire = require "http_wire"

local scripted = {}

--- A keep-alive connection to the Runtime API the runtime was given.
function scripted.connect()
  local host, port = os.getenv("AWS_LAMBDA_RUNTIME_API"):match("^(.+):(%d+)$")
  return assert(socket.connect(host, tonumber(port)))
end

--- Sends head (the request line and any headers, each ending in CRLF)
--- with body, and reads the answer: status line, headers, body.
function scripted.request(conn, head, body)
  body = body or ""
  assert(conn:send(head .. "Host: x\r\nContent-Length: " .. #body
    .. "\r\n\r\n" .. body))
  local status = assert(conn:receive("*l"))
  local headers = wire.read_headers(conn)
  return status, headers, (wire.read_body(conn, headers))
end

return scripted
