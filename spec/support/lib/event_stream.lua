--- Decodes application/vnd.amazon.eventstream bytes (what serve's
--- InvokeWithResponseStream answers) into messages, checking both CRCs.
--- A second decoder, botocore's, checks the same bytes in serve_http_spec.
local M = {}

local CRC_TABLE = {}
for i = 0, 255 do
  local c = i
  for _ = 1, 8 do
    c = (c & 1) == 1 and ((c >> 1) ~ 0xEDB88320) or (c >> 1)
  end
  CRC_TABLE[i] = c
end

function M.crc32(s)
  local crc = 0xFFFFFFFF
  for i = 1, #s do
    crc = (crc >> 8) ~ CRC_TABLE[(crc ~ s:byte(i)) & 0xFF]
  end
  return crc ~ 0xFFFFFFFF
end

--- Returns a list of { headers = { [name] = value }, payload = "..." }.
--- Raises an error on a bad length or CRC, or bytes left over.
function M.decode(bytes)
  local messages, pos = {}, 1
  while pos <= #bytes do
    assert(#bytes - pos + 1 >= 16, "a message shorter than its prelude")
    local total, hlen, prelude_crc = (">I4I4I4"):unpack(bytes, pos)
    assert(M.crc32(bytes:sub(pos, pos + 7)) == prelude_crc, "prelude CRC")
    assert(pos + total - 1 <= #bytes, "a message cut short")
    local message_crc = (">I4"):unpack(bytes, pos + total - 4)
    assert(M.crc32(bytes:sub(pos, pos + total - 5)) == message_crc,
      "message CRC")
    local headers, h, hend = {}, pos + 12, pos + 12 + hlen
    while h < hend do
      local name, htype
      name, htype, h = (">s1B"):unpack(bytes, h)
      assert(htype == 7, "a header that is not a string")
      headers[name], h = (">s2"):unpack(bytes, h)
    end
    messages[#messages + 1] = { headers = headers,
      payload = bytes:sub(hend, pos + total - 5) }
    pos = pos + total
  end
  return messages
end

--- The payload chunks joined, and the InvokeComplete event's payload.
function M.split(messages)
  local chunks, complete = {}, nil
  for _, m in ipairs(messages) do
    if m.headers[":event-type"] == "PayloadChunk" then
      chunks[#chunks + 1] = m.payload
    elseif m.headers[":event-type"] == "InvokeComplete" then
      assert(complete == nil, "two InvokeComplete events")
      complete = m.payload
    end
  end
  return table.concat(chunks), complete
end

return M
