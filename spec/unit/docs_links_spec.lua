-- Every relative link in README.md and docs/*.md resolves inside the
-- repository: the file (or folder) exists, a #anchor names a heading of
-- the target by GitHub's rules, and no link leaves the tree (a clone has
-- nothing outside it). Pure Lua: it reads files and lists docs/ with lfs,
-- which busted itself needs.
local lfs = require "lfs"

-- The repository's root: this file is spec/unit/docs_links_spec.lua.
local function repo_root()
  local source = debug.getinfo(1, "S").source:gsub("^@", "")
  local dir = source:match("^(.*)/[^/]*$") or "."
  return dir .. "/../.."
end

local read = require("process").read_file  -- nil when absent

-- The lines of text outside fenced and indented code blocks, with
-- inline code spans blanked out (a link inside code is not a link), or
-- with keep_code, reduced to their text (a heading's anchor has it).
local function prose_lines(text, keep_code)
  local lines, fence, prev_blank, in_indented = {}, nil, true, false
  for line in (text .. "\n"):gmatch("(.-)\r?\n") do
    local marker = line:match("^%s*(```+)") or line:match("^%s*(~~~+)")
    if fence then
      if marker and marker:sub(1, 1) == fence:sub(1, 1)
          and #marker >= #fence then
        fence = nil
      end
      lines[#lines + 1] = ""
    elseif marker then
      fence = marker
      lines[#lines + 1] = ""
    elseif (line:match("^    ") or line:match("^\t"))
        and (prev_blank or in_indented) then
      in_indented = true
      lines[#lines + 1] = ""
    else
      if line:match("%S") then in_indented = false end
      lines[#lines + 1] = (line:gsub("(`+)(.-)%1", function(ticks, code)
        return keep_code and code or ticks
      end))
    end
    prev_blank = not line:match("%S")
  end
  return lines
end

--- The link targets of a Markdown text: inline links and images
--- [text](target "title"), and reference definitions [ref]: target.
local function links_of(text)
  local found = {}
  for n, line in ipairs(prose_lines(text)) do
    for target in line:gmatch("%]%(%s*<?([^%s%)>]*)>?[^%)]*%)") do
      found[#found + 1] = { target = target, line = n }
    end
    local ref = line:match("^%s*%[[^%]]+%]:%s*<?([^%s>]+)")
    if ref then
      found[#found + 1] = { target = ref, line = n }
    end
  end
  return found
end

--- GitHub's anchor for a heading's text: Markdown links and emphasis
--- reduced to their text, lower-cased, every character but letters,
--- digits, spaces, - and _ removed, spaces turned into -.
local function slug(heading)
  local s = heading:gsub("!?%[([^%]]*)%]%([^%)]*%)", "%1")
  s = s:gsub("<[^>]*>", ""):lower()
  s = s:gsub("[^%w%s%-_\128-\255]", "")
  return (s:gsub("%s", "-"))
end

--- The anchors of a Markdown text's headings; a repeated one gets -1,
--- -2, ... as on GitHub.
local function anchors_of(text)
  local anchors, seen = {}, {}
  for _, line in ipairs(prose_lines(text, true)) do
    local heading = line:match("^ ? ? ?#+%s+(.-)%s*#*%s*$")
    if heading then
      local base = slug(heading)
      local a = base
      if seen[base] then
        a = base .. "-" .. seen[base]
        seen[base] = seen[base] + 1
      else
        seen[base] = 1
      end
      anchors[a] = true
    end
  end
  return anchors
end

-- "docs/../examples/hello" -> "examples/hello"; nil if it climbs out.
local function normalize(path)
  local parts = {}
  for part in path:gmatch("[^/]+") do
    if part == ".." then
      if #parts == 0 then return nil end
      parts[#parts] = nil
    elseif part ~= "." then
      parts[#parts + 1] = part
    end
  end
  return table.concat(parts, "/")
end

local function percent_decode(s)
  return (s:gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end))
end

--- The problems of the links of one file, rel its path from the root.
--- fs: { kind = function(rel) -> "file" | "directory" | nil,
---       read = function(rel) -> text | nil }.
local function check_file(rel, text, fs)
  local problems = {}
  local dir = rel:match("^(.*)/[^/]*$") or ""
  local function problem(link, why)
    problems[#problems + 1] = ("%s:%d: %s: %s"):format(rel, link.line,
                                                       link.target, why)
  end
  for _, link in ipairs(links_of(text)) do
    local target = link.target
    if target:match("^%a[%w+.-]*:") or target:match("^//") then
      -- a URL (https:, mailto:): not the repository's
    elseif target:sub(1, 1) == "/" then
      problem(link, "an absolute path: links are relative to the file")
    else
      local path, anchor = target:match("^([^#]*)#?(.*)$")
      path = percent_decode(path)
      local full = path == "" and rel
                   or normalize((dir ~= "" and dir .. "/" or "") .. path)
      if full == nil then
        problem(link, "points outside the repository")
      elseif path == "" then
        if not anchors_of(text)[anchor] then
          problem(link, "no heading #" .. anchor .. " in " .. rel)
        end
      else
        local kind = full == "" and "directory" or fs.kind(full)
        if kind == nil then
          problem(link, "no such file in the repository")
        elseif anchor ~= "" then
          local target_text = kind == "file" and full:match("%.md$")
                              and fs.read(full)
          if not target_text then
            problem(link, "an anchor into something not Markdown")
          elseif not anchors_of(target_text)[anchor] then
            problem(link, "no heading #" .. anchor .. " in " .. full)
          end
        end
      end
    end
  end
  return problems
end

local function real_fs(root)
  return {
    kind = function(rel)
      local mode = lfs.attributes(root .. "/" .. rel, "mode")
      return (mode == "file" or mode == "directory") and mode or nil
    end,
    read = function(rel) return read(root .. "/" .. rel) end,
  }
end

-- README.md and every .md file under docs/, as paths from the root.
local function documents(root)
  local list = { "README.md" }
  local function walk(rel)
    for name in lfs.dir(root .. "/" .. rel) do
      if name ~= "." and name ~= ".." then
        local sub = rel .. "/" .. name
        local mode = lfs.attributes(root .. "/" .. sub, "mode")
        if mode == "directory" then
          walk(sub)
        elseif name:match("%.md$") then
          list[#list + 1] = sub
        end
      end
    end
  end
  walk("docs")
  table.sort(list)
  return list
end

describe("the docs' links #unit", function()
  local root = repo_root()
  local fs = real_fs(root)

  it("finds the README and the docs pages", function()
    local docs = documents(root)
    assert.equal("README.md", docs[1])
    assert.is_true(#docs >= 2, "no page under docs/")
  end)

  it("resolve inside the repository, anchors included", function()
    local problems = {}
    for _, rel in ipairs(documents(root)) do
      for _, p in ipairs(check_file(rel, assert(fs.read(rel)), fs)) do
        problems[#problems + 1] = p
      end
    end
    assert.same({}, problems)
  end)

  it("reach every page from docs/README.md, the index", function()
    local linked = {}
    for _, link in ipairs(links_of(assert(fs.read("docs/README.md")))) do
      linked[normalize("docs/" .. link.target:gsub("#.*$", ""))] = true
    end
    local missing = {}
    for _, rel in ipairs(documents(root)) do
      if rel:match("^docs/") and rel ~= "docs/README.md" and not linked[rel] then
        missing[#missing + 1] = rel
      end
    end
    assert.same({}, missing)
  end)

  describe("the checker", function()
    local files = {
      ["README.md"] = "# Top\n",
      ["docs/a.md"] = "# Page A\n\n## The `lambda` module\n\n"
                      .. "## Calling HTTPS and AWS: `lambda.fetch`\n"
                      .. "## Again\n## Again\n",
      ["examples/hello/app.lua"] = "",
    }
    local fake = {
      kind = function(rel)
        if files[rel] then return "file" end
        for name in pairs(files) do
          if name:sub(1, #rel + 1) == rel .. "/" then return "directory" end
        end
      end,
      read = function(rel) return files[rel] end,
    }
    local function problems(text)
      return check_file("docs/x.md", text, fake)
    end

    it("makes GitHub's anchors", function()
      assert.equal("the-lambda-module", slug("The `lambda` module"))
      assert.equal("calling-https-and-aws-lambdafetch-and-lambdaaws",
        slug("Calling HTTPS and AWS: `lambda.fetch` and `lambda.aws`"))
      assert.equal("the-projects-own-tests", slug("The project's own tests"))
      assert.equal("scriptsdev", slug("`scripts/dev`"))
      assert.equal("lua-lambda-build", slug("`lua-lambda build`"))
      local a = anchors_of(files["docs/a.md"])
      assert.is_true(a["again"] and a["again-1"])
    end)

    it("passes links that resolve", function()
      assert.same({}, problems(
        "[a](a.md) [b](a.md#the-lambda-module) [c](../README.md#top) "
        .. "[d](../examples/hello/) [e](../examples/hello/app.lua) "
        .. "[f](https://example.com/x) [g](#here)\n\n## Here\n"
        .. "[h](a.md#calling-https-and-aws-lambdafetch) [i](a.md#again-1)"))
    end)

    it("refuses a missing file, a missing anchor, a way out", function()
      local found = problems("[a](nope.md)\n[b](a.md#nope)\n"
        .. "[c](../../elsewhere/DESIGN.md)\n[d](/etc/passwd)\n[e](#nowhere)\n"
        .. "[f](../examples/hello/app.lua#x)\n[g]: missing.md\n")
      assert.equal(7, #found, table.concat(found, "\n"))
      assert.matches("no such file", found[1])
      assert.matches("no heading #nope", found[2])
      assert.matches("outside the repository", found[3])
      assert.matches("absolute path", found[4])
      assert.matches("no heading #nowhere", found[5])
      assert.matches("not Markdown", found[6])
      assert.matches("missing.md", found[7])
    end)

    it("ignores links in code", function()
      assert.same({}, problems("`[a](nope.md)`\n\n    [b](nope.md)\n\n"
        .. "```\n[c](nope.md)\n```\n"))
    end)
  end)
end)
