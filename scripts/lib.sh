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
