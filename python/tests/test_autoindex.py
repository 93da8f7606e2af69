"""sextant.autoindex from Python: an independent numpy re-implementation of an equal-weight
monthly backtest with costs, the risk report against empyrical-reloaded, the risk score formula,
the simulation's fitted model, pandas input and typed errors (docs/autoindex.md)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import sextant.autoindex as ai
from sextant.errors import InputError, ParameterError, UnsupportedError


def _prices(n: int = 160, m: int = 3, seed: int = 4) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    r = rng.normal(0.0003, 0.012, size=(n, m))
    idx = pd.bdate_range("2022-01-03", periods=n)
    return pd.DataFrame(50.0 * np.cumprod(1 + r, axis=0), index=idx, columns=[f"S{i}" for i in range(m)])


def _reference_equal_monthly(close: pd.DataFrame, bps: float, fixed: float, v0: float = 100.0) -> np.ndarray:
    """Equal weight, monthly, close execution; trades set holdings to w * V_post with
    V_post = V_pre - costs(V_post), solved here by bisection (the core uses Newton steps)."""
    px = close.to_numpy()
    n, m = px.shape
    months = [(d.year, d.month) for d in close.index]
    units, cash, values, invested = np.zeros(m), v0, np.empty(n), False
    b = bps / 1e4
    for t in range(n):
        signal = t >= 2 and (not invested or months[t] != months[t - 1])
        if signal:
            h = units * px[t]
            v_pre = cash + h.sum()
            w = np.full(m, 1.0 / m)
            traded = np.abs(w * v_pre - h) > 1e-12 * v_pre

            def f(v: float) -> float:
                d = w * v - h
                return v + (b * np.abs(d[traded])).sum() + fixed * traded.sum() - v_pre

            lo, hi = 0.0, v_pre
            for _ in range(200):
                mid = 0.5 * (lo + hi)
                lo, hi = (mid, hi) if f(mid) < 0 else (lo, mid)
            v = 0.5 * (lo + hi)
            d = np.where(traded, w * v - h, 0.0)
            cash -= d.sum() + (b * np.abs(d[traded])).sum() + fixed * traded.sum()
            units = np.where(traded, w * v / px[t], units)
            invested = True
        values[t] = cash + (units * px[t]).sum()
    return values


def test_equal_weight_monthly_matches_an_independent_reimplementation():
    close = _prices()
    bt = ai.backtest({"version": 1, "universe": {"kind": "all"}, "weighting": {"scheme": "equal"},
                      "schedule": {"kind": "monthly"}, "costs": {"bps": 12, "fixed": 0.05}},
                     ai.market_data(close))
    ref = _reference_equal_monthly(close, 12, 0.05)
    np.testing.assert_allclose(bt["values"], ref, rtol=1e-11, atol=0)
    assert bt["start"] == 2
    assert [r["reason"] for r in bt["rebalances"]][:2] == ["initial", "schedule"]
    # the initial trade in January, then one on the first bar of every later month
    assert len(bt["rebalances"]) == len({(d.year, d.month) for d in close.index[2:]})


def test_risk_report_and_benchmark_against_empyrical():
    ep = pytest.importorskip("empyrical")
    close = _prices(300, 4, 9)
    bench = pd.Series(100 * np.cumprod(1 + np.random.default_rng(1).normal(0.0002, 0.01, 300)), index=close.index)
    bt = ai.backtest({"version": 1, "universe": {"kind": "all"},
                      "weighting": {"scheme": "inverse_volatility", "window": 40},
                      "schedule": {"kind": "monthly"}, "costs": {"bps": 5}, "risk_free": 0.0001},
                     ai.market_data(close, benchmark=bench))
    st = bt["start"]
    r = np.array(bt["returns"][st:], dtype=float)
    k = bt["risk"]
    rel = lambda a, b: abs(a - b) <= 1e-9 * abs(b) + 1e-12  # noqa: E731 (DESIGN.md tolerance)
    assert rel(k["annual_return"], ep.annual_return(r))
    assert rel(k["annual_volatility"], ep.annual_volatility(r))
    assert rel(k["sharpe_ratio"], ep.sharpe_ratio(r, risk_free=0.0001))
    assert rel(k["sortino_ratio"], ep.sortino_ratio(r, required_return=0.0001))
    assert rel(k["max_drawdown"], ep.max_drawdown(r))
    assert rel(k["calmar_ratio"], ep.calmar_ratio(r))
    assert rel(k["value_at_risk"], ep.value_at_risk(r, cutoff=0.05))
    assert rel(k["conditional_value_at_risk"], ep.conditional_value_at_risk(r, cutoff=0.05))
    f = bench.pct_change().to_numpy()[st:]
    b = bt["benchmark"]
    assert rel(b["up_capture"], ep.up_capture(r, f))
    assert rel(b["down_capture"], ep.down_capture(r, f))
    assert rel(b["beta"], ep.beta(r, f))
    assert rel(b["tracking_error"], np.std(r - f, ddof=1) * math.sqrt(252))
    assert rel(b["information_ratio"], np.mean(r - f) / np.std(r - f, ddof=1) * math.sqrt(252))


def test_delisting_and_late_listing_from_pandas():
    close = _prices(120, 3, 2)
    close.iloc[:30, 2] = np.nan      # S2 lists on bar 30
    close.iloc[80:, 1] = np.nan      # S1's last price is bar 79
    bt = ai.backtest({"version": 1, "universe": {"kind": "all"},
                      "weighting": {"scheme": "equal", "window": 20}, "schedule": {"kind": "quarterly"},
                      "delisting": "cash"}, ai.market_data(close))
    (ev,) = bt["delistings"]
    assert ev["symbol"] == "S1" and ev["exit_date"] == close.index[80].date().isoformat()
    assert ev["price"] == close.iloc[79, 1]
    w = np.array(bt["weights"], dtype=float)
    assert (w[80:, 1] == 0).all() and bt["cash"][80] > 0


def test_risk_score_formula():
    close = _prices(400, 1, 3)["S0"].to_numpy()
    vol = np.full(400, 3e5)
    s = ai.risk_score({"close": close, "volume": vol, "credit": 40, "regulatory": 10, "technical": 70}, None)
    r = np.diff(close) / close[:-1]
    ann = np.std(r, ddof=1) * math.sqrt(252)
    wealth = np.cumprod(1 + r)
    dd = -np.min(wealth / np.maximum.accumulate(np.concatenate([[1.0], wealth]))[1:] - 1)
    liq = math.log10(np.median(close * vol))
    assert abs(s["volatility"]["value"] - ann) < 1e-12
    assert abs(s["drawdown"]["value"] - dd) < 1e-12
    assert abs(s["liquidity"]["value"] - liq) < 1e-12
    bp = lambda x, pts: float(np.interp(x, [p[0] for p in pts], [p[1] for p in pts]))  # noqa: E731
    vs = bp(ann, [[0, 1], [0.1, 20], [0.2, 40], [0.35, 60], [0.6, 80], [1, 100]])
    ds = bp(dd, [[0, 1], [0.1, 20], [0.25, 40], [0.4, 60], [0.6, 80], [0.85, 100]])
    ls = bp(liq, [[5, 100], [6, 80], [7, 55], [8, 30], [9, 10], [10, 1]])
    market = 0.4 * vs + 0.3 * ds + 0.3 * ls
    assert abs(s["score"] - (0.3 * market + 0.25 * 40 + 0.25 * 10 + 0.2 * 70)) < 1e-9
    assert s["rounded"] == math.floor(s["score"] + 0.5)


def test_simulate_fits_and_bands():
    v = 100 * np.cumprod(1 + np.random.default_rng(5).normal(0.0004, 0.01, 500))
    sim = ai.simulate(v, {"version": 1, "horizon": 21, "paths": 4000, "seed": 3})
    lr = np.diff(np.log(v))
    assert abs(sim["volatility"] - np.std(lr, ddof=1)) < 1e-15
    assert abs(sim["drift"] - (lr.mean() + lr.var(ddof=1) / 2)) < 1e-15
    bands = np.array(sim["bands"])
    assert bands.shape == (5, 22) and (np.diff(bands, axis=0) >= 0).all()
    # the median of log-normal paths: start * exp(m * k), within the sampling error
    assert abs(math.log(bands[2, 21] / v[-1]) - 21 * lr.mean()) < 4 * np.std(lr) * math.sqrt(21) / math.sqrt(4000) * 1.3
    boot = ai.simulate(v, {"version": 1, "method": "bootstrap", "horizon": 5, "paths": 100, "block": 5})
    assert boot == ai.simulate(v, {"version": 1, "method": "bootstrap", "horizon": 5, "paths": 100, "block": 5})


def test_errors():
    ok = {"version": 1, "universe": {"kind": "all"}, "weighting": {"scheme": "equal"}, "schedule": {"kind": "monthly"}}
    data = ai.market_data(_prices(30))
    with pytest.raises(UnsupportedError, match="version"):
        ai.backtest({**ok, "version": 2}, data)
    with pytest.raises(InputError, match="unknown field `colour`"):
        ai.backtest({**ok, "colour": 1}, data)
    with pytest.raises(ParameterError, match="cash_buffer"):
        ai.backtest({**ok, "cash_buffer": 1.5}, data)
    with pytest.raises(InputError, match="ZZZ"):
        ai.backtest({**ok, "universe": {"kind": "static", "symbols": ["ZZZ"]}}, data)
    with pytest.raises(ParameterError, match="credit"):
        ai.risk_score({"close": [1, 2, 3], "credit": 0, "regulatory": 1, "technical": 1}, None)
