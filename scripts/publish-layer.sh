#!/bin/sh
# Publishes lua-lambda's runtime layer (runtime-layer.zip: bootstrap at
# its root, for /opt/bootstrap) to each region given, as Bref publishes
# its layers, and prints each version's ARN. With --public, anyone may
# use it (lambda:GetLayerVersion for every account).
#   scripts/publish-layer.sh [--public] [--name NAME] ZIP ARCH REGION...
# ARCH is x86_64 or arm64; NAME defaults to lua-lambda-ARCH (arm64 or
# x86-64: layer names take no '_'). Needs the AWS CLI and credentials
# allowed lambda:PublishLayerVersion (and AddLayerVersionPermission).
# AWS (default "aws") names the CLI to run.
set -eu
public=false
name=
while [ $# -gt 0 ]; do
  case "$1" in
    --public) public=true; shift ;;
    --name) name=${2:?--name needs a value}; shift 2 ;;
    --) shift; break ;;
    -*) echo "publish-layer: unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
if [ $# -lt 3 ]; then
  echo "usage: scripts/publish-layer.sh [--public] [--name NAME] ZIP ARCH REGION..." >&2
  exit 2
fi
zip=$1
arch=$2
shift 2
case "$arch" in
  x86_64|arm64) ;;
  *) echo "publish-layer: ARCH is x86_64 or arm64, not $arch" >&2; exit 2 ;;
esac
if [ ! -f "$zip" ]; then
  echo "publish-layer: no file $zip" >&2
  exit 2
fi
# The zip must be a runtime layer: bootstrap at its root.
if ! python3 -c 'import sys, zipfile
sys.exit("bootstrap" not in zipfile.ZipFile(sys.argv[1]).namelist())' "$zip" 2>/dev/null; then
  echo "publish-layer: $zip holds no bootstrap at its root" >&2
  exit 1
fi
[ -n "$name" ] || name=lua-lambda-$(echo "$arch" | tr _ -)
aws=${AWS:-aws}
for region in "$@"; do
  arn=$($aws lambda publish-layer-version --region "$region" \
    --layer-name "$name" \
    --description "lua-lambda runtime (bootstrap) for provided.al2023, $arch" \
    --zip-file "fileb://$zip" \
    --compatible-runtimes provided.al2023 \
    --compatible-architectures "$arch" \
    --query LayerVersionArn --output text)
  if [ "$public" = true ]; then
    version=${arn##*:}
    $aws lambda add-layer-version-permission --region "$region" \
      --layer-name "$name" --version-number "$version" \
      --statement-id public --action lambda:GetLayerVersion \
      --principal '*' --output text >/dev/null
  fi
  echo "$arn"
done
