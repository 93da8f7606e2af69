"""sextant.polars: the expression plugin against the numpy functions, group by group.

Reference: the same function of ``sextant.ta`` (itself asserted against TA-Lib by the golden
and live tests) on each group's slice as a numpy array. The plugin runs the same core kernel on
the same float64 values, so results are compared bit for bit (tolerance 0): NaN in numpy is
null in polars; int32 outputs are null through the warm-up and equal after it.
"""

from __future__ import annotations

import numpy as np
import pytest

pl = pytest.importorskip("polars")

import sextant  # noqa: E402
import sextant.polars as sp  # noqa: E402
from sextant._surface import REGISTRY  # noqa: E402


def ohlcv(n: int, seed: int) -> dict[str, np.ndarray]:
    """A random-walk bar series with consistent OHLC (low <= open, close <= high)."""
    rng = np.random.default_rng(seed)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, n)))
    open_ = np.concatenate([[close[0]], close[:-1]]) * np.exp(rng.normal(0, 0.002, n))
    high = np.maximum(open_, close) * np.exp(np.abs(rng.normal(0, 0.004, n)))
    low = np.minimum(open_, close) * np.exp(-np.abs(rng.normal(0, 0.004, n)))
    volume = rng.integers(1_000, 100_000, n).astype(np.float64)
    return {"open": open_, "high": high, "low": low, "close": close, "volume": volume}


def frame(lengths: list[int], seed: int = 7) -> tuple[pl.DataFrame, list[dict[str, np.ndarray]]]:
    groups = [ohlcv(n, seed + k) for k, n in enumerate(lengths)]
    parts = [pl.DataFrame({"symbol": [f"s{k:03d}"] * n, **{c: g[c] for c in g}})
             for k, (n, g) in enumerate(zip(lengths, groups))]
    return pl.concat(parts), groups


def numpy_fn(info: dict):
    return getattr(getattr(sextant, info["module"]), info["name"])


def column_inputs(info: dict, g: dict[str, np.ndarray]) -> list[np.ndarray]:
    return [g[i["name"]] if i["name"] in g else g["close"] for i in info["inputs"]]


def expr_inputs(info: dict) -> list:
    return [pl.col(i["name"]) if i["name"] in ("open", "high", "low", "close", "volume") else pl.col("close")
            for i in info["inputs"]]


def as_numpy(s: pl.Series) -> np.ndarray:
    return s.to_numpy() if s.dtype == pl.Int32 and s.null_count() == 0 else s.cast(pl.Float64).fill_null(np.nan).to_numpy()


def assert_same(got: pl.Series, want: np.ndarray, lookback: int, what: str) -> None:
    """Bit for bit: float outputs NaN <-> null and equal values; int32 outputs null through the
    warm-up, then TA-Lib's integers."""
    want = np.asarray(want)
    if want.dtype.kind == "i":
        assert got.dtype == pl.Int32, what
        warm = min(lookback, len(want))
        assert got[:warm].null_count() == warm, f"{what}: warm-up not null"
        assert got[warm:].null_count() == 0, f"{what}: null after the warm-up"
        np.testing.assert_array_equal(got[warm:].to_numpy(), want[warm:], err_msg=what)
        return
    assert got.dtype == pl.Float64, what
    g = got.to_numpy(allow_copy=True) if got.null_count() == 0 else got.fill_null(np.nan).to_numpy()
    assert not np.isnan(got.drop_nulls().to_numpy()).any(), f"{what}: NaN left in the output"
    np.testing.assert_array_equal(np.isnan(g), np.isnan(want), err_msg=f"{what}: null positions")
    ok = ~np.isnan(want)
    assert np.array_equal(g[ok].view(np.int64), want[ok].view(np.int64)), f"{what}: values differ"


SUPPORTED = [f for f in REGISTRY if sp.supported(f)]


def test_every_series_function_is_generated() -> None:
    assert len(SUPPORTED) > 150  # every indicator of ta
    for info in SUPPORTED:
        assert callable(getattr(sp, info["name"]))
    assert "RSI" in sp.__all__ and "MACD" in sp.__all__ and "CDLENGULFING" in sp.__all__
    assert not hasattr(sp, "sharpe_ratio")  # scalar output: not a per-row expression


