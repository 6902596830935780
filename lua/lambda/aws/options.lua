--- The option tables of lambda.aws, all read one way: lambda.json.null
--- counts as absent (a value decoded from an event's JSON may be one), and
--- a field of the wrong type is an error that names the function and the
--- field ("lambda.aws.sign: credentials.session_token must be a string,
--- got number"), raised where the caller called, not deep in the signer
--- (lambda.errors.raise). And the one default of a region.
local json = require "lambda.json"
local errors = require "lambda.errors"

local M = {}

-- "string|function" -> { string = true, ["function"] = true }, and "!" at
-- the end: required (a string then must not be empty either).
local parsed = {}

local function parse(kinds)
  local p = parsed[kinds]
  if p then return p end
  local names = kinds:gsub("!$", "")
  p = { required = names ~= kinds, allowed = {},
    text = names:gsub("|", " or ") }
  for name in names:gmatch("[^|]+") do p.allowed[name] = true end
  parsed[kinds] = p
  return p
end

local function article(text)
  return (text:match("^[aeiou]") and "an " or "a ") .. text
end

--- options.read(where, t, fields[, prefix]) -> a new table holding the
--- fields of t that fields names, json.null left out, each checked:
--- fields = { url = "string!", body = "string|function", time = "number" }.
--- t may be nil or json.null (no options). prefix goes before each field's
--- name in messages ("credentials."). A wrong field is raised at the first
--- caller outside the runtime's modules.
function M.read(where, t, fields, prefix)
  prefix = prefix or ""
  if t == nil or t == json.null then t = {} end
  if type(t) ~= "table" then
    local what = prefix == "" and "options" or prefix:gsub("%.$", "")
    errors.raise(("%s: %s must be a table, got %s"):format(where, what, type(t)))
  end
  local out = {}
  for name, kinds in pairs(fields) do
    local p = parse(kinds)
    local value = t[name]
    if value == json.null then value = nil end
    if value == nil then
      if p.required then
        errors.raise(("%s: %s%s is required"):format(where, prefix, name))
      end
    elseif not p.allowed[type(value)] then
      errors.raise(("%s: %s%s must be %s, got %s"):format(where, prefix, name,
        article(p.text), type(value)))
    elseif p.required and value == "" then
      errors.raise(("%s: %s%s must not be empty"):format(where, prefix, name))
    else
      out[name] = value
    end
  end
  return out
end

local function set(s)
  return type(s) == "string" and s ~= "" and s or nil
end

--- The region a call goes to: the one given (an option, a client's),
--- else AWS_REGION (what Lambda sets), else AWS_DEFAULT_REGION (what the
--- CLI reads), else us-east-1; an empty value counts as unset. Every
--- part of lambda.aws takes its region from here.
---@param given? string
---@return string
function M.region(given)
  return set(given) or set(os.getenv("AWS_REGION"))
    or set(os.getenv("AWS_DEFAULT_REGION")) or "us-east-1"
end

--- The credentials fields every signer reads.
M.CREDENTIALS = {
  access_key_id = "string!", secret_access_key = "string!",
  session_token = "string",
}

return M
