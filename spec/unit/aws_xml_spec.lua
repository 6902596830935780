-- lambda.aws.xml, the XML parser of the query, ec2 and rest-xml
-- protocols: documents read as Python's ElementTree (expat, botocore's
-- parser) reads them, malformed ones refused as expat refuses them, and
-- the writer's escaping.
local S = require "query_xml_support"
local xml = require "lambda.aws.xml"
local base64 = require "lambda.base64"

-- An element as the oracle gives ElementTree's: attributes in Clark
-- notation ({uri}local) less the xmlns declarations.
local function etree_shape(el, scope)
  local attrs = {}
  for name, value in pairs(el.attrs or {}) do
    if name ~= "xmlns" and not name:find("^xmlns:") then
      local prefix, loc = name:match("^([^:]+):(.+)$")
      if prefix then
        local uri = prefix == "xml" and "http://www.w3.org/XML/1998/namespace"
          or assert(scope[prefix], prefix)
        attrs["{" .. uri .. "}" .. loc] = value
      else
        attrs[name] = value
      end
    end
  end
  local inner = setmetatable({}, { __index = scope })
  for name, value in pairs(el.attrs or {}) do
    local prefix = name:match("^xmlns:(.+)$")
    if prefix then inner[prefix] = value end
  end
  local children = {}
  for i, c in ipairs(el) do children[i] = etree_shape(c, inner) end
  return { name = el.name, ns = el.ns, attrs = attrs, text = el.text,
    tail = el.tail, children = children }
end

local WELL_FORMED = {
  "<a/>",
  "<a>text</a>",
  '<?xml version="1.0" encoding="UTF-8"?>\n<a x="1" y=\'two\'>t<b>u</b>tail<c/>  </a>\n',
  "\239\187\191<a>BOM</a>",
  "<a>&lt;&gt;&amp;&quot;&apos; &#65;&#x42;&#x1F600; &#233;</a>",
  "<a><![CDATA[<not> & markup]]>after<![CDATA[]]></a>",
  "<a>x<!-- a comment -->y<?pi data?>z</a>",
  '<!DOCTYPE a [ <!ELEMENT a (#PCDATA)> <!-- > --> ]>\n<a>doc</a>',
  "<!DOCTYPE a SYSTEM \"a.dtd\"><a/>",
  '<a xmlns="urn:d" xmlns:p="urn:p"><p:b p:c="1" d="2"/><c xmlns=""/><p:d xmlns:p="urn:q"/></a>',
  '<p:a xmlns:p="urn:p" xml:lang="en"><b/></p:a>',
  "<a>line1\r\nline2\rline3\n</a>",
  '<a v="tab\there&#10;nl\nnl&#9;x" w="&lt;&amp;&quot;"/>',
  "<a>日本語 é 😀</a>",
  "<a  x = \"1\"  ></a >",
  "<DescribeInstancesResponse><reservationSet><item><instancesSet><item><instanceId>i-1</instanceId></item></instancesSet></item></reservationSet></DescribeInstancesResponse>",
  "<!-- before --><a/><!-- after -->\n",
  "<a>]]&gt; &amp;amp;</a>",
}

local MALFORMED = {
  "", "   ", "text", "<a>", "<a></b>", "<a><b></a></b>", "</a>", "<a/><b/>",
  "<a/>tail", "x<a/>", "<a>&unknown;</a>", "<a>&amp</a>", "<a>a & b</a>",
  "<a>&#0;</a>", "<a>&#xD800;</a>", "<a>&#x110000;</a>", "<a b=\"1\" b=\"2\"/>",
  "<a b=1/>", "<a b=\"<\"/>", "<a b=\"1\"c=\"2\"/>", "<p:a/>", "<a><p:b/></a>",
  "<a p:x=\"1\"/>", "<a>\1</a>", "<a>\255</a>", "<a><!-- x -- y --></a>",
  "<a><![CDATA[x</a>", "<a><!-- x</a>", "<a><?pi x</a>", "<a/><?xml version=\"1.0\"?>",
  "<a><b>", "<1a/>", "<a></a", "<a attr=\"unterminated/>", "<a xmlns:p=\"\"/>",
}

