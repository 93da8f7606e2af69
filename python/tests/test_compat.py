"""TA-Lib's compatibility surface: MA_Type and the abstract API, checked against what
TA-Lib 0.8.2 reports for the same calls (values recorded from talib in comments)."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pandas as pd
import pytest

import sextant
import sextant.ta as talib
from sextant.ta import abstract

N = 60
DATA = {
    "open": np.linspace(10.0, 20.0, N) + np.sin(np.arange(N)),
    "high": np.linspace(11.0, 21.0, N) + np.sin(np.arange(N)),
    "low": np.linspace(9.0, 19.0, N) + np.sin(np.arange(N)),
    "close": np.linspace(10.5, 20.5, N) + np.cos(np.arange(N)),
    "volume": np.full(N, 1000.0),
}


def test_ma_type_codes_and_names():
    # talib.MA_Type.SMA == 0, MA_Type[1] == 'Exponential Moving Average', DISABLED == 10
    assert (talib.MA_Type.SMA, talib.MA_Type.T3, talib.MA_Type.HMA, talib.MA_Type.RMA) == (0, 8, 9, 13)
    assert talib.MA_Type.DISABLED == 10 and talib.MA_Type.DEFAULT == 11 and talib.MA_Type.ZLEMA == 12
    assert talib.MA_Type[1] == "Exponential Moving Average"
    a = talib.BBANDS(DATA["close"], 10, matype=talib.MA_Type.EMA)
    b = talib.BBANDS(DATA["close"], 10, matype=1)
    np.testing.assert_array_equal(a[1], b[1])


def test_info_matches_talib():
    # talib.abstract.Function('BBANDS').info (name, group, display_name, inputs, parameters, outputs)
    info = abstract.Function("BBANDS").info
    assert info["name"] == "BBANDS" and info["group"] == "Overlap Studies"
    assert info["display_name"] == "Bollinger Bands"
    assert info["input_names"] == OrderedDict([("price", "close")])
    assert info["parameters"] == OrderedDict([("timeperiod", 20), ("nbdevup", 2.0), ("nbdevdn", 2.0), ("matype", 0)])
    assert info["output_names"] == ["upperband", "middleband", "lowerband"]
    assert abstract.BBANDS.lookback == 19
    # ADD and CORREL read high and low by default
    assert abstract.Function("ADD").input_names == OrderedDict([("price0", "high"), ("price1", "low")])
    assert abstract.Function("CORREL").input_names == OrderedDict([("price0", "high"), ("price1", "low")])
    assert abstract.Function("CDLENGULFING").input_names == OrderedDict([("prices", ["open", "high", "low", "close"])])
    assert list(abstract.Function("STOCH").parameters) == [
        "fastk_period", "slowk_period", "slowk_matype", "slowd_period", "slowd_matype"]


def test_parameters_and_lookback():
    f = abstract.Function("SMA")
    f.set_parameters(timeperiod=4)
    assert f.parameters == OrderedDict([("timeperiod", 4)]) and f.lookback == 3  # as talib
    f.set_parameters({"timeperiod": 10})
    assert f.lookback == 9
    with pytest.raises(sextant.ParameterError):
        f.set_parameters(period=3)
    with pytest.raises(sextant.ParameterError):
        abstract.Function("SMA", timeperiod=0).lookback


def test_calls_equal_the_function_api():
    np.testing.assert_array_equal(abstract.Function("SMA")(DATA, 3), talib.SMA(DATA["close"], 3))
    np.testing.assert_array_equal(abstract.SMA(DATA, timeperiod=5), talib.SMA(DATA["close"], 5))
    got = abstract.BBANDS(DATA, timeperiod=5)
    assert isinstance(got, list) and len(got) == 3  # talib returns a list for several outputs
    for g, w in zip(got, talib.BBANDS(DATA["close"], 5)):
        np.testing.assert_array_equal(g, w)
    np.testing.assert_array_equal(abstract.ATR(DATA), talib.ATR(DATA["high"], DATA["low"], DATA["close"]))
    # parameters given to a call do not stick
    f = abstract.Function("RSI", timeperiod=10)
    f(DATA, timeperiod=3)
    assert f.parameters["timeperiod"] == 10


def test_dataframe_in_dataframe_out_and_input_remapping():
    df = pd.DataFrame(DATA, index=pd.date_range("2020-01-01", periods=N))
    out = abstract.BBANDS(df, timeperiod=5)
    assert isinstance(out, pd.DataFrame) and list(out.columns) == ["upperband", "middleband", "lowerband"]
    assert out.index.equals(df.index)
    sma = abstract.SMA(df, 3)
    assert isinstance(sma, pd.Series) and sma.index.equals(df.index)
    f = abstract.Function("SMA", 3)
    f.input_names = {"price": "open"}
    np.testing.assert_array_equal(f(DATA), talib.SMA(DATA["open"], 3))


def test_errors():
    with pytest.raises(sextant.UnknownFunctionError):
        abstract.Function("NOPE")
    with pytest.raises(AttributeError):
        abstract.NOPE  # noqa: B018
    with pytest.raises(sextant.InputError) as e:
        abstract.ATR({"close": DATA["close"]})
    assert "high" in str(e.value)
