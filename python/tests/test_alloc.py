"""sextant.alloc: pandas in -> Series out, numpy in -> numpy out, typed errors (docs/alloc.md).
The weights themselves are asserted against cvxpy / skfolio / PyPortfolioOpt by the golden
cases (test_golden.py)."""

import numpy as np
import pandas as pd
import pytest

import sextant.alloc as alloc
from sextant.errors import InputError, ParameterError

COV = np.array([[0.04, 0.006, 0.002], [0.006, 0.09, 0.01], [0.002, 0.01, 0.0225]])
MU = np.array([0.08, 0.12, 0.05])


def returns_frame() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    x = rng.standard_normal((300, 4)) @ np.array([[1, 0.5, 0, 0], [0, 1, 0.2, 0], [0, 0, 1, 0.7], [0, 0, 0, 1.0]])
    return pd.DataFrame(x * 0.01, columns=["AAA", "BBB", "CCC", "DDD"])


@pytest.mark.parametrize("fn", ["min_variance", "risk_parity", "inverse_volatility"])
def test_cov_dataframe_gives_series(fn):
    cov = pd.DataFrame(COV, index=["a", "b", "c"], columns=["a", "b", "c"])
    w = getattr(alloc, fn)(cov)
    assert isinstance(w, pd.Series) and list(w.index) == ["a", "b", "c"]
    assert w.sum() == pytest.approx(1.0, abs=1e-12)
    w_np = getattr(alloc, fn)(COV)
    assert isinstance(w_np, np.ndarray) and np.allclose(w_np, w.to_numpy(), atol=1e-12)


def test_hrp_dataframe_and_orders():
    r = returns_frame()
    w = alloc.hrp(r)
    assert isinstance(w, pd.Series) and list(w.index) == list(r.columns)
    for link in ("single", "complete", "average", "weighted", "ward"):
        for order in ("optimal", "none"):
            v = alloc.hrp(r.to_numpy(), linkage=link, leaf_order=order)
            assert v.sum() == pytest.approx(1.0, abs=1e-14) and (v > 0).all()
    with pytest.raises(ParameterError):
        alloc.hrp(r, linkage="centroid")


def test_max_sharpe_closed_form():
    # unconstrained tangency: w ~ inv(S) (mu - rf)
    w = alloc.max_sharpe(MU, COV, risk_free=0.01, lower=-10.0, upper=10.0)
    z = np.linalg.solve(COV, MU - 0.01)
    assert np.allclose(w, z / z.sum(), atol=1e-9)


def test_min_variance_kkt_and_bounds():
    w = alloc.min_variance(COV, lower=-10.0, upper=10.0)
    z = np.linalg.solve(COV, np.ones(3))
    assert np.allclose(w, z / z.sum(), atol=1e-10)
    w = alloc.min_variance(COV, upper=0.35)
    assert w.max() <= 0.35 + 1e-12 and w.sum() == pytest.approx(1.0, abs=1e-12)


def test_risk_budgeting_contributions():
    b = np.array([0.5, 0.3, 0.2])
    w = alloc.risk_budgeting(COV, b)
    rc = w * (COV @ w)
    assert np.allclose(rc / rc.sum(), b, atol=1e-12)


def test_typed_errors():
    with pytest.raises(ParameterError, match="upper") as e:
        alloc.min_variance(COV, upper=0.3)
    assert e.value.code == "OUT_OF_RANGE" and e.value.parameter == "upper"
    with pytest.raises(ParameterError, match="lower"):
        alloc.min_variance(COV, lower=0.4)
    with pytest.raises(InputError, match="square"):
        alloc.min_variance(np.ones((2, 3)))
    with pytest.raises(InputError, match="positive semi-definite"):
        alloc.min_variance(np.array([[1.0, 2.0], [2.0, 1.0]]))
    with pytest.raises(InputError, match="not finite"):
        alloc.risk_parity(np.array([[1.0, np.nan], [np.nan, 1.0]]))
    with pytest.raises(InputError, match="not finite"):
        alloc.hrp(np.array([[0.01, np.nan], [0.02, 0.01], [0.0, 0.01]]))
    with pytest.raises(ParameterError, match="risk_free"):
        alloc.max_sharpe(MU, COV, risk_free=0.2)
    with pytest.raises(ParameterError, match="target_return"):
        alloc.efficient_return(MU, COV, target_return=0.5)
    with pytest.raises(ParameterError, match="target_volatility"):
        alloc.efficient_risk(MU, COV, target_volatility=0.01)


# ---------------------------------------------------------------- estimators (square outputs)


