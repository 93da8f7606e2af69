"""Risk and performance metrics with empyrical's names, arguments and conventions.

``risk_free`` is a return per period; ``period`` ('daily', 'weekly', 'monthly', 'quarterly',
'yearly') sets the annualisation factor (252, 52, 12, 4, 1) unless ``annualization`` is given.
NaN returns are ignored by the mean/std based ratios and count as a zero return in cumulative
returns and drawdowns, as in empyrical. Two pandas Series with different indexes are joined on
their index first (empyrical's ``_aligned_series``); ``roll_*`` return ``n - window + 1``
values, labelled by each window's last period for pandas input.

Every function here is generated from the core's declarations; ``aggregate_returns`` (calendar
grouping of a pandas Series) lives in this file. ``sextant.risk.stats`` is the same namespace
under empyrical's submodule name.

>>> import numpy as np, sextant.risk as risk
>>> r = np.array([0.01, -0.02, 0.015, 0.003])
>>> round(risk.max_drawdown(r), 6)
-0.02
>>> round(risk.value_at_risk(r, cutoff=0.25), 6)
-0.00275
"""

from __future__ import annotations

from typing import Any

from sextant._surface import install as _install

_install(globals(), "risk")


def aggregate_returns(returns: Any, convert_to: str) -> Any:
    """Compounds daily returns to weekly, monthly, quarterly or yearly returns.

    ``returns`` is a pandas Series with a DatetimeIndex; the result is indexed by (year, week)
    using ISO weeks, (year, month), (year, quarter) or year, as empyrical's
    ``aggregate_returns``. Each group's value is ``prod(1 + r) - 1`` with NaN counted as 0.

    Raises:
        ValueError: ``convert_to`` is not 'weekly', 'monthly', 'quarterly' or 'yearly'.
    """
    import pandas as pd

    idx = pd.DatetimeIndex(returns.index)
    if convert_to == "weekly":
        iso = idx.isocalendar()
        keys = [iso["year"].to_numpy(), iso["week"].to_numpy()]
    elif convert_to == "monthly":
        keys = [idx.year, idx.month]
    elif convert_to == "quarterly":
        keys = [idx.year, (idx.month + 2) // 3]
    elif convert_to == "yearly":
        keys = [idx.year]
    else:
        raise ValueError(f"convert_to must be weekly, monthly, quarterly or yearly, got {convert_to!r}")
    return returns.groupby(keys).apply(lambda x: cum_returns_final(x.to_numpy(dtype=float)))  # noqa: F821


def compute_exposures(positions: Any, factor_loadings: Any) -> Any:
    """The portfolio's exposure to each risk factor per date: the sum over tickers of
    position x loading (empyrical's ``compute_exposures``).

    Args:
        positions: a pandas Series indexed by (date, ticker): each ticker's share of the
            portfolio on that date.
        factor_loadings: a DataFrame indexed by (date, ticker), one column per factor.

    Returns:
        A DataFrame indexed by date, one column per factor.
    """
    exposures = factor_loadings.multiply(positions, axis="rows")
    return exposures.groupby(level=0).sum()


def perf_attrib(returns: Any, positions: Any, factor_returns: Any, factor_loadings: Any) -> tuple:
    """Splits returns into what the risk factors explain and the rest (empyrical's
    ``perf_attrib``).

    Each factor's contribution on a date is the portfolio's exposure to it
    (:func:`compute_exposures`) times the factor's return. ``common_returns`` is their sum,
    ``specific_returns`` the remainder of ``returns``; ``tilt_returns`` is what the average
    exposure over the period would have earned and ``timing_returns`` the difference.

    Args:
        returns: a pandas Series of portfolio returns with a DatetimeIndex.
        positions: a Series indexed by (date, ticker), each ticker's share of the portfolio.
        factor_returns: a DataFrame indexed by date, one column per factor.
        factor_loadings: a DataFrame indexed by (date, ticker), one column per factor.

    Returns:
        ``(exposures, attribution)``: the exposures per date and factor, and a DataFrame with
        one column per factor plus ``total_returns``, ``common_returns``,
        ``specific_returns``, ``tilt_returns`` and ``timing_returns``.
    """
    import pandas as pd

    start, end = returns.index[0], returns.index[-1]
    factor_returns = factor_returns.loc[start:end]
    factor_loadings = factor_loadings.loc[start:end]
    exposures = compute_exposures(positions, factor_loadings)
    freq = getattr(returns.index, "freq", None)
    if freq is not None:
        exposures = exposures.asfreq(freq)
    by_factor = exposures.multiply(factor_returns)
    common = by_factor.sum(axis="columns")
    tilt = factor_returns.multiply(exposures.mean()).sum(axis="columns")
    parts = pd.DataFrame({
        "total_returns": returns,
        "common_returns": common,
        "specific_returns": returns - common,
        "tilt_returns": tilt,
        "timing_returns": common - tilt,
    })
    return exposures, pd.concat([by_factor, parts], axis="columns", sort=False)


__all__ = [*__all__, "aggregate_returns", "compute_exposures", "perf_attrib", "stats"]  # noqa: F821

from sextant.risk import stats  # noqa: E402  (the submodule needs the functions above)
