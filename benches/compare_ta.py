"""Sextant vs TA-Lib from Python, side by side, with a numpy copy as the floor.

    benches/run.sh            (makes a venv with ta-lib and sextant, then runs this)

Prints, for 1M and 10M bars, the best-of-N wall time of each indicator in both libraries and
the ratio TA-Lib / Sextant (> 1 means Sextant is faster). Inputs: a seeded random walk
(numpy default_rng(7)), so results are reproducible. Both libraries allocate a fresh output;
Sextant's `out=` (reused buffer) is shown separately.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import talib

import sextant.ta as sx


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times) * 1e3


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000000,10000000")
    ap.add_argument("--repeat", type=int, default=7)
    a = ap.parse_args()
    rng = np.random.default_rng(7)
    print(f"ta-lib {talib.__version__}, sextant {sx.__name__}, numpy {np.__version__}")
    print(f"{'bars':>9} {'function':<10} {'talib ms':>9} {'sextant ms':>10} {'ratio':>6} {'sextant out= ms':>15} {'copy ms':>8}")
    for n in map(int, a.sizes.split(",")):
        close = 100.0 + np.cumsum(rng.normal(0, 1, n))
        high = close + np.abs(rng.normal(0, 0.5, n))
        low = close - np.abs(rng.normal(0, 0.5, n))
        open_ = close + rng.normal(0, 0.3, n)
        out = np.empty(n)
        outs3 = (np.empty(n), np.empty(n), np.empty(n))
        copy = best(lambda: close.copy(), a.repeat)
        cases = [
            ("SMA", lambda: talib.SMA(close, 30), lambda: sx.SMA(close, 30), lambda: sx.SMA(close, 30, out=out)),
            ("EMA", lambda: talib.EMA(close, 30), lambda: sx.EMA(close, 30), lambda: sx.EMA(close, 30, out=out)),
            ("RSI", lambda: talib.RSI(close, 14), lambda: sx.RSI(close, 14), lambda: sx.RSI(close, 14, out=out)),
            ("ATR", lambda: talib.ATR(high, low, close, 14), lambda: sx.ATR(high, low, close, 14),
             lambda: sx.ATR(high, low, close, 14, out=out)),
            ("BBANDS", lambda: talib.BBANDS(close, 20), lambda: sx.BBANDS(close, 20),
             lambda: sx.BBANDS(close, 20, out=outs3)),
            ("CDLENGULF", lambda: talib.CDLENGULFING(open_, high, low, close),
             lambda: sx.CDLENGULFING(open_, high, low, close), None),
            # the candle engine: one average, four, and eight running sums per bar
            *[(n[3:13], (lambda n=n: getattr(talib, n)(open_, high, low, close)),
               (lambda n=n: getattr(sx, n)(open_, high, low, close)), None)
              for n in ("CDLDOJI", "CDLHAMMER", "CDLMORNINGSTAR", "CDL3WHITESOLDIERS")],
        ]
        for name, t_fn, s_fn, s_out in cases:
            t = best(t_fn, a.repeat)
            s = best(s_fn, a.repeat)
            so = best(s_out, a.repeat) if s_out else float("nan")
            print(f"{n:>9} {name:<10} {t:>9.2f} {s:>10.2f} {t / s:>6.2f} {so:>15.2f} {copy:>8.2f}")


if __name__ == "__main__":
    main()
