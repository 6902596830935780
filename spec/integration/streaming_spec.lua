-- Streamed responses and background work, read off the
-- wire by the fake Runtime API: the raw chunked request and its trailers.
local helper = require "helper"

local own = helper.own()  -- spec/integration/streaming/

describe("streaming", function()
  it("refuses content types with CR, LF or NUL, or too long, with an error the handler sees", function()
    local post = helper.invoke("app.stream_inject")
    assert.equal("response", post.kind)
    assert.equal("refused,refused,refused,refused", post.body)
    assert.equal("text/plain", post.headers["content-type"])
    assert.is_nil(post.headers["x-injected"])
  end)

  it("sends chunks as a streamed, chunked /response with declared trailers", function()
    local post = helper.invoke("app.stream_hello")
    assert.equal("response", post.kind)
    assert.equal("streaming", post.headers["lambda-runtime-function-response-mode"])
    assert.equal("chunked", post.headers["transfer-encoding"])
    assert.is_nil(post.headers["content-length"])
    assert.equal("text/plain", post.headers["content-type"])
    assert.truthy(post.headers["trailer"]:find("Lambda-Runtime-Function-Error-Type", 1, true))
    assert.truthy(post.headers["trailer"]:find("Lambda-Runtime-Function-Error-Body", 1, true))
    assert.equal("hello world", post.body)
    assert.same({}, post.trailers)
  end)

  it("writes a function URL's prelude: JSON, then 8 NUL bytes, then the body", function()
    local post = helper.invoke("app.stream_http")
    assert.equal("application/vnd.awslambda.http-integration-response",
      post.headers["content-type"])
    local prelude, rest = post.body:match("^(.-)%z%z%z%z%z%z%z%z(.*)$")
    assert.truthy(prelude, post.body)
    assert.equal("body", rest)
    assert.same({ statusCode = 201, headers = { ["x-a"] = "1" }, cookies = { "c=1" } },
      helper.decode(prelude))
  end)

  it("refuses NUL bytes in the prelude", function()
    local post = own.invoke("app.stream_http_nul")
    assert.equal("error", post.kind)
    assert.truthy(post.json.errorMessage:find("may not hold NUL", 1, true))
  end)

  it("sends an error after the first byte as real HTTP trailers", function()
    local run = helper.run { handler = "app.stream_fail_mid", invocations = { {}, {} } }
    local post = run.posts[1]
    assert.equal("response", post.kind)
    assert.equal("partial", post.body)
    local type, doc = helper.trailer_error(post)
    assert.equal("Function.Broken", type)
    assert.equal("Broken", doc.errorType)
    assert.equal("mid-stream", doc.errorMessage)
    assert.is_true(#doc.stackTrace > 0)
    -- the runtime goes on, streaming again on the same connection
    assert.equal(2, #run.posts)
    assert.equal("Function.Broken", run.posts[2].trailers["lambda-runtime-function-error-type"])
    assert.equal("parked", run.why)
    assert.equal(1, run.connections)
  end)

  it("sends an error before the first byte as an ordinary /error", function()
    local post = helper.invoke("app.stream_fail_early")
    assert.equal("error", post.kind)
    assert.equal("Function.Error", post.headers["lambda-runtime-function-error-type"])
    assert.truthy(post.json.errorMessage:find("before any byte", 1, true))
    post = own.invoke("app.stream_late_type")
    assert.equal("x", post.body)
    assert.truthy(post.trailers["lambda-runtime-function-error-type"])
  end)

  it("streams 50 MB in bounded memory", function()
    local run = own.run { handler = "app.stream_big", measure_rss = true,
      invocations = { { event = '{"mb":50}' } }, seconds = 60 }
    local post = run.posts[1]
    assert.equal(50 * 1024 * 1024, #post.body)
    assert.truthy(run.max_rss_kb, "VmHWM readable")
    -- the whole body would be 50 MB; the runtime holds about one chunk
    assert.is_true(run.max_rss_kb < 40 * 1024, run.max_rss_kb .. " kB")
  end)
end)

describe("context:after_response", function()
  it("runs after the response is posted and before the next /next, errors logged", function()
    local file = helper.tmpfile("")
    local at_post
    local run = own.run {
      handler = "app.after",
      invocations = { { event = '{"file":"' .. file .. '"}' } },
      on_post = function() at_post = helper.read(file) end,
    }
    local after = helper.read(file)
    os.remove(file)
    assert.equal('"done"', run.posts[1].body)
    assert.equal("handler\n", at_post)        -- nothing ran before the post
    assert.equal("handler\nafter 1\nafter 3\n", after)
    assert.truthy(run.stdout:find("after_response function failed", 1, true))
    assert.truthy(run.stdout:find("background boom", 1, true))
    assert.equal("parked", run.why)
  end)
end)
