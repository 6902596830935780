#!/bin/sh
# The stand-in provided.al2023's entrypoint (scripts/check-image.sh), with
# the contract of AWS's /lambda-entrypoint.sh: exactly one argument, the
# handler (the image's CMD), put in _HANDLER; without it, a message and
# exit 142. Then bootstrap, under the runtime interface emulator unless
# AWS_LAMBDA_RUNTIME_API says where the Runtime API is (as on Lambda).
if [ "$#" -ne 1 ]; then
  echo "entrypoint requires the handler name to be the first argument" >&2
  exit 142
fi
export _HANDLER="$1"
if [ -n "${AWS_LAMBDA_RUNTIME_API:-}" ]; then
  exec /var/runtime/bootstrap
fi
exec /usr/local/bin/aws-lambda-rie /var/runtime/bootstrap
