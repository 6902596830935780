#!/usr/bin/env lua5.4
--- A scripted runtime whose internal extension fails its init: it
--- registers, reports /2020-01-01/extension/init/error, and exits, as an
--- extension that cannot read its configuration would.
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
local status, headers = request(conn,
  "POST /2020-01-01/extension/register HTTP/1.1\r\n"
  .. "Lambda-Extension-Name: configured\r\n", '{"events":["INVOKE"]}')
assert(status:find(" 200 "), status)
local id = assert(headers["lambda-extension-identifier"])
status = request(conn, "POST /2020-01-01/extension/init/error HTTP/1.1\r\n"
  .. "Lambda-Extension-Identifier: " .. id .. "\r\n"
  .. "Lambda-Extension-Function-Error-Type: Extension.ConfigInvalid\r\n",
  '{"errorMessage":"no CONFIG_URL","errorType":"Extension.ConfigInvalid"}')
assert(status:find(" 202 "), status)
os.exit(1)
