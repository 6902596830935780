--- The baseline for bench/echo.lua: a runtime written in plain Lua with
--- lua-socket that echoes each event over one keep-alive connection, with
--- no JSON and no handler call. Same fake API, same machine, same run.
---
--- usage: lua5.4 bench/floor_client.lua (AWS_LAMBDA_RUNTIME_API set)
local socket = require "socket"
local wire = require "http_wire"  -- spec/support/lib, on LUA_PATH

local host, port = os.getenv("AWS_LAMBDA_RUNTIME_API"):match("^(.+):(%d+)$")
local conn = assert(socket.connect(host, tonumber(port)))
conn:setoption("tcp-nodelay", true)
local prefix = "/2018-06-01/runtime/invocation/"

local function read_reply()
  local status = conn:receive("*l")
  if not status then os.exit(0) end
  local headers = wire.read_headers(conn)
  return headers, (wire.read_body(conn, headers))
end

while true do
  assert(conn:send("GET " .. prefix .. "next HTTP/1.1\r\nHost: x\r\n\r\n"))
  local headers, body = read_reply()
  local id = headers["lambda-runtime-aws-request-id"]
  assert(conn:send(("POST %s%s/response HTTP/1.1\r\nHost: x\r\n"
    .. "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s")
    :format(prefix, id, #body, body)))
  read_reply()
end
