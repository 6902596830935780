-- lambda.log never fails the invocation it logs for: a second argument
-- that is not a table becomes one field, "detail" (its text, as tostring
-- gives it); a message whose __tostring fails is written as a note.
-- Every level, in the Text and the JSON format.
local helper = require "helper"

local own = helper.own()  -- spec/integration/log_args/

local lines = helper.lines

local function run(format)
  local r = own.run { handler = "log_args.handler",
    env = { AWS_LAMBDA_LOG_FORMAT = format, AWS_LAMBDA_LOG_LEVEL = "TRACE" },
    invocations = { { request_id = "req-args" } } }
  assert.equal(1, #r.posts)
  assert.equal("response", r.posts[1].kind, r.posts[1].body .. r.stdout)
  assert.equal('"logged"', r.posts[1].body)
  return lines(r.stdout)
end

local LEVELS = { "TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL" }

describe("lambda.log's second argument", function()
  it("in JSON: a string, number, boolean, userdata, function or thread is the field detail", function()
    local out = run("JSON")
    assert.equal(16, #out, table.concat(out, "\n"))
    local recs = {}
    for i, line in ipairs(out) do recs[i] = helper.decode(line) end
    for i, level in ipairs(LEVELS) do
      assert.equal(level, recs[i].level)
      assert.equal(level:lower() .. " text", recs[i].message)
      assert.equal("some string", recs[i].detail)
      assert.equal("req-args", recs[i].requestId)
    end
    assert.equal("42", recs[7].detail)
    assert.equal("false", recs[8].detail)
    assert.truthy(recs[9].detail:match("^file %("), recs[9].detail)
    assert.truthy(recs[10].detail:match("^builtin: ") or recs[10].detail:match("^function: "),
      recs[10].detail)
    assert.truthy(recs[11].detail:match("^thread: "), recs[11].detail)
    -- json.null and nil are no fields
    assert.equal("null", recs[12].message)
    assert.is_nil(recs[12].detail)
    assert.equal("nil", recs[13].message)
    assert.is_nil(recs[13].detail)
    -- a message tostring cannot convert: a note of what it was, and its fields
    assert.equal("(a table that tostring could not convert)", recs[14].message)
    assert.equal("x", recs[14].detail)
    assert.equal("(a table that tostring could not convert)", recs[15].message)
    assert.equal("table fields", recs[16].message)
    assert.is_true(recs[16].kept)
  end)

  it("in Text: the field after the message, as JSON", function()
    local out = run("Text")
    assert.equal(16, #out, table.concat(out, "\n"))
    for i, level in ipairs(LEVELS) do
      local fields = out[i]:match("\treq%-args\t" .. level .. "\t" .. level:lower()
        .. " text ({.*})$")
      assert.truthy(fields, out[i])
      assert.same({ detail = "some string" }, helper.decode(fields))
    end
    assert.truthy(out[7]:match('\tINFO\tnumber {"detail":"42"}$'), out[7])
    assert.truthy(out[13]:match("\tINFO\tnil$"), out[13])
  end)
end)
