# Shared settings for the stage scripts (sourced, not run).
set -euo pipefail
SEXTANT_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export SEXTANT_ROOT
# Build artefacts live outside the clone so CI runs and fresh clones on the same machine reuse
# them; override with CARGO_TARGET_DIR.
export SEXTANT_CACHE=${SEXTANT_CACHE:-$HOME/.cache/sextant}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$SEXTANT_CACHE/target}
export CARGO_TERM_COLOR=never
mkdir -p "$SEXTANT_CACHE"
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*"; }

# Runs a command; prints how long it took.
timed() {
  local start=$(date +%s)
  "$@"
  log "done in $(( $(date +%s) - start ))s: $*"
}

# Fails when a test runner reports no tests.
require_tests() {
  local log_file=$1 pattern=$2
  if ! grep -Eq "$pattern" "$log_file"; then
    echo "no tests were run (pattern '$pattern' not found)" >&2
    return 1
  fi
}

# Installs Debian packages; apt may be busy with another install: retries on the lock.
apt_install() {
  local i
  for i in $(seq 1 30); do
    if apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"; then return 0; fi
    log "apt-get failed (dpkg lock busy?), retry $i in 10s"
    sleep 10
  done
  return 1
}

# `npm ci` in a directory when its package-lock.json changed since the last install.
npm_deps() {
  local dir=$1 stamp=$1/node_modules/.sextant-lock.sha
  local sha; sha=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$sha" ]; then
    (cd "$dir" && npm ci --no-audit --no-fund)
    echo "$sha" > "$stamp"
  fi
}

# The wasm32 target and the wasm-bindgen CLI of exactly the version pinned in Cargo.toml.
wasm_toolchain() {
  rustup target list --installed | grep -q wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
  local pinned
  pinned=$(sed -n 's/^wasm-bindgen = "=\([0-9][0-9.]*\)".*/\1/p' "$SEXTANT_ROOT/Cargo.toml")
  [ -n "$pinned" ] || { echo "no exact wasm-bindgen pin found in Cargo.toml" >&2; return 1; }
  if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$pinned" ]; then
    timed cargo install wasm-bindgen-cli --version "$pinned"
  fi
}
