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
