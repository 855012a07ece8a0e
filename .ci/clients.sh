#!/usr/bin/env bash
# The TypeScript types integrators generate from openapi/openapi.json, generated and type-checked
# with `tsc --noEmit` against tests/contract/typescript/story.ts; nothing generated is committed.
# (The Python client is generated and driven against a live server by tests/contract.)
# Needs `npm ci --prefix .ci/node` first, as .ci/run does.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.ci/node/node_modules/.bin
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT

# Defaults make a field optional in a request: without the flag, a default makes it required.
"$BIN/openapi-typescript" openapi/openapi.json --default-non-nullable false --output "$OUT/handover.d.ts" 2>&1 | tee "$OUT/said"
if grep -Eiv '^(✨ openapi-typescript [0-9.]+|🚀 .* \[[0-9.]+m?s\])$' "$OUT/said" | grep -q .; then
  echo "openapi-typescript said more than it should about openapi/openapi.json" >&2
  exit 1
fi
cp tests/contract/typescript/story.ts "$OUT/"
"$BIN/tsc" --noEmit --strict --target es2022 --module esnext --moduleResolution bundler \
  --exactOptionalPropertyTypes --noUncheckedIndexedAccess "$OUT/story.ts"
echo "TypeScript types: generated and type-checked"