describe("lambda.aws.xml #unit", function()
  local cases = {}
  for _, text in ipairs(WELL_FORMED) do
    cases[#cases + 1] = { kind = "etree", b64 = base64.encode(text), service = "s3" }
  end
  for _, text in ipairs(MALFORMED) do
    cases[#cases + 1] = { kind = "etree", b64 = base64.encode(text), service = "s3" }
  end
  local answers = S.oracle(cases)

  for i, text in ipairs(WELL_FORMED) do
    it(("reads %q as ElementTree does"):format(text:sub(1, 50)), function()
      local want = answers[i]
      assert.is_true(want.ok, want.error)
      local root, err = xml.parse(text)
      assert.is_nil(err)
      S.same(S.from_wire(want.tree), etree_shape(root, {}))
    end)
  end

  for j, text in ipairs(MALFORMED) do
    it(("refuses %q as expat does"):format(text), function()
      local want = answers[#WELL_FORMED + j]
      assert.is_false(want.ok)
      local root, err = xml.parse(text)
      assert.is_nil(root)
      assert.equal("xml", err.kind)
      assert.matches("^line %d+, column %d+: ", err.message)
      assert.is_number(err.offset)
    end)
  end

  it("keeps prefixes and namespaces so that a parser can ignore them", function()
    local root = assert(xml.parse('<s:Env xmlns:s="urn:s" xmlns="urn:d"><s:Body a="1"><Item/></s:Body></s:Env>'))
    assert.same({ "Env", "s", "urn:s" }, { root.name, root.prefix, root.ns })
    assert.same({ "Body", "s", "urn:s", "1" }, { root[1].name, root[1].prefix, root[1].ns, root[1].attrs.a })
    assert.same({ "Item", nil, "urn:d" }, { root[1][1].name, root[1][1].prefix, root[1][1].ns })
    assert.equal("urn:s", root.attrs["xmlns:s"])
  end)

  it("says where a document is malformed", function()
    local _, err = xml.parse("<a>\n  <b>\n  </c>\n</a>")
    assert.equal("line 3, column 3: end tag </c> does not match <b>", err.message)
    assert.same({ 3, 3 }, { err.line, err.column })
    _, err = xml.parse("<a>\n x &nope; y</a>")
    assert.equal("line 2, column 4: undefined entity &nope;", err.message)
    _, err = xml.parse("<a>\n</a>\n<b/>")
    assert.equal("line 3, column 1: a second root element", err.message)
  end)

  it("limits nesting to max_depth (256 unless told)", function()
    local function nest(n) return ("<a>"):rep(n) .. ("</a>"):rep(n) end
    assert.is_table(xml.parse(nest(256)))
    local root, err = xml.parse(nest(257))
    assert.is_nil(root)
    assert.matches("elements nested deeper than 256", err.message)
    assert.is_table(xml.parse(nest(10), { max_depth = 10 }))
    assert.is_nil(xml.parse(nest(11), { max_depth = 10 }))
    root, err = xml.parse(nest(100000))
    assert.is_nil(root)
    assert.matches("nested deeper", err.message)
    assert.error_matches(function() xml.parse("<a/>", { max_depth = 0 }) end, "max_depth")
    assert.error_matches(function() xml.parse(5) end, "string expected")
  end)

  it("escapes text and attribute values as ElementTree writes them", function()
    assert.equal("a &amp; b &lt;c&gt; \"q\" 'x'\r\n\t", xml.escape("a & b <c> \"q\" 'x'\r\n\t"))
    assert.equal("a &amp; &lt;c&gt; &quot;q&quot; 'x'&#13;&#10;&#09;",
      xml.escape_attr("a & <c> \"q\" 'x'\r\n\t"))
    assert.equal("plain", xml.escape("plain"))
  end)

  it("writes an element back, as it was read", function()
    local text = '<a x="1 &amp; 2"><b>t &lt; u</b>tail<c /><p:d xmlns:p="urn:p" /></a>'
    local root = assert(xml.parse(text))
    assert.equal(text, xml.encode(root))
    local again = assert(xml.parse(xml.encode(root)))
    S.same(root, again)
  end)

  it("reads a 1 MB DescribeInstances answer in a fraction of a second", function()
    local item = [==[
        <item>
          <instanceId>i-1234567890abcdef0</instanceId>
          <imageId>ami-bff32ccc</imageId>
          <instanceState><code>16</code><name>running</name></instanceState>
          <privateDnsName>ip-192-168-1-88.eu-west-1.compute.internal</privateDnsName>
          <launchTime>2018-05-08T16:46:19.000Z</launchTime>
          <tagSet><item><key>Name</key><value>Server &amp; one</value></item></tagSet>
        </item>
]==]
    local doc = '<?xml version="1.0" encoding="UTF-8"?>\n<DescribeInstancesResponse'
      .. ' xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><reservationSet><item>'
      .. '<instancesSet>' .. item:rep(math.ceil(2 ^ 20 / #item)) .. '</instancesSet>'
      .. '</item></reservationSet></DescribeInstancesResponse>'
    local t0 = os.clock()
    local root = assert(xml.parse(doc))
    local took = os.clock() - t0
    print(("\n  1 MB DescribeInstances: xml.parse %.0f ms"):format(took * 1000))
    assert.equal(math.ceil(2 ^ 20 / #item), #root[1][1][1])
    assert.is_true(took < 1.0)
  end)
end)
