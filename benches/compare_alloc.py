"""Sextant vs skfolio from Python: portfolio optimisers and Hierarchical Risk Parity.

    benches/run.sh alloc      (the python stage's venv plus skfolio)

Part 1, 20 assets (skfolio's S&P 500 dataset, daily simple returns, sample covariance
ddof=1, mean returns): min_variance, max_sharpe and risk_parity in Sextant (clarabel / Newton,
1e-12 tolerances) against skfolio's MeanRisk / RiskBudgeting (cvxpy + CLARABEL at its default
tolerances), best-of-N wall time of the call from Python, and the largest weight difference.

Part 2, HRP on 500 assets x 2520 days of seeded factor-model returns (numpy default_rng(7)):
Sextant's `hrp` (covariance, distance, single linkage, optimal leaf ordering, bisection)
against skfolio's HierarchicalRiskParity with the same seriation, end to end from returns.

Part 3 (`--estimators`), the same 500 x 2520 returns: sample_cov against numpy.cov (complete)
and pandas DataFrame.cov (ragged, pairwise), risk.correlation against pandas DataFrame.corr
(ragged, pairwise), ledoit_wolf against sklearn LedoitWolf, ewma_cov against PyPortfolioOpt's
exp_cov on 50 assets (it loops over pairs in Python) when PyPortfolioOpt is installed.

Part 4 (`--constraints`), the 20 assets of part 1 with per-asset bounds, GICS sector caps and
an L1 turnover limit from equal weights (the golden cases' "all" set): Sextant's
`constraints` against the same problem in cvxpy + CLARABEL (default tolerances, the problem
built per call as a user would) and PyPortfolioOpt (`add_sector_constraints`, `add_constraint`
with `cp.norm1`). Needs cvxpy and PyPortfolioOpt (the golden refs venv has both).
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np

import sextant.alloc as sx


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times) * 1e3


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--hrp-assets", type=int, default=500)
    ap.add_argument("--hrp-days", type=int, default=2520)
    ap.add_argument("--hrp-repeat", type=int, default=3)
    ap.add_argument("--estimators", action="store_true", help="only part 3")
    ap.add_argument("--constraints", action="store_true", help="only part 4")
    a = ap.parse_args()
    if a.constraints:
        constraints(a)
        return
    if a.estimators:
        estimators(a)
        return
    warnings.simplefilter("ignore")
    import skfolio
    from skfolio.cluster import HierarchicalClustering, LinkageMethod
    from skfolio.datasets import load_sp500_dataset
    from skfolio.optimization import HierarchicalRiskParity, MeanRisk, ObjectiveFunction, RiskBudgeting
    from skfolio.seriation import HierarchicalSeriation

    print(f"skfolio {skfolio.__version__}, numpy {np.__version__}")
    rets = load_sp500_dataset().pct_change().dropna()
    X = rets.to_numpy(float)
    cov = np.cov(X, rowvar=False, ddof=1)
    mu = X.mean(axis=0)
    print(f"{'function':<14} {'skfolio ms':>10} {'sextant ms':>10} {'ratio':>7} {'max |dw|':>9}")
    cases = [
        ("min_variance", lambda: MeanRisk(objective_function=ObjectiveFunction.MINIMIZE_RISK).fit(rets).weights_,
         lambda: sx.min_variance(cov)),
        ("max_sharpe", lambda: MeanRisk(objective_function=ObjectiveFunction.MAXIMIZE_RATIO).fit(rets).weights_,
         lambda: sx.max_sharpe(mu, cov)),
        ("risk_parity", lambda: RiskBudgeting().fit(rets).weights_, lambda: sx.risk_parity(cov)),
    ]
    for name, ref, ours in cases:
        dw = float(np.abs(np.asarray(ref()) - np.asarray(ours())).max())
        t_ref = best(ref, max(3, a.repeat // 4))
        t_sx = best(ours, a.repeat)
        print(f"{name:<14} {t_ref:>10.3f} {t_sx:>10.3f} {t_ref / t_sx:>7.1f} {dw:>9.1e}")

    rng = np.random.default_rng(7)
    n, t = a.hrp_assets, a.hrp_days
    factors = rng.standard_normal((t, 5)) * 0.01
    load = rng.standard_normal((5, n))
    R = factors @ load * 0.5 + rng.standard_normal((t, n)) * 0.01
    for order in ("optimal", "none"):
        est = HierarchicalRiskParity(seriation_estimator=HierarchicalSeriation(
            hierarchical_clustering_estimator=HierarchicalClustering(linkage_method=LinkageMethod.SINGLE),
            optimal_ordering=order == "optimal"))
        ref = lambda: est.fit(R).weights_  # noqa: E731
        ours = lambda: sx.hrp(R, linkage="single", leaf_order=order)  # noqa: E731
        dw = float(np.abs(ref() - ours()).max())
        t_ref = best(ref, a.hrp_repeat)
        t_sx = best(ours, a.hrp_repeat * 3)
        print(f"hrp {n}x{t} {order:<8} skfolio {t_ref:9.1f} ms  sextant {t_sx:8.1f} ms  ratio {t_ref / t_sx:6.1f}  "
              f"max |dw| {dw:.1e}")


def factor_returns(n: int, t: int) -> np.ndarray:
    rng = np.random.default_rng(7)
    factors = rng.standard_normal((t, 5)) * 0.01
    load = rng.standard_normal((5, n))
    return factors @ load * 0.5 + rng.standard_normal((t, n)) * 0.01


def estimators(a) -> None:
    import pandas as pd
    from sklearn.covariance import LedoitWolf

    from sextant import risk

    n, t = a.hrp_assets, a.hrp_days
    R = factor_returns(n, t)
    rag = R.copy()
    rng = np.random.default_rng(8)
    rag[: t // 4, : n // 10] = np.nan  # a tenth of the assets listed a quarter of the way in
    rag[rng.integers(0, t, 2000), rng.integers(0, n, 2000)] = np.nan
    frame = pd.DataFrame(rag)
    rows = [
        (f"sample_cov {n}x{t} complete vs numpy.cov", lambda: np.cov(R, rowvar=False), lambda: sx.sample_cov(R)),
        (f"sample_cov {n}x{t} ragged vs pandas .cov()", lambda: frame.cov().to_numpy(), lambda: sx.sample_cov(rag)),
        (f"correlation {n}x{t} ragged vs pandas .corr()", lambda: frame.corr().to_numpy(),
         lambda: risk.correlation(rag)),
        (f"ledoit_wolf {n}x{t} vs sklearn LedoitWolf", lambda: LedoitWolf().fit(R).covariance_,
         lambda: sx.ledoit_wolf(R)),
    ]
    try:
        from pypfopt import risk_models

        small = pd.DataFrame(R[:, :50])
        rows.append(("ewma_cov 50x2520 vs PyPortfolioOpt exp_cov",
                     lambda: risk_models.exp_cov(small, returns_data=True, frequency=1).to_numpy(),
                     lambda: sx.ewma_cov(small.to_numpy())))
    except ImportError:
        pass
    print(f"{'case':<48} {'ref ms':>9} {'sextant ms':>10} {'ratio':>7} {'max |d|':>9}")
    for name, ref, ours in rows:
        d = float(np.nanmax(np.abs(np.asarray(ref()) - np.asarray(ours()))))
        t_ref = best(ref, a.hrp_repeat)
        t_sx = best(ours, a.hrp_repeat)
        print(f"{name:<48} {t_ref:>9.1f} {t_sx:>10.1f} {t_ref / t_sx:>7.1f} {d:>9.1e}")


def constraints(a) -> None:
    import sys
    from pathlib import Path

    import cvxpy as cp
    from pypfopt import EfficientFrontier
    from skfolio.datasets import load_sp500_dataset

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts" / "golden"))
    from generate import SP500_20_SECTORS

    warnings.simplefilter("ignore")
    rets = load_sp500_dataset().pct_change().dropna()
    X = rets.to_numpy(float)
    n = X.shape[1]
    cov = np.cov(X, rowvar=False, ddof=1)
    mu = X.mean(axis=0)
    labels = [SP500_20_SECTORS[c] for c in rets.columns]
    caps = {"tech": [0.1, 0.3], "health": [0.0, 0.25], "staples": [0.15, 0.35], "energy": [0.05, 0.2]}
    lower = np.where(np.arange(n) % 5 == 0, 0.02, 0.0)
    upper = np.round(np.linspace(0.08, 0.3, n), 6)
    cur = np.full(n, 1.0 / n)
    spec = {"lower": lower.tolist(), "upper": upper.tolist(), "groups": {"labels": labels, "caps": caps},
            "current": cur.tolist(), "max_turnover": 0.5}

    def cvx(objective):
        x = cp.Variable(n)
        cons = [cp.sum(x) == 1, x >= lower, x <= upper, cp.norm1(x - cur) <= 0.5]
        for g, (lo, hi) in caps.items():
            idx = [i for i in range(n) if labels[i] == g]
            cons += [cp.sum(x[idx]) >= lo, cp.sum(x[idx]) <= hi]
        cp.Problem(cp.Minimize(objective(x)), cons).solve(solver=cp.CLARABEL)
        return x.value

    def pyp(method):
        ef = EfficientFrontier(mu, cov, weight_bounds=list(zip(lower, upper)))
        ef.add_sector_constraints(dict(zip(range(n), labels)), {k: v[0] for k, v in caps.items()},
                                  {k: v[1] for k, v in caps.items()})
        ef.add_constraint(lambda w: cp.norm1(w - cur) <= 0.5)
        method(ef)
        return np.array(list(ef.clean_weights(rounding=None).values()))

    rows = [
        ("min_variance", lambda: cvx(lambda x: cp.quad_form(x, cp.psd_wrap(cov))),
         lambda: pyp(lambda ef: ef.min_volatility()), lambda: sx.min_variance(cov, constraints=spec)),
        ("max_quadratic_utility", lambda: cvx(lambda x: 5.0 * cp.quad_form(x, cp.psd_wrap(cov)) - mu @ x),
         lambda: pyp(lambda ef: ef.max_quadratic_utility(risk_aversion=10.0)),
         lambda: sx.max_quadratic_utility(mu, cov, risk_aversion=10.0, constraints=spec)),
    ]
    print(f"{'function (20 assets, all constraints)':<40} {'cvxpy ms':>9} {'PyPortfolioOpt ms':>17} "
          f"{'sextant ms':>10} {'vs cvxpy':>8} {'max |dw|':>9}")
    for name, ref, pp, ours in rows:
        dw = float(np.abs(ref() - ours()).max())
        t_ref, t_pp, t_sx = best(ref, a.repeat // 2), best(pp, a.repeat // 2), best(ours, a.repeat)
        print(f"{name:<40} {t_ref:>9.2f} {t_pp:>17.2f} {t_sx:>10.3f} {t_ref / t_sx:>8.1f} {dw:>9.1e}")


if __name__ == "__main__":
    main()
