-- src/cli/files/sam_template.lua, the CLI's reader of template.yaml, against
-- PyYAML (spec/support/lib/sam_yaml.py: SafeLoader, no implicit typing, the
-- short-form tags in their long form): every template in the repository
-- and every fixture in spec/fixtures/templates/ must read the same in both,
-- and each one in spec/fixtures/templates/bad/ be refused by both. Then
-- what the CLI asks of a template: functions, resolve, pick. python3 and
-- PyYAML are needed (CI has them): without them this fails, it does not
-- skip.
local cjson = require "cjson"
local helper = require "helper"

package.path = "./src/cli/files/?.lua;" .. package.path
local sam = require "sam_template"

local FIXTURES = "spec/fixtures/templates/"

local function lines_of(command)
  local p = assert(io.popen(command))
  local out = {}
  for line in p:lines() do out[#out + 1] = line end
  assert(p:close(), command .. " failed")
  return out
end

-- The repository's templates (the fixtures are listed from their folder,
-- tracked or not yet).
local function repository_templates()
  local out = {}
  for _, path in ipairs(lines_of("git ls-files '*.yaml' '*.yml'")) do
    if path:sub(1, #FIXTURES) ~= FIXTURES then out[#out + 1] = path end
  end
  return out
end

local function fixtures(folder)
  return lines_of("ls " .. folder .. "*.yaml")
end

-- The templates lua-lambda new writes have {{name}} in them: read as it
-- writes them too.
local tmp = helper.tmpdir()
local function filled(path)
  local text = helper.read(path)
  if not text:find("{{", 1, true) then return nil end
  local copy = tmp .. "/" .. path:gsub("/", "_")
  local f = assert(io.open(copy, "wb"))
  f:write((text:gsub("{{name}}", "demo")))
  f:close()
  return copy
end

-- PyYAML's reading of every path, asked once: path -> { value = ... } or
-- { error = message, line = n }.
local oracle_cache
local function oracle(paths)
  if not oracle_cache then
    local quoted = {}
    for i, path in ipairs(paths) do quoted[i] = helper.quote(path) end
    local ok, out = helper.sh("/usr/bin/python3 spec/support/lib/sam_yaml.py "
      .. table.concat(quoted, " "))
    assert(ok, "the oracle (python3 with PyYAML) failed: " .. out)
    oracle_cache = cjson.decode(out)
  end
  return oracle_cache
end

local repository = repository_templates()
local good, bad = fixtures(FIXTURES), fixtures(FIXTURES .. "bad/")
local cases = {}   -- { path, read = the file PyYAML and the parser read, must }
for _, path in ipairs(repository) do
  local copy = filled(path)
  cases[#cases + 1] = { path = path, read = path, must = not copy and "accept" or nil }
  if copy then cases[#cases + 1] = { path = path .. " (filled in)", read = copy, must = "accept" } end
end
for _, path in ipairs(good) do cases[#cases + 1] = { path = path, read = path, must = "accept" } end
for _, path in ipairs(bad) do cases[#cases + 1] = { path = path, read = path, must = "refuse" } end
local all_paths = {}
for i, case in ipairs(cases) do all_paths[i] = case.read end

-- Where each bad fixture must be refused, and why.
local REFUSALS = {
  ["bad_indent.yaml"] = { 4, "bad indentation" },
  ["block_header.yaml"] = { 1, "block scalar's header" },
  ["colon_in_value.yaml"] = { 1, "mapping values are not allowed here" },
  ["comment_in_plain.yaml"] = { 4, "bad indentation" },
  ["empty_flow_entry.yaml"] = { 1, "cannot start with ','" },
  ["seq_after_map.yaml"] = { 2, "a sequence entry where a mapping key was expected" },
  ["seq_in_value.yaml"] = { 1, "sequence entries are not allowed here" },
  ["single_quote_inside.yaml"] = { 1, "unexpected text after the value: s'" },
  ["tab_after_colon.yaml"] = { 1, "a tab" },
  ["tab_in_plain.yaml"] = { 1, "a tab" },
  ["tab_indent.yaml"] = { 3, "a tab" },
  ["text_after_flow.yaml"] = { 1, "unexpected text after the value: b" },
  ["text_after_quote.yaml"] = { 1, "unexpected text after the value: b" },
  ["unclosed_flow.yaml"] = { 3, "expected ',' or ']' here" },
  ["unclosed_map.yaml"] = { 1, "is not closed" },
  ["unclosed_quote.yaml"] = { 1, "a quoted scalar is not closed" },
  ["unknown_escape.yaml"] = { 1, "an unknown escape \\q" },
}

local function parse_file(path)
  return sam.parse(helper.read(path))
end

describe("sam_template #unit", function()
  describe("parse, against PyYAML", function()
    it("has the repository's templates and the fixtures to read", function()
      local seen = {}
      for _, path in ipairs(repository) do seen[path] = true end
      assert.is_true(seen["examples/hello/template.yaml"])
      assert.is_true(seen["src/cli/files/templates/http/template.yaml"])
      assert.is_true(#repository >= 10)
      assert.is_true(#good >= 10)
      assert.is_truthy(helper.read(FIXTURES .. "crlf.yaml"):find("\r\n", 1, true))
      for _, path in ipairs(bad) do
        assert(REFUSALS[path:match("[^/]+$")], path .. " has no expected refusal")
      end
    end)

    for _, case in ipairs(cases) do
      it("reads " .. case.path .. " as PyYAML does", function()
        local expected = oracle(all_paths)[case.read]
        assert(expected, "the oracle did not read " .. case.read)
        if case.must == "accept" then
          assert(expected.value ~= nil, "PyYAML refuses it: " .. tostring(expected.error))
        elseif case.must == "refuse" then
          assert(expected.value == nil, "PyYAML reads this bad fixture")
        end
        local value, err = parse_file(case.read)
        if expected.value == nil then
          assert.is_nil(value)
          assert.matches("^template%.yaml:%d+: ", err)
          local refusal = REFUSALS[case.read:match("[^/]+$")]
          if case.must == "refuse" then
            assert.equal("template.yaml:" .. refusal[1] .. ": ", err:match("^template%.yaml:%d+: "))
            assert.is_truthy(err:find(refusal[2], 1, true), err)
          end
        else
          assert(value ~= nil, err)
          assert.are.same(expected.value, value)
        end
      end)
    end

    it("reads every fixture with CRLF line ends as with LF", function()
      for _, path in ipairs(good) do
        local text = helper.read(path):gsub("\r\n", "\n")
        assert.are.same(sam.parse(text), sam.parse((text:gsub("\n", "\r\n"))))
      end
    end)
  end)

  describe("parse", function()
    local function refused(text, line, why)
      local value, err = sam.parse(text)
      assert.is_nil(value)
      assert.equal("template.yaml:" .. line .. ": ", err:match("^template%.yaml:%d+: "))
      assert.is_truthy(err:find(why, 1, true), err)
    end

    it("keeps each scalar's text exactly, with no implicit typing", function()
      local doc = sam.parse("A: 128\nB: 1.50\nC: true\nD: ~\nE:\nF: '007'\nG: 0x1F\n")
      assert.are.same({ A = "128", B = "1.50", C = "true", D = "~", E = "",
        F = "007", G = "0x1F" }, doc)
    end)

    it("refuses anchors and aliases", function()
      refused("A: &shared x\nB: *shared\n", 1, "anchors and aliases")
      refused("A: [a, *b]\n", 1, "anchors and aliases")
      refused("A:\n  - &x\n    k: v\n", 2, "anchors and aliases")
    end)

    it("refuses several documents and directives", function()
      refused("A: 1\n---\nB: 2\n", 2, "several YAML documents")
      refused("A: 1\n...\nB: 2\n", 3, "several YAML documents")
      refused("%YAML 1.1\n---\nA: 1\n", 1, "directives")
      assert.are.same({ A = "1" }, sam.parse("---\nA: 1\n...\n# the end\n"))
    end)

    it("refuses what is not a template's YAML", function()
      refused("A: !!str x\n", 1, "YAML's own tags")
      refused("A: !Reference x\n", 1, "unknown tag !Reference")
      refused("A: !Ref,x\n", 1, "unknown tag !Ref,x")
      refused("? A\n: b\n", 1, "complex keys")
      refused("A: {[x]: y}\n", 1, "a mapping key must be a string")
      refused("# only a comment\n\n", 1, "no YAML document")
      refused("A: 1\n  B: 2\n", 2, "mapping values are not allowed here")
      refused("A:\n    B: 1\n  C: 2\n", 3, "bad indentation")
    end)

    it("names the file it was given in its messages", function()
      local value, err = sam.parse("A: [x\n", "template.yml")
      assert.is_nil(value)
      assert.equal("template.yml:1: a flow collection ([ or {) is not closed", err)
    end)

    it("splits !GetAtt's dotted form at the first dot only", function()
      assert.are.same({ A = { ["Fn::GetAtt"] = { "Stack", "Outputs.Url" } },
        B = { ["Fn::GetAtt"] = { "Table", "Arn" } } },
        sam.parse("A: !GetAtt Stack.Outputs.Url\nB: !GetAtt [Table, Arn]\n"))
    end)
  end)

  describe("functions", function()
    local doc = assert(parse_file(FIXTURES .. "sam_globals.yaml"))
    local fns = sam.functions(doc)
    local by_id = {}
    for _, f in ipairs(fns) do by_id[f.id] = f end

    it("lists SAM and Lambda functions, sorted by logical id", function()
      local ids, types = {}, {}
      for i, f in ipairs(fns) do ids[i], types[i] = f.id, f.type end
      assert.are.same({ "ApiFunction", "RawFunction", "WorkerFunction" }, ids)
      assert.are.same({ "AWS::Serverless::Function", "AWS::Lambda::Function",
        "AWS::Serverless::Function" }, types)
    end)

    it("applies Globals under a SAM function's own properties", function()
      local api = by_id.ApiFunction
      assert.are.same({ "arm64" }, api.architectures)
      assert.equal("api.handler", api.handler)
      assert.equal("api/", api.code)
      assert.equal("provided.al2023", api.runtime)
      assert.equal("256", api.memory_size)
      assert.equal("3", api.timeout)
      assert.are.same({ { Ref = "LayerArn" }, "extra-layer" }, api.layers)
      assert.equal("from-function", api.environment.SHARED)
      assert.equal("info", api.environment.LOG_LEVEL)
      assert.are.same({ Ref = "Stage" }, api.environment.STAGE)
      assert.are.same({ ["Fn::GetAtt"] = { "Table", "Arn" } }, api.environment.TABLE_ARN)
      assert.equal(api.environment, api.properties.Environment.Variables)

      local worker = by_id.WorkerFunction
      assert.are.same({ "x86_64" }, worker.architectures)
      assert.equal(".", worker.code)
      assert.equal("10", worker.timeout)
      assert.are.same({ { Ref = "LayerArn" } }, worker.layers)
      assert.are.same({ STAGE = { Ref = "Stage" }, LOG_LEVEL = "info",
        SHARED = "from-globals" }, worker.environment)
      assert.are.same({ BuildMethod = "makefile" }, worker.metadata)
    end)

    it("leaves the template as it was", function()
      local again = assert(parse_file(FIXTURES .. "sam_globals.yaml"))
      sam.functions(doc)
      assert.are.same(again, doc)
    end)

    it("takes an AWS::Lambda::Function's properties as they are", function()
      local raw = by_id.RawFunction
      assert.are.same({ "arm64" }, raw.architectures)
      assert.equal("raw.handler", raw.handler)
      assert.are.same({ S3Bucket = "bucket", S3Key = "raw.zip" }, raw.code)
      assert.equal("512", raw.memory_size)
      assert.is_nil(raw.timeout)
      assert.is_nil(raw.layers)
      assert.are.same({ ONLY = "raw" }, raw.environment)
    end)

    it("finds none in a template without functions", function()
      assert.are.same({}, sam.functions(assert(sam.parse("Resources:\n  Q:\n    Type: AWS::SQS::Queue\n"))))
      assert.are.same({}, sam.functions(assert(sam.parse("A: b\n"))))
    end)
  end)

  describe("resolve", function()
    local doc = assert(parse_file(FIXTURES .. "sam_globals.yaml"))
    local env = sam.functions(doc)[1].environment

    local function unknown(value, why)
      local v, err = sam.resolve(value, doc)
      assert.is_nil(v)
      assert.equal(why, err)
    end

    it("gives strings, parameters' defaults and !Sub of them", function()
      assert.equal("info", sam.resolve("info", doc))
      assert.equal("dev", sam.resolve(env.STAGE, doc))
      assert.equal("dev-items", sam.resolve(env.NAME, doc))
      assert.equal("app-dev", sam.resolve(env.PREFIXED, doc))
      assert.equal("${NotAVariable}-dev", sam.resolve(env.LITERAL, doc))
      assert.equal("arn:aws:lambda:us-east-1:123456789012:layer:lua:1",
        sam.resolve(sam.functions(doc)[1].layers[1], doc))
    end)

    it("says why when a value is known only once deployed", function()
      unknown(env.TABLE_ARN, "!GetAtt Table.Arn cannot be known locally")
      unknown(env.TABLE, "!Ref Table: Table is a resource, known only once deployed")
      unknown(env.REGION, "!Ref AWS::Region is known only once deployed")
      unknown(env.URL, "${AWS::Region} is known only once deployed")
      unknown(env.ATTRIBUTE, "${Table.Arn} (an attribute) cannot be known locally")
      unknown(env.NO_DEFAULT, "!Ref TableName: the parameter TableName has no Default")
      unknown(env.MISSING, "!Ref Nowhere: the template has no parameter Nowhere")
      unknown(env.MEMORY, "!If cannot be known locally")
      unknown({ ["Fn::Join"] = { "", { "a" } } }, "!Join cannot be known locally")
      unknown({ "a", "b" }, "a list, not a single value")
      unknown({ a = "b" }, "a mapping, not a single value")
      unknown(nil, "not set")
    end)
  end)

  describe("pick", function()
    local doc = assert(parse_file(FIXTURES .. "sam_globals.yaml"))
    local twins = assert(parse_file(FIXTURES .. "same_handler.yaml"))

    local function picked(d, want)
      local f, err = sam.pick(d, want)
      assert(f, err)
      return f.id
    end

    it("takes the one named", function()
      assert.equal("WorkerFunction", picked(doc, { name = "WorkerFunction", handler = "api.handler" }))
      local f, err = sam.pick(doc, { name = "Nope" })
      assert.is_nil(f)
      assert.equal("template.yaml has no function Nope (its functions: "
        .. "ApiFunction, RawFunction, WorkerFunction)", err)
    end)

    it("takes a template's only function whatever is asked", function()
      local hello = assert(parse_file("examples/hello/template.yaml"))
      assert.equal("HelloFunction", picked(hello, {}))
      assert.equal("HelloFunction", picked(hello, { handler = "other.handler", code_dir = "x" }))
    end)

    it("takes the one whose Handler matches, else whose CodeUri does", function()
      assert.equal("WorkerFunction", picked(doc, { handler = "worker.handler" }))
      assert.equal("RawFunction", picked(doc, { handler = "raw.handler" }))
      assert.equal("WorkerFunction", picked(doc, { code_dir = "." }))
      assert.equal("WorkerFunction", picked(doc, { code_dir = "./" }))
      assert.equal("ApiFunction", picked(doc, { code_dir = "./api" }))
      assert.equal("ApiFunction", picked(doc, { handler = "other.handler", code_dir = "api/" }))
      assert.equal("Second", picked(twins, { handler = "app.handler", code_dir = "second" }))
      assert.equal("First", picked(twins, { handler = "app.handler", code_dir = "./first/" }))
    end)

    it("says which functions there are when it cannot choose", function()
      local f, err = sam.pick(doc, {})
      assert.is_nil(f)
      assert.equal("template.yaml has several functions (ApiFunction, RawFunction, "
        .. "WorkerFunction): say which by its logical id", err)
      f, err = sam.pick(twins, { handler = "app.handler", file = "template.yml" })
      assert.is_nil(f)
      assert.equal("template.yml has several functions (First, Second): say which "
        .. "by its logical id", err)
      f, err = sam.pick(assert(sam.parse("Resources: {}\n")), {})
      assert.is_nil(f)
      assert.equal("template.yaml has no function (AWS::Serverless::Function or "
        .. "AWS::Lambda::Function)", err)
    end)
  end)

  teardown(function() os.execute("rm -rf " .. helper.quote(tmp)) end)
end)
