-- lua-lambda build's zip, as Python's zipfile reads it: names flagged
-- UTF-8 only when they are, symbolic links inside the folder stored as
-- links (zip -y), links elsewhere said, and files streamed in, their size
-- checked before a byte is read.
local cjson = require "cjson"
local helper = require "helper"

local quote = helper.quote

-- Every entry of a zip as Python's zipfile sees it, after testzip().
local READ_ZIP = [[
import json, stat, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
bad = z.testzip()
out = {"bad": bad, "entries": []}
for i in z.infolist():
    utf8 = bool(i.flag_bits & 0x800)
    raw = i.filename.encode("utf-8" if utf8 else "cp437")
    mode = i.external_attr >> 16
    e = {"name": raw.hex(), "utf8": utf8, "mode": oct(mode),
         "link": stat.S_ISLNK(mode), "size": i.file_size}
    if i.file_size < 4096:
        e["data"] = z.read(i).decode("latin-1")
    out["entries"].append(e)
print(json.dumps(out))
]]

local function hex(s)
  return (s:gsub(".", function(c) return ("%02x"):format(c:byte()) end))
end

local write = helper.write

-- The zip's entries by name (raw bytes), and testzip's answer.
local function read_zip(zip)
  local script = helper.tmpfile(READ_ZIP, "read_zip.py")
  local ok, out = helper.sh(("/usr/bin/python3 %s %s"):format(quote(script), quote(zip)))
  assert(ok, out)
  local seen = cjson.decode(out)
  local by_name = {}
  for _, e in ipairs(seen.entries) do
    by_name[e.name:gsub("%x%x", function(h) return string.char(tonumber(h, 16)) end)] = e
  end
  return by_name, seen.bad
end

local function build(dir, out, prefix)
  return helper.sh(("%s%s build %s --no-bootstrap --arch x86_64 --out %s")
    :format(prefix or "", quote(helper.cli), quote(dir), quote(out)))
end

describe("lua-lambda build's zip", function()
  local work, fn, out

  before_each(function()
    work = helper.tmpdir()
    fn = work .. "/fn"
    out = work .. "/out"
    assert(os.execute(("mkdir -p %s/lib %s/other"):format(quote(fn), quote(work))))
    write(fn .. "/app.lua", "return { handler = function() return 1 end }\n")
  end)

  after_each(function()
    os.execute("rm -rf " .. quote(work))
  end)

  it("flags names UTF-8 only when they are, so zipfile opens it", function()
    write(fn .. "/bad\xffname.lua", "return 1\n")
    write(fn .. "/caf\xc3\xa9.lua", "return 2\n")
    local ok, said = build(fn, out)
    assert.is_true(ok, said)
    local entries, bad = read_zip(out .. "/function.zip")
    assert.equal(cjson.null, bad)
    -- not UTF-8: no flag (CP437 by the spec), the bytes as they were
    assert.is_false(entries["bad\xffname.lua"].utf8)
    assert.equal("return 1\n", entries["bad\xffname.lua"].data)
    assert.is_true(entries["caf\xc3\xa9.lua"].utf8)
    assert.is_false(entries["app.lua"].utf8)  -- ASCII needs none
  end)

  it("stores links inside the folder as links, as zip -y does", function()
    write(fn .. "/lib/util.lua", "return 'util'\n")
    assert(os.execute(table.concat({
      "cd " .. quote(fn),
      "ln -s lib/util.lua util.lua",
      "ln -s ../app.lua lib/app_again.lua",
      "ln -s " .. quote(fn .. "/lib/util.lua") .. " absolute.lua",
      "ln -s lib helpers",
    }, " && ")))
    local ok, said = build(fn, out)
    assert.is_true(ok, said)
    local entries, bad = read_zip(out .. "/function.zip")
    assert.equal(cjson.null, bad)
    for name, target in pairs({ ["util.lua"] = "lib/util.lua",
        ["lib/app_again.lua"] = "../app.lua",
        ["absolute.lua"] = "lib/util.lua",  -- made relative: it must hold on Lambda
        ["helpers"] = "lib" }) do
      local e = entries[name]
      assert.truthy(e, name .. " is not in the zip: " .. said)
      assert.is_true(e.link, name)
      assert.equal("0o120777", e.mode, name)
      assert.equal(target, e.data, name)
    end
    assert.is_false(entries["lib/util.lua"].link)
    assert.equal("0o100644", entries["lib/util.lua"].mode)
  end)

  it("packs a link to a file outside as a copy, and says so; says what it leaves out", function()
    write(work .. "/other/shared.lua", "return 'shared'\n")
    assert(os.execute(table.concat({
      "cd " .. quote(fn),
      "ln -s " .. quote(work .. "/other/shared.lua") .. " shared.lua",
      "ln -s " .. quote(work .. "/other") .. " outside_dir",
      "ln -s nowhere.lua dangling.lua",
    }, " && ")))
    local ok, said = build(fn, out)
    assert.is_true(ok, said)
    local entries = read_zip(out .. "/function.zip")
    assert.is_false(entries["shared.lua"].link)
    assert.equal("return 'shared'\n", entries["shared.lua"].data)
    assert.truthy(said:find("shared.lua links outside " .. fn, 1, true), said)
    assert.is_nil(entries["outside_dir"])
    assert.truthy(said:find("left out outside_dir", 1, true), said)
    assert.is_nil(entries["dangling.lua"])
    assert.truthy(said:find("left out dangling.lua", 1, true), said)
  end)

  it("refuses a file over 4 GB from its size, before reading it", function()
    if helper.sanitized_cli() then
      return pending("AddressSanitizer's build cannot run under ulimit -v")
    end
    -- sparse: no disk; under a 1 GB address space, reading it whole fails
    assert(os.execute("truncate -s 4294967296 " .. quote(fn .. "/huge.bin")))
    local ok, said = build(fn, out, "ulimit -v 1048576; ")
    assert.is_falsy(ok, said)
    assert.truthy(said:find("huge.bin: over 4 GB", 1, true), said)
  end)

  it("streams a file into the zip rather than holding it whole", function()
    if helper.sanitized_cli() then
      return pending("AddressSanitizer's build cannot run under ulimit -v")
    end
    -- 160 MB, in a 128 MB address space for the whole build
    assert(os.execute("truncate -s 167772160 " .. quote(fn .. "/big.bin")))
    local ok, said = build(fn, out, "ulimit -v 131072; ")
    assert.is_true(ok, said)
    local entries, bad = read_zip(out .. "/function.zip")
    assert.equal(cjson.null, bad)
    assert.equal(167772160, entries["big.bin"].size)
  end)
end)
