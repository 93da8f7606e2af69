#!/usr/bin/env bash
# Stage web: the web dashboard (web/, docs/web.md). Installs what it needs idempotently
# (chromium, web/'s npm packages), builds the WASM bundles when wasm/pkg/ is missing or older
# than the core or the wasm binding, builds sextant-server (debug) and the app (Vite), reports
# the bundle sizes, then runs the end-to-end test in headless Chromium against the server on
# loopback with --demo (web/test/e2e.test.mjs). Screenshots and load times land in
# web/test-artifacts/ (gitignored).
. "$(dirname "$0")/../lib.sh"
cd "$SEXTANT_ROOT"

command -v node >/dev/null || { echo "node >= 20 is required (the machine's Node.js)" >&2; exit 1; }
if ! command -v chromium >/dev/null; then timed apt_install chromium; fi

# The WASM bundles (the wasm stage builds and tests them; here only when missing or stale).
stale=$(find crates/sextant-core/src crates/sextant-core/Cargo.toml bindings/wasm node/surface.mjs wasm/bundles.mjs \
  -newer wasm/pkg/surface.mjs -print -quit 2>/dev/null || echo missing)
if [ ! -f wasm/pkg/surface.mjs ] || [ -n "$stale" ]; then
  log "building the WASM bundles (wasm/pkg is missing or older than ${stale:-the sources})"
  wasm_toolchain
  timed node wasm/scripts/build.mjs
fi

timed cargo build -p sextant-server --bins
timed npm_deps web
(cd web && timed npx vite build --logLevel warn)
log "bundle sizes (raw, gzipped):"
(cd web/dist && for f in index.html assets/*; do
  case "$f" in *.gz) continue ;; esac
  printf '  %-45s %9d %9d\n' "$f" "$(stat -c %s "$f")" "$(gzip -9c "$f" | wc -c)"
done)

out=$(mktemp)
trap 'rm -f "$out"' EXIT
(cd web && SEXTANT_SERVER_BIN="$CARGO_TARGET_DIR/debug/sextant-server" timed node --test test/) 2>&1 | tee "$out"
test "${PIPESTATUS[0]}" -eq 0
require_tests "$out" "^# pass [1-9][0-9]*$"
grep -q "^# fail 0$" "$out"
log "web stage ok; screenshots in web/test-artifacts/"
