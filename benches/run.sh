#!/usr/bin/env bash
# Runs the Python comparison benchmarks (benches/compare_ta.py). Not part of CI: benchmarks are
# not tests. Uses the python stage's venv plus ta-lib, installed idempotently.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/scripts/lib.sh"
bash "$root/scripts/stages/python.sh" >/dev/null
venv=${SEXTANT_VENV:-$SEXTANT_CACHE/venv}
"$venv/bin/python" -c "import talib" 2>/dev/null || "$venv/bin/pip" install -q "ta-lib==0.8.2"
"$venv/bin/python" "$root/benches/compare_ta.py" "$@"
