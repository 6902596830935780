#!/usr/bin/env lua5.4
--- A scripted runtime for the emulator's streaming specs: answers every
--- invocation with a streamed (chunked) response, "first" then, after
--- 0.6 s, "second", the way a streaming handler would.
local socket = require "socket"

local host, port = os.getenv("AWS_LAMBDA_RUNTIME_API"):match("^(.+):(%d+)$")
local prefix = "/2018-06-01/runtime/invocation/"

local function request(conn, head, body)
  assert(conn:send(head .. "\r\n" .. (body or "")))
  local status = assert(conn:receive("*l"))
  local headers = {}
  while true do
    local line = assert(conn:receive("*l"))
    if line == "" then break end
    local name, value = line:match("^([^:]+):%s*(.-)%s*$")
    headers[name:lower()] = value
  end
  local n = tonumber(headers["content-length"] or 0)
  return status, headers, n > 0 and conn:receive(n) or ""
end

local conn = assert(socket.connect(host, tonumber(port)))
while true do
  local _, headers = request(conn, "GET " .. prefix .. "next HTTP/1.1\r\n"
    .. "Host: x\r\n")
  local id = headers["lambda-runtime-aws-request-id"]
  assert(conn:send("POST " .. prefix .. id .. "/response HTTP/1.1\r\n"
    .. "Host: x\r\nLambda-Runtime-Function-Response-Mode: streaming\r\n"
    .. "Content-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"))
  assert(conn:send("5\r\nfirst\r\n"))
  socket.sleep(0.6)
  assert(conn:send("6\r\nsecond\r\n0\r\n\r\n"))
  local line = assert(conn:receive("*l"))  -- the 202
  assert(line:find(" 202 "), line)
  local n
  while true do
    local h = assert(conn:receive("*l"))
    if h == "" then break end
    n = h:lower():match("^content%-length:%s*(%d+)") or n
  end
  if n and tonumber(n) > 0 then conn:receive(tonumber(n)) end
end
