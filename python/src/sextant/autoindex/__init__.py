"""AutoIndex: rule-based index backtests, composite risk scores and forward simulation.

The three declared functions take plain records (dicts and lists; numpy arrays, pandas objects,
dates and NaN are converted: NaN becomes ``null``, a missing value) and return dicts:

``backtest(strategy, data)``
    ``strategy`` is a versioned dict (``{"version": 1, "universe": ..., "weighting": ...,
    "schedule": ..., "costs": ..., ...}``); ``data`` is ``{"dates": [...], "assets": [{"symbol",
    "close", "open", "total_return", "volume"}], "benchmark": [...]}``, which
    :func:`market_data` builds from pandas DataFrames. Weights are computed from data up to a
    close and traded on the next bar; the result has ``values``, ``returns``, ``cash``,
    ``weights``, ``turnover``, ``costs`` per bar (``None`` where undefined), ``rebalances``,
    ``delistings``, ``risk`` (the ``sextant.risk`` functions on the index returns) and
    ``benchmark`` (tracking error, information ratio, beta, up/down capture).
``risk_score(asset, config)``
    The composite 1-100 risk score with its breakdown (``config`` None: the defaults).
``simulate(values, config)``
    Percentile bands of the index value over a horizon (GBM fitted, or a block bootstrap).

See docs/autoindex.md.

Example:
    >>> import sextant.autoindex as ai
    >>> data = {"dates": ["2024-01-29", "2024-01-30", "2024-01-31", "2024-02-01"],
    ...         "assets": [{"symbol": "A", "close": [10, 10, 10, 11]},
    ...                    {"symbol": "B", "close": [20, 20, 20, 19]}]}
    >>> bt = ai.backtest({"version": 1, "universe": {"kind": "all"}, "weighting": {"scheme": "equal"},
    ...                   "schedule": {"kind": "monthly"}, "costs": {"bps": 10}}, data)
    >>> bt["start"], round(bt["values"][2], 6)      # 100 invested at 10 bps: 100 / 1.001
    (2, 99.9001)
"""

from __future__ import annotations

from typing import Any, Dict

from sextant._surface import install as _install

_install(globals(), "autoindex")


def market_data(close: Any, *, open: Any = None, total_return: Any = None, volume: Any = None,
                benchmark: Any = None) -> Dict[str, Any]:
    """The ``data`` document of :func:`backtest` from pandas objects.

    Args:
        close: DataFrame of closing prices, one row per bar (a DatetimeIndex or dates), one
            column per asset; NaN where an asset is not listed (before its first or after its
            last price).
        open, total_return, volume: optional DataFrames with the same index (columns missing
            from them are left out for that asset).
        benchmark: optional Series of benchmark levels on the same index.

    Returns:
        ``{"dates": [...], "assets": [{"symbol", "close", ...}], "benchmark": [...]}``.
    """
    import pandas as pd

    dates = [pd.Timestamp(d).date().isoformat() for d in close.index]
    assets = []
    for sym in close.columns:
        a: Dict[str, Any] = {"symbol": str(sym), "close": close[sym].astype(float).tolist()}
        for key, frame in (("open", open), ("total_return", total_return), ("volume", volume)):
            if frame is not None and sym in frame.columns:
                a[key] = frame[sym].reindex(close.index).astype(float).tolist()
        assets.append(a)
    out: Dict[str, Any] = {"dates": dates, "assets": assets}
    if benchmark is not None:
        out["benchmark"] = pd.Series(benchmark).reindex(close.index).astype(float).tolist()
    return out


__all__ = [*__all__, "market_data"]  # noqa: F821 (set by _install)
