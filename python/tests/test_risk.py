"""sextant.risk beyond the golden fixtures: pandas behaviour as empyrical's (alignment, rolling
labels, scalars out), aggregate_returns, the stats submodule, the VaR methods' errors."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import sextant
import sextant.risk as risk
from conftest import CASES, case_inputs


def _pair():
    case = next(c for c in CASES if c["id"] == "alpha_beta/nasdaq_vs_sp500/default")
    r, f = case_inputs(case)
    idx = pd.date_range("2001-01-02", periods=len(r), freq="B")
    return pd.Series(r, index=idx), pd.Series(f, index=idx)


def test_rolling_pandas_labels_each_window_by_its_last_period():
    r, _ = _pair()
    got = risk.roll_sharpe_ratio(r, window=60)
    assert isinstance(got, pd.Series) and len(got) == len(r) - 59
    assert got.index.equals(r.index[59:])
    np.testing.assert_allclose(got.iloc[-1], risk.sharpe_ratio(r.iloc[-60:]), rtol=1e-14)


def test_window_longer_than_series():
    x = np.array([0.01, -0.02, 0.03])
    # vectorised roll_* cut the window to the series (one value); roll_*_capture give none
    assert risk.roll_max_drawdown(x, window=10).shape == (1,)
    assert risk.roll_up_capture(x, x, window=10).shape == (0,)


def test_pandas_inputs_are_aligned_on_their_index():
    r, f = _pair()
    # drop some dates from each side: empyrical joins them (outer join, NaN where missing)
    r2, f2 = r.drop(r.index[10:20]), f.drop(f.index[100:103])
    got = risk.alpha_beta(r2, f2)
    joined = pd.concat([r2, f2], axis=1, sort=True)
    want = risk.alpha_beta(joined.iloc[:, 0].to_numpy(), joined.iloc[:, 1].to_numpy())
    np.testing.assert_array_equal(got, want)
    assert isinstance(risk.beta(r2, f2), float)


def test_simple_returns_pandas_drops_the_first_label():
    p = pd.Series([100.0, 110.0, 99.0], index=pd.date_range("2020-01-01", periods=3))
    got = risk.simple_returns(p)
    assert got.index.equals(p.index[1:])
    np.testing.assert_allclose(got.to_numpy(), p.pct_change().iloc[1:].to_numpy(), rtol=1e-15)


def test_aggregate_returns_compounds_by_calendar():
    r, _ = _pair()
    monthly = risk.aggregate_returns(r, "monthly")
    first = r[(r.index.year == 2001) & (r.index.month == 1)]
    assert monthly.iloc[0] == pytest.approx(np.prod(1 + first.to_numpy()) - 1, rel=1e-13)
    assert len(risk.aggregate_returns(r, "yearly")) == len(set(r.index.year))
    with pytest.raises(ValueError):
        risk.aggregate_returns(r, "hourly")


def test_stats_submodule_is_the_same_namespace():
    from sextant.risk import stats

    assert stats.sharpe_ratio is risk.sharpe_ratio
    assert set(stats.__all__) <= set(risk.__all__)


def test_var_methods_errors():
    r = np.array([0.01, -0.02, 0.015, 0.003, -0.01])
    with pytest.raises(sextant.errors.ParameterError) as e:
        risk.value_at_risk(r, method="monte_carlo", paths=0)
    assert e.value.parameter == "paths"
    with pytest.raises(sextant.errors.ParameterError):
        risk.conditional_value_at_risk(r, method="parametric")
    with pytest.raises(sextant.errors.ParameterError):
        risk.value_at_risk(r, cutoff=1.5)
    # value_at_risk is NaN when any return is NaN; CVaR drops NaNs (empyrical)
    assert np.isnan(risk.value_at_risk(np.append(r, np.nan)))
    assert risk.conditional_value_at_risk(np.append(r, np.nan)) == risk.conditional_value_at_risk(r)


def test_max_drawdown_where_wealth_overflows():
    r = np.concatenate([np.full(80_000, 0.01), np.full(312, -0.01)])
    with np.errstate(over="ignore"):
        assert np.isinf(np.prod(1 + r[:80_000]))
    assert risk.max_drawdown(r) == pytest.approx(0.99 ** 312 - 1, rel=1e-12)  # -95.65%


def test_summary_is_a_named_tuple_of_the_individual_metrics():
    r, _ = _pair()
    s = risk.summary(r)
    assert s._fields[0] == "annual_return" and len(s) == 13
    assert s.sharpe_ratio == pytest.approx(risk.sharpe_ratio(r), rel=1e-12)
    assert s.max_drawdown == pytest.approx(risk.max_drawdown(r), rel=1e-12)
    assert s.conditional_value_at_risk == pytest.approx(risk.conditional_value_at_risk(r), rel=1e-12)


def test_docs_risk_md_examples_run():
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "risk.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert len(blocks) >= 3
    for code in blocks:
        exec(compile(code, "docs/risk.md", "exec"), {})


def test_perf_attrib_worked_example():
    """empyrical's perf_attrib / compute_exposures on 2 dates x 2 tickers x 2 factors, every
    number derived by hand: exposures = sum over tickers of position x loading."""
    dates = pd.to_datetime(["2024-01-02", "2024-01-03"])
    mi = pd.MultiIndex.from_product([dates, ["A", "B"]], names=["dt", "ticker"])
    positions = pd.Series([0.6, 0.4, 0.5, 0.5], index=mi)
    loadings = pd.DataFrame({"f1": [1.0, 0.2, 1.1, 0.0], "f2": [0.5, -1.0, 0.4, -0.8]}, index=mi)
    factor_returns = pd.DataFrame({"f1": [0.01, 0.005], "f2": [-0.02, 0.01]}, index=dates)
    returns = pd.Series([0.012, -0.003], index=dates)
    exposures, attrib = risk.perf_attrib(returns, positions, factor_returns, loadings)
    np.testing.assert_allclose(exposures.to_numpy(), [[0.68, -0.1], [0.55, -0.2]], rtol=1e-14)
    np.testing.assert_allclose(risk.compute_exposures(positions, loadings).to_numpy(), exposures.to_numpy())
    want = {  # f1, f2, total, common, specific, tilt, timing
        "f1": [0.0068, 0.00275], "f2": [0.002, -0.002], "total_returns": [0.012, -0.003],
        "common_returns": [0.0088, 0.00075], "specific_returns": [0.0032, -0.00375],
        "tilt_returns": [0.00915, 0.001575], "timing_returns": [-0.00035, -0.000825],
    }
    assert list(attrib.columns) == list(want)
    for k, v in want.items():
        np.testing.assert_allclose(attrib[k].to_numpy(), v, rtol=1e-12, atol=1e-17, err_msg=k)


def test_monte_carlo_var_converges_to_gaussian():
    # a normal fitted to the returns and simulated: within 5 standard errors of a sample
    # quantile (sqrt(c (1 - c) / n) / pdf(z_c) standard deviations) of the gaussian method
    z = -1.6448536269514729  # scipy.stats.norm.ppf(0.05)
    pdf = math.exp(-z * z / 2) / math.sqrt(2 * math.pi)
    rng = np.random.default_rng(1)
    r = rng.normal(0.0004, 0.012, 750)
    n, c, h = 200_000, 0.05, 5
    g = risk.value_at_risk(r, c, "gaussian", h)
    v = risk.value_at_risk(r, c, "monte_carlo", h, paths=n, seed=7)
    sd = r.std(ddof=1) * np.sqrt(h)
    se = sd * np.sqrt(c * (1 - c) / n) / pdf
    assert abs(v - g) <= 5 * se
    assert v == risk.value_at_risk(r, c, "monte_carlo", h, paths=n, seed=7)  # the seed fixes it
    e = risk.conditional_value_at_risk(r, c, "monte_carlo", h, paths=n, seed=7)
    ge = risk.conditional_value_at_risk(r, c, "gaussian", h)
    assert abs(e - ge) <= 0.01 * abs(ge)


def test_convention_presets_against_quantstats_and_skfolio_by_hand():
    # the golden fixtures hold the libraries' own numbers; here the definitions, by hand
    r = np.array([0.05, -0.03, 0.01, -0.07, 0.02, 0.0, -0.01, 0.04, 0.03, -0.02])
    rf = (1.03) ** (1 / 252) - 1  # quantstats: an annual 3% de-annualised per period
    want = np.mean(r - rf) / np.std(r - rf, ddof=1) * np.sqrt(252)
    assert abs(risk.sharpe_ratio(r, 0.03, convention="quantstats") - want) < 1e-12
    assert risk.sharpe_ratio(r, 0.03) != risk.sharpe_ratio(r, 0.03, convention="quantstats")
    # skfolio: positive losses; VaR the floor(0.2 * 10) = 2nd (0-based) smallest return
    assert risk.value_at_risk(r, cutoff=0.2, convention="skfolio") == 0.02
    assert abs(risk.conditional_value_at_risk(r, cutoff=0.2, convention="skfolio") - 0.05) < 1e-15
    g = risk.value_at_risk(r, cutoff=0.2, method="gaussian")
    assert risk.value_at_risk(r, cutoff=0.2, method="gaussian", convention="skfolio") == -g
    assert abs(risk.max_drawdown(r, convention="skfolio") - 0.09) < 1e-15
    s = risk.summary(r, convention="skfolio")
    assert s.value_at_risk == risk.value_at_risk(r, convention="skfolio")
    assert s.max_drawdown == risk.max_drawdown(r, convention="skfolio")
    assert s.sharpe_ratio == risk.summary(r).sharpe_ratio
    with pytest.raises(sextant.ParameterError, match="convention"):
        risk.sharpe_ratio(r, convention="pyfolio")


def test_rolling_correlation_matches_pandas_and_names_bad_parameters():
    rng = np.random.default_rng(4)
    b = rng.normal(0, 0.01, 3000)
    a = 0.6 * b + rng.normal(0, 0.008, 3000)
    a[[5, 6, 7, 900]] = np.nan
    b[[40, 2999]] = np.nan
    for window, minp in ((20, 0), (250, 100)):
        got = risk.rolling_correlation(a, b, window=window, min_periods=minp)
        ref = pd.Series(a).rolling(window, min_periods=minp or window).corr(pd.Series(b)).to_numpy()
        np.testing.assert_allclose(got, ref, rtol=1e-9, atol=1e-12)
    # 2-D: each column against the benchmark
    m = np.column_stack([a, -a])
    two = risk.rolling_correlation(m, b, window=20)
    np.testing.assert_allclose(two[:, 1], -risk.rolling_correlation(a, b, window=20), rtol=1e-12)
    with pytest.raises(sextant.ParameterError, match="min_periods"):
        risk.rolling_correlation(a, b, window=20, min_periods=21)
    with pytest.raises(sextant.InputError, match="returns"):
        risk.rolling_correlation(a, b, missing="error")
