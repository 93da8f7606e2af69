"""Differential tests against TA-Lib 0.8.2 itself (the `TA-Lib` wheel, installed by the python
stage): the stream handles, the module-level unstable periods and nan_policy="talib".
Tolerance: DESIGN.md's rule, |got - ref| <= 1e-9 |ref| + 1e-12 max|input| (scaled by the
output's magnitude where it is larger); int32 outputs identical."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import talib
import talib.stream as tstream

import sextant.ta as ta
from sextant.ta import stream as sstream

GOLDEN = Path(__file__).resolve().parents[2] / "tests" / "golden" / "data"
COLS = {c: np.fromfile(GOLDEN / f"sp500_tail_{c}.f64", dtype="<f8")[-400:]
        for c in ("open", "high", "low", "close", "volume")}
INPUT_COLUMNS = {"real": "close", "real0": "close", "real1": "open", "periods": None}


def inputs_of(name: str) -> list[np.ndarray] | None:
    from sextant._surface import functions

    info = next(f for f in functions("ta") if f["name"] == name)
    cols = []
    for i in info["inputs"]:
        col = INPUT_COLUMNS.get(i["name"], i["name"])
        if col is None or col not in COLS:
            return None
        cols.append(COLS[col])
    return cols


def close(got, want) -> bool:
    got, want = np.atleast_1d(np.asarray(got, float)), np.atleast_1d(np.asarray(want, float))
    scale = max(1.0, float(np.nanmax(np.abs(np.concatenate([want[np.isfinite(want)], [0.0]])))))
    tol = 1e-9 * np.abs(want) + 1e-12 * max(float(np.abs(COLS["volume"]).max()), scale)
    same = (np.isnan(got) & np.isnan(want)) | (got == want)
    with np.errstate(invalid="ignore"):
        return bool(np.all(same | (np.abs(got - want) <= tol)))


STREAM_NAMES = [n for n in ta.get_functions() if hasattr(tstream, n) and inputs_of(n) is not None]


def test_every_talib_stream_handle_is_covered():
    assert len(STREAM_NAMES) >= 120


@pytest.mark.parametrize("name", STREAM_NAMES)
def test_stream_equals_talib_stream_handle(name):
    """TA-Lib 0.8's stream handle and ours, both opened on the same 300-bar history, give the
    same peek and update values on each of the next 100 bars, and the same value after."""
    cols = inputs_of(name)
    hist = tuple(c[:300] for c in cols)
    theirs = getattr(tstream, name)(*hist)
    ours = getattr(sstream, name)(hist if len(hist) > 1 else hist[0])
    assert close(ours.value, theirs.value), (name, "value after history")
    for bar in zip(*(c[300:] for c in cols)):
        assert close(ours.peek(*bar), theirs.peek(*bar)), (name, "peek")
        got, want = ours.update(*bar), theirs.update(*bar)
        assert close(got, want), (name, got, want)
    assert close(ours.value, theirs.value)


@pytest.fixture
def unstable():
    yield
    ta.set_unstable_period("ALL", 0)
    talib.set_unstable_period("ALL", 0)


@pytest.mark.parametrize("setting, name, args, kwargs", [
    ("EMA", "EMA", ("close",), {"timeperiod": 10}),
    ("EMA", "MACD", ("close",), {}),
    ("EMA", "DEMA", ("close",), {"timeperiod": 7}),
    ("EMA", "STOCH", ("high", "low", "close"), {"slowk_matype": 1, "slowd_matype": 1}),
    ("RSI", "STOCHRSI", ("close",), {"fastd_matype": 1}),
    ("RSI", "MACD", ("close",), {}),  # an RSI setting leaves MACD alone
    ("ADX", "ADXR", ("high", "low", "close"), {}),
    ("ATR", "KC", ("high", "low", "close"), {}),
    ("ATR", "NATR", ("high", "low", "close"), {}),  # NATR has its own id
    ("ALL", "TEMA", ("close",), {"timeperiod": 9}),
])
def test_set_unstable_period_matches_talib(unstable, setting, name, args, kwargs):
    cols = [COLS[a] for a in args]
    for period in (3, 0):
        ta.set_unstable_period(setting, period)
        talib.set_unstable_period(setting, period)
        got = getattr(ta, name)(*cols, **kwargs)
        want = getattr(talib, name)(*cols, **kwargs)
        for g, w in zip(got if isinstance(got, tuple) else (got,), want if isinstance(want, tuple) else (want,)):
            assert close(g, w), (setting, name, period)
    assert ta.get_unstable_period(setting) == talib.get_unstable_period(setting) == 0


def test_per_call_unstable_period_equals_talib_all(unstable):
    talib.set_unstable_period("ALL", 4)
    want = talib.MACD(COLS["close"])
    talib.set_unstable_period("ALL", 0)
    got = ta.MACD(COLS["close"], unstable_period=4)
    for g, w in zip(got, want):
        assert close(g, w)
    # a stream with the option continues as the batch
    s = sstream.MACD(unstable_period=4)
    for x in COLS["close"]:
        last = s.update(x)
    assert close(last, [w[-1] for w in want])


def test_unknown_unstable_id_and_bad_period_are_typed_errors():
    with pytest.raises(ta.abstract._native.ParameterError, match="unknown unstable-period id"):
        ta.set_unstable_period("SMA", 3)
    with pytest.raises(ValueError, match="period"):
        ta.set_unstable_period("EMA", -1)


def test_compatibility_default_and_metastock():
    ta.set_compatibility(0)
    assert ta.get_compatibility() == talib.get_compatibility() == 0
    from sextant.errors import UnsupportedError

    with pytest.raises(UnsupportedError, match="Metastock"):
        ta.set_compatibility(1)
    assert ta.get_compatibility() == 0


RESTNAN = ["SMA", "EMA", "MACD", "BBANDS", "ATR", "KAMA", "T3", "TRIMA", "LINEARREG", "SUM", "MFI", "STOCH"]


@pytest.mark.parametrize("name", RESTNAN)
def test_nan_policy_talib_equals_talib_on_interior_gaps(name):
    """Where TA-Lib's own output is NaN from the first interior NaN on, nan_policy="talib" is
    identical to it (the default policy re-seeds instead)."""
    cols = [c.copy() for c in inputs_of(name)]
    for c in cols:
        c[:3] = np.nan  # leading NaNs: skipped by both
        c[200] = np.nan
    want = getattr(talib, name)(*cols)
    got = getattr(ta, name)(*cols, nan_policy="talib")
    default = getattr(ta, name)(*cols)
    for g, w, d in zip(got if isinstance(got, tuple) else (got,), want if isinstance(want, tuple) else (want,),
                       default if isinstance(default, tuple) else (default,)):
        assert np.isnan(w[200:]).all()
        assert close(g, w), name
        assert not np.isnan(d[-50:]).any()  # the default policy recovers


# ------------------------------------------------------------------ candle settings
PATTERNS = talib.get_function_groups()["Pattern Recognition"]
CANDLES = {c: np.concatenate([np.fromfile(GOLDEN / f"candles_{c}.f64", dtype="<f8")[:3000], COLS[c] / 10.0])
           for c in ("open", "high", "low", "close")}
# one changed setting per type (range type, avgperiod incl. 0 = the candle's own range, factor)
# and every type at once ("all": each of them set to the same values)
CANDLE_CASES = [("BodyLong", 1, 5, 0.8), ("BodyVeryLong", 1, 3, 1.0), ("BodyShort", 1, 2, 0.4),
                ("BodyDoji", 0, 0, 0.5), ("ShadowLong", 1, 7, 0.3), ("ShadowVeryLong", 2, 5, 1.0),
                ("ShadowShort", 0, 3, 1.5), ("ShadowVeryShort", 0, 4, 0.5), ("Near", 0, 8, 0.3),
                ("Far", 2, 3, 1.0), ("Equal", 2, 0, 0.2), ("all", 2, 1, 0.7)]


def test_talib_pattern_group_is_covered():
    """`talib.get_functions()` minus Sextant's functions is empty for the Pattern Recognition
    group: all 61 candlestick patterns, in the same group."""
    ours = ta.get_function_groups()["Pattern Recognition"]
    assert len(PATTERNS) == 61
    assert sorted(set(PATTERNS) - set(ours)) == []


def test_every_talib_function_is_in_sextant():
    """`talib.get_functions()` minus Sextant's functions is empty (TA-Lib 0.8.2: 201 functions,
    each in the same group); Sextant's extra indicators (docs/indicators-beyond-talib.md) are the
    only functions TA-Lib lacks."""
    assert sorted(set(talib.get_functions()) - set(ta.get_functions())) == []
    groups = talib.get_function_groups()
    ours = ta.get_function_groups()
    for group, names in groups.items():
        assert sorted(set(names) - set(ours.get(group, []))) == [], group
    extra = set(ta.get_functions()) - set(talib.get_functions())
    assert extra == {"ALMA", "SINWMA", "PWMA", "FWMA", "SWMA", "VIDYA", "MCGD", "ALLIGATOR", "ICHIMOKU",
                     "FISHER", "KST", "CRSI", "BIAS", "PSL", "PGO", "CTI", "UI", "CHOP", "RWI", "KVO", "EOM"}


@pytest.mark.parametrize("setting,rangetype,period,factor", CANDLE_CASES)
def test_candle_settings_match_talib(setting, rangetype, period, factor):
    """ta.set_candle_settings changes every pattern exactly as TA-Lib's TA_SetCandleSettings
    does (identical int32 signals, the lookback included), on a planted synthetic series and
    real S&P 500 bars; restore puts both back to the defaults."""
    from talib import _ta_lib

    cols = [CANDLES[c] for c in ("open", "high", "low", "close")]
    for s in [n for n, *_ in CANDLE_CASES[:-1]] if setting == "all" else [setting]:
        _ta_lib._ta_set_candle_settings(getattr(_ta_lib.CandleSettingType, s), rangetype, period, factor)
        ta.set_candle_settings(s, rangetype, period, factor)
    try:
        fired = 0
        for name in PATTERNS:
            want = getattr(talib, name)(*cols)
            got = getattr(ta, name)(*cols)
            assert got.dtype == np.int32
            np.testing.assert_array_equal(got, want, err_msg=f"{name} with {setting}")
            fired += int(np.count_nonzero(want))
            # the stream follows the settings too: the last signal of a streamed history
            s = getattr(sstream, name)(tuple(c[:-1] for c in cols))
            assert s.update(*(float(c[-1]) for c in cols)) == want[-1], name
        assert fired > 0
    finally:
        _ta_lib._ta_restore_candle_default_settings(_ta_lib.CandleSettingType.AllCandleSettings)
        ta.restore_candle_default_settings()
    for name in ("CDLDOJI", "CDLHAMMER", "CDLMATHOLD"):
        np.testing.assert_array_equal(getattr(ta, name)(*cols), getattr(talib, name)(*cols))


def test_bad_candle_settings_are_typed_errors():
    import sextant

    with pytest.raises(sextant.ParameterError) as e:
        ta.set_candle_settings("BodyHuge", 0, 10, 1.0)
    assert e.value.code == "UNKNOWN_OPTION"
    with pytest.raises(sextant.ParameterError) as e:
        ta.set_candle_settings("AllCandleSettings", 0, 10, 1.0)  # as TA_SetCandleSettings
    assert e.value.code == "UNKNOWN_OPTION"
    with pytest.raises(sextant.ParameterError) as e:
        ta.set_candle_settings("BodyLong", 3, 10, 1.0)
    assert e.value.code == "UNKNOWN_OPTION"
    with pytest.raises(sextant.ParameterError) as e:
        ta.set_candle_settings("BodyLong", "RealBody", -1, 1.0)
    assert e.value.code == "OUT_OF_RANGE"
    with pytest.raises(sextant.ParameterError) as e:
        ta.set_candle_settings(ta.CandleSettingType.Near, ta.RangeType.HighLow, 5, float("nan"))
    assert e.value.parameter == "factor"
