--- Microseconds per aws.sign of a DynamoDB GetItem request (CPU time),
--- the request table made anew each time, as a client makes one per call
--- (bench/botocore_sign.py makes its AWSRequest anew each time too).
--- usage: LUA_CPATH_5_4="build/lua/?.so;;" lua5.4 bench/aws_sign.lua [N]
package.path = "lua/?.lua;lua/?/init.lua;" .. package.path
local sign = require "lambda.aws.sign"
local n = tonumber(arg[1]) or 20000
local creds = { access_key_id = "AKIDEXAMPLE",
  secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
  session_token = "token" }
local body = '{"TableName":"users","Key":{"id":{"S":"u-42"}}}'
local function request()
  return {
    method = "POST", url = "https://dynamodb.eu-west-1.amazonaws.com/",
    headers = { ["content-type"] = "application/x-amz-json-1.0",
      ["x-amz-target"] = "DynamoDB_20120810.GetItem" },
    body = body, service = "dynamodb", region = "eu-west-1", time = 1764680000,
    credentials = creds,
  }
end
assert(sign.sign(request()).authorization)
local started = os.clock()
for _ = 1, n do sign.sign(request()) end
print(("us_per_sign=%.2f"):format((os.clock() - started) / n * 1e6))
