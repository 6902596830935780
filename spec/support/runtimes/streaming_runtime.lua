#!/usr/bin/env lua5.4
--- A scripted runtime for the emulator's streaming specs: answers every
--- invocation with a streamed (chunked) response, "first" then, after
--- 0.6 s, "second", the way a streaming handler would.
package.path = (arg[0]:match("^(.*)/[^/]+$") or ".") .. "/?.lua;" .. package.path
local scripted = require "scripted_runtime"  -- first: it finds http_wire
local socket = require "socket"
local wire = require "http_wire"

local prefix = "/2018-06-01/runtime/invocation/"

local conn = scripted.connect()
while true do
  local _, headers = scripted.request(conn,
    "GET " .. prefix .. "next HTTP/1.1\r\n")
  local id = headers["lambda-runtime-aws-request-id"]
  assert(conn:send("POST " .. prefix .. id .. "/response HTTP/1.1\r\n"
    .. "Host: x\r\nLambda-Runtime-Function-Response-Mode: streaming\r\n"
    .. "Content-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"))
  assert(conn:send("5\r\nfirst\r\n"))
  socket.sleep(0.6)
  assert(conn:send("6\r\nsecond\r\n0\r\n\r\n"))
  local reply = assert(conn:receive("*l"))  -- the 202
  assert(reply:find(" 202 "), reply)
  wire.read_body(conn, wire.read_headers(conn))
end
