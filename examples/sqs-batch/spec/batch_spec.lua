local testing = require "lambda.testing"
local here = debug.getinfo(1, "S").source:match("^@(.*)/spec/[^/]+$")
local opts = { task_root = here }

describe("examples/sqs-batch", function()
  it("reports exactly the messages that failed", function()
    local r, err = testing.invoke("app.handler",
      testing.event(here .. "/events/batch.json"), opts)
    assert.is_nil(err)
    assert.same({ { itemIdentifier = "msg-2" }, { itemIdentifier = "msg-3" } },
      r.batchItemFailures)
  end)

  it("sends an empty list as [] when all succeed", function()
    local event = testing.event(here .. "/events/batch.json")
    event.Records = { event.Records[1] }
    local text
    do
      -- check the JSON text itself: [] and not {}
      local json = require "lambda.json"
      local out = os.tmpname()
      local f = assert(io.open(out, "w"))
      f:write(json.encode(event))
      f:close()
      local cli = os.getenv("LUA_LAMBDA_CLI") or "lua-lambda"
      local p = assert(io.popen(("%s invoke app.handler %s --task-root %s 2>/dev/null")
        :format(cli, out, here)))
      text = p:read("a")
      p:close()
      os.remove(out)
    end
    assert.equal('{"batchItemFailures":[]}\n', text)
  end)
end)
