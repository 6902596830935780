--- The runtime's Lua module: `local lambda = require "lambda"`.
--- Its parts load when first used, so an unused part costs nothing:
---   lambda.log      logging in Lambda's Text or JSON format
---   lambda.http     API Gateway (v1, v2), ALB and function URL events
---   lambda.batch    partial batch responses for SQS, Kinesis, DynamoDB
---   lambda.metrics  CloudWatch embedded metric format
---   lambda.json     the runtime's lossless JSON codec
---   lambda.base64   standard base64
---   lambda.fetch    HTTP and HTTPS requests (a function)
---   lambda.aws      AWS calls: SigV4, credentials, retries, services
---   lambda.errors   the error value every part returns (docs/errors.md)
---@class lambda
---@field log lambda.log
---@field http lambda.http
---@field batch lambda.batch
---@field metrics lambda.metrics
---@field json table
---@field base64 table
---@field aws lambda.aws
---@field errors lambda.errors
local lambda = {}

local errors = require "lambda.errors"

local parts = {
  log = true, http = true, batch = true, metrics = true, json = true,
  base64 = true, aws = true, errors = true,
}

--- The options of lambda.fetch.
---@class lambda.fetch.options
---@field method? string default GET, or POST with a body
---@field headers? table<string, string>|string[][] {name = value} or {{name, value}, ...}
---@field body? string|fun(): string? a string, or a function returning chunks then nil
---@field timeout? integer milliseconds (default 30000), never past the deadline
---@field max_body? integer the largest response body taken, in bytes (default 10 MiB)
---@field redirect? "same-origin"|"follow"|"manual"|"error"|boolean true: same-origin, false: manual

--- An HTTP or HTTPS request: `lambda.fetch(url, { method, headers, body,
--- timeout, max_body, redirect })` returns `res` (status, headers,
--- header_list, body, url) or `nil, err`, an error value (err.kind,
--- err.message, err.curl_code; docs/errors.md). The
--- timeout (ms, default 30 s) never runs past the invocation's deadline.
--- Redirects are followed to the same origin only (redirect =
--- "same-origin", the default); "follow" follows them to other origins
--- too, without the caller's headers; "manual" (or false) returns the
--- redirect; "error" makes it an error (err.kind "redirect"). Never from
--- https to http. An option set to lambda.json.null counts as absent.
---@param url string
---@param opts? lambda.fetch.options
---@return table|nil res
---@return lambda.Error|nil err
function lambda.fetch(url, opts)
  return require("lambda.fetch").request(url, opts)
end

setmetatable(lambda, {
  __index = function(self, name)
    if parts[name] then
      local part = require("lambda." .. name)
      rawset(self, name, part)
      return part
    end
  end,
})

--- Raises an error that the runtime reports with the given type, for
--- example `lambda.error("NotFound", "no user 42", { userId = 42 })`.
--- The invocation's `/error` then carries `"errorType": "NotFound"`, the
--- message, the traceback, and the extra fields; the header is
--- `Lambda-Runtime-Function-Error-Type: Function.NotFound`. (The error
--- values lambda.* modules return are lambda.errors'.)
---@param error_type string
---@param message string|nil
---@param extra table|nil fields added to the error document
function lambda.error(error_type, message, extra)
  if type(error_type) ~= "string" or error_type == "" then
    errors.argerror(1, "error", "non-empty string", error_type)
  end
  errors.check(message, "string|nil", 2, "error")
  errors.check(extra, "table|nil", 3, "error")
  local e = {}
  for k, v in pairs(extra or {}) do e[k] = v end
  e.errorType = error_type
  e.errorMessage = message or error_type
  error(e)
end

--- Makes a streaming handler: `M.handler = lambda.streaming(function(event,
--- stream, context) ... end)`. `stream:write(chunk)` sends chunk as it goes
--- (returning when the runtime has taken it, so a slow client slows the
--- handler rather than filling memory); `stream:set_content_type(type)`
--- comes before the first write. An error after bytes went out is sent
--- as HTTP trailers; before, as an ordinary error. Needs the function's
--- invoke mode set to RESPONSE_STREAM (function URLs, InvokeWithResponseStream).
---@param fn fun(event: any, stream: table, context: lambda.context)
---@return table handler
function lambda.streaming(fn)
  errors.check(fn, "function", 1, "streaming")
  return setmetatable({ __lambda_streaming = fn }, {
    __call = function()
      errors.raise("a streaming handler runs under the runtime (or "
        .. "lua-lambda invoke / lambda.testing.invoke)")
    end,
  })
end

--- Makes a handler that is given the event as the JSON text that came,
--- not decoded: `M.handler = lambda.raw_event(function(text, context) ...
--- end)`. For a handler that passes a large event on unread, or decodes
--- only when it must (`lambda.json.decode(text)`): the runtime's decode,
--- the larger part of an invocation's cost with a large event, is not
--- done. Its result is encoded as any handler's. fn may be
--- lambda.streaming's handler.
---@param fn fun(text: string, context: lambda.context): any
---@return table handler
function lambda.raw_event(fn)
  if type(fn) ~= "function" and not (type(fn) == "table"
      and rawget(fn, "__lambda_streaming") ~= nil) then
    errors.argerror(1, "raw_event", "function or lambda.streaming handler", fn)
  end
  return setmetatable({ __lambda_raw_event = fn }, {
    __call = function(_, ...) return fn(...) end,
  })
end

--- Runs fn when Lambda shuts the environment down (SIGTERM). Call it at
--- the top level of your module: the runtime then registers itself as an
--- internal extension, which is what makes Lambda send SIGTERM.
---@param fn fun()
function lambda.on_shutdown(fn)
  local ok, host = pcall(require, "lambda.host")
  if not ok then errors.raise("on_shutdown needs the lua-lambda runtime") end
  host.on_shutdown(fn)
end

return lambda
