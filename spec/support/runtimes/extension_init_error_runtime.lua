#!/usr/bin/env lua5.4
--- A scripted runtime whose internal extension fails its init: it
--- registers, reports /2020-01-01/extension/init/error, and exits, as an
--- extension that cannot read its configuration would.
package.path = (arg[0]:match("^(.*)/[^/]+$") or ".") .. "/?.lua;" .. package.path
local scripted = require "scripted_runtime"

local conn = scripted.connect()
local status, headers = scripted.request(conn,
  "POST /2020-01-01/extension/register HTTP/1.1\r\n"
  .. "Lambda-Extension-Name: configured\r\n", '{"events":["INVOKE"]}')
assert(status:find(" 200 "), status)
local id = assert(headers["lambda-extension-identifier"])
status = scripted.request(conn,
  "POST /2020-01-01/extension/init/error HTTP/1.1\r\n"
  .. "Lambda-Extension-Identifier: " .. id .. "\r\n"
  .. "Lambda-Extension-Function-Error-Type: Extension.ConfigInvalid\r\n",
  '{"errorMessage":"no CONFIG_URL","errorType":"Extension.ConfigInvalid"}')
assert(status:find(" 202 "), status)
os.exit(1)
