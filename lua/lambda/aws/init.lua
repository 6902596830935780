--- Calling AWS from Lua: `local aws = require "lambda.aws"` (or
--- `require("lambda").aws`); docs/aws.md.
---   aws.client(name [, region])        any service with a model (client.lua);
---     aws.<name> for the same in the default region (aws.sns,
---     aws.dynamodb, aws.bedrock_runtime for "bedrock-runtime")
---   client:call("Publish", params)     any operation; client:publish{...}
---   client:paginate(op, params)        pages (and :items())
---   aws.sign / presign / request / credentials / region / warm / endpoint
--- This table stands in for api.lua until something of it is first used:
--- requiring lambda.aws at init parses these few lines and loads nothing.
---@class lambda.aws
local aws = {}

return setmetatable(aws, {
  __index = function(self, name)
    if type(name) ~= "string" then return nil end
    local api = require "lambda.aws.api"
    local value = api[name]
    if value == nil then value = api.service(name) end
    rawset(self, name, value)
    return value
  end,
})