@pytest.mark.parametrize("info", SUPPORTED, ids=[f["name"] for f in SUPPORTED])
def test_matches_numpy_per_group(info: dict) -> None:
    """Every generated expression, over three groups (one shorter than most lookbacks), equals
    the numpy function on each group, bit for bit, with default parameters."""
    lengths = [260, 5, 90]
    df, groups = frame(lengths)
    expr = getattr(sp, info["name"])(*expr_inputs(info)).over("symbol").alias("out")
    out = df.select(expr)["out"]
    fn = numpy_fn(info)
    names = [o["name"] for o in info["outputs"]]
    start = 0
    for n, g in zip(lengths, groups):
        want = fn(*column_inputs(info, g))
        want = want if isinstance(want, tuple) else (want,)
        part = out[start:start + n]
        start += n
        for k, w in enumerate(want):
            got = part.struct.field(names[k]) if len(names) > 1 else part
            assert_same(got, w, info["default_lookback"] or 0, f"{info['name']}.{names[k]} n={n}")


def test_rsi_over_500_symbols_x_5000_bars_equals_numpy() -> None:
    """The Must-show of #7: RSI(14) over 500 symbols x 5,000 bars equals the per-group numpy
    results bit for bit (NaN warm-up <-> null)."""
    n_sym, n_bars = 500, 5_000
    rng = np.random.default_rng(42)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, (n_sym, n_bars)), axis=1))
    df = pl.DataFrame({"symbol": np.repeat([f"s{k:03d}" for k in range(n_sym)], n_bars),
                       "close": close.ravel()})
    out = df.with_columns(sp.RSI(pl.col("close"), timeperiod=14).over("symbol").alias("rsi"))["rsi"]
    want = np.concatenate([sextant.ta.RSI(close[k], timeperiod=14) for k in range(n_sym)])
    got = out.fill_null(np.nan).to_numpy()
    assert out.null_count() == n_sym * 14
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    ok = ~np.isnan(want)
    assert np.array_equal(got[ok].view(np.int64), want[ok].view(np.int64))


def test_interleaved_rows_and_lazy() -> None:
    """Rows of the groups interleaved (as bars arrive by time): .over() still computes each
    group in its own row order; the lazy engine gives the same."""
    df, groups = frame([120, 80])
    df = df.with_columns(pl.int_range(pl.len()).over("symbol").alias("t")).sort("t", "symbol")
    eager = df.with_columns(sp.EMA(pl.col("close"), timeperiod=10).over("symbol").alias("ema"))
    lazy = df.lazy().with_columns(sp.EMA("close", timeperiod=10).over("symbol").alias("ema")).collect()
    assert eager["ema"].equals(lazy["ema"])
    for k, g in enumerate(groups):
        got = eager.filter(pl.col("symbol") == f"s{k:03d}")["ema"]
        assert_same(got, sextant.ta.EMA(g["close"], timeperiod=10), 9, f"EMA group {k}")


def test_short_group_is_all_null_and_boundaries_are_respected() -> None:
    df = pl.DataFrame({"symbol": ["a"] * 20 + ["b"] * 10 + ["c"] * 15,
                       "close": np.arange(1.0, 46.0)})
    out = df.with_columns(sp.SMA("close", timeperiod=15).over("symbol").alias("sma"))
    a, b, c = (out.filter(pl.col("symbol") == s)["sma"] for s in "abc")
    assert a.null_count() == 14 and a[14] == np.mean(np.arange(1.0, 16.0))
    assert b.null_count() == 10  # shorter than the lookback: all warm-up
    assert c.null_count() == 14 and c[14] == np.mean(np.arange(31.0, 46.0))  # only its own rows
    # without .over: one series across the boundaries
    whole = df.select(sp.SMA("close", timeperiod=15))["close"]
    assert whole.null_count() == 14


def test_ohlcv_defaults_multi_input_and_struct_output() -> None:
    df, groups = frame([200, 150])
    out = df.with_columns(
        sp.ATR(timeperiod=14).over("symbol").alias("atr"),  # high, low, close by default
        sp.MACD("close").over("symbol").alias("macd"),
        sp.STOCH().over("symbol").alias("stoch"),
    )
    assert out.schema["macd"] == pl.Struct({"macd": pl.Float64, "macdsignal": pl.Float64, "macdhist": pl.Float64})
    g = groups[1]
    part = out.filter(pl.col("symbol") == "s001")
    assert_same(part["atr"], sextant.ta.ATR(g["high"], g["low"], g["close"], timeperiod=14), 14, "ATR")
    for name, want in zip(("macd", "macdsignal", "macdhist"), sextant.ta.MACD(g["close"])):
        assert_same(part["macd"].struct.field(name), want, 33, f"MACD.{name}")
    slowk, slowd = sextant.ta.STOCH(g["high"], g["low"], g["close"])
    assert_same(part["stoch"].struct.field("slowk"), slowk, 8, "STOCH.slowk")
    unnested = part.select(pl.col("macd").struct.unnest())
    assert unnested.columns == ["macd", "macdsignal", "macdhist"]


