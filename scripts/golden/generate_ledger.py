"""Generate the ledger's golden fixtures: XIRR of dated cash flows solved by scipy.

Run with the reference venv:
    /root/.cache/sextant/refs/bin/python scripts/golden/generate_ledger.py
It writes tests/golden/ledger/xirr.json and tests/golden/ledger/decls.json (kept apart from
tests/golden/data and out, which generate.py owns). Each case holds dates, amounts and scipy's root (or null where the flows
have no root); the Rust suite (crates/sextant-core/tests/it/ledger/golden.rs) and the Python
suite assert Sextant's `xirr_dates` within the stored tolerance.

Convention (Excel's XIRR): times are Act/365 year fractions from the first date;
NPV(r) = sum a_i (1 + r)^(-t_i). The reference root is scipy.optimize.brentq with xtol 1e-15
and rtol 4 * eps on a bracket found by scanning a fine grid of rates; random cases whose NPV
changes sign more than once on the grid (several roots) are skipped so the root is unique.
"""

from __future__ import annotations

import datetime as dt
import json
from importlib.metadata import version
from pathlib import Path

import numpy as np
from scipy.optimize import brentq

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "golden" / "ledger"
SEED = 20261122
TOLERANCE = 1e-9


def npv(rate: float, times: np.ndarray, amounts: np.ndarray) -> float:
    return float(np.sum(amounts * np.exp(-times * np.log1p(rate))))


def grid() -> np.ndarray:
    return np.concatenate([
        -1.0 + np.logspace(-9, 0, 400, endpoint=False),
        np.linspace(0.0, 10.0, 2001)[1:],
        np.logspace(1, 9, 400)[1:],
    ])


def solve(dates: list[dt.date], amounts: list[float]) -> tuple[float | None, int]:
    """scipy's root and the number of sign changes of the NPV on the grid."""
    t = np.array([(d - dates[0]).days / 365.0 for d in dates])
    a = np.array(amounts, dtype=float)
    a = a / np.max(np.abs(a))
    rates = grid()
    with np.errstate(over="ignore", invalid="ignore"):
        vals = np.array([npv(r, t, a) for r in rates])
    ok = np.isfinite(vals)
    rates, vals = rates[ok], vals[ok]
    zeros = np.nonzero(vals == 0.0)[0]
    if len(zeros):
        return float(rates[zeros[np.argmin(np.abs(rates[zeros]))]]), 1
    changes = np.nonzero(np.sign(vals[:-1]) * np.sign(vals[1:]) < 0)[0]
    if len(changes) == 0:
        return None, 0
    i = changes[np.argmin(np.minimum(np.abs(rates[changes]), np.abs(rates[changes + 1])))]
    root = brentq(npv, rates[i], rates[i + 1], args=(t, a), xtol=1e-15,
                  rtol=4 * np.finfo(float).eps, maxiter=1000)
    return float(root), len(changes)


def day(s: str) -> dt.date:
    return dt.date.fromisoformat(s)


