"""2-D inputs (bars x series): every column equals the 1-D call bit for bit, in C or Fortran
order, on any number of threads; values checked against TA-Lib and empyrical-reloaded."""

import numpy as np
import pandas as pd
import pytest

import sextant
from sextant import ta, risk
from sextant.errors import InputError, ParameterError

talib = pytest.importorskip("talib")


def walks(rows, cols, seed=3):
    rng = np.random.default_rng(seed)
    close = 100 + np.cumsum(rng.normal(0, 1, (rows, cols)), axis=0)
    high = close + rng.uniform(0, 1, (rows, cols))
    low = close - rng.uniform(0, 1, (rows, cols))
    return high, low, close


def same(a, b):
    return np.array_equal(a, b, equal_nan=True)


@pytest.fixture(autouse=True)
def restore_threads():
    yield
    sextant.set_num_threads(0)


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("threads", [1, 2, 5])
def test_each_column_is_the_1d_call(order, threads):
    sextant.set_num_threads(threads)
    high, low, close = (np.asarray(a, order=order) for a in walks(300, 7))
    got = ta.ATR(high, low, close, timeperiod=14)
    assert got.shape == (300, 7)
    for j in range(7):
        assert same(got[:, j], ta.ATR(high[:, j].copy(), low[:, j].copy(), close[:, j].copy(), timeperiod=14))
        # TA-Lib 0.8.2 on the same column: DESIGN.md's default tolerance
        np.testing.assert_allclose(got[:, j], talib.ATR(high[:, j], low[:, j], close[:, j], 14), rtol=1e-9)
    up, mid, lo = ta.BBANDS(close, timeperiod=20, nbdevup=2.0, nbdevdn=2.0)
    ref = talib.BBANDS(np.ascontiguousarray(close[:, 3]), 20, 2.0, 2.0)
    for a, r in zip((up, mid, lo), ref):
        np.testing.assert_allclose(a[:, 3], r, rtol=1e-9)
    # several outputs share one allocation; each is (bars, series) in Fortran order
    for a, one in zip((up, mid, lo), ta.BBANDS(close[:, 5].copy(), timeperiod=20, nbdevup=2.0, nbdevdn=2.0)):
        assert a.shape == (300, 7) and a.flags["F_CONTIGUOUS"] and same(a[:, 5], one)


@pytest.mark.parametrize("threads", [1, 2])
def test_out_takes_fortran_arrays_and_returns_them_filled(threads):
    sextant.set_num_threads(threads)
    high, low, close = walks(200, 5)
    bufs = tuple(np.full((200, 5), 7.0, order="F") for _ in range(3))
    got = ta.MACD(close, out=bufs)
    assert all(g is b for g, b in zip(got, bufs))
    for a, one in zip(bufs, ta.MACD(close)):
        assert same(a, one)
    pat = np.zeros((200, 5), dtype=np.int32, order="F")
    o = low + 0.5
    assert ta.CDLENGULFING(o, high, low, close, out=pat) is pat
    assert same(pat, ta.CDLENGULFING(o, high, low, close))
    # a DataFrame input with out=: the arrays given come back, filled
    df = pd.DataFrame(close)
    buf = np.empty((200, 5), order="F")
    assert ta.RSI(df, out=buf) is buf and same(buf, ta.RSI(close))


def test_strided_views_and_int_outputs():
    o, h, l, c = (np.ascontiguousarray(a) for a in (walks(400, 6)[2] + 0.3, *walks(400, 6)))
    view = c[::2, ::3]  # neither C- nor F-contiguous: copied once
    assert same(ta.RSI(view), np.column_stack([ta.RSI(view[:, j].copy()) for j in range(view.shape[1])]))
    pat = ta.CDLENGULFING(o, h, l, c)
    assert pat.dtype == np.int32 and pat.shape == c.shape
    for j in range(6):
        assert same(pat[:, j], talib.CDLENGULFING(o[:, j].copy(), h[:, j].copy(), l[:, j].copy(), c[:, j].copy()))


