-- lambda.aws's Signature Version 4 against AWS's 38 reference cases
-- (spec/fixtures/sigv4, from aws-c-auth): the canonical request, the
-- string to sign and the signature, for header and for query signing.
local cjson = require "cjson"
local helper = require "helper"
local sign = require "lambda.aws.sign"
local epoch = require("lambda.aws.credentials").parse_time

local ROOT = helper.fixtures .. "/sigv4/v4"

local function cases()
  local names = {}
  local p = assert(io.popen("ls " .. ROOT))
  for name in p:lines() do names[#names + 1] = name end
  p:close()
  return names
end

-- request.txt: the request line, headers (a line that starts with white
-- space continues the one before), a blank line, the body.
local function parse_request(text)
  local head, body = text:match("^(.-)\n\n(.*)$")
  head = head or text
  local lines = {}
  for line in (head .. "\n"):gmatch("(.-)\n") do lines[#lines + 1] = line end
  local method, target = lines[1]:match("^(%S+) (.*) HTTP/1%.1$")
  local headers = {}
  for i = 2, #lines do
    local line = lines[i]
    if line:match("^%s") and #headers > 0 then
      headers[#headers][2] = headers[#headers][2] .. "\n" .. line
    elseif line ~= "" then
      local name, value = line:match("^([^:]+):(.*)$")
      headers[#headers + 1] = { name, value }
    end
  end
  return { method = method, target = target, headers = headers, body = body or "" }
end

local function read(case, file)
  return (helper.read(ROOT .. "/" .. case .. "/" .. file):gsub("\n$", ""))
end

local function request_of(case)
  local ctx = cjson.decode(read(case, "context.json"))
  local r = parse_request(helper.read(ROOT .. "/" .. case .. "/request.txt"))
  return {
    method = r.method, url = "https://example.amazonaws.com" .. r.target,
    headers = r.headers, body = r.body, service = ctx.service,
    region = ctx.region, time = epoch(ctx.timestamp),
    credentials = {
      access_key_id = ctx.credentials.access_key_id,
      secret_access_key = ctx.credentials.secret_access_key,
      session_token = ctx.credentials.token,
    },
    normalize_path = ctx.normalize, encode_path = true,
    sign_payload = ctx.sign_body, omit_session_token = ctx.omit_session_token,
    expires = ctx.expiration_in_seconds,
  }
end

describe("SigV4 reference cases #unit", function()
  local names = cases()

  it("are all there", function()
    assert.equal(38, #names)
  end)

  for _, case in ipairs(names) do
    it("signs " .. case .. " in headers", function()
      local add, d = sign.sign(request_of(case))
      assert.equal(read(case, "header-canonical-request.txt"), d.canonical_request)
      assert.equal(read(case, "header-string-to-sign.txt"), d.string_to_sign)
      assert.equal(read(case, "header-signature.txt"), d.signature)
      assert.truthy(add.authorization:find("Signature=" .. d.signature, 1, true))
      local expected_auth = read(case, "header-signed-request.txt")
        :match("\nAuthorization:([^\n]+)")
      assert.equal(expected_auth, add.authorization)
    end)

    it("signs " .. case .. " in the query", function()
      local url, d = sign.presign(request_of(case))
      assert.equal(read(case, "query-canonical-request.txt"), d.canonical_request)
      assert.equal(read(case, "query-string-to-sign.txt"), d.string_to_sign)
      assert.equal(read(case, "query-signature.txt"), d.signature)
      local suffix = "&X-Amz-Signature=" .. d.signature
      assert.equal(suffix, url:sub(-#suffix))
    end)
  end
end)
