"""Many series at once: Sextant's 2-D call (bars x symbols, columns shared among threads, GIL
released) against TA-Lib called column by column from Python, with a numpy copy of the
input as the floor.

    benches/run.sh columns [--bars 2520 --symbols 500 --repeat 5]

Input: a seeded random walk per symbol (numpy default_rng(7)), Fortran order (each symbol's
bars contiguous, as a pandas DataFrame of one dtype holds them) and C order.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import talib

import sextant
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
    ap.add_argument("--bars", type=int, default=2520)
    ap.add_argument("--symbols", type=int, default=500)
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args()
    rng = np.random.default_rng(7)
    close = np.asfortranarray(100.0 + np.cumsum(rng.normal(0, 1, (a.bars, a.symbols)), axis=0))
    high = close + np.asfortranarray(rng.uniform(0, 1, close.shape))
    low = close - np.asfortranarray(rng.uniform(0, 1, close.shape))
    print(f"{a.bars} bars x {a.symbols} symbols; ta-lib {talib.__version__}, numpy {np.__version__}")
    print(f"{'function':<10} {'order':<5} {'talib loop ms':>13} {'sextant 1T ms':>13} {'sextant 2T ms':>13} "
          f"{'ratio 1T':>8} {'ratio 2T':>8} {'copy ms':>8}")
    copy_ms = best(lambda: close.copy(order="K"), a.repeat)
    cases = {
        "SMA(30)": (lambda c, h, l: sx.SMA(c, timeperiod=30), lambda c, h, l: talib.SMA(c, 30), 1),
        "RSI(14)": (lambda c, h, l: sx.RSI(c, timeperiod=14), lambda c, h, l: talib.RSI(c, 14), 1),
        "ATR(14)": (lambda c, h, l: sx.ATR(h, l, c, timeperiod=14), lambda c, h, l: talib.ATR(h, l, c, 14), 3),
        "BBANDS(20)": (lambda c, h, l: sx.BBANDS(c, timeperiod=20), lambda c, h, l: talib.BBANDS(c, 20), 1),
    }
    for order in ("F", "C"):
        c, h, l = (np.asarray(x, order=order) for x in (close, high, low))
        for name, (ours, theirs, _) in cases.items():
            def loop():
                for j in range(c.shape[1]):
                    theirs(np.ascontiguousarray(c[:, j]), np.ascontiguousarray(h[:, j]), np.ascontiguousarray(l[:, j]))
            t_ref = best(loop, a.repeat)
            sextant.set_num_threads(1)
            t1 = best(lambda: ours(c, h, l), a.repeat)
            sextant.set_num_threads(2)
            t2 = best(lambda: ours(c, h, l), a.repeat)
            sextant.set_num_threads(0)
            print(f"{name:<10} {order:<5} {t_ref:13.2f} {t1:13.2f} {t2:13.2f} {t_ref / t1:8.2f} {t_ref / t2:8.2f} {copy_ms:8.2f}")


if __name__ == "__main__":
    main()
