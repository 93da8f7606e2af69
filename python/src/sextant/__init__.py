"""Sextant: financial analytics on a pure-Rust core.

Modules:
    sextant.ta     technical indicators with TA-Lib's names, arguments and numbers
                   (``import sextant.ta as talib`` works); ``sextant.ta.stream`` for streaming.
    sextant.risk   risk and performance metrics with empyrical's names and conventions.
    sextant.alloc  portfolio weighting.
    sextant.mc     Monte Carlo: GBM and correlated GBM paths, reproducible on any thread count.
    sextant.ledger portfolio accounting in decimal money: holdings, P&L, TWR/MWR.
    sextant.autoindex  rule-based index backtests, composite risk scores, forward simulation.
    sextant.sentiment  news sentiment: VADER-exact ``vader``, ``score``, ``score_batch``.
    sextant.errors the exception classes.
    sextant.polars every indicator as a polars expression (``.over("symbol")`` per group;
                   imported on first use, needs polars).
    sextant.distributed  Dask, Spark and Ray helpers: per-group indicators and risk metrics,
                   Monte Carlo sharded by ``first_path`` (imported on demand).

Every function of series also takes 2-D inputs (bars x series, a numpy array in C or Fortran
order, or a pandas DataFrame): each column is computed as the 1-D call computes it, the
columns shared among threads with the GIL released (``set_num_threads``; 0 = every core).

Example:
    >>> import numpy as np, sextant
    >>> close = np.array([10.0, 10.5, 10.2, 10.8, 11.0, 10.9, 11.4])
    >>> sextant.ta.SMA(close, timeperiod=3)[2:]
    array([10.23333333, 10.5       , 10.66666667, 10.9       , 11.1       ])
    >>> returns = np.diff(close) / close[:-1]
    >>> round(sextant.risk.sharpe_ratio(returns), 4)  # empyrical.sharpe_ratio gives 10.1486
    10.1486
"""

from sextant import _native, errors
from sextant._surface import get_num_threads, set_num_threads
from sextant import alloc, autoindex, ledger, mc, risk, sentiment, ta
from sextant.errors import (
    InputError,
    ParameterError,
    SextantError,
    StateError,
    UnknownFunctionError,
    UnsupportedError,
)

__version__ = _native.__version__

__all__ = [
    "ta",
    "risk",
    "alloc",
    "mc",
    "ledger",
    "autoindex",
    "sentiment",
    "errors",
    "SextantError",
    "ParameterError",
    "UnsupportedError",
    "InputError",
    "StateError",
    "UnknownFunctionError",
    "set_num_threads",
    "get_num_threads",
]


def __getattr__(name: str):
    # `sextant.polars` on first use: polars is an optional dependency
    if name == "polars":
        import importlib

        return importlib.import_module("sextant.polars")
    raise AttributeError(f"module 'sextant' has no attribute {name!r}")