def ragged_frame() -> pd.DataFrame:
    r = returns_frame()
    r.iloc[:40, 1] = np.nan  # listed late
    r.iloc[[5, 77, 150], 2] = np.nan  # gaps
    return r


def test_sample_cov_dataframe_gives_labelled_dataframe():
    r = returns_frame()
    c = alloc.sample_cov(r)
    assert isinstance(c, pd.DataFrame)
    assert list(c.index) == list(r.columns) and list(c.columns) == list(r.columns)
    # pandas reference, 1e-12 relative
    np.testing.assert_allclose(c.to_numpy(), r.cov().to_numpy(), rtol=1e-12, atol=0)
    c_np = alloc.sample_cov(r.to_numpy())
    assert isinstance(c_np, np.ndarray) and c_np.shape == (4, 4)
    np.testing.assert_allclose(c_np, np.cov(r.to_numpy(), rowvar=False), rtol=1e-12, atol=0)


def test_missing_policies_against_pandas_and_numpy():
    r = ragged_frame()
    np.testing.assert_allclose(alloc.sample_cov(r).to_numpy(), r.cov().to_numpy(), rtol=1e-12, atol=0)
    np.testing.assert_allclose(alloc.sample_cov(r, missing="listwise").to_numpy(),
                               np.cov(r.dropna().to_numpy(), rowvar=False), rtol=1e-12, atol=0)
    from sextant import risk
    np.testing.assert_allclose(risk.correlation(r).to_numpy(), r.corr().to_numpy(), rtol=1e-12, atol=1e-15)
    with pytest.raises(InputError, match="NaN"):
        alloc.sample_cov(r, missing="error")
    with pytest.raises(ParameterError):
        alloc.sample_cov(r, missing="drop")
    mu = alloc.mean_historical_return(r)
    assert isinstance(mu, pd.Series) and list(mu.index) == list(r.columns)
    np.testing.assert_allclose(mu.to_numpy(), r.mean().to_numpy(), rtol=1e-12)


def test_estimators_feed_the_optimisers():
    r = returns_frame()
    cov = alloc.ledoit_wolf(r)
    w = alloc.min_variance(cov)
    assert isinstance(w, pd.Series) and w.sum() == pytest.approx(1.0, abs=1e-12)
    mu = alloc.ema_historical_return(r, span=100)
    assert alloc.max_sharpe(mu.to_numpy(), alloc.sample_cov(r.to_numpy())).sum() == pytest.approx(1.0, abs=1e-12)


def test_ledoit_wolf_against_sklearn():
    sk = pytest.importorskip("sklearn.covariance")
    r = returns_frame()
    np.testing.assert_allclose(alloc.ledoit_wolf(r.to_numpy()), sk.LedoitWolf().fit(r.to_numpy()).covariance_,
                               rtol=1e-12, atol=0)
    with pytest.raises(ParameterError):
        alloc.ledoit_wolf(r, missing="pairwise")


def test_capm_market_proxy_and_errors():
    r = returns_frame()
    proxy = alloc.capm_return(r, np.empty(0))
    explicit = alloc.capm_return(r, r.mean(axis=1).to_numpy())
    np.testing.assert_allclose(proxy.to_numpy(), explicit.to_numpy(), rtol=1e-14)
    with pytest.raises(InputError, match="market_returns"):
        alloc.capm_return(r, np.zeros(7))


def test_market_cap_weight_series_and_cap():
    caps = pd.Series([60.0, 25.0, 10.0, 5.0], index=list("wxyz"))
    w = alloc.market_cap_weight(caps, max_weight=0.3)
    assert isinstance(w, pd.Series) and list(w.index) == list("wxyz")
    # water-filling: two at the cap, the remaining 0.4 split 2:1
    np.testing.assert_allclose(w.to_numpy(), [0.3, 0.3, 0.4 * 2 / 3, 0.4 / 3], rtol=0, atol=1e-15)
    with pytest.raises(ParameterError, match="max_weight"):
        alloc.market_cap_weight(caps, max_weight=0.2)


def test_top_n_momentum_against_pandas():
    r = returns_frame()
    w = alloc.top_n_momentum(r, lookback=100, skip=10, top_n=2)
    score = (1 + r.iloc[-110:-10]).prod() - 1
    want = pd.Series(0.0, index=r.columns)
    want[score.nlargest(2).index] = 0.5
    pd.testing.assert_series_equal(w, want, check_names=False)
    with pytest.raises(ParameterError, match="lookback"):
        alloc.top_n_momentum(r, lookback=1000)


# ---------------------------------------------------------------- constraints (bounds=, groups, turnover)

COV4 = np.array([[0.04, 0.006, 0.002, 0.001], [0.006, 0.09, 0.01, 0.0], [0.002, 0.01, 0.0225, 0.003],
                 [0.001, 0.0, 0.003, 0.0625]])
