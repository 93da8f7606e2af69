"""Sextant on Spark (docs/distributed.md). PySpark is imported when a helper is called; the
Python workers need the same environment as the driver (``PYSPARK_PYTHON``).

    from sextant.distributed import spark as ss
    out = ss.indicators(bars_sdf, {"rsi": ("RSI", {"timeperiod": 14})}, by="symbol", sort="time")
    stats = ss.risk(returns_sdf, {"sharpe": "sharpe_ratio"}, by="portfolio")
    terminal = ss.simulate(spark, sextant.mc.simulate_gbm, 100.0, 0.05, 0.2,
                           paths=1_000_000, n_shards=8, seed=1)
"""

from __future__ import annotations

from functools import partial
from typing import Any, Callable, Iterator, Mapping

from sextant.distributed import Spec, apply_frame, combine, output_columns, shards, simulate_shard, summary_frame


def _spark_type(dtype: str) -> Any:
    from pyspark.sql import types as T

    return T.IntegerType() if dtype == "int32" else T.DoubleType()


def indicators(sdf: Any, specs: Mapping[str, Spec], *, by: str = "symbol", sort: str | None = "time",
               columns: Mapping[str, str] | None = None) -> Any:
    """Indicators per group of a Spark DataFrame: ``groupBy(by).applyInPandas`` of
    :func:`sextant.distributed.apply_frame`. The schema is the input's plus one column per
    output (double, or int for candlestick patterns)."""
    from pyspark.sql import types as T

    fields = list(sdf.schema.fields)
    fields += [T.StructField(n, _spark_type(d), True) for n, d in output_columns(specs, "ta").items()]
    fn = partial(apply_frame, specs=specs, module="ta", sort=sort, columns=columns)
    return sdf.groupBy(by).applyInPandas(fn, schema=T.StructType(fields))


def risk(sdf: Any, specs: Mapping[str, Spec], *, by: str = "portfolio", sort: str | None = "time",
         columns: Mapping[str, str] | None = None) -> Any:
    """Scalar risk metrics per group of a Spark DataFrame of returns: one row per group."""
    from pyspark.sql import types as T

    key = sdf.schema[by]
    fields = [T.StructField(by, key.dataType, key.nullable)]
    fields += [T.StructField(n, T.DoubleType(), True) for n in output_columns(specs, "risk")]

    def one(frame: Any) -> Any:
        row = summary_frame(frame, specs, module="risk", sort=sort, columns=columns)
        row.insert(0, by, frame[by].iloc[0])
        return row

    return sdf.groupBy(by).applyInPandas(one, schema=T.StructType(fields))


def _shard_batches(batches: Iterator[Any], fn: Callable, args: tuple, kwargs: dict, column: str) -> Iterator[Any]:
    import pyarrow as pa

    for batch in batches:
        for first, count in zip(batch.column("first_path").to_pylist(), batch.column("count").to_pylist()):
            values = simulate_shard(fn, args, kwargs, (first, count))
            yield pa.RecordBatch.from_arrays(
                [pa.array(range(first, first + count), type=pa.int64()), pa.array(values)],
                names=["path", column])


def simulate_frame(spark: Any, fn: Callable, *args: Any, paths: int, n_shards: int,
                   column: str = "value", **kwargs: Any) -> Any:
    """A Monte Carlo run of one value per path (terminal values) as a Spark DataFrame
    ``(path, value)`` computed by ``mapInArrow`` over the shards, one partition each; it stays
    distributed (aggregate it in Spark)."""
    rows = shards(paths, n_shards)
    plan = spark.createDataFrame(rows, "first_path long, count long").repartition(len(rows))
    fn_batches = partial(_shard_batches, fn=fn, args=args, kwargs=kwargs, column=column)
    return plan.mapInArrow(fn_batches, f"path long, {column} double")


def simulate(spark: Any, fn: Callable, *args: Any, paths: int, n_shards: int, **kwargs: Any) -> Any:
    """A Monte Carlo run split into ``n_shards`` Spark tasks of ``first_path`` shards, collected
    and concatenated in shard order: equal bit for bit to ``fn(*args, paths=paths, **kwargs)``."""
    parts = shards(paths, n_shards)
    rdd = spark.sparkContext.parallelize(list(enumerate(parts)), len(parts))
    got = rdd.map(lambda ks: (ks[0], simulate_shard(fn, args, kwargs, ks[1]))).collect()
    return combine(v for _, v in sorted(got, key=lambda kv: kv[0]))


__all__ = ["indicators", "risk", "simulate", "simulate_frame"]
