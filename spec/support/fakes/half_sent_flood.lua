--- Opens N connections to 127.0.0.1:PORT, sends half a request on each
--- and holds them open until killed: a client that never finishes.
--- Prints "open K" once K of them are connected.
--- Usage: lua5.4 half_sent_flood.lua PORT N
local socket = require "socket"

local port, n = tonumber(arg[1]), tonumber(arg[2])
local held = {}
for _ = 1, n do
  local conn = socket.tcp()
  conn:settimeout(1)
  if conn:connect("127.0.0.1", port) then
    conn:send("POST /2015-03-31/functions/function/invocations HTTP/1.1\r\n"
      .. "Host: 127.0.0.1\r\nContent-Length: 2\r\n")
    held[#held + 1] = conn
  else
    conn:close()
  end
end
io.write(("open %d\n"):format(#held))
io.flush()
while true do socket.sleep(60) end