MU4 = np.array([0.08, 0.12, 0.05, 0.07])


def test_bounds_pair_and_per_asset():
    # a (lower, upper) pair is the scalar bounds
    assert np.allclose(alloc.min_variance(COV, bounds=(0.0, 0.35)), alloc.min_variance(COV, upper=0.35), atol=0)
    # one pair per asset binds where the unconstrained weight lies outside it
    free = alloc.min_variance(COV4)
    b = [(0.0, 1.0), (0.1, 1.0), (0.0, 0.3), (0.0, 1.0)]
    w = alloc.min_variance(COV4, bounds=b)
    assert free[1] < 0.1 and free[2] > 0.3
    assert w[1] >= 0.1 - 1e-12 and w[2] == pytest.approx(0.3, abs=1e-10)
    # the same as the JSON constraints, as a dict or as JSON text
    c = {"bounds": b}
    assert np.allclose(w, alloc.min_variance(COV4, constraints=c), atol=0)
    assert np.allclose(w, alloc.min_variance(COV4, constraints='{"lower": [0, 0.1, 0, 0], "upper": [1, 1, 0.3, 1]}'),
                       atol=1e-12)
    # bounds= merges into other constraints; pandas keeps its labels
    cov = pd.DataFrame(COV4, index=list("abcd"), columns=list("abcd"))
    s = alloc.min_variance(cov, bounds=np.array(b),
                         constraints={"groups": {"labels": ["x", "x", "y", "y"], "caps": {"x": [0.0, 0.6]}}})
    assert isinstance(s, pd.Series) and s.sum() == pytest.approx(1.0, abs=1e-12)
    assert s["a"] + s["b"] <= 0.6 + 1e-10 and s["b"] >= 0.1 - 1e-10 and s["c"] <= 0.3 + 1e-10


def test_group_caps_and_turnover_kkt():
    labels = ["x", "x", "y", "y"]
    free = alloc.min_variance(COV4)
    cap = free[0] + free[1] - 0.1
    w = alloc.min_variance(COV4, constraints={"groups": {"labels": labels, "caps": {"x": [0.0, cap]}}})
    assert w[0] + w[1] == pytest.approx(cap, abs=1e-10)
    cur = np.array([0.7, 0.1, 0.1, 0.1])
    assert np.abs(free - cur).sum() > 0.3
    w = alloc.min_variance(COV4, constraints={"current": cur, "max_turnover": 0.3})
    assert np.abs(w - cur).sum() == pytest.approx(0.3, abs=1e-9)
    for fn, args in ((alloc.max_quadratic_utility, (MU4, COV4)), (alloc.efficient_return, (MU4, COV4))):
        v = fn(*args, constraints={"current": cur, "max_turnover": 0.3})
        assert np.abs(v - cur).sum() <= 0.3 + 1e-9 and v.sum() == pytest.approx(1.0, abs=1e-12)


def test_infeasible_constraints_name_the_conflict():
    with pytest.raises(InputError, match="at most 0.9") as e:
        alloc.min_variance(COV, bounds=[(0, 0.3), (0, 0.3), (0, 0.3)])
    assert e.value.code == "INFEASIBLE" and e.value.parameter == "constraints.bounds"
    with pytest.raises(InputError, match="lower bound 0.5 exceeds upper bound 0.4") as e:
        alloc.min_variance(COV, bounds=[(0.5, 0.4), (0, 1), (0, 1)])
    assert e.value.parameter == "constraints.bounds[0]"
    with pytest.raises(InputError, match="members' upper bounds") as e:
        alloc.min_variance(COV4, upper=0.3, constraints={"groups": {"labels": ["x", "x", "y", "y"],
                                                                      "caps": {"x": [0.7, 1.0]}}})
    assert e.value.code == "INFEASIBLE" and e.value.parameter == "constraints.groups.caps.x"
    with pytest.raises(InputError, match="smallest turnover") as e:
        alloc.max_sharpe(MU4, COV4, constraints={"upper": 0.5, "current": [0.8, 0.2, 0, 0], "max_turnover": 0.5})
    assert e.value.code == "INFEASIBLE" and e.value.parameter == "constraints.max_turnover"
    with pytest.raises(InputError, match="4 values for 3 assets"):
        alloc.min_variance(COV, constraints={"upper": [1, 1, 1, 1]})
    with pytest.raises(InputError, match="unknown field"):
        alloc.min_variance(COV, constraints={"uper": 1})
    with pytest.raises(InputError, match="bounds"):
        alloc.min_variance(COV, bounds=[0.1, 0.2, 0.3])
