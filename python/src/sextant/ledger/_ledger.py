"""The :class:`Ledger` class over the ledger's declared functions (see ``sextant.ledger``)."""

from __future__ import annotations

import datetime as _dt
import json
import math
from decimal import Decimal
from typing import Any, Iterable, Mapping, Optional, Union

from sextant import _native



def _api() -> Any:
    """The declared functions (``sextant.ledger.book`` ...), imported on first use."""
    import sextant.ledger  # noqa: PLC0415

    return sextant.ledger

_DECIMAL_FIELDS = frozenset({
    "quantity", "cost", "average_cost", "price", "market_value", "unrealised", "realised",
    "income", "fees", "taxes", "fx_rate", "cost_base", "market_value_base", "unrealised_base",
    "realised_base", "income_base", "balance", "balance_base", "total_base", "proceeds", "gain",
    "gain_base", "amount", "amount_base", "value", "flow", "start_value", "end_value", "inflows",
    "outflows", "average_capital", "flows", "fees_base", "taxes_base", "flows_base",
    "from_amount", "to_amount", "fee", "tax",
})
_DATE_FIELDS = frozenset({"date", "start", "end", "trade_date"})
_TS_FIELDS = frozenset({"timestamp", "opened"})


def _is_missing(v: Any) -> bool:
    if v is None:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True
    try:  # pandas NaT / NA
        import pandas as pd  # noqa: PLC0415

        return v is pd.NaT or v is pd.NA
    except ImportError:
        return False


def _timestamp(v: Any) -> str:
    if hasattr(v, "to_pydatetime"):  # pandas Timestamp
        v = v.to_pydatetime()
    if isinstance(v, str):
        s = v.strip()
        try:
            v = _dt.datetime.fromisoformat(s[:-1] + "+00:00" if s.endswith("Z") else s)
        except ValueError:
            return s  # the core reports what is wrong with it
    if isinstance(v, _dt.datetime):
        if v.tzinfo is None:
            v = v.replace(tzinfo=_dt.timezone.utc)
        return v.astimezone(_dt.timezone.utc).isoformat().replace("+00:00", "Z")
    if isinstance(v, _dt.date):
        return f"{v.isoformat()}T00:00:00Z"
    return str(v)


def _date(v: Any) -> str:
    if hasattr(v, "to_pydatetime"):
        v = v.to_pydatetime()
    if isinstance(v, _dt.datetime):
        return v.date().isoformat()
    if isinstance(v, _dt.date):
        return v.isoformat()
    return str(v)[:10]


def _amount(v: Any) -> Any:
    if isinstance(v, bool):
        return v
    if isinstance(v, (Decimal, int)):
        return str(v)
    if isinstance(v, float):
        return repr(v)
    if hasattr(v, "item"):  # numpy scalar
        return _amount(v.item())
    return v


def _record(r: Mapping[str, Any]) -> dict:
    out = {}
    for k, v in r.items():
        if _is_missing(v):
            continue
        if k == "timestamp":
            out[k] = _timestamp(v)
        elif k in ("numerator", "denominator"):
            out[k] = int(v)
        else:
            out[k] = _amount(v)
    return out


def _records(transactions: Any) -> list[dict]:
    if hasattr(transactions, "to_dict") and hasattr(transactions, "columns"):
        transactions = transactions.to_dict("records")
    return [_record(r) for r in transactions]


def _series(s: Any) -> list:
    """A dated series from a pandas Series, a mapping {date: value} or pairs."""
    if hasattr(s, "items") and not isinstance(s, (list, tuple)):
        pairs = s.items()
    else:
        pairs = s
    return [[_date(d), _amount(v)] for d, v in pairs if not _is_missing(v)]


def _market(prices: Optional[Mapping[str, Any]], fx: Optional[Mapping[str, Any]]) -> dict:
    return ({
        "prices": {k: _series(v) for k, v in (prices or {}).items()},
        "fx": {k: _series(v) for k, v in (fx or {}).items()},
    })


def _convert(x: Any, key: Optional[str] = None) -> Any:
    if isinstance(x, dict):
        return {k: _convert(v, k) for k, v in x.items()}
    if isinstance(x, list):
        return [_convert(v, key) for v in x]
    if isinstance(x, str):
        if key in _DECIMAL_FIELDS:
            return Decimal(x)
        if key in _DATE_FIELDS:
            return _dt.date.fromisoformat(x)
        if key in _TS_FIELDS:
            return _dt.datetime.fromisoformat(x.replace("Z", "+00:00"))
    return x


def _instruments(instruments: Any) -> list[dict]:
    if isinstance(instruments, Mapping):
        return [{"symbol": s, "currency": c} for s, c in instruments.items()]
    out = []
    for i in instruments or []:
        if isinstance(i, Mapping):
            out.append(dict(i))
        else:
            symbol, currency = i
            out.append({"symbol": symbol, "currency": currency})
    return out


