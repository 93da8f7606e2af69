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
"$venv/bin/python" "$here/generate.py"
