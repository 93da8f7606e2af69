"""sextant.ledger: the record API over the core ledger. Numbers are the hand-checked worked
examples of crates/sextant-core/tests/it/ledger/worked.rs; XIRR is checked against the scipy
roots in tests/golden/ledger/xirr.json (scripts/golden/generate_ledger.py) within 1e-9."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

import sextant
from sextant.errors import InputError, ParameterError
from sextant.ledger import Ledger, xirr

ROOT = Path(__file__).resolve().parents[2]

TRADES = [
    {"timestamp": "2024-01-02T15:00:00Z", "type": "deposit", "currency": "USD", "amount": 3000},
    {"timestamp": "2024-01-02T15:01:00Z", "type": "buy", "instrument": "X", "quantity": 10, "price": 100, "fee": 1},
    {"timestamp": "2024-01-03T15:00:00Z", "type": "buy", "instrument": "X", "quantity": 10, "price": 120, "fee": 1},
    {"timestamp": "2024-01-04T15:00:00Z", "type": "sell", "instrument": "X", "quantity": 15, "price": 130, "fee": 2},
]


@pytest.mark.parametrize(
    "basis, realised, cost",
    [("fifo", "346.50", "600.50"), ("lifo", "246.50", "500.50"), ("average", "296.50", "550.50")],
)
def test_partial_sale_under_each_cost_basis(basis, realised, cost):
    ledger = Ledger.from_transactions(TRADES, base_currency="USD", instruments={"X": "USD"}, cost_basis=basis)
    (h,) = ledger.holdings()
    assert h["quantity"] == Decimal("5")
    assert h["realised"] == Decimal(realised)
    assert h["cost"] == Decimal(cost)
    cash = ledger.valuation()["cash"][0]
    assert cash["balance"] == Decimal("2746")


def test_dataframe_input_with_timestamps_and_floats():
    df = pd.DataFrame(TRADES)
    df["timestamp"] = pd.to_datetime(df["timestamp"])
    df["fee"] = df["fee"].astype(float)  # NaN on the deposit row is dropped
    ledger = Ledger.from_transactions(df, base_currency="USD", instruments=[("X", "USD")])
    book = ledger.book()
    assert [r["gain"] for r in book["realisations"]] == [Decimal("297.67"), Decimal("48.83")]
    assert isinstance(book["realisations"][0]["timestamp"], dt.datetime)
    frame = ledger.holdings(as_frame=True)
    assert frame.loc["X", "realised"] == Decimal("346.50")


def test_float_amounts_are_read_as_their_repr():
    ledger = Ledger.from_transactions(
        [{"timestamp": dt.date(2024, 1, 2), "type": "deposit", "currency": "USD", "amount": 0.1},
         {"timestamp": dt.datetime(2024, 1, 2, 12), "type": "deposit", "currency": "USD", "amount": 0.2}],
        base_currency="USD",
    )
    assert ledger.valuation()["cash"][0]["balance"] == Decimal("0.3")


def test_deposit_mid_period_twr_vs_mwr():
    txs = [
        {"timestamp": "2021-01-01T10:00:00Z", "type": "deposit", "currency": "USD", "amount": 1000},
        {"timestamp": "2021-01-01T10:00:01Z", "type": "buy", "instrument": "X", "quantity": 10, "price": 100},
        {"timestamp": "2022-01-01T10:00:00Z", "type": "deposit", "currency": "USD", "amount": 1100},
        {"timestamp": "2022-01-01T10:00:01Z", "type": "buy", "instrument": "X", "quantity": 10, "price": 110},
    ]
    prices = {"X": pd.Series([100.0, 110.0, 99.0], index=pd.to_datetime(["2021-01-01", "2022-01-01", "2023-01-01"]))}
    ledger = Ledger.from_transactions(txs, base_currency="USD", instruments={"X": "USD"})
    p = ledger.performance(prices, start="2021-01-01", flow_timing="end")
    assert p["twr"] == pytest.approx(-0.01, abs=1e-15)
    v = (1100 + (1100**2 + 4 * 1980 * 1000) ** 0.5) / 3960
    assert p["mwr"] == pytest.approx(1 / v - 1, abs=1e-12)
    assert p["gain"] == Decimal("-120")
    assert p["roai"] == pytest.approx(-120 / 1550, abs=1e-15)
    assert p["start"] == dt.date(2021, 1, 1)
    years = ledger.performance(prices, start="2021-01-01", flow_timing="end", period="year")
    assert [round(y["twr"], 12) for y in years] == [0.1, -0.1]
    with pytest.raises(ParameterError):
        ledger.performance(prices, period="week")


def test_two_currencies():
    txs = [
        {"timestamp": "2024-01-01T09:00:00Z", "type": "deposit", "currency": "USD", "amount": "10000"},
        {"timestamp": "2024-01-01T09:01:00Z", "type": "fx_conversion", "from_currency": "USD", "from_amount": "2200", "to_currency": "EUR", "to_amount": "2000"},
        {"timestamp": "2024-01-01T09:02:00Z", "type": "buy", "instrument": "SAP", "quantity": 10, "price": 150, "fee": 2},
        {"timestamp": "2024-01-01T15:00:00Z", "type": "buy", "instrument": "AAPL", "quantity": 20, "price": 190},
        {"timestamp": "2024-01-03T10:00:00Z", "type": "sell", "instrument": "SAP", "quantity": 5, "price": 160, "fee": 2},
    ]
    prices = {"AAPL": {"2024-01-01": 190, "2024-01-02": 195, "2024-01-03": 200},
              "SAP": {"2024-01-01": 150, "2024-01-02": 155, "2024-01-03": 160}}
    fx = {"EUR": {"2024-01-01": "1.10", "2024-01-03": "1.20"}}
    ledger = Ledger.from_transactions(
        txs, base_currency="USD",
        instruments=[{"symbol": "AAPL", "currency": "USD"},
                     {"symbol": "SAP", "currency": "EUR", "utc_offset_minutes": 60, "time_zone": "Europe/Berlin"}])
    v = ledger.valuation(prices, fx, at="2024-01-03")
    assert v["total_base"] == Decimal("10515.2")
    sap = next(h for h in v["holdings"] if h["instrument"] == "SAP")
    assert (sap["realised"], sap["realised_base"]) == (Decimal("47"), Decimal("131.5"))
    p = ledger.performance(prices, fx, start="2023-12-31")
    assert p["twr"] == pytest.approx(0.05152, abs=1e-14)
    gains = {c["name"]: c["gain"] for c in p["contributions"]}
    assert gains == {"AAPL": Decimal("200"), "SAP": Decimal("265.4"), "cash:EUR": Decimal("49.8"), "cash:USD": Decimal("0")}
    with pytest.raises(InputError) as e:
        ledger.valuation(prices, None, at="2024-01-03")
    assert e.value.code == "MISSING_FX_RATE"


def test_typed_errors():
    with pytest.raises(InputError) as e:
        Ledger.from_transactions(TRADES[:2] + [dict(TRADES[3], quantity=11)], base_currency="USD", instruments={"X": "USD"})
    assert e.value.code == "INSUFFICIENT_QUANTITY"
    assert e.value.parameter == "transactions[2]"
    assert isinstance(e.value, ValueError) and isinstance(e.value, sextant.SextantError)
    with pytest.raises(InputError) as e:
        Ledger.from_transactions([TRADES[1], TRADES[0]], base_currency="USD", instruments={"X": "USD"})
    assert e.value.code == "OUT_OF_ORDER"
    assert Ledger.from_transactions([TRADES[1], TRADES[0]], base_currency="USD", instruments={"X": "USD"}, order="sort")
    with pytest.raises(InputError) as e:
        Ledger.from_transactions([dict(TRADES[0], currency="ABC")], base_currency="USD")
    assert e.value.code == "UNKNOWN_CURRENCY"
    with pytest.raises(InputError) as e:
        Ledger.from_transactions([dict(TRADES[1], price=-1)], base_currency="USD", instruments={"X": "USD"})
    assert e.value.code == "INVALID_AMOUNT"
    with pytest.raises(InputError):
        Ledger.from_transactions([{"timestamp": "yesterday", "type": "deposit"}], base_currency="USD")


def test_xirr_matches_scipy_golden():
    doc = json.loads((ROOT / "tests/golden/ledger/xirr.json").read_text())
    for case in doc["cases"]:
        if case["rate"] is None:
            with pytest.raises(InputError) as e:
                xirr(case["dates"], case["amounts"])
            assert e.value.code == "NO_ROOT"
        else:
            assert abs(xirr(case["dates"], case["amounts"]) - case["rate"]) <= doc["tolerance"], case["name"]


def test_docs_examples_run():
    import re

    text = (ROOT / "docs/ledger.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert len(blocks) >= 2
    for block in blocks:
        exec(compile(block, "docs/ledger.md", "exec"), {})  # noqa: S102 - our own docs


def _pointer(doc, ptr: str):
    """RFC 6901 JSON pointer lookup."""
    for part in [p.replace("~1", "/").replace("~0", "~") for p in ptr.split("/")[1:]] if ptr else []:
        doc = doc[int(part)] if isinstance(doc, list) else doc[part]
    return doc


_DECLS = json.loads((ROOT / "tests/golden/ledger/decls.json").read_text())


@pytest.mark.parametrize("case", _DECLS["cases"], ids=lambda c: c["id"])
def test_declared_functions_match_the_ledger_cases(case):
    """Every case of tests/golden/ledger/decls.json through the generated functions (hand
    derivations and scipy roots; strings exactly, numbers within the file's tolerance)."""
    fn = getattr(sextant.ledger, case["function"])
    info = fn.__doc__
    assert info
    args = [case["inputs"][name] for name in fn.__code__.co_varnames[: fn.__code__.co_argcount]]
    if "error" in case:
        with pytest.raises(InputError) as e:
            fn(*args)
        assert e.value.code == case["error"]
        return
    out = fn(*args)
    for ptr, want in case["checks"]:
        got = _pointer(out, ptr)
        if isinstance(want, str) or isinstance(want, bool):
            assert got == want, (case["id"], ptr)
        else:
            assert abs(got - want) <= _DECLS["tolerance"], (case["id"], ptr, got, want)


def test_json_inputs_take_python_objects():
    """DataFrames, Decimal, dates and numpy values go in as JSON; a bad document names its input."""
    import numpy as np

    frame = pd.DataFrame(TRADES)
    cfg = {"base_currency": "USD", "instruments": [{"symbol": "X", "currency": "USD"}]}
    rows = sextant.ledger.transactions(cfg, frame.assign(quantity=frame["quantity"].astype("float64")).to_dict("records"))
    assert [r["index"] for r in rows] == [0, 1, 2, 3]
    r = sextant.ledger.xirr([dt.date(2023, 1, 1), pd.Timestamp("2024-01-01")], np.array([-100.0, 105.0]))
    assert abs(r - 0.05) < 1e-12
    with pytest.raises(InputError) as e:
        sextant.ledger.book(cfg, [{"timestamp": object()}], None)
    assert e.value.parameter == "transactions"
