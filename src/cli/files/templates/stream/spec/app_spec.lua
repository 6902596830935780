local testing = require "lambda.testing"
local support = require "spec.support"

describe("{{name}}", function()
  it("streams n lines after its HTTP prelude", function()
    local r = support.invoke()
    -- a plain invoke gets the whole stream: the prelude, 8 NULs, the body
    local prelude, body = r:match("^(.-)%z%z%z%z%z%z%z%z(.*)$")
    assert.truthy(prelude:find('"statusCode":200', 1, true))
    assert.equal("line 1 of 2\nline 2 of 2\n", body)
  end)

  -- app.handler streams only under the runtime (testing.invoke, above);
  -- what it runs takes any stream with write and set_content_type.
  it("can be called directly, in this Lua, with a stream of its own", function()
    local app = require "app"
    local written, stream = {}, {}
    function stream:set_content_type(content_type) self.content_type = content_type end
    function stream:write(chunk) written[#written + 1] = chunk end
    app.lines(support.event(), stream, testing.context())
    assert.truthy(written[1]:find('"statusCode":200', 1, true))
    assert.equal("line 1 of 2\nline 2 of 2\n", table.concat(written, "", 2))
  end)
end)
