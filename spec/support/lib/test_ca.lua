--- A certificate authority made at test time with the openssl CLI, and
--- server certificates for 127.0.0.1: one it signed (trusted through
--- SSL_CERT_FILE=ca.crt) and one self-signed (to be refused).
local M = {}

local function run(cmd)
  assert(os.execute(cmd .. " >/dev/null 2>&1"), "failed: " .. cmd)
end

--- Makes the files in dir (default: a new temporary folder); returns their
--- paths: dir, ca (ca.crt), cert and key (signed), bad_cert and bad_key.
--- (bench/aws.sh makes its CA here too.)
function M.make(dir)
  dir = dir or require("tmp").dir()
  run("mkdir -p " .. dir)
  local ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
  local f = assert(io.open(dir .. "/san.cnf", "w"))
  f:write("subjectAltName=IP:127.0.0.1,DNS:localhost\n",
    "basicConstraints=CA:FALSE\n", "extendedKeyUsage=serverAuth\n")
  f:close()
  run(("cd %s && openssl req -x509 %s -keyout ca.key -out ca.crt -days 2 "
    .. "-subj /CN=lua-lambda-test-CA -addext basicConstraints=critical,CA:TRUE "
    .. "-addext keyUsage=critical,keyCertSign,cRLSign"):format(dir, ec))
  run(("cd %s && openssl req %s -keyout server.key -out server.csr "
    .. "-subj /CN=localhost"):format(dir, ec))
  run(("cd %s && openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key "
    .. "-CAcreateserial -out server.crt -days 2 -extfile san.cnf"):format(dir))
  run(("cd %s && openssl req -x509 %s -keyout bad.key -out bad.crt -days 2 "
    .. "-subj /CN=localhost -addext subjectAltName=IP:127.0.0.1"):format(dir, ec))
  return { dir = dir, ca = dir .. "/ca.crt", cert = dir .. "/server.crt",
    key = dir .. "/server.key", bad_cert = dir .. "/bad.crt",
    bad_key = dir .. "/bad.key" }
end

function M.remove(ca)
  os.execute("rm -rf " .. ca.dir)
end

return M
