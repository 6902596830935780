---@meta
--- Type definitions for editors (lua-language-server): point its
--- workspace.library at this repository's lua/ folder (or the installed
--- share/lua/5.4) and annotate handlers:
---
--- ---@param event table
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

---@class lambda.log
local log = {}
---@param message any
---@param fields table<string, any>|nil
function log.trace(message, fields) end
---@param message any
---@param fields table<string, any>|nil
function log.debug(message, fields) end
---@param message any
---@param fields table<string, any>|nil
function log.info(message, fields) end
---@param message any
---@param fields table<string, any>|nil
function log.warn(message, fields) end
---@param message any
---@param fields table<string, any>|nil
function log.error(message, fields) end
---@param message any
---@param fields table<string, any>|nil
function log.fatal(message, fields) end
---@return string level the lowest level written
function log.level() end
---@param level string TRACE, DEBUG, INFO, WARN, ERROR or FATAL
function log.set_level(level) end
---@return string format "Text" or "JSON"
function log.format() end
