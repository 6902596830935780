#!/usr/bin/env lua5.4
--- A scripted runtime that does what bootstrap once did: registers an
--- internal extension, then calls /next without ever polling
--- /extension/event/next. Lambda never finishes its Init, and neither may
--- the fake Runtime API.
package.path = (arg[0]:match("^(.*)/[^/]+$") or ".") .. "/?.lua;" .. package.path
local scripted = require "scripted_runtime"

local conn = scripted.connect()
local status = scripted.request(conn,
  "POST /2020-01-01/extension/register HTTP/1.1\r\n"
  .. "Lambda-Extension-Name: forgetful\r\n", '{"events":[]}')
assert(status:find(" 200 "), status)
-- blocks until an invocation comes, which it must not
scripted.request(conn, "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\n")
io.stdout:write("got an invocation past the Init barrier\n")
