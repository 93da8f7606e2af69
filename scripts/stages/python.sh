#!/usr/bin/env bash
# Stage python: venv + deps (idempotent), build the extension (maturin develop --release),
# the polars expression plugin (bindings/polars, a cdylib of its own: polars is the heaviest
# dependency and stays out of sextant._native; cargo rebuilds it only when it changed), drift
# check of the generated surface (.pyi stubs, docs/functions.md, missing functions), pytest
# including doctests and the golden fixtures.
. "$(dirname "$0")/../lib.sh"
cd "$SEXTANT_ROOT"
venv=${SEXTANT_VENV:-$SEXTANT_CACHE/venv}
req=python/requirements-test.txt
if [ ! -x "$venv/bin/python" ]; then
  log "creating venv $venv"
  python3 -m venv "$venv"
fi
stamp="$venv/.sextant-req-$(sha256sum "$req" | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  timed "$venv/bin/pip" install -q --upgrade pip
  timed "$venv/bin/pip" install -q -r "$req"
  touch "$stamp"
fi
export VIRTUAL_ENV=$venv PATH="$venv/bin:$PATH"
PYO3_PYTHON="$venv/bin/python" timed cargo clippy -p sextant-py -- -D warnings
(cd python && timed maturin develop --release -q)
PYO3_PYTHON="$venv/bin/python" timed cargo clippy -p sextant-polars -- -D warnings
PYO3_PYTHON="$venv/bin/python" timed cargo build --release -q -p sextant-polars
cp -f "$CARGO_TARGET_DIR/release/libsextant_polars.so" python/src/sextant/
# the wheel a user installs: the extension and the plugin, checked from the unpacked wheel
wheels=$(mktemp -d)
(cd python && timed maturin build --release -q -o "$wheels")
timed python python/tools/check_wheel.py "$wheels"/sextant-*.whl
rm -rf "$wheels"
timed python python/tools/surface.py --check --docs docs
out=$(mktemp)
set +e
python -m pytest python/tests --doctest-modules python/src/sextant -q -p no:cacheprovider 2>&1 | tee "$out"
status=${PIPESTATUS[0]}
set -e
[ "$status" -eq 0 ] || exit "$status"
require_tests "$out" "[1-9][0-9]* passed"
