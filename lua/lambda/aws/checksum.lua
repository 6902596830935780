--- Request checksums, as the SDKs add them to the operations whose model
--- asks (httpChecksumRequired, or httpChecksum.requestChecksumRequired:
--- S3's DeleteObjects, PutBucketTagging, PutObjectAcl, ...), which AWS
--- refuses without one: `x-amz-checksum-crc32` (base64 of the body's
--- CRC-32, big-endian), and the header of the operation's algorithm
--- member (S3: `x-amz-sdk-checksum-algorithm: CRC32`).
---
--- AWS_REQUEST_CHECKSUM_CALCULATION: "when_required" (the default here)
--- adds one only where the model requires it; "when_supported" (the
--- SDKs' default since 2025) to every operation with httpChecksum whose
--- body is not streamed. A caller's algorithm member (ChecksumAlgorithm
--- = "CRC32" or "SHA256") picks the algorithm; others are refused.
local sigv4 = require "lambda.sigv4"
local base64 = require "lambda.base64"
local errors = require "lambda.errors"

local M = {}

-- The CRC-32 (IEEE 802.3, reflected, as zlib's crc32) table.
local TABLE = {}
for i = 0, 255 do
  local c = i
  for _ = 1, 8 do
    if c & 1 == 1 then c = 0xEDB88320 ~ (c >> 1) else c = c >> 1 end
  end
  TABLE[i] = c
end

--- CRC-32 of bytes, continuing from crc (default: a new one).
---@param bytes string
---@param crc? integer
---@return integer
function M.crc32(bytes, crc)
  local c = (crc or 0) ~ 0xFFFFFFFF
  local byte = string.byte
  for i = 1, #bytes do
    c = TABLE[(c ~ byte(bytes, i)) & 0xFF] ~ (c >> 8)
  end
  return c ~ 0xFFFFFFFF
end

local function hex_to_bytes(hex)
  return (hex:gsub("%x%x", function(h) return string.char(tonumber(h, 16)) end))
end

local ALGORITHMS = {
  CRC32 = function(body) return base64.encode(string.pack(">I4", M.crc32(body))) end,
  SHA256 = function(body) return base64.encode(hex_to_bytes(sigv4.sha256_hex(body))) end,
}

local function has_checksum(headers)
  for name in pairs(headers) do
    if name:sub(1, 15) == "x-amz-checksum-" or name == "content-md5" then return true end
  end
  return false
end

--- Adds the checksum headers the operation needs to req.headers (a
--- built request: string body). Raises for an algorithm lambda.aws does
--- not compute.
function M.apply(svc, op, params, req)
  local http = op.httpChecksum or {}
  local member = http.requestAlgorithmMember
  local chosen = member and params[member]
  local required = op.httpChecksumRequired or http.requestChecksumRequired
  local mode = os.getenv("AWS_REQUEST_CHECKSUM_CALCULATION") or "when_required"
  local wanted = chosen or required
    or (member and mode:lower() == "when_supported")
  if not wanted or has_checksum(req.headers) then return end
  if req.body ~= nil and type(req.body) ~= "string" then return end  -- streamed
  local algorithm = type(chosen) == "string" and chosen:upper() or "CRC32"
  local make = ALGORITHMS[algorithm]
  if not make then
    errors.raise(("lambda.aws.%s:%s: checksum algorithm %s is not one lambda.aws "
      .. "computes (CRC32, SHA256)"):format(svc.name, op.name, tostring(chosen)))
  end
  req.headers["x-amz-checksum-" .. algorithm:lower()] = make(req.body or "")
  if member then
    local shape = op.input and svc:shape(op.input.shape)
    local ref = shape and shape.members and shape.members[member]
    if ref and ref.location == "header" and ref.locationName then
      req.headers[ref.locationName:lower()] = algorithm
    end
  end
end

return M
