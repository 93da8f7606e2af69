"""Portfolio accounting in decimal money: transactions to holdings, P&L and returns.

Transactions are records (dicts, or the rows of a pandas DataFrame) with a ``timestamp``
(UTC; naive datetimes and dates are taken as UTC), a ``type`` and the type's fields:

==========================  ==========================================================
type                        fields
==========================  ==========================================================
``buy`` / ``sell``          instrument, quantity, price, fee=0
``dividend``                instrument, amount (gross), tax=0 (withheld)
``dividend_reinvested``     instrument, quantity, price, tax=0
``fee`` / ``tax``           currency, amount, instrument=None
``split``                   instrument, numerator, denominator (2, 1 doubles; 1, 10 reverse)
``deposit`` / ``withdrawal`` currency, amount
``transfer_in``             instrument, quantity, price, cost=None
``transfer_out``            instrument, quantity, price
``fx_conversion``           from_currency, from_amount, to_currency, to_amount, fee=0
==========================  ==========================================================

Amounts may be ``Decimal``, ``int``, ``str`` or ``float`` (a float is read as its shortest
repr, so ``0.1`` is exactly ``Decimal("0.1")``); results are ``Decimal`` for money and
``float`` for returns. Cash is rounded to the currency's minor units when booked; a buy's fee
is part of the lot's cost, a sale's fee reduces its proceeds. Errors raise
``sextant.errors.InputError`` with a specific ``code`` (``"INSUFFICIENT_QUANTITY"``,
``"UNKNOWN_CURRENCY"``, ``"OUT_OF_ORDER"``, ``"MISSING_PRICE"``, ...). See docs/ledger.md.

Example:
    >>> from decimal import Decimal
    >>> from sextant.ledger import Ledger
    >>> ledger = Ledger.from_transactions([
    ...     {"timestamp": "2024-01-02T15:00:00Z", "type": "deposit", "currency": "USD", "amount": 3000},
    ...     {"timestamp": "2024-01-02T15:01:00Z", "type": "buy", "instrument": "X", "quantity": 10, "price": 100, "fee": 1},
    ...     {"timestamp": "2024-01-03T15:00:00Z", "type": "buy", "instrument": "X", "quantity": 10, "price": 120, "fee": 1},
    ...     {"timestamp": "2024-01-04T15:00:00Z", "type": "sell", "instrument": "X", "quantity": 15, "price": 130, "fee": 2},
    ... ], base_currency="USD", instruments={"X": "USD"}, cost_basis="fifo")
    >>> h = ledger.holdings()[0]
    >>> h["quantity"], h["cost"], h["realised"]
    (Decimal('5'), Decimal('600.50'), Decimal('346.50'))
    >>> p = ledger.performance({"X": {"2024-01-01": 100, "2024-01-04": 130}})
    >>> p["end_value"], round(p["twr"], 6)
    (Decimal('3396'), 0.132)
"""

from __future__ import annotations

import datetime as _dt
import json
import math
from decimal import Decimal
from typing import Any, Iterable, Mapping, Optional, Union

from sextant import _native

__all__ = ["Ledger", "xirr"]

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


def _market(prices: Optional[Mapping[str, Any]], fx: Optional[Mapping[str, Any]]) -> str:
    return json.dumps({
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

    __slots__ = ("_native",)

    def __init__(self, native: Any) -> None:
        self._native = native

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
        return cls(_native.Ledger(json.dumps(config), json.dumps(_records(transactions))))

    @property
    def config(self) -> dict:
        """The configuration."""
        return json.loads(self._native.config_json())

    def transactions(self) -> list[dict]:
        """The transactions in booking order, each with ``index``, its position in the input."""
        return [dict(_convert(t), index=i) for i, t in json.loads(self._native.transactions_json())]

    def book(self, fx: Optional[Mapping[str, Any]] = None) -> dict:
        """The books after every transaction: ``positions`` (lots and running totals),
        ``cash``, ``realisations`` (each closed lot portion) and ``flows`` (external flows)."""
        market = None if fx is None else _market(None, fx)
        return _convert(json.loads(self._native.book_json(market)))

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
        return _convert(json.loads(self._native.valuation_json(date, market)))

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
        out = self._native.performance_json(_market(prices, fx), json.dumps(opts), period)
        return _convert(json.loads(out))

    def __repr__(self) -> str:
        c = self.config
        return f"Ledger(base_currency={c['base_currency']!r}, transactions={len(json.loads(self._native.transactions_json()))}, cost_basis={c['cost_basis']!r})"


def xirr(dates: Iterable[Any], amounts: Iterable[float]) -> float:
    """The internal rate of return of flows on dates (Act/365 from the first date, as Excel's
    XIRR), found by a bracketed Brent solver.

    >>> round(xirr(["2023-01-01", "2024-01-01"], [-100.0, 105.0]), 12)
    0.05

    Raises:
        sextant.errors.InputError: ``code == "NO_ROOT"`` when the flows have no root.
    """
    return _native.ledger_xirr([_date(d) for d in dates], [float(a) for a in amounts])
