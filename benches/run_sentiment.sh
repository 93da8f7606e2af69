#!/usr/bin/env bash
# Runs benches/compare_sentiment.py in the python stage's venv with vaderSentiment 3.3.2.
# Not part of CI: benchmarks are not tests.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/scripts/lib.sh"
bash "$root/scripts/stages/python.sh" >/dev/null
venv=${SEXTANT_VENV:-$SEXTANT_CACHE/venv}
"$venv/bin/python" -c "import vaderSentiment" 2>/dev/null || "$venv/bin/pip" install -q "vaderSentiment==3.3.2"
"$venv/bin/python" "$root/benches/compare_sentiment.py" "$@"
