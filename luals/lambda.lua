---@meta
--- Types for editors (lua-language-server) of what the runtime gives a
--- handler: the context, logging, streaming, and its C modules. The Lua
--- modules (lambda, lambda.http, ...) carry their own annotations, and
--- events.lua describes the events. A function's .luarc.json lists this
--- folder and the modules' (lua-lambda new writes it):
---
---   "workspace.library": ["/usr/local/share/lua-lambda/luals",
---                         "/usr/local/share/lua/5.4"]
---
--- ---@param event lambda.events.SQSEvent
--- ---@param context lambda.context
--- function M.handler(event, context) ... end
---
--- This file is never required; it only describes.

---@class lambda.context
---@field aws_request_id string this invocation's id
---@field invoked_function_arn string the ARN the caller used
---@field function_name string
---@field function_version string
---@field memory_limit_in_mb integer
---@field log_group_name string
---@field log_stream_name string
---@field deadline_ms integer epoch milliseconds
---@field trace_id string|nil X-Ray trace header
---@field tenant_id string|nil
---@field identity table|nil Cognito identity
---@field client_context table|nil mobile SDK client context
local context = {}

--- Milliseconds left before Lambda stops this invocation (never negative).
---@return integer
function context:get_remaining_time_in_millis() end

--- A log call never fails the request: fields that are not a table are
--- written as one field, detail (their text, as tostring gives it).
---@class lambda.log
local log = {}
---@param message any
---@param fields table<string, any>|string|number|boolean|nil
function log.trace(message, fields) end
---@param message any
---@param fields table<string, any>|string|number|boolean|nil
function log.debug(message, fields) end
---@param message any
---@param fields table<string, any>|string|number|boolean|nil
function log.info(message, fields) end
---@param message any
---@param fields table<string, any>|string|number|boolean|nil
function log.warn(message, fields) end
---@param message any
---@param fields table<string, any>|string|number|boolean|nil
function log.error(message, fields) end
---@param message any
---@param fields table<string, any>|string|number|boolean|nil
function log.fatal(message, fields) end
---@return string level the lowest level written
function log.level() end
---@param level string TRACE, DEBUG, INFO, WARN, ERROR or FATAL
function log.set_level(level) end
---@return string format "Text" or "JSON"
function log.format() end

---@class lambda.stream
local stream = {}
--- Sends chunk now (a streaming handler's body, piece by piece).
---@param chunk string
function stream:write(chunk) end
--- The response's content type; before the first write.
---@param content_type string
function stream:set_content_type(content_type) end

--- lambda.fetch's options for a response body taken as it arrives (the
--- others, method, headers, body, timeout, max_body, redirect, are declared
--- with lambda.fetch in the lambda module). At most one of the three.
---@class lambda.fetch.options
---@field stream boolean|nil return at the headers; the body through res.read() (max_body only when given)
---@field on_body (fun(chunk: string): boolean|nil)|nil each chunk of a 2xx answer's body, as it arrives; return false to abort (err.kind "aborted"); an error raised is raised by lambda.fetch
---@field sink string|file*|nil a 2xx answer's body written to this file name (truncated) or open file as it arrives; res.bytes the count

--- What lambda.fetch returns.
---@class lambda.fetch.response
---@field status integer
---@field headers table<string, string> lower-case names, repeats joined by ","
---@field header_list string[][] every header in order, {{name, value}, ...}
---@field body string|nil nil with stream, and with on_body or sink for a 2xx answer
---@field url string the URL last asked (after redirects)
---@field connections integer the new connections it made (0: a warm one served)
---@field bytes integer|nil on_body and sink: the bytes handed on
---@field read (fun(): string|nil, lambda.Error|nil)|nil stream: the next chunk (non-empty), nil at the end, or nil, err ("timeout", "connection", "too_large", ...; "closed" after close)
---@field chunks (fun(): (fun(): string|nil))|nil stream: an iterator over the chunks; raises the error value if the body fails midway
---@field close (fun(self: lambda.fetch.response))|nil stream: abandons the rest (the connection is reused only if the body was read to its end); also the response's __close, for `local res <close> = lambda.fetch(...)`

--- The error value every lambda.* module returns as `nil, err`
--- (docs/errors.md); tostring(err) is "code: message" or "kind: message".
--- Which fields a value has besides kind and message depends on its module.
---@class lambda.Error
---@field kind string the cause: "timeout", "dns", "connect", "tls", "json", "base64", "invalid", "aws", "credentials", ...
---@field message string a sentence
---@field code string|nil AWS's error code (or Transport.<kind>, CredentialsError, DecodeError); a handler's errorType
---@field curl_code integer|nil lambda.fetch: libcurl's CURLcode
---@field status integer|nil the HTTP status (AWS's answer; a redirect not followed)
---@field location string|nil lambda.fetch: a redirect's Location
---@field request_id string|nil AWS's request id
---@field retryable boolean|nil lambda.aws: whether a retry could succeed
---@field throttling boolean|nil lambda.aws: AWS throttled the call
---@field attempts integer|nil lambda.aws: the calls made
---@field body string|nil lambda.aws: the body of AWS's answer
---@field headers table<string, string>|nil lambda.aws: the headers of AWS's answer
---@field errorType string|nil lambda.testing.invoke: the error document's
---@field errorMessage string|nil lambda.testing.invoke: the error document's
---@field stackTrace string[]|nil lambda.testing.invoke: the error document's
---@field output string|nil lambda.testing: what the handler wrote before failing

---@class lambda.json
---@field null lightuserdata JSON null
local json = {}
---@param value any
---@return string
function json.encode(value) end
---@param text string
---@param opts? {max_depth: integer}
---@return any value
---@return lambda.Error|nil err kind "json"
function json.decode(text, opts) end
--- A table that encodes as a JSON array, even when empty.
---@param t? table
---@return table
function json.array(t) end
--- A table that encodes as a JSON object, even when empty.
---@param t? table
---@return table
function json.object(t) end

---@class lambda.base64
local base64 = {}
---@param data string
---@return string
function base64.encode(data) end
---@param text string
---@return string|nil data
---@return lambda.Error|nil err kind "base64"
function base64.decode(text) end

---@class lambda.clock
local clock = {}
--- Epoch milliseconds, the clock Lambda's deadlines are in.
---@return integer
function clock.now_ms() end
--- Milliseconds this invocation has left.
---@return integer
function clock.time_left_ms() end
---@param ms integer
function clock.sleep_ms(ms) end
