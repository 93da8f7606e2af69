#!/usr/bin/env bash
# Runs the Python comparison benchmarks. Not part of CI: benchmarks are not tests. Uses the
# python stage's venv plus the reference library, installed idempotently.
#   benches/run.sh [args]        benches/compare_ta.py (TA-Lib)
#   benches/run.sh risk [args]   benches/compare_risk.py (empyrical-reloaded, bottleneck)
#   benches/run.sh columns [args] benches/compare_columns.py (2-D inputs vs a TA-Lib loop)
#   benches/run.sh alloc [args]  benches/compare_alloc.py (skfolio)
#   benches/run.sh mc [args]     benches/compare_mc.py (numpy only)
#   benches/run.sh stream [args] benches/stream_update.py (per-call cost of stream updates)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/scripts/lib.sh"
bash "$root/scripts/stages/python.sh" >/dev/null
venv=${SEXTANT_VENV:-$SEXTANT_CACHE/venv}
if [ "${1:-}" = "risk" ]; then
  shift
  "$venv/bin/python" -c "import empyrical, bottleneck" 2>/dev/null \
    || "$venv/bin/pip" install -q "empyrical-reloaded==0.7.1" "bottleneck==1.6.0"
  "$venv/bin/python" "$root/benches/compare_risk.py" "$@"
  exit
fi
if [ "${1:-}" = "alloc" ]; then
  shift
  "$venv/bin/python" -c "import skfolio" 2>/dev/null || "$venv/bin/pip" install -q "skfolio==1.12.2"
  "$venv/bin/python" "$root/benches/compare_alloc.py" "$@"
  exit
fi
if [ "${1:-}" = "mc" ]; then
  shift
  "$venv/bin/python" "$root/benches/compare_mc.py" "$@"
  exit
fi
"$venv/bin/python" -c "import talib" 2>/dev/null || "$venv/bin/pip" install -q "ta-lib==0.8.2"
if [ "${1:-}" = "stream" ]; then
  shift
  "$venv/bin/python" "$root/benches/stream_update.py" "$@"
  exit
fi
if [ "${1:-}" = "columns" ]; then
  shift
  "$venv/bin/python" "$root/benches/compare_columns.py" "$@"
  exit
fi
"$venv/bin/python" "$root/benches/compare_ta.py" "$@"
