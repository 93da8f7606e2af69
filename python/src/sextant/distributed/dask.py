"""Sextant on Dask (docs/distributed.md). Dask is imported when a helper is called.

    from sextant.distributed import dask as sd
    out = sd.indicators(bars, {"rsi": ("RSI", {"timeperiod": 14})}, by="symbol", sort="time")
    stats = sd.risk(returns, {"sharpe": "sharpe_ratio", "mdd": "max_drawdown"}, by="portfolio")
    terminal = sd.simulate(client, sextant.mc.simulate_gbm, 100.0, 0.05, 0.2,
                           paths=10_000_000, n_shards=8, seed=1)
"""

from __future__ import annotations

from functools import partial
from typing import Any, Callable, Mapping

from sextant.distributed import Spec, apply_frame, combine, output_columns, shards, simulate_shard, summary_frame


def _with_key(frame: Any, by: str, order: list, fn: Callable, **kwargs: Any) -> Any:
    # pandas >= 3 hands the group to apply without its key column; put it back in its place
    if by not in frame.columns:
        frame = frame.assign(**{by: frame.name})[order]
    return fn(frame, **kwargs)


def indicators(ddf: Any, specs: Mapping[str, Spec], *, by: str = "symbol", sort: str | None = "time",
               columns: Mapping[str, str] | None = None) -> Any:
    """Indicators per group of a ``dask.dataframe``: ``groupby(by).apply`` of
    :func:`sextant.distributed.apply_frame` (rows sorted by ``sort`` within each group). Returns
    a lazy Dask DataFrame with the input columns and one column per output; its index is the
    group key and the input index (as Dask's groupby-apply gives it)."""
    import pandas as pd

    meta = ddf._meta.copy()
    for name, dtype in output_columns(specs, "ta").items():
        meta[name] = pd.Series([], dtype=dtype)
    fn = partial(_with_key, by=by, order=list(ddf.columns), fn=apply_frame, specs=specs, module="ta", sort=sort, columns=columns)
    return ddf.groupby(by).apply(fn, meta=meta)


def risk(ddf: Any, specs: Mapping[str, Spec], *, by: str = "portfolio", sort: str | None = "time",
         columns: Mapping[str, str] | None = None) -> Any:
    """Scalar risk metrics per group (portfolio) of a ``dask.dataframe`` of returns: one row per
    group with the group key and one column per metric."""
    import pandas as pd

    cols = output_columns(specs, "risk")
    meta = pd.DataFrame({by: pd.Series([], dtype=ddf._meta[by].dtype),
                         **{k: pd.Series([], dtype=v) for k, v in cols.items()}})

    def one(frame: Any, **kw: Any) -> Any:
        row = summary_frame(frame, **kw)
        row.insert(0, by, frame[by].iloc[0])
        return row

    fn = partial(_with_key, by=by, order=list(ddf.columns), fn=one, specs=specs, module="risk", sort=sort, columns=columns)
    return ddf.groupby(by).apply(fn, meta=meta)


def simulate(client: Any, fn: Callable, *args: Any, paths: int, n_shards: int, **kwargs: Any) -> Any:
    """A Monte Carlo run of ``paths`` paths split into ``n_shards`` tasks of ``first_path``
    shards on a ``dask.distributed`` client (``None``: Dask's current scheduler), gathered and
    concatenated in shard order: equal bit for bit to ``fn(*args, paths=paths, **kwargs)``."""
    parts = shards(paths, n_shards)
    if client is None:
        import dask

        tasks = [dask.delayed(simulate_shard)(fn, args, kwargs, s) for s in parts]
        return combine(dask.compute(*tasks))
    futures = [client.submit(simulate_shard, fn, args, kwargs, s, pure=False) for s in parts]
    return combine(client.gather(futures))


__all__ = ["indicators", "risk", "simulate"]
