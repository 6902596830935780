#!/bin/sh
# lambda.aws and lambda.fetch, against baselines measured in the same run:
#   - signing: aws.sign vs botocore's SigV4Auth (Debian's python3-botocore,
#     and the specs' oracle botocore if newer), alternating rounds
#   - a DynamoDB PutItem built and its answer parsed: lambda.aws's json
#     protocol vs botocore's serializer and parser
#   - a warm HTTPS round trip: lambda.fetch vs the curl CLI (one process,
#     one kept connection), both to spec/support/fakes/fake_aws.py on 127.0.0.1
#   - the first call of an init, with and without aws.warm
#   - cold start and RSS of bootstrap with require "lambda.aws" at init
#     (bench/aws/app.lua) vs without (bench/echo/app.lua)
#   bench/aws.sh [BUILD_DIR] [N] [COLD_RUNS]
# Needs python3-botocore, openssl and curl, and the build's bench_fake_api.
build=${1:-build}
n=${2:-20000}
cold_runs=${3:-21}
. "$(dirname "$0")/lib.sh"
fake_pid=""
cleanup () {
  [ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
export LUA_CPATH_5_4="$build/lua/?.so;;"

# Signing, paired: rounds alternating aws.sign and botocore's SigV4Auth
# (Debian's python3-botocore, and the oracle's newer botocore when there is
# one), CPU time per signature; each round's ratio, and their median.
newer=$(lua5.4 -e 'package.path = "spec/support/lib/?.lua;" .. package.path
  local ok, python = pcall(require("oracle_python").python)
  print(ok and python ~= "/usr/bin/python3" and python or "")' 2>/dev/null || true)
boto_n=$((n / 8 + 1))
for round in 1 2 3 4 5; do
  o=$(lua5.4 bench/aws_sign.lua "$n" | sed -n 's/^us_per_sign=//p')
  b=$(/usr/bin/python3 bench/botocore_sign.py "$boto_n" | sed -n 's/^us_per_sign=//p')
  echo "$o" >> "$work/sign-ours"
  echo "$b" >> "$work/sign-boto"
  ratio "$b" "$o" >> "$work/sign-ratio"
  echo >> "$work/sign-ratio"
  if [ -n "$newer" ]; then
    b2=$($newer bench/botocore_sign.py "$boto_n" | sed -n 's/^us_per_sign=//p')
    echo "$b2" >> "$work/sign-boto2"
    ratio "$b2" "$o" >> "$work/sign-ratio2"
    echo >> "$work/sign-ratio2"
  fi
done
boto_version=$(/usr/bin/python3 -c 'import botocore; print(botocore.__version__)')
echo "signing a DynamoDB request, median of 5 alternating rounds:" \
  "aws.sign $(median < "$work/sign-ours") us, botocore $boto_version" \
  "$(median < "$work/sign-boto") us (botocore takes $(median < "$work/sign-ratio")x" \
  "as long; rounds: $(tr '\n' ' ' < "$work/sign-ratio" | sed 's/ *$//'))"
if [ -n "$newer" ]; then
  v2=$($newer -c 'import botocore; print(botocore.__version__)')
  echo "  and botocore $v2 $(median < "$work/sign-boto2") us" \
    "($(median < "$work/sign-ratio2")x; rounds: $(tr '\n' ' ' < "$work/sign-ratio2" | sed 's/ *$//'))"
fi

# A DynamoDB PutItem (20 attributes) serialised and its answer parsed:
# lambda.aws.protocol.json vs botocore's serializer (with the validation
# its clients run) and parser, on the same model (python3: the oracle's,
# botocore >= 1.36).
lua5.4 bench/aws_protocol.lua "$n" > "$work/proto-ours"
python3 bench/aws_protocol.py $((n / 8 + 1)) > "$work/proto-boto"
o=$(field us_per_call "$work/proto-ours")
b=$(field us_per_call "$work/proto-boto")
echo "DynamoDB PutItem built and its answer parsed: lambda.aws $o us, botocore $b us" \
  "(botocore takes $(ratio "$b" "$o")x as long)"

# An HTTPS server with a certificate from a CA made here (the specs' own
# recipe, spec/support/lib/test_ca.lua).
CA_DIR="$work" lua5.4 -e 'package.path = "spec/support/lib/?.lua;" .. package.path
  require("test_ca").make(os.getenv("CA_DIR"))'
/usr/bin/python3 spec/support/fakes/fake_aws.py "$work/server.crt" "$work/server.key" \
  > "$work/fake.out" 2>/dev/null &
fake_pid=$!
# the readiness signal: the server prints its port once it listens
while ! grep -q '^port ' "$work/fake.out"; do
  kill -0 "$fake_pid" || { echo "fake_aws.py did not start" >&2; exit 1; }
  sleep 0.05
done
base="https://127.0.0.1:$(sed -n 's/^port //p' "$work/fake.out")"
url="$base/fetch/status/200"
export SSL_CERT_FILE="$work/ca.crt" AWS_ENDPOINT_URL="$base" AWS_REGION=eu-west-1
rtt_n=$((n / 40 + 10))
lua5.4 bench/fetch_rtt.lua "$url" "$rtt_n" > "$work/rtt-ours"
start=$(date +%s%N)
curl -s -o /dev/null --cacert "$work/ca.crt" "$url?[1-$rtt_n]"
end=$(date +%s%N)
c=$(awk -v s="$start" -v e="$end" -v n="$rtt_n" 'BEGIN { printf "%.1f", (e - s) / 1000 / n }')
f=$(field us_per_request "$work/rtt-ours")
echo "warm HTTPS GET, $rtt_n on one connection: lambda.fetch $f us, curl CLI $c us" \
  "(fetch takes $(ratio "$f" "$c")x curl's time; the Python server dominates both)"

for i in 1 2 3 4 5; do
  lua5.4 bench/fetch_rtt.lua "$url" first | sed -n 's/^first_ms=//p' >> "$work/first-cold"
  lua5.4 bench/fetch_rtt.lua "$url" first warm | sed -n 's/^first_ms=//p' >> "$work/first-warm"
done
fc=$(median < "$work/first-cold")
fw=$(median < "$work/first-warm")
echo "first call of an init, median of 5: ${fc} ms cold, ${fw} ms after aws.warm"

# Cold starts in alternating rounds (a paired comparison: the machine's
# drift hits both); the median of each side's round medians.
for round in 1 2 3 4 5; do
  for app in echo aws; do
    LAMBDA_TASK_ROOT="$PWD/bench/$app" "$build/bench_fake_api" --cold "$cold_runs" \
      -- "$build/bootstrap" | sed -n 's/^cold_start_median_ms=//p' >> "$work/cold-$app"
  done
done
for app in echo aws; do
  LAMBDA_TASK_ROOT="$PWD/bench/$app" "$build/bench_fake_api" -n 2000 \
    -e bench/events/small.json -- "$build/bootstrap" > "$work/rss-$app"
done
ce=$(median < "$work/cold-echo")
ca=$(median < "$work/cold-aws")
echo "cold start, exec to first /next, median of 5 alternating rounds of" \
  "$cold_runs: $ce ms without, $ca ms with require \"lambda.aws\" ($(ratio "$ca" "$ce")x)"
re=$(field max_rss_kb "$work/rss-echo")
ra=$(field max_rss_kb "$work/rss-aws")
echo "peak RSS after 2000 invocations: $re kB without, $ra kB with (+$((ra - re)) kB)"
