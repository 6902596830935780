#!/usr/bin/env lua5.4
--- A runtime for Managed Instances that keeps two /next calls waiting for
--- each of its AWS_LAMBDA_MAX_CONCURRENCY slots (more than it may run at
--- once) and answers each invocation with its request id, as soon as its
--- /next returns. serve must hand out no more than the slots at once and
--- lose none: every invocation the specs send must be answered.
package.path = (arg[0]:match("^(.*)/[^/]+$") or ".") .. "/?.lua;" .. package.path
local scripted = require "scripted_runtime"
local socket = require "socket"
local wire = require "http_wire"

local n = 2 * tonumber(os.getenv("AWS_LAMBDA_MAX_CONCURRENCY") or "1")
local waiting = {}

local function ask(conn)
  assert(conn:send("GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\n"
    .. "Host: x\r\n\r\n"))
  waiting[#waiting + 1] = conn
end

for _ = 1, n do ask(scripted.connect()) end
while true do
  local readable = socket.select(waiting, nil, 1)
  for _, conn in ipairs(readable) do
    for i, c in ipairs(waiting) do
      if c == conn then table.remove(waiting, i) break end
    end
    local status = assert(conn:receive("*l"))
    local headers = wire.read_headers(conn)
    wire.read_body(conn, headers)
    if not status:find(" 200 ", 1, true) then os.exit(1) end
    local id = headers["lambda-runtime-aws-request-id"]
    scripted.request(conn, ("POST /2018-06-01/runtime/invocation/%s/response"
      .. " HTTP/1.1\r\n"):format(id), ('"%s"'):format(id))
    ask(conn)
  end
end
