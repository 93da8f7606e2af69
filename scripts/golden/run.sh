#!/usr/bin/env bash
# Regenerates tests/golden/ from the reference libraries (not part of CI: the fixtures are
# committed). Installs the references into their own venv, idempotently.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
venv=${SEXTANT_REFS_VENV:-$HOME/.cache/sextant/refs}
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install -q -r "$here/requirements.txt"
# pandas-ta needs Python >= 3.12: its own venv, called by generate.py through pandas_ta_ref.py
pta=${SEXTANT_PTA_VENV:-$HOME/.cache/sextant/pta}
if [ ! -x "$pta/bin/python" ]; then
  py312=$(command -v python3.12 || true)
  [ -n "$py312" ] && "$py312" -c 'import sys' 2>/dev/null || py312=$(ls -d "$HOME"/.pyenv/versions/3.1[2-9]*/bin/python 2>/dev/null | head -1)
  [ -n "$py312" ] || { echo "run.sh: pandas-ta needs Python >= 3.12 (python3.12 not found)" >&2; exit 1; }
  "$py312" -m venv "$pta"
fi
"$pta/bin/pip" install -q -r "$here/requirements-pta.txt"
export SEXTANT_PTA_PYTHON="$pta/bin/python"
"$venv/bin/python" "$here/generate.py"
