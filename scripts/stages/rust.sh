#!/usr/bin/env bash
# Stage rust: format, lints, unit/integration/property/doc tests of the core, wasm32 check.
. "$(dirname "$0")/../lib.sh"
cd "$SEXTANT_ROOT"
rustup component list --installed 2>/dev/null | grep -q rustfmt || rustup component add rustfmt clippy
rustup target list --installed | grep -q wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
timed cargo fmt --all --check
timed cargo clippy -p sextant-core --all-targets -- -D warnings
out=$(mktemp)
timed cargo test -p sextant-core 2>&1 | tee "$out"
test "${PIPESTATUS[0]}" -eq 0
require_tests "$out" "test result: ok\. [1-9][0-9]* passed"
timed cargo check -p sextant-core --target wasm32-unknown-unknown