def test_dataframe_in_dataframe_out():
    _, _, c = walks(120, 4)
    df = pd.DataFrame(c, index=pd.date_range("2024-01-01", periods=120), columns=list("ABCD"))
    out = ta.SMA(df, timeperiod=10)
    assert isinstance(out, pd.DataFrame) and list(out.columns) == list("ABCD") and out.index.equals(df.index)
    np.testing.assert_allclose(out["C"].to_numpy(), talib.SMA(c[:, 2].copy(), 10), rtol=1e-12)


def test_risk_metric_per_column_matches_empyrical():
    empyrical = pytest.importorskip("empyrical")
    rng = np.random.default_rng(11)
    rets = pd.DataFrame(rng.normal(0.0005, 0.01, (500, 3)), columns=["x", "y", "z"])
    got = risk.sharpe_ratio(rets)
    assert isinstance(got, pd.Series) and list(got.index) == ["x", "y", "z"]
    np.testing.assert_allclose(got.to_numpy(), np.asarray(empyrical.sharpe_ratio(rets)), rtol=1e-12)
    dd = risk.max_drawdown(rets.to_numpy())
    np.testing.assert_allclose(dd, np.asarray(empyrical.max_drawdown(rets)), rtol=1e-12)


def test_errors_are_typed():
    _, _, c = walks(50, 3)
    with pytest.raises(InputError) as e:
        ta.ATR(c, c[:, :2], c)
    assert e.value.parameter == "low"
    # out= for 2-D calls: Fortran-ordered arrays of the output shape and dtype
    for bad, why in [((np.empty((50, 3)),), "not Fortran-contiguous"),
                     ((np.empty((49, 3), order="F"),), "got float64 of shape (49, 3)"),
                     ((np.empty((50, 3), order="F", dtype=np.float32),), "got float32 of shape (50, 3)"),
                     ((), "expected 1 array(s)")]:
        with pytest.raises(InputError) as e:
            ta.SMA(c, out=bad)
        assert e.value.parameter == "out" and why in str(e.value) and "(50, 3)" in str(e.value)
    with pytest.raises(InputError) as e:
        ta.ADD(c, c[:-1, 0])  # a 1-D input of another length
    assert e.value.parameter == "real1"
    with pytest.raises(ParameterError):
        sextant.set_num_threads(-1)
    with pytest.raises(ParameterError) as e:
        ta.SMA(c, timeperiod=0)
    assert e.value.parameter == "timeperiod"


def test_empty_shapes():
    assert ta.SMA(np.zeros((0, 3)), timeperiod=5).shape == (0, 3)
    assert ta.SMA(np.zeros((10, 0)), timeperiod=5).shape == (10, 0)
    assert [a.shape for a in ta.MACD(np.zeros((0, 3)))] == [(0, 3)] * 3
    assert [a.shape for a in ta.MACD(np.zeros((10, 0)))] == [(10, 0)] * 3


def test_a_series_is_broadcast_against_every_column():
    """empyrical's beta/capture of a DataFrame of returns against one benchmark Series."""
    empyrical = pytest.importorskip("empyrical")
    rng = np.random.default_rng(5)
    bench = rng.normal(0.0004, 0.01, 400)
    rets = pd.DataFrame(0.8 * bench[:, None] + rng.normal(0, 0.005, (400, 3)), columns=["p", "q", "r"])
    got = risk.beta(rets, bench)
    assert list(got.index) == ["p", "q", "r"]
    for col in rets:
        np.testing.assert_allclose(got[col], empyrical.beta(rets[col].to_numpy(), bench), rtol=1e-12)
    up = risk.up_capture(rets.to_numpy(), bench)
    np.testing.assert_allclose(up, [empyrical.up_capture(rets[c].to_numpy(), bench) for c in rets], rtol=1e-12)
    assert same(ta.ADD(rets.to_numpy(), bench), rets.to_numpy() + bench[:, None])
