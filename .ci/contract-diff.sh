#!/usr/bin/env bash
# Fails when openapi/openapi.json breaks clients of the last release tag's document (or, with no
# tag yet, the previous commit's) without a new info.version. BASE=<rev> compares with another.
set -euo pipefail
cd "$(dirname "$0")/.."
BASE="${BASE:-$(git describe --tags --abbrev=0 2>/dev/null || echo HEAD~1)}"
BEFORE="$(mktemp)"
trap 'rm -f "$BEFORE"' EXIT
if ! git show "$BASE:openapi/openapi.json" >"$BEFORE" 2>/dev/null; then
  echo "no openapi/openapi.json at $BASE: nothing to compare"
  exit 0
fi
echo "comparing with openapi/openapi.json at $BASE"
node .ci/contract-diff.mjs "$BEFORE" openapi/openapi.json