def main() -> None:
    cases: list[dict] = []

    def add(name: str, dates: list[dt.date], amounts: list[float], allow_multi: bool = False) -> bool:
        rate, changes = solve(dates, amounts)
        if changes > 1 and not allow_multi:
            return False
        cases.append({
            "name": name,
            "dates": [d.isoformat() for d in dates],
            "amounts": amounts,
            "rate": rate,
        })
        return True

    # hand-made flows
    add("one_year_5pct", [day("2023-01-01"), day("2024-01-01")], [-100.0, 105.0])
    add("two_years_deposit", [day("2021-01-01"), day("2022-01-01"), day("2023-01-01")],
        [-1000.0, -1100.0, 1980.0])
    add("one_day_gain", [day("2024-03-01"), day("2024-03-02")], [-1000.0, 1001.0])
    add("deep_loss", [day("2020-01-01"), day("2020-12-31")], [-100.0, 1.0])
    add("huge_gain", [day("2020-01-01"), day("2021-01-01")], [-1.0, 1000.0])
    add("thirty_years", [day("1990-01-01"), day("2005-06-30"), day("2020-01-01")],
        [-5000.0, -2500.0, 60000.0])
    add("monthly_savings", [day("2022-01-01") + dt.timedelta(days=30 * k) for k in range(25)],
        [-200.0] * 24 + [5300.0])
    add("withdrawals", [day("2019-05-01"), day("2020-05-01"), day("2021-05-01"), day("2022-05-01")],
        [-10000.0, 2000.0, 2000.0, 8000.0])
    add("no_root_all_positive", [day("2020-01-01"), day("2021-01-01")], [100.0, 50.0])
    add("no_root_positive_npv", [day("2020-01-01"), day("2021-01-01"), day("2022-01-01")],
        [100.0, -1.0, 1.0])

    rng = np.random.default_rng(SEED)
    k = 0
    while k < 40:
        n = int(rng.integers(2, 30))
        start = day("2000-01-01") + dt.timedelta(days=int(rng.integers(0, 8000)))
        offsets = np.sort(rng.choice(np.arange(1, 4000), size=n - 1, replace=False))
        dates = [start] + [start + dt.timedelta(days=int(o)) for o in offsets]
        amounts = [-float(np.round(rng.uniform(100, 10000), 2))]
        for _ in range(n - 2):
            x = float(np.round(rng.normal(-500, 1500), 2))
            amounts.append(x if x != 0 else -1.0)
        amounts.append(float(np.round(rng.uniform(0, 3) * -sum(amounts), 2)) or 1.0)
        if add(f"random_{k:02d}", dates, amounts):
            k += 1

    OUT.mkdir(parents=True, exist_ok=True)
    doc = {
        "provenance": {
            "generator": "scripts/golden/generate_ledger.py",
            "reference": f"scipy.optimize.brentq (scipy {version('scipy')}, numpy {version('numpy')})",
            "convention": "Act/365 from the first date; NPV(r) = sum a_i (1 + r)^(-t_i)",
            "seed": SEED,
        },
        "tolerance": TOLERANCE,
        "cases": cases,
    }
    (OUT / "xirr.json").write_text(json.dumps(doc, indent=1) + "\n")
    print(f"wrote {len(cases)} XIRR cases to {OUT / 'xirr.json'}")
    decls = declaration_cases(cases)
    (OUT / "decls.json").write_text(json.dumps(decls, indent=1) + "\n")
    print(f"wrote {len(decls['cases'])} declaration cases to {OUT / 'decls.json'}")


# The worked example of crates/sextant-core/tests/it/ledger/worked.rs, derived by hand:
# lots A = 10 @ 100 + 1 fee = 1001 and B = 10 @ 120 + 1 = 1201; the sale of 15 @ 130 less a
# 2 fee nets 1948.
TWO_BUYS_ONE_SALE = [
    {"timestamp": "2024-01-02T15:00:00Z", "type": "deposit", "currency": "USD", "amount": "3000"},
    {"timestamp": "2024-01-02T15:01:00Z", "type": "buy", "instrument": "X", "quantity": "10", "price": "100", "fee": "1"},
    {"timestamp": "2024-01-03T15:00:00Z", "type": "buy", "instrument": "X", "quantity": "10", "price": "120", "fee": "1"},
    {"timestamp": "2024-01-04T15:00:00Z", "type": "sell", "instrument": "X", "quantity": "15", "price": "130", "fee": "2"},
]
# FIFO: A and half of B leave (1001 + 600.50): realised 346.50, 5 left at 600.50.
# LIFO: B and half of A leave (1201 + 500.50): realised 246.50, 5 left at 500.50.
# Average: 15 of 20 at 2202 / 20 = 110.10 leave (1651.50): realised 296.50, 5 left at 550.50.
BY_BASIS = {"fifo": ("346.50", "600.50"), "lifo": ("246.50", "500.50"), "average": ("296.50", "550.50")}


