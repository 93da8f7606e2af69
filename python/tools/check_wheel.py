"""Checks a built wheel: it holds the extension and the polars plugin, and the package imported
from the unpacked wheel (not from the source tree) computes a polars expression with the
plugin it carries, equal to the numpy function.

    python python/tools/check_wheel.py python/dist/sextant-*.whl
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

PROBE = r"""
import sys
root = sys.argv[1]
sys.path.insert(0, root)
import numpy as np
import polars as pl
import sextant
import sextant.polars as sp
assert sextant.__file__.startswith(root), sextant.__file__
assert str(sp.LIBRARY).startswith(root), sp.LIBRARY
rng = np.random.default_rng(7)
close = 100.0 + np.cumsum(rng.normal(0.0, 1.0, 300))
sym = np.repeat(["A", "B"], 150)
df = pl.DataFrame({"symbol": sym, "close": close})
got = df.select(sp.RSI(pl.col("close"), timeperiod=14).over("symbol"))["close"].to_numpy()
want = np.concatenate([sextant.ta.RSI(close[:150], 14), sextant.ta.RSI(close[150:], 14)])
np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
ok = ~np.isnan(want)
assert np.array_equal(got[ok], want[ok]), "plugin RSI differs from sextant.ta.RSI"
print("wheel ok:", sp.LIBRARY.name, "RSI over 2 groups equal to the numpy function")
"""


def main(wheel: str) -> int:
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        need = {
            "the extension": [n for n in names if n.startswith("sextant/_native")],
            "the polars plugin": [n for n in names if n.startswith("sextant/libsextant_polars")],
        }
        missing = [what for what, found in need.items() if not found]
        if missing:
            print(f"{wheel}: no {' and no '.join(missing)} in the wheel", file=sys.stderr)
            return 1
        with tempfile.TemporaryDirectory() as tmp:
            z.extractall(tmp)
            return subprocess.run([sys.executable, "-c", PROBE, tmp], check=False).returncode


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: check_wheel.py WHEEL")
    sys.exit(main(sys.argv[1]))