class Ledger:
    """A validated set of transactions with its configuration.

    Build it with :meth:`from_transactions`. Every method books the transactions again from
    the start, so the ledger itself is immutable.
    """

    __slots__ = ("_config", "_transactions")

    def __init__(self, config: dict, transactions: list) -> None:
        self._config = config
        self._transactions = transactions

    @classmethod
    def from_transactions(
        cls,
        transactions: Any,
        *,
        base_currency: str,
        instruments: Union[Mapping[str, str], Iterable[Any]] = (),
        cost_basis: str = "fifo",
        allow_short: bool = False,
        allow_negative_cash: bool = True,
        order: str = "reject",
        rounding: str = "half_even",
        currencies: Optional[Mapping[str, int]] = None,
        utc_offset_minutes: int = 0,
        day_cutoff_minutes: int = 1440,
    ) -> "Ledger":
        """Validates and books the transactions.

        Args:
            transactions: a list of dicts or a pandas DataFrame, one transaction a row.
            base_currency: the reporting currency.
            instruments: ``{symbol: currency}``, ``[(symbol, currency)]`` or dicts with
                ``symbol``, ``currency``, ``utc_offset_minutes`` (the exchange's offset) and
                ``time_zone`` (an IANA name carried through, not interpreted).
            cost_basis: ``"fifo"``, ``"lifo"`` or ``"average"``.
            allow_short: whether sales may exceed the holding.
            allow_negative_cash: whether cash may go below zero.
            order: ``"reject"`` out-of-order timestamps, or ``"sort"`` them (stable).
            rounding: ``"half_even"`` or ``"half_up"`` to the currency's minor units.
            currencies: extra currencies or overrides, ``{"BTC": 8}``.
            utc_offset_minutes: the portfolio's offset, which defines its valuation days.
            day_cutoff_minutes: minutes after local midnight when a valuation day closes.

        Raises:
            sextant.errors.InputError: with ``code`` naming the problem.
        """
        config = {
            "base_currency": base_currency,
            "instruments": _instruments(instruments),
            "cost_basis": cost_basis,
            "allow_short": allow_short,
            "allow_negative_cash": allow_negative_cash,
            "order": order,
            "rounding": rounding,
            "currencies": dict(currencies or {}),
            "utc_offset_minutes": utc_offset_minutes,
            "day_cutoff_minutes": day_cutoff_minutes,
        }
        records = _records(transactions)
        _api().transactions(config, records)  # validates; raises InputError naming the record
        return cls(config, records)

    @property
    def config(self) -> dict:
        """The configuration."""
        return json.loads(json.dumps(self._config))

    def transactions(self) -> list[dict]:
        """The transactions in booking order, each with ``index``, its position in the input."""
        return [_convert(t) for t in _api().transactions(self._config, self._transactions)]

    def book(self, fx: Optional[Mapping[str, Any]] = None) -> dict:
        """The books after every transaction: ``positions`` (lots and running totals),
        ``cash``, ``realisations`` (each closed lot portion) and ``flows`` (external flows)."""
        market = None if fx is None else _market(None, fx)
        return _convert(_api().book(self._config, self._transactions, market))

    def valuation(
        self,
        prices: Optional[Mapping[str, Any]] = None,
        fx: Optional[Mapping[str, Any]] = None,
        at: Any = None,
    ) -> dict:
        """Holdings and cash as of the close of ``at`` (default: after every transaction,
        or the last price date), valued with ``prices`` ({symbol: series}) and ``fx``
        ({currency: series of base units per unit}) when given."""
        market = None if prices is None and fx is None else _market(prices, fx)
        date = None if at is None else _date(at)
        return _convert(_api().valuation(self._config, self._transactions, market, {"at": date}))

    def holdings(
        self,
        prices: Optional[Mapping[str, Any]] = None,
        fx: Optional[Mapping[str, Any]] = None,
        at: Any = None,
        *,
        as_frame: bool = False,
    ) -> Any:
        """The holdings part of :meth:`valuation`: a list of dicts, or a pandas DataFrame
        indexed by instrument with ``as_frame=True``."""
        rows = self.valuation(prices, fx, at)["holdings"]
        if not as_frame:
            return rows
        import pandas as pd  # noqa: PLC0415

        return pd.DataFrame([{k: v for k, v in r.items() if k != "lots"} for r in rows]).set_index(
            "instrument"
        )

    def performance(
        self,
        prices: Mapping[str, Any],
        fx: Optional[Mapping[str, Any]] = None,
        *,
        start: Any = None,
        end: Any = None,
        dates: Optional[Iterable[Any]] = None,
        flow_timing: str = "start",
        period: Optional[str] = None,
    ) -> Any:
        """Performance in the base currency from the close of ``start`` to the close of ``end``.

        Returns a dict with ``twr`` (chain-linked daily), ``twr_annualised``, ``mwr`` (XIRR,
        annual, Act/365; ``mwr_error`` says why when it has no root), ``mwr_period``, ``roi``,
        ``roai`` (gain over Modified Dietz average capital), ``gain``, values and flows,
        ``daily`` rows and ``contributions`` by holding and cash balance. With ``period``
        (``"month"``, ``"quarter"``, ``"year"``) a list of such dicts, one per period.

        Args:
            prices: ``{symbol: series}`` of closes in the instrument's currency.
            fx: ``{currency: series}`` of base units per unit.
            start, end: first and last valuation dates (default: from inception to the last
                price).
            dates: the valuation days (default: every date with a price).
            flow_timing: external flows at the ``"start"`` or ``"end"`` of their day.
        """
        opts = {
            "start": None if start is None else _date(start),
            "end": None if end is None else _date(end),
            "dates": None if dates is None else [_date(d) for d in dates],
            "flow_timing": flow_timing,
        }
        if period not in (None, "month", "quarter", "year"):
            err = _native.ParameterError(
                f"parameter `period` = {period!r} is not a valid option; allowed: month, quarter, year")
            err.code, err.parameter = "UNKNOWN_OPTION", "period"
            raise err
        opts["period"] = period
        return _convert(_api().performance(self._config, self._transactions, _market(prices, fx), opts))

    def __repr__(self) -> str:
        c = self.config
        return f"Ledger(base_currency={c['base_currency']!r}, transactions={len(self._transactions)}, cost_basis={c['cost_basis']!r})"

