"""Numerical stability at high price levels (DESIGN.md): BBANDS' rolling standard deviation on a
60,000-level random walk with tiny moves, against an exactly summed (math.fsum) reference,
error normalised by the rolling std."""

from __future__ import annotations

import math

import numpy as np

import sextant


def exact_std(window: np.ndarray) -> float:
    n = window.size
    mean = math.fsum(window.tolist()) / n
    return math.sqrt(math.fsum(((x - mean) ** 2 for x in window.tolist())) / n)


def test_bbands_std_is_exact_at_60000_level():
    rng = np.random.default_rng(11)
    n, p = 300_000, 20
    close = 60_000.0 + np.cumsum(rng.normal(0.0, 0.05, n))
    # a large multiplier keeps the band's own rounding (60,000 * 2^-53) out of the measurement
    upper, middle, _ = sextant.ta.BBANDS(close, timeperiod=p, nbdevup=1e6, nbdevdn=1e6)
    sd = (upper - middle) / 1e6
    worst = 0.0
    for i in range(p - 1, n, 997):
        ref = exact_std(close[i - p + 1 : i + 1])
        worst = max(worst, abs(sd[i] - ref) / ref)
    # measured: 4e-14 (TA-Lib's running sum of squares: 1.0e-12 on the same series)
    assert worst < 1e-13, worst


def test_sma_long_series_relative_error():
    rng = np.random.default_rng(3)
    x = 60_000.0 + np.cumsum(rng.normal(0.0, 1.0, 1_000_000))
    out = sextant.ta.SMA(x, 30)
    idx = np.arange(29, x.size, 9973)
    ref = np.array([math.fsum(x[i - 29 : i + 1].tolist()) / 30 for i in idx])
    assert np.max(np.abs(out[idx] - ref) / np.abs(ref)) < 1e-12


def test_linear_regression_slope_is_exact_at_60000_level():
    """LINEARREG_SLOPE on a 60,000-level walk against exact rational arithmetic: the centred sums
    keep the slope to ~1e-12 of its size (TA-Lib's raw sums: ~1e-7 on the same windows)."""
    from fractions import Fraction

    rng = np.random.default_rng(5)
    x = 60_000.0 + np.cumsum(rng.normal(0.0, 1.0, 5_000))
    p = 3
    got = sextant.ta.LINEARREG_SLOPE(x, p)
    worst = 0.0
    for i in range(p - 1, x.size, 37):
        ys = [Fraction(v) for v in x[i - p + 1 : i + 1].tolist()]
        ym = sum(ys) / p
        tm = Fraction(p - 1, 2)
        m = sum((t - tm) * (y - ym) for t, y in enumerate(ys)) / sum((t - tm) ** 2 for t in range(p))
        if m != 0:
            worst = max(worst, abs(got[i] - float(m)) / abs(float(m)))
    assert worst < 1e-9, worst


def test_rolling_statistics_on_10m_bars_against_exact_sums():
    """STDDEV, VAR, CORREL, LINEARREG_SLOPE and BETA on a pinned 10M-bar 60,000-level walk,
    sampled windows against exact rational sums; errors normalised by the rolling standard
    deviation (or the slope's scale) stay below 1e-9 (issue #5)."""
    from fractions import Fraction

    rng = np.random.default_rng(20261122)
    n, p = 10_000_000, 30
    x = 60_000.0 + np.cumsum(rng.normal(0.0, 1.0, n))
    y = 60_000.0 + np.cumsum(rng.normal(0.0, 1.0, n))
    sd = sextant.ta.STDDEV(x, p, 1.0)
    var = sextant.ta.VAR(x, p)
    r = sextant.ta.CORREL(x, y, p)
    slope = sextant.ta.LINEARREG_SLOPE(x, p)
    beta = sextant.ta.BETA(x, y, p)
    worst = dict.fromkeys(("STDDEV", "VAR", "CORREL", "LINEARREG_SLOPE", "BETA"), 0.0)
    for i in range(p, n, 99_991):
        wx = [Fraction(v) for v in x[i - p + 1 : i + 1].tolist()]
        wy = [Fraction(v) for v in y[i - p + 1 : i + 1].tolist()]
        mx, my = sum(wx) / p, sum(wy) / p
        vx = sum((a - mx) ** 2 for a in wx) / p
        vy = sum((b - my) ** 2 for b in wy) / p
        cxy = sum((a - mx) * (b - my) for a, b in zip(wx, wy)) / p
        s = math.sqrt(vx)
        worst["STDDEV"] = max(worst["STDDEV"], abs(sd[i] - s) / s)
        worst["VAR"] = max(worst["VAR"], abs(var[i] - float(vx)) / float(vx))
        worst["CORREL"] = max(worst["CORREL"], abs(r[i] - float(cxy) / math.sqrt(vx * vy)))
        tm = Fraction(p - 1, 2)
        m = sum((t - tm) * (a - mx) for t, a in enumerate(wx)) / sum((t - tm) ** 2 for t in range(p))
        worst["LINEARREG_SLOPE"] = max(worst["LINEARREG_SLOPE"], abs(slope[i] - float(m)) / (s / p))
        # BETA: slope of x's simple returns on y's over the last p returns
        px = [Fraction(v) for v in x[i - p : i + 1].tolist()]
        py = [Fraction(v) for v in y[i - p : i + 1].tolist()]
        rx = [(b - a) / a for a, b in zip(px, px[1:])]
        ry = [(b - a) / a for a, b in zip(py, py[1:])]
        mrx, mry = sum(rx) / p, sum(ry) / p
        b_exact = sum((a - mrx) * (b - mry) for a, b in zip(rx, ry)) / sum((a - mrx) ** 2 for a in rx)
        worst["BETA"] = max(worst["BETA"], abs(beta[i] - float(b_exact)) / max(abs(float(b_exact)), 1.0))
    assert all(v < 1e-9 for v in worst.values()), worst