def test_group_by_agg() -> None:
    df, groups = frame([60, 40])
    out = df.group_by("symbol", maintain_order=True).agg(sp.RSI("close", timeperiod=5).alias("rsi"))
    for k, g in enumerate(groups):
        assert_same(out["rsi"][k], sextant.ta.RSI(g["close"], timeperiod=5), 5, f"group {k}")


def test_null_inputs_follow_nan_policy() -> None:
    """A null input is NaN to the core: leading nulls are skipped (warm-up starts at the first
    value), an interior null gives null while the window holds it and the state re-seeds
    ("default"); "talib" gives null to the end. Same as the numpy function with NaN."""
    x = ohlcv(80, 3)["close"]
    x_nan = x.copy()
    x_nan[:4] = np.nan
    x_nan[40] = np.nan
    s = pl.Series("close", x_nan, nan_to_null=True)
    df = pl.DataFrame({"close": s, "symbol": ["a"] * 80})
    for policy in ("default", "talib"):
        got = df.select(sp.RSI("close", timeperiod=5, nan_policy=policy).over("symbol"))["close"]
        want = sextant.ta.RSI(x_nan, timeperiod=5, nan_policy=policy)
        assert_same(got, want, 5, policy)
    got = df.select(sp.SMA("close", timeperiod=5))["close"]
    assert got[:8].null_count() == 8 and got[8] is not None  # 4 leading nulls + lookback 4
    assert got[40:45].null_count() == 5 and got[45] is not None  # windows holding row 40
    talib = df.select(sp.SMA("close", timeperiod=5, nan_policy="talib"))["close"]
    assert talib[40:].null_count() == 40


def test_integer_and_float32_columns_are_widened() -> None:
    df = pl.DataFrame({"i": np.arange(30, dtype=np.int64), "f": np.arange(30, dtype=np.float32)})
    a = df.select(sp.SMA("i", timeperiod=4))["i"]
    b = df.select(sp.SMA("f", timeperiod=4))["f"]
    want = sextant.ta.SMA(np.arange(30.0), timeperiod=4)
    assert_same(a, want, 3, "int64")
    assert_same(b, want, 3, "float32")


def test_bad_parameters_raise_parameter_error_when_built() -> None:
    with pytest.raises(sextant.ParameterError, match=r"timeperiod.*1.*\[2, 100000\]"):
        sp.RSI("close", timeperiod=1)
    with pytest.raises(sextant.ParameterError, match="nan_policy"):
        sp.RSI("close", nan_policy="skip")
    with pytest.raises(TypeError):
        sp.RSI("close", period=14)  # not a parameter of RSI
    with pytest.raises(sextant.InputError, match="real"):
        sp.RSI(3.5)


def test_wrong_input_count_is_a_polars_error() -> None:
    df = pl.DataFrame({"a": [1.0, 2.0]})
    expr = sp.SMA("a")
    # the plugin checks what it is given too (a hand-built call with kwargs of another function)
    from polars.plugins import register_plugin_function

    bad = register_plugin_function(plugin_path=sp.LIBRARY, function_name="sextant_call", args=[pl.col("a")],
                                   kwargs={"module": "ta", "name": "ATR", "params": "[14]"})
    with pytest.raises(pl.exceptions.ComputeError, match="ATR.*3 inputs"):
        df.select(bad)
    bad = register_plugin_function(plugin_path=sp.LIBRARY, function_name="sextant_call", args=[pl.col("a")],
                                   kwargs={"module": "ta", "name": "RSI", "params": "[1]"})
    with pytest.raises(pl.exceptions.ComputeError, match=r"timeperiod.*\[2, 100000\]"):
        df.select(bad)
    assert df.select(expr)["a"].null_count() == 2


def test_unstable_period_setting_applies() -> None:
    x = ohlcv(100, 5)["close"]
    df = pl.DataFrame({"close": x})
    got = df.select(sp.EMA("close", timeperiod=10, unstable_period=7))["close"]
    assert_same(got, sextant.ta.EMA(x, timeperiod=10, unstable_period=7), 16, "explicit")
    sextant.ta.set_unstable_period("EMA", 5)
    try:
        expr = sp.EMA("close", timeperiod=10)
        want = sextant.ta.EMA(x, timeperiod=10)
    finally:
        sextant.ta.set_unstable_period("EMA", 0)
    assert_same(df.select(expr)["close"], want, 14, "global")
