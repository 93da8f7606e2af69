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
wasm_toolchain
if ! command -v chromium >/dev/null; then timed apt_install chromium; fi
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
