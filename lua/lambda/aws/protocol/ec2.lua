--- The ec2 protocol: awsQuery's form with EC2's names (queryName, else
--- the locationName capitalised; lists always Name.N), answers with no
--- result wrapper, errors under <Response><Errors><Error>. The protocol
--- module contract of lambda.aws (P.build, P.parse, P.parse_error,
--- P.parse_body).
local serialize = require "lambda.aws.protocol.query_serialize"
local response = require "lambda.aws.protocol.query_response"

local P = {}

function P.build(svc, op, params)
  return serialize.build(svc, op, params, true)
end

function P.parse(svc, op, res)
  return response.parse(svc, op, res, "ec2")
end

function P.parse_error(svc, op, res)
  return response.parse_error(svc, op, res, "ec2")
end

function P.parse_body(svc, shape, bytes)
  return response.parse_body(svc, shape, bytes, "ec2")
end

return P
