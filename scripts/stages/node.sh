#!/usr/bin/env bash
# Stage node: the napi-rs addon (bindings/node) and the `sextant` npm package (node/):
# clippy, release build, .d.ts drift check, TypeScript check of the declarations, node --test
# (golden fixtures of every declared function, errors, streaming).
. "$(dirname "$0")/../lib.sh"
cd "$SEXTANT_ROOT"

command -v node >/dev/null || { echo "node >= 20 is required (the machine's Node.js)" >&2; exit 1; }

# npm ci when package-lock.json changed since the last install (idempotent, fast on re-runs).
npm_deps() {
  local dir=$1 stamp=$1/node_modules/.sextant-lock.sha
  local sha; sha=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$sha" ]; then
    (cd "$dir" && npm ci --no-audit --no-fund)
    echo "$sha" > "$stamp"
  fi
}
timed npm_deps node

timed cargo clippy -p sextant-node -- -D warnings
timed node node/scripts/build.mjs
timed node node/scripts/gen-dts.mjs --check
timed node/node_modules/.bin/tsc -p node/test/types/tsconfig.json

out=$(mktemp)
(cd node && timed node --test test/*.test.mjs) 2>&1 | tee "$out"
test "${PIPESTATUS[0]}" -eq 0
require_tests "$out" "^# pass [1-9][0-9]*$"
grep -q "^# fail 0$" "$out"
