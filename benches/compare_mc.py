"""Sextant's Monte Carlo engine vs vectorised numpy (default_rng, PCG64 + ziggurat) from Python.

    benches/run.sh mc [--paths 100000 --steps 252 --repeat 3] [--median] [--only gbm,corr,normals]

Prints best-of-N (or with --median the median of N, numpy and Sextant alternating run by run so
both see the same load) wall times and the ratio numpy / Sextant (> 1 means Sextant is faster):
- GBM terminal values, paths x steps: numpy draws the (paths, steps) normal matrix and sums the
  log increments; Sextant walks every step per path (sextant.mc.simulate_gbm).
- GBM full paths (paths, steps + 1): numpy cumsum + exp; Sextant full_paths=True.
- Correlated 10-asset GBM terminal values: numpy draws (chunk, steps, 10) normals per chunk of
  10,000 paths (the whole run at once would need 2 GB of normals), multiplies by the Cholesky
  factor and sums; Sextant simulate_correlated_gbm.
- Normal variates per second: numpy standard_normal vs sextant.mc.standard_normal.
Both sides use every core numpy uses (numpy's generator is single-threaded; Sextant runs on
rayon's pool, RAYON_NUM_THREADS to change it). The numbers differ (different generators); the
check is statistical: terminal means agree within 5 standard errors.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import time

import numpy as np

import sextant


def timings(fns, repeat: int) -> list[list[float]]:
    """Wall times in ms of each function, run in turn `repeat` times (interleaved, so a change in
    the machine's load hits both sides)."""
    times = [[] for _ in fns]
    for _ in range(repeat):
        for k, fn in enumerate(fns):
            t = time.perf_counter()
            fn()
            times[k].append((time.perf_counter() - t) * 1e3)
    return times


def load() -> str:
    try:
        return open("/proc/loadavg").read().split()[0]
    except OSError:
        return "?"


def numpy_gbm_terminal(s0, mu, sigma, years, steps, paths, seed):
    rng = np.random.default_rng(seed)
    dt = years / steps
    z = rng.standard_normal((paths, steps))
    inc = (mu - 0.5 * sigma * sigma) * dt + sigma * math.sqrt(dt) * z
    return s0 * np.exp(inc.sum(axis=1))


def numpy_gbm_full(s0, mu, sigma, years, steps, paths, seed):
    rng = np.random.default_rng(seed)
    dt = years / steps
    z = rng.standard_normal((paths, steps))
    inc = (mu - 0.5 * sigma * sigma) * dt + sigma * math.sqrt(dt) * z
    out = np.empty((paths, steps + 1))
    out[:, 0] = s0
    np.cumsum(inc, axis=1, out=out[:, 1:])
    np.exp(out[:, 1:], out=out[:, 1:])
    out[:, 1:] *= s0
    return out


def numpy_corr_terminal(s0, mu, cov, years, steps, paths, seed, chunk=10_000):
    rng = np.random.default_rng(seed)
    dt = years / steps
    chol = np.linalg.cholesky(cov) * math.sqrt(dt)
    drift = (mu - 0.5 * np.diag(cov)) * dt
    out = np.empty((paths, len(s0)))
    for a in range(0, paths, chunk):
        b = min(paths, a + chunk)
        z = rng.standard_normal((b - a, steps, len(s0)))
        shocks = z @ chol.T  # (n, steps, assets)
        out[a:b] = s0 * np.exp(drift * steps + shocks.sum(axis=1))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--paths", type=int, default=100_000)
    ap.add_argument("--steps", type=int, default=252)
    ap.add_argument("--normals", type=int, default=10_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--median", action="store_true", help="median of the runs instead of the best")
    ap.add_argument("--only", default="gbm,full,anti,corr,normals")
    a = ap.parse_args()
    only = set(a.only.split(","))
    stat = statistics.median if a.median else min
    P, S = a.paths, a.steps
    s0, mu, sigma, years = 100.0, 0.05, 0.2, 1.0
    print(f"numpy {np.__version__}, sextant {sextant.__version__}, cpus {os.cpu_count()}, "
          f"RAYON_NUM_THREADS={os.environ.get('RAYON_NUM_THREADS', '(all)')}")
    print(f"{'case':<44} {'numpy ms':>9} {'sextant ms':>10} {'ratio':>6}")

    def row(name, n_fn, s_fn):
        l0 = load()
        tn, ts = timings([n_fn, s_fn], a.repeat)
        n, s = stat(tn), stat(ts)
        print(f"{name:<44} {n:9.1f} {s:10.1f} {n / s:6.1f}   load {l0} -> {load()}", flush=True)

    # statistical agreement first
    t_np = numpy_gbm_terminal(s0, mu, sigma, years, S, P, 1)
    t_sx = sextant.mc.simulate_gbm(s0, mu, sigma, years=years, steps=S, paths=P, seed=1)
    se = math.sqrt(t_np.var() / P + t_sx.var() / P)
    assert abs(t_np.mean() - t_sx.mean()) <= 5 * se, (t_np.mean(), t_sx.mean())

    if "gbm" in only:
        row(f"GBM terminal {P:,} x {S}",
            lambda: numpy_gbm_terminal(s0, mu, sigma, years, S, P, 1),
            lambda: sextant.mc.simulate_gbm(s0, mu, sigma, years=years, steps=S, paths=P, seed=1))
    if "full" in only:
        row(f"GBM full paths {P:,} x {S + 1}",
            lambda: numpy_gbm_full(s0, mu, sigma, years, S, P, 1),
            lambda: sextant.mc.simulate_gbm(s0, mu, sigma, years=years, steps=S, paths=P, seed=1,
                                            full_paths=True))
    if "anti" in only:
        row(f"GBM terminal antithetic {P:,} x {S}",
            lambda: numpy_gbm_terminal(s0, mu, sigma, years, S, P, 1),
            lambda: sextant.mc.simulate_gbm(s0, mu, sigma, years=years, steps=S, paths=P, seed=1,
                                            antithetic=True))

    if "corr" in only:
        n_assets = 10
        vols = np.linspace(0.1, 0.4, n_assets)
        corr = 0.3 + 0.7 * np.eye(n_assets)
        cov = corr * np.outer(vols, vols)
        s0v = np.full(n_assets, 100.0)
        muv = np.linspace(0.0, 0.1, n_assets)
        c_np = numpy_corr_terminal(s0v, muv, cov, years, S, P, 2)
        c_sx = sextant.mc.simulate_correlated_gbm(s0v, muv, cov, years=years, steps=S, paths=P, seed=2)
        se = np.sqrt(c_np.var(axis=0) / P + c_sx.var(axis=0) / P)
        assert (np.abs(c_np.mean(axis=0) - c_sx.mean(axis=0)) <= 5 * se).all()
        row(f"correlated {n_assets}-asset terminal {P:,} x {S}",
            lambda: numpy_corr_terminal(s0v, muv, cov, years, S, P, 2),
            lambda: sextant.mc.simulate_correlated_gbm(s0v, muv, cov, years=years, steps=S, paths=P,
                                                       seed=2))

    if "normals" not in only:
        return
    N = a.normals
    tn, ts = timings([lambda: np.random.default_rng(3).standard_normal(N),
                      lambda: sextant.mc.standard_normal(N, seed=3)], a.repeat)
    n_ms, s_ms = stat(tn), stat(ts)
    print(f"{f'standard normals {N:,}':<44} {n_ms:9.1f} {s_ms:10.1f} {n_ms / s_ms:6.1f}")
    print(f"normal variates per second: numpy {N / n_ms / 1e3:.0f}M/s, sextant {N / s_ms / 1e3:.0f}M/s "
          f"(compare with the bare generator: cargo bench -p sextant-benches --bench mc)")


if __name__ == "__main__":
    main()
