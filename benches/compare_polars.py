"""sextant.polars (the expression plugin, per group with ``.over("symbol")``) vs a per-group
numpy loop, from Python.

    python benches/compare_polars.py [--symbols 500] [--bars 5000] [--repeat 5]
    POLARS_MAX_THREADS=1 python benches/compare_polars.py      # polars on one thread

Columns, best of ``--repeat`` runs (interleaved so load bursts hit every column alike):

- plugin: ``df.with_columns(sextant.polars.<F>(...).over("symbol"))`` on a long frame sorted
  by symbol (the frame is built once; the time includes polars' grouping and the scatter back).
- numpy loop: the usual alternative: ``partition_by("symbol")``, ``sextant.ta.<F>`` on each
  group's numpy columns, results concatenated and attached as a column.
- 2-D: ``sextant.ta.<F>`` on the (bars x symbols) array, one thread (no grouping at all; the
  floor for equal-length groups).

Inputs: a seeded random walk (numpy ``default_rng(7)``) per symbol.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import polars as pl

import sextant
import sextant.polars as sp
import sextant.ta as ta


def best(fn, repeat: int) -> float:
    ts = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return min(ts) * 1e3


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--symbols", type=int, default=500)
    ap.add_argument("--bars", type=int, default=5000)
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args()
    rng = np.random.default_rng(7)
    ns, nb = a.symbols, a.bars
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, (ns, nb)), axis=1))
    high = close * np.exp(np.abs(rng.normal(0, 0.004, (ns, nb))))
    low = close * np.exp(-np.abs(rng.normal(0, 0.004, (ns, nb))))
    df = pl.DataFrame({"symbol": np.repeat([f"s{k:04d}" for k in range(ns)], nb),
                       "high": high.ravel(), "low": low.ravel(), "close": close.ravel()})
    cases = {
        "RSI(14)": (lambda: sp.RSI("close", timeperiod=14),
                    lambda g: ta.RSI(g["close"].to_numpy(), timeperiod=14),
                    lambda: ta.RSI(close.T, timeperiod=14)),
        "ATR(14)": (lambda: sp.ATR(timeperiod=14),
                    lambda g: ta.ATR(g["high"].to_numpy(), g["low"].to_numpy(), g["close"].to_numpy(), timeperiod=14),
                    lambda: ta.ATR(high.T, low.T, close.T, timeperiod=14)),
        "MACD(12,26,9)": (lambda: sp.MACD("close"),
                          lambda g: ta.MACD(g["close"].to_numpy())[0],
                          lambda: ta.MACD(close.T)),
    }
    sextant.set_num_threads(1)
    print(f"{ns} symbols x {nb} bars, polars {pl.__version__}, "
          f"POLARS_MAX_THREADS={os.environ.get('POLARS_MAX_THREADS', 'default')} "
          f"(pool {pl.thread_pool_size()}), best of {a.repeat}")
    print("| function | plugin .over ms | numpy loop ms | ratio plugin/loop | 2-D ms (1 thread) |")
    print("|---|---|---|---|---|")
    for name, (expr, per_group, two_d) in cases.items():
        def plugin():
            return df.with_columns(expr().over("symbol").alias("out"))

        def loop():
            parts = df.partition_by("symbol", maintain_order=True)
            return df.with_columns(pl.Series("out", np.concatenate([per_group(g) for g in parts])))

        plugin(), loop(), two_d()  # warm up
        t_p = t_l = t_2 = float("inf")
        for _ in range(a.repeat):
            t_p = min(t_p, best(plugin, 1))
            t_l = min(t_l, best(loop, 1))
            t_2 = min(t_2, best(two_d, 1))
        print(f"| {name} | {t_p:.1f} | {t_l:.1f} | {t_p / t_l:.2f} | {t_2:.1f} |")


if __name__ == "__main__":
    main()
