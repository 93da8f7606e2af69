"""sextant.distributed on real engines: a Dask LocalCluster (2 worker processes on loopback,
dashboard off), Spark local[2] and Ray when installed. The reference is the single-process
result: every value must be equal bit for bit (NaN where NaN), not just close."""

from __future__ import annotations

import os
import pickle
import shutil
import sys

import numpy as np
import pandas as pd
import pytest

import sextant
from sextant.distributed import apply_frame, output_columns, shards, simulate_local, summary_frame
from sextant.errors import InputError, ParameterError, StateError

SPECS = {
    "rsi": ("RSI", {"timeperiod": 14}),
    "bb": ("BBANDS", {"timeperiod": 20, "nbdevup": 2.0, "nbdevdn": 2.0}),
    "atr": "ATR",
    "doji": "CDLDOJI",
}
RISK = {"sharpe": "sharpe_ratio", "mdd": "max_drawdown", "beta": "beta", "vol": "annual_volatility"}


def make_bars(n_symbols: int, seed: int = 0) -> pd.DataFrame:
    """OHLC bars of n_symbols random walks of 150-400 bars each, rows shuffled."""
    rng = np.random.default_rng(seed)
    frames = []
    for k in range(n_symbols):
        n = int(rng.integers(150, 400))
        close = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, n)))
        open_ = close * np.exp(rng.normal(0, 0.003, n))
        high = np.maximum(open_, close) * np.exp(np.abs(rng.normal(0, 0.004, n)))
        low = np.minimum(open_, close) * np.exp(-np.abs(rng.normal(0, 0.004, n)))
        frames.append(pd.DataFrame({"symbol": f"S{k:03d}", "time": np.arange(n, dtype=np.int64),
                                    "open": open_, "high": high, "low": low, "close": close}))
    bars = pd.concat(frames, ignore_index=True)
    return bars.sample(frac=1.0, random_state=seed).reset_index(drop=True)


