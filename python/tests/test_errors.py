"""Bad parameters and inputs raise typed errors (ValueError subclasses) naming the parameter
and the bound; degenerate data follows the reference; nothing crashes."""

from __future__ import annotations

import numpy as np
import pytest

import sextant
from sextant.errors import InputError, ParameterError, SextantError, UnsupportedError

X = np.linspace(100.0, 110.0, 50)


def test_period_zero():
    with pytest.raises(ParameterError) as e:
        sextant.ta.SMA(X, timeperiod=0)
    err = e.value
    assert isinstance(err, ValueError) and isinstance(err, SextantError)
    assert err.code == "OUT_OF_RANGE" and err.parameter == "timeperiod"
    assert str(err) == "parameter `timeperiod` = 0 is out of range: must be in [1, 100000]"


def test_string_where_number_belongs():
    with pytest.raises(ParameterError) as e:
        sextant.ta.RSI(X, timeperiod="14")
    assert e.value.code == "INVALID_TYPE" and "timeperiod" in str(e.value)
    with pytest.raises(ParameterError):
        sextant.ta.RSI(X, timeperiod=14.5)
    with pytest.raises(ParameterError):
        sextant.ta.RSI(X, timeperiod=True)
    # numpy integers and integral floats are numbers
    assert np.array_equal(sextant.ta.RSI(X, np.int64(14)), sextant.ta.RSI(X, 14.0), equal_nan=True)


def test_string_input_data():
    with pytest.raises(InputError) as e:
        sextant.ta.SMA(["a", "b"])
    assert e.value.parameter == "real"
    with pytest.raises(InputError):
        sextant.ta.SMA("1,2,3")
    with pytest.raises(InputError):
        sextant.ta.SMA(np.ones((3, 3, 3)))  # 2-D is many series (test_columns.py); 3-D is not


def test_mismatched_lengths():
    with pytest.raises(InputError) as e:
        sextant.ta.ATR(X, X[:-1], X)
    assert e.value.code == "LENGTH_MISMATCH"
    assert "`low` has length 49, but `high` has length 50" in str(e.value)


def test_unknown_options_and_arguments():
    with pytest.raises(ParameterError) as e:
        sextant.risk.sharpe_ratio(X, period="hourly")
    assert "daily, weekly, monthly, quarterly, yearly" in str(e.value)
    with pytest.raises(TypeError):
        sextant.ta.SMA(X, period=3)  # Python's own error for an unknown keyword
    with pytest.raises(ParameterError):
        sextant.ta.BBANDS(X, matype=14)
    with pytest.raises(UnsupportedError) as e:
        sextant.ta.set_compatibility(1)  # Metastock: TA-Lib 0.8.2 ignores it too
    assert "Metastock" in str(e.value) and isinstance(e.value, ValueError)


def test_empty_input_like_talib():
    assert sextant.ta.SMA(np.array([])).size == 0
    up, mid, lo = sextant.ta.BBANDS([])
    assert up.size == mid.size == lo.size == 0
    assert np.isnan(sextant.risk.sharpe_ratio([]))
    assert np.isnan(sextant.risk.sharpe_ratio([0.01]))
    assert np.all(np.isnan(sextant.ta.SMA(X[:5], 30)))


def test_bad_covariance():
    with pytest.raises(InputError) as e:
        sextant.alloc.inverse_volatility(np.array([[0.04, 0.0], [0.0, -1.0]]))
    assert "cov[1][1]" in str(e.value)
    with pytest.raises(InputError):
        sextant.alloc.inverse_volatility(np.ones((2, 3)))
    with pytest.raises(InputError):
        sextant.alloc.inverse_volatility(np.ones(4))


def test_interior_nan_does_not_poison_the_series():
    x = np.linspace(1.0, 2.0, 100)
    x[40] = np.nan
    out = sextant.ta.SMA(x, 5)
    assert np.all(np.isnan(out[40:45])) and not np.isnan(out[45])
    np.testing.assert_array_equal(out[45:], sextant.ta.SMA(x[41:], 5)[4:])
