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

The five declared functions (``transactions``, ``book``, ``valuation``, ``performance``,
``xirr``) take the configuration, transactions and market data as plain records, exactly as
Node, WASM and the server do; :class:`Ledger` wraps them with Python conveniences (DataFrames
in, ``Decimal`` and dates out).

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

from sextant._surface import install as _install
from sextant.ledger._ledger import Ledger

_install(globals(), "ledger")
__all__ = [*__all__, "Ledger"]  # noqa: F821 (set by _install)
