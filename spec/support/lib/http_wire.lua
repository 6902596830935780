--- HTTP/1.1 message parts read from a lua-socket connection, shared by
--- the fake Runtime API, the scripted runtimes and the specs' client.
local wire = {}

--- Reads header lines up to the blank line. Returns the headers by
--- lower-cased name and the names as sent, in order.
function wire.read_headers(conn)
  local headers, names = {}, {}
  while true do
    local line = assert(conn:receive("*l"))
    if line == "" then break end
    local name, value = line:match("^([^:]+):%s*(.-)%s*$")
    headers[name:lower()] = value
    names[#names + 1] = name
  end
  return headers, names
end

--- Reads a chunked body; calls on_chunk(data) for each chunk if given.
--- Returns the body and the trailers (lower-cased names).
function wire.read_chunked(conn, on_chunk)
  local parts = {}
  while true do
    local size = tonumber(assert(conn:receive("*l")):match("^%x+"), 16)
    if size == 0 then break end
    local data = assert(conn:receive(size))
    assert(conn:receive("*l"))
    parts[#parts + 1] = data
    if on_chunk then on_chunk(data) end
  end
  return table.concat(parts), (wire.read_headers(conn))
end

--- Reads the body the headers announce (chunked or Content-Length).
function wire.read_body(conn, headers, on_chunk)
  if headers["transfer-encoding"] == "chunked" then
    return wire.read_chunked(conn, on_chunk)
  end
  local n = tonumber(headers["content-length"] or 0)
  return n > 0 and assert(conn:receive(n)) or "", nil
end

return wire
