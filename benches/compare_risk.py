"""Sextant vs empyrical-reloaded from Python on daily returns, with a numpy copy as the floor.

    benches/run.sh risk       (the python stage's venv plus empyrical-reloaded and bottleneck)

Prints, for each size, the best-of-N wall time of each metric in both libraries and the ratio
empyrical / Sextant (> 1 means Sextant is faster), and checks the two agree. Inputs: seeded
Student-t daily returns (numpy default_rng(11)), so results are reproducible. empyrical uses
bottleneck when it is installed (as here), its fastest configuration.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np

import empyrical
import sextant.risk as sx


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
    ap.add_argument("--one-thread", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    warnings.simplefilter("ignore")
    rng = np.random.default_rng(11)
    if not a.one_thread:
        print(f"empyrical-reloaded {empyrical.__version__}, numpy {np.__version__}")
        print(f"{'returns':>9} {'function':<32} {'empyrical ms':>12} {'sextant ms':>10} {'ratio':>6} {'copy ms':>8}")
    for n in map(int, a.sizes.split(",")):
        # drift 0.0001 keeps log wealth a driftless walk: cumulative wealth stays inside f64, so
        # empyrical's max_drawdown is right and the two can be compared
        r = rng.standard_t(4, n) * 0.01 + 0.0001
        copy = best(lambda: r.copy(), a.repeat)
        cases = [
            ("sharpe_ratio", lambda: empyrical.sharpe_ratio(r), lambda: sx.sharpe_ratio(r)),
            ("sortino_ratio", lambda: empyrical.sortino_ratio(r), lambda: sx.sortino_ratio(r)),
            ("max_drawdown", lambda: empyrical.max_drawdown(r), lambda: sx.max_drawdown(r)),
            ("value_at_risk", lambda: empyrical.value_at_risk(r), lambda: sx.value_at_risk(r)),
            ("conditional_value_at_risk", lambda: empyrical.conditional_value_at_risk(r),
             lambda: sx.conditional_value_at_risk(r)),
            ("annual_volatility", lambda: empyrical.annual_volatility(r), lambda: sx.annual_volatility(r)),
            ("annual_return", lambda: empyrical.annual_return(r), lambda: sx.annual_return(r)),
            ("tail_ratio", lambda: empyrical.tail_ratio(r), lambda: sx.tail_ratio(r)),
        ]
        # summary: the moment/drawdown pass and the tail selections run side by side on rayon's
        # pool (every core here); the one-thread figure comes from a child process whose pool
        # has one thread (RAYON_NUM_THREADS=1)
        label = "summary (13 metrics)" + (", 1 thread" if a.one_thread else ", all cores")
        cases.append((label, None, lambda: sx.summary(r)))
        if a.one_thread:
            cases = cases[-1:]
        for name, e_fn, s_fn in cases:
            s = best(s_fn, a.repeat)
            if e_fn is None:
                print(f"{n:>9} {name:<32} {'-':>12} {s:>10.2f} {'-':>6} {copy:>8.2f}   ({s / copy:.1f}x copy)")
                continue
            e = best(e_fn, max(3, a.repeat // 2))
            ev, sv = e_fn(), s_fn()
            assert abs(ev - sv) <= 1e-9 * abs(ev) + 1e-15, (name, ev, sv)
            print(f"{n:>9} {name:<32} {e:>12.2f} {s:>10.2f} {e / s:>6.1f} {copy:>8.2f}")
    if not a.one_thread:
        import os
        import subprocess
        import sys

        env = dict(os.environ, RAYON_NUM_THREADS="1")
        out = subprocess.run([sys.executable, __file__, "--one-thread", "--sizes", a.sizes, "--repeat",
                              str(a.repeat)], env=env, check=True, capture_output=True, text=True).stdout
        print("\n".join(line for line in out.splitlines() if "1 thread" in line))


if __name__ == "__main__":
    main()
