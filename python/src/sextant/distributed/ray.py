"""Sextant on Ray (docs/distributed.md). Ray is imported when a helper is called.

    from sextant.distributed import ray as sr 
    terminal = sr.simulate(sextant.mc.simulate_gbm, 100.0, 0.05, 0.2, paths=1_000_000,
                           n_shards=8, seed=1)
    out = sr.indicators(ray_dataset, {"rsi": "RSI"}, by="symbol", sort="time")
"""

from __future__ import annotations

from functools import partial
from typing import Any, Callable, Mapping

from sextant.distributed import Spec, apply_frame, combine, shards, simulate_shard, summary_frame


def simulate(fn: Callable, *args: Any, paths: int, n_shards: int, **kwargs: Any) -> Any:
    """A Monte Carlo run split into ``n_shards`` Ray tasks of ``first_path`` shards, gathered
    and concatenated in shard order: equal bit for bit to ``fn(*args, paths=paths, **kwargs)``.
    Call ``ray.init()`` first (or let Ray start a local instance)."""
    import ray

    task = ray.remote(simulate_shard)
    refs = [task.remote(fn, args, kwargs, s) for s in shards(paths, n_shards)]
    return combine(ray.get(refs))


def indicators(ds: Any, specs: Mapping[str, Spec], *, by: str = "symbol", sort: str | None = "time",
               columns: Mapping[str, str] | None = None) -> Any:
    """Indicators per group of a Ray Dataset: ``groupby(by).map_groups`` of
    :func:`sextant.distributed.apply_frame` on pandas batches."""
    fn = partial(apply_frame, specs=specs, module="ta", sort=sort, columns=columns)
    return ds.groupby(by).map_groups(fn, batch_format="pandas")


def risk(ds: Any, specs: Mapping[str, Spec], *, by: str = "portfolio", sort: str | None = "time",
         columns: Mapping[str, str] | None = None) -> Any:
    """Scalar risk metrics per group of a Ray Dataset of returns: one row per group."""

    def one(frame: Any) -> Any:
        row = summary_frame(frame, specs, module="risk", sort=sort, columns=columns)
        row.insert(0, by, frame[by].iloc[0])
        return row

    return ds.groupby(by).map_groups(one, batch_format="pandas")


__all__ = ["simulate", "indicators", "risk"]
