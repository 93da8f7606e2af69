"""Sextant on distributed engines: per-group functions and Monte Carlo shards (docs/distributed.md).

The engine-neutral part lives here and needs only numpy and pandas; the thin engine helpers are
the submodules, each importing its engine only when called:

    sextant.distributed.dask    Dask: ``indicators``, ``risk``, ``simulate``
    sextant.distributed.spark   Spark: ``indicators``, ``risk`` (``applyInPandas``), ``simulate``
    sextant.distributed.ray     Ray: ``simulate``, ``indicators`` (Ray Data ``map_groups``)

A *spec* names what to compute: a dict from a result name to a function name, or to
``(function name, {parameter: value})``::

    specs = {"rsi": ("RSI", {"timeperiod": 14}), "bb": ("BBANDS", {"timeperiod": 20}), "sma": "SMA"}

A function with one output gives one column named by its key (``rsi``); several outputs give
``key_output`` columns (``bb_upperband``, ``bb_middleband``, ``bb_lowerband``). Inputs are read
from the columns of the same name (``high``, ``low``, ``close``, ``volume``, ``returns``...);
a single-series input (``real``) reads ``close`` for indicators and ``returns`` for risk
metrics; ``columns={"real": "adj_close"}`` maps inputs to other columns.

Monte Carlo paths are independent streams numbered from 0: a run of ``paths`` split into
``shards(paths, n)`` and computed with ``first_path`` gives, concatenated in shard order, the
single run's values bit for bit.

    >>> import numpy as np, sextant
    >>> from sextant.distributed import shards, simulate_local
    >>> shards(10, 3)
    [(0, 4), (4, 3), (7, 3)]
    >>> whole = sextant.mc.simulate_gbm(100.0, 0.05, 0.2, paths=10, seed=7)
    >>> parts = simulate_local(sextant.mc.simulate_gbm, 100.0, 0.05, 0.2, paths=10, n_shards=3, seed=7)
    >>> bool(np.array_equal(whole, parts))
    True
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Mapping, Union

import numpy as np

from sextant._surface import functions

Spec = Union[str, "tuple[str, Mapping[str, Any]]"]

_DEFAULT_SERIES = {"ta": "close", "risk": "returns"}


def shards(paths: int, n: int) -> list[tuple[int, int]]:
    """``n`` contiguous shards of ``paths`` paths as ``(first_path, count)``, sizes differing by
    at most one (the first ones larger); empty shards are left out."""
    if isinstance(paths, bool) or not isinstance(paths, int) or paths < 0:
        raise _param_error("paths", paths, "an integer >= 0")
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise _param_error("n", n, "an integer >= 1")
    base, extra = divmod(paths, n)
    out, first = [], 0
    for k in range(n):
        count = base + (1 if k < extra else 0)
        if count:
            out.append((first, count))
        first += count
    return out


def simulate_shard(fn: Callable, args: tuple, kwargs: Mapping[str, Any], shard: tuple[int, int]) -> Any:
    """One shard of a Monte Carlo run: ``fn(*args, paths=count, first_path=first, **kwargs)``."""
    first, count = shard
    return fn(*args, paths=count, first_path=first, **kwargs)


def combine(parts: Iterable[Any]) -> Any:
    """Concatenates per-path results of the shards, in shard order, along the path axis. Named
    tuples (``simulate_portfolio``) are not combinable: their statistics are over one call's
    paths; combine their ``terminal`` fields instead."""
    parts = list(parts)
    if parts and all(isinstance(p, np.ndarray) for p in parts):
        return np.concatenate(parts, axis=0)
    raise _input_error("parts", "only arrays of per-path values can be concatenated")


def simulate_local(fn: Callable, *args: Any, paths: int, n_shards: int, **kwargs: Any) -> np.ndarray:
    """The sharded run computed in this process, shard after shard: the reference the engine
    helpers are tested against (and equal to ``fn(*args, paths=paths, **kwargs)``)."""
    return combine(simulate_shard(fn, args, kwargs, s) for s in shards(paths, n_shards))


# --------------------------------------------------------------------------- per-group frames


def _param_error(name: str, value: Any, must: str) -> Exception:
    from sextant.errors import ParameterError

    err = ParameterError(f"parameter `{name}` is out of range: {value!r} (must be {must})")
    err.code, err.parameter = "OUT_OF_RANGE", name
    return err


def _input_error(name: str, reason: str) -> Exception:
    from sextant.errors import InputError

    err = InputError(f"input `{name}` is invalid: {reason}")
    err.code, err.parameter = "INVALID_INPUT", name
    return err


def _info(module: str, name: str) -> dict:
    for f in functions(module):
        if f["name"] == name:
            return f
    from sextant.errors import UnknownFunctionError

    err = UnknownFunctionError(f"unknown function `{module}.{name}`")
    err.code, err.parameter = "UNKNOWN_FUNCTION", None
    raise err


def _parse(specs: Mapping[str, Spec], module: str) -> list[tuple[str, dict, dict]]:
    if not isinstance(specs, Mapping) or not specs:
        raise _input_error("specs", "a non-empty dict of result name -> function name or (name, params)")
    out = []
    for key, spec in specs.items():
        if isinstance(spec, str):
            name, params = spec, {}
        elif isinstance(spec, tuple) and len(spec) == 2 and isinstance(spec[0], str):
            name, params = spec[0], dict(spec[1] or {})
        else:
            raise _input_error("specs", f"entry {key!r}: expected a function name or (name, params)")
        out.append((str(key), _info(module, name), params))
    return out


def _names(key: str, info: dict) -> list[str]:
    outs = info["outputs"]
    return [key] if len(outs) == 1 else [f"{key}_{o['name']}" for o in outs]


def _dtype(o: dict) -> str:
    return "int32" if o.get("dtype") == "i32" else "float64"


def output_columns(specs: Mapping[str, Spec], module: str = "ta") -> dict[str, str]:
    """The result columns of :func:`apply_frame` / :func:`summary_frame` and their dtypes
    (for Dask's ``meta``, a Spark schema, ...), in order."""
    cols: dict[str, str] = {}
    for key, info, _ in _parse(specs, module):
        for name, o in zip(_names(key, info), info["outputs"]):
            cols[name] = _dtype(o) if module == "ta" else "float64"
    return cols


def _call(frame: Any, info: dict, params: dict, module: str, columns: Mapping[str, str] | None) -> Any:
    import sextant

    mapping = dict(columns or {})
    args = []
    for i in info["inputs"]:
        name = i["name"]
        col = mapping.get(name)
        if col is None:
            col = name if name in frame.columns else _DEFAULT_SERIES.get(module) if name in ("real", "returns") else name
        if col not in frame.columns:
            raise _input_error(name, f"column {col!r} is missing (map it with columns={{{name!r}: ...}})")
        args.append(np.ascontiguousarray(frame[col].to_numpy(dtype=np.float64)))
    fn = getattr(getattr(sextant, module), info["name"])
    return fn(*args, **params)


def apply_frame(frame: Any, specs: Mapping[str, Spec], *, module: str = "ta", sort: str | None = None,
                columns: Mapping[str, str] | None = None) -> Any:
    """One group's pandas DataFrame (one symbol's bars) in, the same rows with one column per
    output appended. ``sort`` orders the rows first (by time); the index is kept. Use as the
    per-group function of a pandas, Dask or Spark groupby-apply."""
    import pandas as pd

    if sort is not None:
        frame = frame.sort_values(sort, kind="stable")
    out = {}
    for key, info, params in _parse(specs, module):
        values = _call(frame, info, params, module, columns)
        values = values if isinstance(values, tuple) else (values,)
        for name, v, o in zip(_names(key, info), values, info["outputs"]):
            v = np.asarray(v)
            if v.shape != (len(frame),):
                raise _input_error("specs", f"{key!r} gives {v.shape[0] if v.ndim else 'one'} values for "
                                            f"{len(frame)} rows; use summary_frame for scalars")
            out[name] = v.astype(_dtype(o), copy=False)
    return pd.concat([frame, pd.DataFrame(out, index=frame.index)], axis=1)


def summary_frame(frame: Any, specs: Mapping[str, Spec], *, module: str = "risk", sort: str | None = None,
                  columns: Mapping[str, str] | None = None) -> Any:
    """One group's pandas DataFrame (one portfolio's returns) in, a one-row DataFrame of scalar
    results (``max_drawdown``, ``sharpe_ratio``...) out."""
    import pandas as pd

    if sort is not None:
        frame = frame.sort_values(sort, kind="stable")
    row = {}
    for key, info, params in _parse(specs, module):
        values = _call(frame, info, params, module, columns)
        values = values if isinstance(values, tuple) else (values,)
        for name, v in zip(_names(key, info), values):
            if np.ndim(v) != 0:
                raise _input_error("specs", f"{key!r} is not a scalar metric; use apply_frame")
            row[name] = float(v)
    return pd.DataFrame([row])


__all__ = ["shards", "simulate_shard", "combine", "simulate_local", "apply_frame", "summary_frame",
           "output_columns"]