def declaration_cases(xirr_cases: list[dict]) -> dict:
    """Cases for the ledger's declarations (JSON in, JSON out), asserted by every surface:
    ``inputs`` by name, then either ``checks`` (JSON pointer, expected value: strings exact,
    numbers within ``tolerance``) or ``error`` (the expected error code). The expected values
    are the hand derivations above and scipy's XIRR roots."""
    def config(basis: str = "fifo", **extra) -> dict:
        return {"base_currency": "USD", "instruments": [{"symbol": "X", "currency": "USD"}],
                "cost_basis": basis, **extra}

    cases: list[dict] = []
    for basis, (realised, cost) in BY_BASIS.items():
        cases.append({"id": f"valuation_{basis}", "function": "valuation",
                      "inputs": {"config": config(basis), "transactions": TWO_BUYS_ONE_SALE,
                                 "market": None, "options": None},
                      "checks": [["/holdings/0/instrument", "X"], ["/holdings/0/quantity", "5"],
                                 ["/holdings/0/cost", cost], ["/holdings/0/realised", realised]]})
        # cash 3000 - 1001 - 1201 + 1948 = 2746
        cases.append({"id": f"book_{basis}", "function": "book",
                      "inputs": {"config": config(basis), "transactions": TWO_BUYS_ONE_SALE, "market": None},
                      "checks": [["/positions/X/realised", realised], ["/cash/USD/balance", "2746"]]})
    # 1000 deposited, 2 SPY bought at 470: 60 cash + 2 x 493.5 = 1047 two days later, +4.7%
    spy = {"base_currency": "USD", "instruments": [{"symbol": "SPY", "currency": "USD"}]}
    spy_txs = [
        {"timestamp": "2024-01-02T14:00:00Z", "type": "deposit", "currency": "USD", "amount": "1000"},
        {"timestamp": "2024-01-02T15:00:00Z", "type": "buy", "instrument": "SPY", "quantity": "2", "price": "470"},
    ]
    spy_market = {"prices": {"SPY": [["2024-01-01", "470"], ["2024-01-02", "470"], ["2024-01-03", "493.5"]]}}
    cases.append({"id": "performance_twr", "function": "performance",
                  "inputs": {"config": spy, "transactions": spy_txs, "market": spy_market, "options": None},
                  "checks": [["/twr", 0.047], ["/end_value", "1047.0"]]})
    cases.append({"id": "performance_by_month", "function": "performance",
                  "inputs": {"config": spy, "transactions": spy_txs, "market": spy_market,
                             "options": {"period": "month"}},
                  "checks": [["/0/twr", 0.047]]})
    # out of order, sorted: the second record books first
    cases.append({"id": "transactions_sorted", "function": "transactions",
                  "inputs": {"config": config(order="sort"), "transactions": [
                      {"timestamp": "2024-01-03T15:00:00Z", "type": "deposit", "currency": "USD", "amount": "5"},
                      {"timestamp": "2024-01-02T15:00:00Z", "type": "deposit", "currency": "USD", "amount": "7"}]},
                  "checks": [["/0/index", 1], ["/1/index", 0]]})
    cases.append({"id": "oversell", "function": "book",
                  "inputs": {"config": config(), "market": None, "transactions": [
                      {"timestamp": "2024-01-02T15:00:00Z", "type": "deposit", "currency": "USD", "amount": "3000"},
                      {"timestamp": "2024-01-02T15:01:00Z", "type": "sell", "instrument": "X", "quantity": "1", "price": "100"}]},
                  "error": "INSUFFICIENT_QUANTITY"})
    cases.append({"id": "unknown_currency", "function": "book",
                  "inputs": {"config": config(), "market": None, "transactions": [
                      {"timestamp": "2024-01-02T15:00:00Z", "type": "deposit", "currency": "ZZZ", "amount": "1"}]},
                  "error": "UNKNOWN_CURRENCY"})
    for c in xirr_cases:
        case = {"id": f"xirr_{c['name']}", "function": "xirr",
                "inputs": {"dates": c["dates"], "amounts": c["amounts"]}}
        if c["rate"] is None:
            case["error"] = "NO_ROOT"
        else:
            case["checks"] = [["", c["rate"]]]
        cases.append(case)
    for c in cases:
        c["module"] = "ledger"
    return {
        "provenance": {
            "generator": "scripts/golden/generate_ledger.py",
            "reference": "hand derivations (comments in the generator) and scipy.optimize.brentq",
        },
        "tolerance": TOLERANCE,
        "cases": cases,
    }


if __name__ == "__main__":
    main()
