--- What an AWS error answer without a protocol body says: its HTTP
--- status's reason phrase (Python's http.client.responses, which
--- botocore's parsers give as the message), and botocore's generic
--- error (a 5xx whose body is empty or an HTML page).
local M = {}

M.REASONS = {
  [300] = "Multiple Choices", [301] = "Moved Permanently", [302] = "Found",
  [303] = "See Other", [304] = "Not Modified", [305] = "Use Proxy",
  [307] = "Temporary Redirect", [308] = "Permanent Redirect",
  [400] = "Bad Request", [401] = "Unauthorized", [402] = "Payment Required",
  [403] = "Forbidden", [404] = "Not Found", [405] = "Method Not Allowed",
  [406] = "Not Acceptable", [407] = "Proxy Authentication Required",
  [408] = "Request Timeout", [409] = "Conflict", [410] = "Gone",
  [411] = "Length Required", [412] = "Precondition Failed",
  [413] = "Request Entity Too Large", [414] = "Request-URI Too Long",
  [415] = "Unsupported Media Type", [416] = "Requested Range Not Satisfiable",
  [417] = "Expectation Failed", [418] = "I'm a Teapot",
  [421] = "Misdirected Request", [422] = "Unprocessable Entity",
  [423] = "Locked", [424] = "Failed Dependency", [425] = "Too Early",
  [426] = "Upgrade Required", [428] = "Precondition Required",
  [429] = "Too Many Requests", [431] = "Request Header Fields Too Large",
  [451] = "Unavailable For Legal Reasons",
  [500] = "Internal Server Error", [501] = "Not Implemented",
  [502] = "Bad Gateway", [503] = "Service Unavailable",
  [504] = "Gateway Timeout", [505] = "HTTP Version Not Supported",
  [506] = "Variant Also Negotiates", [507] = "Insufficient Storage",
  [508] = "Loop Detected", [510] = "Not Extended",
  [511] = "Network Authentication Required",
}

--- The reason phrase of a status ("" for one Python does not name).
function M.reason(status)
  return M.REASONS[status] or ""
end

--- botocore's generic error, or nil when the answer has a protocol body:
--- a status >= 500 whose body is empty or begins with "<html>" (after
--- white space) -> { code = "503", message = "Service Unavailable" }.
function M.generic(res)
  local status = res.status or 0
  if status < 500 then return nil end
  local body = res.body or ""
  local start = body:match("^%s*()")
  if start > #body or body:sub(start, start + 5) == "<html>" then
    return { code = tostring(status), message = M.reason(status) }
  end
  return nil
end

return M
