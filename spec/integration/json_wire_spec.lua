-- bootstrap's wire codec (lambda.json inside the runtime): sample events
-- and kinds through the real bootstrap, compared with lua5.4's lambda.json.
local helper = require "helper"
local json = require "lambda.json"

local own = helper.own()  -- spec/integration/json_wire/

local same = helper.same_json

local function decode_ok(text)
  local value, err = json.decode(text)
  assert(err == nil, err)
  return value
end

describe("the wire codec in bootstrap", function()
  it("echoes every valid sample event unchanged in value and kind", function()
    local names, events = {}, {}
    for _, name in ipairs(helper.event_names()) do
      if not name:find("malformed", 1, true) then
        names[#names + 1] = name
        events[#events + 1] = helper.read(helper.events .. "/" .. name)
      end
    end
    assert.is_true(#events > 0, "no sample events in " .. helper.events)
    local run = helper.invoke_all("app.echo", events, { seconds = 30 })
    assert.equal(#events, #run.posts)
    for i, post in ipairs(run.posts) do
      assert.equal("response", post.kind, names[i])
      local ok, why = same(decode_ok(events[i]), decode_ok(post.body))
      assert(ok, names[i] .. ": " .. tostring(why))
    end
  end)

  it("gives handlers integers, arrays and null as the event has them", function()
    local post = helper.invoke("app.kinds",
      '{"id":9007199254740993,"ratio":0.5,"list":[],"gone":null,"items":[1,null,3]}')
    assert.same({ id = "integer", ratio = "float", list = "[]",
      gone = "null", items = 3, label = "id 9007199254740993" }, post.json)
  end)

  it("lets handlers require lambda.json and return json.null", function()
    local post = own.invoke("app.use_json", '{"text":"{\\"a\\":[]}"}')
    local v = decode_ok(post.body)
    assert(same(decode_ok('{"parsed":{"a":[]},"missing":null}'), v))
    assert.equal(json.null, v.missing)
  end)

  it("reports NaN and cycles in a result as Runtime.MarshalError", function()
    for _, handler in ipairs { "app.return_nan", "app.return_cycle" } do
      local post = helper.invoke(handler)
      assert.equal("error", post.kind)
      assert.equal("Runtime.MarshalError",
        post.headers["lambda-runtime-function-error-type"])
    end
    local post = helper.invoke("app.return_cycle")
    assert.truthy(post.json.errorMessage:find("contains itself at $.self", 1, true))
  end)
end)
