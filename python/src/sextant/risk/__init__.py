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


__all__ = [*__all__, "aggregate_returns", "stats"]  # noqa: F821

from sextant.risk import stats  # noqa: E402  (the submodule needs the functions above)
