--- The awsQuery protocol (SNS, STS, IAM, CloudFormation, ...): requests
--- by query_serialize.lua, answers by query_response.lua, the protocol
--- module contract of lambda.aws (P.build, P.parse, P.parse_error,
--- P.parse_body).
local serialize = require "lambda.aws.protocol.query_serialize"
local response = require "lambda.aws.protocol.query_response"

local P = {}

function P.build(svc, op, params)
  return serialize.build(svc, op, params, false)
end

function P.parse(svc, op, res)
  return response.parse(svc, op, res, nil)
end

function P.parse_error(svc, op, res)
  return response.parse_error(svc, op, res, nil)
end

function P.parse_body(svc, shape, bytes)
  return response.parse_body(svc, shape, bytes, nil)
end

return P
