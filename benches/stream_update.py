"""Per-call cost of a streaming ``update`` from Python (issue #7: at most 100 ns for EMA and RSI).

    benches/run.sh stream [--bars 200000 --repeat 7]

Steps ``sextant.ta.stream.<NAME>`` over a seeded random walk (a Python float per bar, as a live
feed delivers them) with the bound method hoisted out of the loop, best of N runs, in
nanoseconds per call. Also shown: the bare Python loop (``for v in xs: pass``), a call of a
builtin that does nothing useful (``abs``), and TA-Lib 0.8.2's stream handle when it has the
function (its ``update``), so the adapter's own share can be read off.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

import sextant.ta as sx


CLOCK = time.perf_counter_ns


def per_call(fn, xs: list, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = CLOCK()
        fn(xs)
        best = min(best, CLOCK() - t)
    return best / len(xs)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--bars", type=int, default=200_000)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                    help="cpu: this thread's CPU time, not inflated by other processes' load")
    a = ap.parse_args()
    global CLOCK
    CLOCK = time.thread_time_ns if a.clock == "cpu" else time.perf_counter_ns
    rng = np.random.default_rng(7)
    xs = (100.0 + np.cumsum(rng.normal(0, 1, a.bars))).tolist()
    print(f"{a.bars} updates, best of {a.repeat}; load average {os.getloadavg()[0]:.2f}, clock {a.clock}")

    def bare(v):
        for _ in v:
            pass

    def builtin(v):
        f = abs
        for x in v:
            f(x)

    print(f"{'bare loop':<24} {per_call(bare, xs, a.repeat):7.1f} ns")
    print(f"{'abs(x) per bar':<24} {per_call(builtin, xs, a.repeat):7.1f} ns")
    try:
        import talib.stream  # noqa: F401 - TA-Lib's stream handles, when installed
        import talib
    except ImportError:
        talib = None
    for name, kw in (("EMA", {"timeperiod": 30}), ("RSI", {"timeperiod": 14}), ("SMA", {"timeperiod": 30})):
        def ours(v, name=name, kw=kw):
            u = getattr(sx.stream, name)(**kw).update
            for x in v:
                u(x)

        line = f"sextant {name}.update{'':<10} {per_call(ours, xs, a.repeat):7.1f} ns"
        handle = getattr(getattr(talib, "stream", None), name, None) if talib else None
        if handle is not None and hasattr(handle, "__call__"):
            try:
                h = handle(np.asarray(xs[:100]), **kw)
                if hasattr(h, "update"):
                    def theirs(v, h=h):
                        u = h.update
                        for x in v:
                            u(x)

                    line += f"   talib: {per_call(theirs, xs, a.repeat):7.1f} ns"
            except Exception:  # noqa: BLE001 - TA-Lib's stream API differs between releases
                pass
        print(line)


if __name__ == "__main__":
    main()
