-- bench/aws_cold.sh's candidate: the same handler, lambda.aws required
-- at top level and nothing of it called.
local aws = require "lambda.aws"  -- luacheck: no unused
return {
  handler = function(event) return event end,
}
