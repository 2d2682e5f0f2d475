#!/usr/bin/env bash
# The generated clients, from the live OpenAPI document (`daiban openapi`), failing on any
# warning: a Python client (openapi-python-client, settings in openapi-python-client.yaml)
# and TypeScript types (openapi-typescript, linted with Redocly's recommended rules in
# redocly.yaml) compiled with uses.ts by `tsc --strict`. Run by .ci/run; needs the dev
# extras (`pip install -e '.[dev]'`) and `npm ci --prefix tools/clients`.
# Usage: bash tools/clients/check.sh [OUT_DIR]   (default: a temporary folder)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$(mktemp -d)}
mkdir -p "$out" "$here/generated"

daiban openapi --out "$out/openapi.json"

echo "-- openapi-python-client → $out/python"
openapi-python-client generate --path "$out/openapi.json" --output-path "$out/python" \
  --config "$here/openapi-python-client.yaml" --meta none --overwrite --fail-on-warning

echo "-- openapi-typescript → tools/clients/generated/daiban.ts, tsc --strict"
# Warnings go to standard error (the banner and the result line to standard output).
"$here/node_modules/.bin/openapi-typescript" "$out/openapi.json" \
  --redocly "$here/redocly.yaml" -o "$here/generated/daiban.ts" 2> "$out/openapi-typescript.log"
if [ -s "$out/openapi-typescript.log" ]; then
  cat "$out/openapi-typescript.log"
  echo "openapi-typescript warned about the document (above)"
  exit 1
fi
"$here/node_modules/.bin/tsc" -p "$here/tsconfig.json"
echo "-- clients generated without warnings"
