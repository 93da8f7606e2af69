"""Sextant vs TA-Lib (and kand, tulipy, wickra where installed) from Python, with a numpy copy
as the floor.

    benches/run.sh [--refs /root/.cache/sextant/refs] [--sizes 1000000,10000000] [--only MACD,OBV]

Prints, for each size, the best-of-N wall time of each indicator and the ratio
Sextant / TA-Lib (< 1 means Sextant is faster; issue #7's targets are written this way:
"at most 0.6x TA-Lib's time"). Inputs: a seeded random walk (numpy ``default_rng(7)``), so runs
are reproducible. Both libraries allocate a fresh output; Sextant's ``out=`` (reused buffers)
is timed separately. The runs of one row are interleaved (talib, sextant, out=, talib, ...) so
a burst of load from other processes hits every column alike.

``--refs DIR`` adds a virtualenv's site-packages (same Python version) at the end of
``sys.path`` to find kand, tulipy and wickra; a library that is missing gives "-". Their calls
differ from TA-Lib's in ways that favour them: tulipy returns trimmed outputs (no warm-up
values) and, like wickra's ``batch_fast``, computes some indicators with other seeds; kand's
batch calls return extra state arrays. Read their columns as "how long does this library take
for the same job", not as equal outputs.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import talib

import sextant.ta as sx


CLOCK = time.perf_counter


def timed(fn) -> float:
    t = CLOCK()
    fn()
    return (CLOCK() - t) * 1e3


def best_interleaved(fns: list, repeat: int) -> list[float]:
    """Best time (ms) of each callable, the calls interleaved round by round; None stays None."""
    best = [float("inf") if f is not None else float("nan") for f in fns]
    for _ in range(repeat):
        for k, f in enumerate(fns):
            if f is not None:
                best[k] = min(best[k], timed(f))
    return best


def add_refs(refs: str | None) -> dict:
    libs: dict = {}
    if refs:
        for sp in Path(refs).glob("lib/python*/site-packages"):
            sys.path.append(str(sp))
    for name in ("kand", "tulipy", "wickra"):
        try:
            libs[name] = __import__(name)
        except Exception:  # noqa: BLE001 - an optional reference that does not import is skipped
            pass
    return libs


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000000,10000000")
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--refs", default=None, help="a virtualenv with kand, tulipy, wickra")
    ap.add_argument("--only", default=None, help="comma-separated function names")
    ap.add_argument("--candles", action="store_true", help="also time the candlestick patterns")
    ap.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                    help="cpu: this thread's CPU time (user + system, page faults included), which "
                         "other processes' load does not inflate by preemption")
    a = ap.parse_args()
    global CLOCK
    CLOCK = time.thread_time if a.clock == "cpu" else time.perf_counter
    libs = add_refs(a.refs)
    kd, ti, wk = libs.get("kand"), libs.get("tulipy"), libs.get("wickra")
    rng = np.random.default_rng(7)
    print(f"ta-lib {talib.__version__}, numpy {np.__version__}, refs: {', '.join(libs) or 'none'}, "
          f"load average {os.getloadavg()[0]:.2f}, clock {a.clock}")
    cols = ["talib", "sextant", "ratio", "out=", "out ratio", "kand", "tulipy", "wickra", "copy"]
    print(f"{'bars':>9} {'function':<10} " + " ".join(f"{c:>9}" for c in cols))
    for n in map(int, a.sizes.split(",")):
        close = 100.0 + np.cumsum(rng.normal(0, 1, n))
        high = close + np.abs(rng.normal(0, 0.5, n))
        low = close - np.abs(rng.normal(0, 0.5, n))
        open_ = close + rng.normal(0, 0.3, n)
        volume = rng.uniform(1e3, 1e5, n).round()
        out = np.empty(n)
        outs2 = (np.empty(n), np.empty(n))
        outs3 = (np.empty(n), np.empty(n), np.empty(n))
        hlc = (high, low, close)
        # name: talib, sextant, sextant out=, kand, tulipy, wickra
        cases = [
            ("SMA", lambda: talib.SMA(close, 30), lambda: sx.SMA(close, 30), lambda: sx.SMA(close, 30, out=out),
             kd and (lambda: kd.sma(close, 30)), ti and (lambda: ti.sma(close, 30)),
             wk and (lambda: wk.SMA(30).batch_fast(close))),
            ("EMA", lambda: talib.EMA(close, 30), lambda: sx.EMA(close, 30), lambda: sx.EMA(close, 30, out=out),
             kd and (lambda: kd.ema(close, 30)), ti and (lambda: ti.ema(close, 30)),
             wk and (lambda: wk.EMA(30).batch_fast(close))),
            ("RSI", lambda: talib.RSI(close, 14), lambda: sx.RSI(close, 14), lambda: sx.RSI(close, 14, out=out),
             kd and (lambda: kd.rsi(close, 14)), ti and (lambda: ti.rsi(close, 14)),
             wk and (lambda: wk.RSI(14).batch_fast(close))),
            ("ATR", lambda: talib.ATR(*hlc, 14), lambda: sx.ATR(*hlc, 14), lambda: sx.ATR(*hlc, 14, out=out),
             kd and (lambda: kd.atr(*hlc, 14)), ti and (lambda: ti.atr(*hlc, 14)),
             wk and (lambda: wk.ATR(14).batch_fast(*hlc))),
            ("MACD", lambda: talib.MACD(close, 12, 26, 9), lambda: sx.MACD(close, 12, 26, 9),
             lambda: sx.MACD(close, 12, 26, 9, out=outs3),
             kd and (lambda: kd.macd(close, 12, 26, 9)), ti and (lambda: ti.macd(close, 12, 26, 9)),
             wk and (lambda: wk.MACD(12, 26, 9).batch_fast(close))),
            ("BBANDS", lambda: talib.BBANDS(close, 20, 2, 2), lambda: sx.BBANDS(close, 20, 2, 2),
             lambda: sx.BBANDS(close, 20, 2, 2, out=outs3),
             kd and (lambda: kd.bbands(close, 20, 2.0, 2.0)), ti and (lambda: ti.bbands(close, 20, 2.0)),
             wk and (lambda: wk.BollingerBands(20, 2.0).batch_fast(close))),
            ("STOCH", lambda: talib.STOCH(*hlc, 5, 3, 0, 3, 0), lambda: sx.STOCH(*hlc, 5, 3, 0, 3, 0),
             lambda: sx.STOCH(*hlc, 5, 3, 0, 3, 0, out=outs2),
             kd and (lambda: kd.stoch(*hlc, 5, 3, 3)), ti and (lambda: ti.stoch(*hlc, 5, 3, 3)),
             wk and (lambda: wk.Stochastic(5, 3).batch(*hlc))),
            ("ADX", lambda: talib.ADX(*hlc, 14), lambda: sx.ADX(*hlc, 14), lambda: sx.ADX(*hlc, 14, out=out),
             kd and (lambda: kd.adx(*hlc, 14)), ti and (lambda: ti.adx(*hlc, 14)),
             wk and (lambda: wk.ADX(14).batch(*hlc))),
            ("OBV", lambda: talib.OBV(close, volume), lambda: sx.OBV(close, volume),
             lambda: sx.OBV(close, volume, out=out),
             kd and (lambda: kd.obv(close, volume)), ti and (lambda: ti.obv(close, volume)),
             wk and (lambda: wk.OBV().batch(close, volume))),
        ]
        if a.candles:
            cases += [(f"{p}"[3:13], (lambda p=p: getattr(talib, p)(open_, high, low, close)),
                       (lambda p=p: getattr(sx, p)(open_, high, low, close)), None, None, None, None)
                      for p in ("CDLENGULFING", "CDLDOJI", "CDLHAMMER", "CDLMORNINGSTAR", "CDL3WHITESOLDIERS")]
        if a.only:
            keep = set(a.only.split(","))
            cases = [c for c in cases if c[0] in keep]
        copy = best_interleaved([lambda: close.copy()], a.repeat)[0]
        for name, *fns in cases:
            # a reference call that raises (an argument it does not take) is left out
            checked = []
            for f in fns:
                try:
                    if f is not None:
                        f()
                    checked.append(f)
                except Exception:  # noqa: BLE001
                    checked.append(None)
            t, s, so, k, tu, wi = best_interleaved(checked, a.repeat)
            row = [t, s, s / t, so, so / t, k, tu, wi, copy]
            print(f"{n:>9} {name:<10} " + " ".join(f"{v:>9.2f}" if v == v else f"{'-':>9}" for v in row),
                  flush=True)


if __name__ == "__main__":
    main()