def make_returns(n_portfolios: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frames = []
    for k in range(n_portfolios):
        n = int(rng.integers(100, 300))
        frames.append(pd.DataFrame({"portfolio": f"P{k:02d}", "time": np.arange(n, dtype=np.int64),
                                    "returns": rng.normal(0.0004, 0.01, n),
                                    "factor_returns": rng.normal(0.0003, 0.009, n)}))
    return pd.concat(frames, ignore_index=True).sample(frac=1.0, random_state=seed).reset_index(drop=True)


def expected_indicators(bars: pd.DataFrame) -> dict[str, dict[str, np.ndarray]]:
    """Per symbol, the direct single-process calls of sextant.ta."""
    out = {}
    for sym, g in bars.groupby("symbol"):
        g = g.sort_values("time")
        h, lo, c, o = (g[k].to_numpy() for k in ("high", "low", "close", "open"))
        up, mid, dn = sextant.ta.BBANDS(c, timeperiod=20, nbdevup=2.0, nbdevdn=2.0)
        out[sym] = {"rsi": sextant.ta.RSI(c, timeperiod=14), "bb_upperband": up, "bb_middleband": mid,
                    "bb_lowerband": dn, "atr": sextant.ta.ATR(h, lo, c), "doji": sextant.ta.CDLDOJI(o, h, lo, c)}
    return out


def assert_indicators(got: pd.DataFrame, bars: pd.DataFrame, exact_dtypes: bool = True) -> None:
    """Every value equal to the direct call; Ray Data hands back Arrow-backed columns (NaN as
    NA), so its values are compared after conversion and its dtypes are not checked."""
    want = expected_indicators(bars)
    assert sorted(got["symbol"].unique()) == sorted(want)
    assert len(got) == len(bars)
    for sym, g in got.groupby("symbol"):
        g = g.sort_values("time")
        for col, ref in want[sym].items():
            if exact_dtypes:
                assert g[col].dtype == ref.dtype, f"{sym} {col}"
            values = g[col].to_numpy(dtype=ref.dtype, na_value=np.nan) if ref.dtype.kind == "f" else g[col].to_numpy()
            np.testing.assert_array_equal(values, ref, err_msg=f"{sym} {col}")


def expected_risk(rets: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for p, g in rets.groupby("portfolio"):
        g = g.sort_values("time")
        r, f = g["returns"].to_numpy(), g["factor_returns"].to_numpy()
        rows.append({"portfolio": p, "sharpe": sextant.risk.sharpe_ratio(r), "mdd": sextant.risk.max_drawdown(r),
                     "beta": sextant.risk.beta(r, f), "vol": sextant.risk.annual_volatility(r)})
    return pd.DataFrame(rows).set_index("portfolio").sort_index()


def assert_risk(got: pd.DataFrame, rets: pd.DataFrame) -> None:
    want = expected_risk(rets)
    got = got.set_index("portfolio").sort_index()[list(want.columns)]
    assert list(got.index) == list(want.index)
    np.testing.assert_array_equal(got.to_numpy(), want.to_numpy())


# Monte Carlo runs whose sharded union must equal one run bit for bit
COV = [[0.04, 0.006, 0.0], [0.006, 0.0225, 0.003], [0.0, 0.003, 0.01]]
MC_RUNS = [
    (sextant.mc.simulate_gbm, (100.0, 0.05, 0.2), dict(paths=20_011, steps=64, seed=11)),
    (sextant.mc.simulate_gbm, (100.0, 0.05, 0.2, 5.0), dict(paths=5_001, steps=30, seed=3, antithetic=True)),
    (sextant.mc.simulate_correlated_gbm, ([100.0, 50.0, 20.0], [0.05, 0.03, 0.02], COV),
     dict(paths=3_001, steps=24, seed=5, full_paths=True)),
    (sextant.mc.simulate_merton, (100.0, 0.06, 0.15, 2.0, -0.08, 0.12), dict(paths=4_003, steps=50, seed=21)),
]


# --------------------------------------------------------------------------- engine-neutral


def test_shards_cover_the_paths_in_order():
    assert shards(10, 3) == [(0, 4), (4, 3), (7, 3)]
    assert shards(2, 5) == [(0, 1), (1, 1)]
    assert shards(0, 4) == []
    for paths, n in [(1, 1), (100_003, 7), (64, 8)]:
        s = shards(paths, n)
        assert s[0][0] == 0 and sum(c for _, c in s) == paths
        assert all(a + c == b for (a, c), (b, _) in zip(s, s[1:]))
        assert max(c for _, c in s) - min(c for _, c in s) <= 1
    with pytest.raises(ParameterError) as e:
        shards(10, 0)
    assert e.value.parameter == "n"


@pytest.mark.parametrize("fn,args,kw", MC_RUNS)
def test_local_shards_equal_one_run(fn, args, kw):
    whole = fn(*args, **kw)
    kw = dict(kw)
    paths = kw.pop("paths")
    np.testing.assert_array_equal(simulate_local(fn, *args, paths=paths, n_shards=7, **kw), whole)


def test_apply_and_summary_frames_equal_direct_calls():
    bars = make_bars(5)
    got = pd.concat(apply_frame(g, SPECS, sort="time") for _, g in bars.groupby("symbol"))
    assert_indicators(got, bars)
    assert list(output_columns(SPECS)) == ["rsi", "bb_upperband", "bb_middleband", "bb_lowerband", "atr", "doji"]
    assert output_columns(SPECS)["doji"] == "int32"
    rets = make_returns(4)
    rows = []
    for p, g in rets.groupby("portfolio"):
        row = summary_frame(g, RISK, sort="time")
        row.insert(0, "portfolio", p)
        rows.append(row)
    assert_risk(pd.concat(rows, ignore_index=True), rets)


def test_frame_errors_are_typed():
    bars = make_bars(1)
    with pytest.raises(InputError) as e:
        apply_frame(bars.drop(columns="high"), {"atr": "ATR"})
    assert e.value.parameter == "high"
    with pytest.raises(ParameterError):
        apply_frame(bars, {"rsi": ("RSI", {"timeperiod": 0})})
    with pytest.raises(sextant.UnknownFunctionError):
        apply_frame(bars, {"x": "NOPE"})
    with pytest.raises(InputError):  # a series, not a scalar
        summary_frame(bars.rename(columns={"close": "returns"}), {"cum": "cum_returns"})


def test_functions_streams_and_errors_pickle():
    # functions travel by reference, streams with their state, errors with code and parameter
    for f in (sextant.ta.RSI, sextant.mc.simulate_gbm, sextant.risk.sharpe_ratio):
        assert pickle.loads(pickle.dumps(f)) is f
    close = make_bars(1)["close"].to_numpy()
    s = sextant.ta.stream.RSI(close[:100], timeperiod=14)
    s2 = pickle.loads(pickle.dumps(s))
    assert [s.update(x) for x in close[100:150]] == [s2.update(x) for x in close[100:150]]
    for exc in (ParameterError, InputError, StateError):
        try:
            raise exc("boom")
        except exc as caught:
            caught.code, caught.parameter = "CODE", "p"
            back = pickle.loads(pickle.dumps(caught))
            assert type(back) is exc and str(back) == "boom" and (back.code, back.parameter) == ("CODE", "p")
    try:
        sextant.ta.SMA(close, timeperiod=0)
    except ParameterError as caught:
        back = pickle.loads(pickle.dumps(caught))
        assert type(back) is ParameterError and back.code == "OUT_OF_RANGE" and back.parameter == "timeperiod"


# --------------------------------------------------------------------------- Dask


def _worker_stream(state, more):
    """Runs on a worker: continues a pickled stream."""
    return [state.update(x) for x in more], state


def _worker_error():
    return sextant.ta.SMA(np.arange(10.0), timeperiod=0)


@pytest.fixture(scope="module")
def dask_client():
    pytest.importorskip("dask.dataframe")
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                       dashboard_address=None, env={"RAYON_NUM_THREADS": "1"})
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


def test_dask_indicators_for_200_symbols_equal_single_process(dask_client):
    import dask.dataframe as dd

    from sextant.distributed import dask as sd

    bars = make_bars(200)
    ddf = dd.from_pandas(bars, npartitions=8)
    got = sd.indicators(ddf, SPECS, by="symbol", sort="time").compute()
    assert_indicators(got.reset_index(drop=True), bars)


def test_dask_risk_per_portfolio_equals_single_process(dask_client):
    import dask.dataframe as dd

    from sextant.distributed import dask as sd

    rets = make_returns(30)
    got = sd.risk(dd.from_pandas(rets, npartitions=4), RISK, by="portfolio").compute()
    assert_risk(got.reset_index(drop=True), rets)


@pytest.mark.parametrize("fn,args,kw", MC_RUNS)
def test_dask_sharded_monte_carlo_equals_one_run(dask_client, fn, args, kw):
    from sextant.distributed import dask as sd

    whole = fn(*args, **kw)
    kw = dict(kw)
    paths = kw.pop("paths")
    got = sd.simulate(dask_client, fn, *args, paths=paths, n_shards=5, **kw)
    np.testing.assert_array_equal(got, whole)
    # both workers took part
    assert len(dask_client.scheduler_info()["workers"]) == 2


def test_dask_workers_carry_streams_and_typed_errors(dask_client):
    close = make_bars(1)["close"].to_numpy()
    s = sextant.ta.stream.RSI(close[:100], timeperiod=14)
    values, back = dask_client.submit(_worker_stream, s, list(close[100:150]), pure=False).result()
    assert values == [s.update(x) for x in close[100:150]]
    assert back.update(close[150]) == s.update(close[150])
    with pytest.raises(ParameterError) as e:
        dask_client.submit(_worker_error, pure=False).result()
    assert e.value.code == "OUT_OF_RANGE" and e.value.parameter == "timeperiod"


# --------------------------------------------------------------------------- Spark (optional)


@pytest.fixture(scope="module")
def spark():
    pytest.importorskip("pyspark")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip("no Java runtime for Spark")
    from pyspark.sql import SparkSession

    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    session = (SparkSession.builder.master("local[2]").appName("sextant-test")
               .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
               .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4")
               .config("spark.sql.execution.arrow.pyspark.enabled", "true").getOrCreate())
    yield session
    session.stop()


def test_spark_indicators_risk_and_monte_carlo(spark):
    from sextant.distributed import spark as ss

    bars = make_bars(40, seed=4)
    got = ss.indicators(spark.createDataFrame(bars), SPECS, by="symbol", sort="time").toPandas()
    assert_indicators(got, bars)
    rets = make_returns(10, seed=5)
    assert_risk(ss.risk(spark.createDataFrame(rets), RISK, by="portfolio").toPandas(), rets)
    fn, args, kw = MC_RUNS[0]
    whole = fn(*args, **kw)
    kw = dict(kw)
    paths = kw.pop("paths")
    np.testing.assert_array_equal(ss.simulate(spark, fn, *args, paths=paths, n_shards=4, **kw), whole)
    frame = ss.simulate_frame(spark, fn, *args, paths=paths, n_shards=4, **kw).toPandas().sort_values("path")
    np.testing.assert_array_equal(frame["path"].to_numpy(), np.arange(paths))
    np.testing.assert_array_equal(frame["value"].to_numpy(), whole)


# --------------------------------------------------------------------------- Ray (optional)


def test_ray_monte_carlo_and_indicators():
    ray = pytest.importorskip("ray")
    from sextant.distributed import ray as sr

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        fn, args, kw = MC_RUNS[0]
        whole = fn(*args, **kw)
        kw = dict(kw)
        paths = kw.pop("paths")
        np.testing.assert_array_equal(sr.simulate(fn, *args, paths=paths, n_shards=4, **kw), whole)
        bars = make_bars(20, seed=6)
        got = sr.indicators(ray.data.from_pandas(bars), SPECS, by="symbol", sort="time").to_pandas()
        assert_indicators(got, bars, exact_dtypes=False)
    finally:
        ray.shutdown()
