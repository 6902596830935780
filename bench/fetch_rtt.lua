--- Warm round trips through lambda.fetch: N GETs of URL on one kept
--- connection; prints the wall time per request. With "first", the time
--- of one request in a fresh process instead, after aws.warm when
--- "warm" is given (the first call of an init, with and without warm-up).
--- usage: LUA_CPATH_5_4="build/lua/?.so;;" lua5.4 bench/fetch_rtt.lua URL N
---        ... bench/fetch_rtt.lua URL first [warm]
package.path = "lua/?.lua;lua/?/init.lua;" .. package.path
local socket = require "socket"  -- gettime: microseconds
local fetch = require "lambda.fetch"
local url, mode = arg[1], arg[2]
if mode == "first" then
  if arg[3] == "warm" then assert(require("lambda.aws").warm("dynamodb")) end
  local t0 = socket.gettime()
  assert(fetch.request(url))
  print(("first_ms=%.2f"):format((socket.gettime() - t0) * 1000))
  return
end
local n = tonumber(mode) or 200
assert(fetch.request(url))  -- the connection, opened once
local t0 = socket.gettime()
for _ = 1, n do
  local res = assert(fetch.request(url))
  assert(res.status == 200)
end
print(("us_per_request=%.1f"):format((socket.gettime() - t0) * 1e6 / n))
