#!/usr/bin/env bash
# Stage wasm: the wasm-bindgen build (bindings/wasm) and the `sextant-wasm` package (wasm/):
# installs the wasm32 target, the wasm-bindgen CLI of the pinned version, Chromium and the npm
# packages when missing; builds; checks the .wasm size budget, the .d.ts drift and that the
# declarations compile (tsc --strict); runs the tests
# in Node (golden fixtures, errors, streams, bit-identity with the native addon) and in headless
# Chromium (golden fixtures, the demo page).
. "$(dirname "$0")/../lib.sh"
cd "$SEXTANT_ROOT"

command -v node >/dev/null || { echo "node >= 20 is required (the machine's Node.js)" >&2; exit 1; }
rustup target list --installed | grep -q wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown

# wasm-bindgen CLI: exactly the version pinned in Cargo.toml ([workspace.dependencies]).
pinned=$(sed -n 's/^wasm-bindgen = "=\([0-9][0-9.]*\)".*/\1/p' Cargo.toml)
[ -n "$pinned" ] || { echo "no exact wasm-bindgen pin found in Cargo.toml" >&2; exit 1; }
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$pinned" ]; then
  timed cargo install wasm-bindgen-cli --version "$pinned"
fi

# Chromium from Debian (apt may be busy with another install: retry on the lock).
apt_install() {
  local i
  for i in $(seq 1 30); do
    if apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"; then return 0; fi
    log "apt-get failed (dpkg lock busy?), retry $i in 10s"
    sleep 10
  done
  return 1
}
if ! command -v chromium >/dev/null; then timed apt_install chromium; fi

npm_deps() {
  local dir=$1 stamp=$1/node_modules/.sextant-lock.sha
  local sha; sha=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$sha" ]; then
    (cd "$dir" && npm ci --no-audit --no-fund)
    echo "$sha" > "$stamp"
  fi
}
timed npm_deps wasm

timed cargo clippy -p sextant-wasm --target wasm32-unknown-unknown -- -D warnings
timed node wasm/scripts/build.mjs
# The native addon, for the bit-identity tests (cached when the node stage ran first).
timed node node/scripts/build.mjs
timed node node/scripts/gen-dts.mjs --backend wasm --check
timed wasm/node_modules/.bin/tsc -p wasm/test/types/tsconfig.json

out=$(mktemp)
(cd wasm && timed node --test test/*.test.mjs) 2>&1 | tee "$out"
test "${PIPESTATUS[0]}" -eq 0
require_tests "$out" "^# pass [1-9][0-9]*$"
grep -q "^# fail 0$" "$out"
