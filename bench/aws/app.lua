-- The echo handler with lambda.aws (and lambda.fetch, libcurl's TLS)
-- loaded at init: what requiring the module costs at cold start and in RSS.
local aws = require "lambda.aws"
assert(aws.sign and require("lambda.fetch"))
return {
  handler = function(event) return event end,
}
