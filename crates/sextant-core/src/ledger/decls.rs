//! The ledger's declarations: records in, records out, through the JSON input and output kinds
//! of the declaration mechanism, so that Python, Node, WASM and the server call the same five
//! functions. Every call validates the configuration and the transactions afresh
//! ([`Ledger::new`]): the functions hold no state between calls.

use chrono::NaiveDate;
use serde::Deserialize;

use super::{Ledger, LedgerConfig, MarketData, PerformanceOptions, Period, Transaction};
use crate::decl::{Flags, FunctionDecl, InputSpec, Inputs, Module, OutputSpec};
use crate::{Error, Result};

const CONFIG: InputSpec = InputSpec::json(
    "config",
    "the ledger configuration: base_currency, instruments [{symbol, currency, utc_offset_minutes, time_zone}], cost_basis (fifo, lifo, average), allow_short, allow_negative_cash, order (reject, sort), rounding (half_even, half_up), currencies {code: minor units}, utc_offset_minutes, day_cutoff_minutes",
    r#"{"base_currency": "USD", "instruments": [{"symbol": "SPY", "currency": "USD"}], "cost_basis": "fifo"}"#,
);
const TRANSACTIONS_INPUT: InputSpec = InputSpec::json(
    "transactions",
    "the transactions, one object each: timestamp (RFC 3339, UTC), type (buy, sell, dividend, dividend_reinvested, fee, tax, split, deposit, withdrawal, transfer_in, transfer_out, fx_conversion) and the type's fields; amounts as decimal strings or numbers",
    r#"[{"timestamp": "2024-01-02T14:00:00Z", "type": "deposit", "currency": "USD", "amount": "1000"}, {"timestamp": "2024-01-02T15:00:00Z", "type": "buy", "instrument": "SPY", "quantity": "2", "price": "470", "fee": "1"}]"#,
);
const MARKET: InputSpec = InputSpec::json(
    "market",
    "market data or null: prices {symbol: [[date, close], ...]} in the instrument's currency and fx {currency: [[date, base units per unit], ...]}",
    r#"{"prices": {"SPY": [["2024-01-01", "470"], ["2024-01-02", "470"], ["2024-01-03", "493.5"]]}}"#,
);

/// The configuration and transactions of a call, validated.
fn ledger(i: &Inputs<'_>) -> Result<Ledger> {
    let config: LedgerConfig = i.json(0, "config")?;
    let txs: Vec<Transaction> = i.json(1, "transactions")?;
    Ok(Ledger::new(config, txs)?)
}

fn market(i: &Inputs<'_>, k: usize) -> Result<Option<MarketData>> {
    let m: Option<MarketData> = i.json(k, "market")?;
    Ok(m.map(MarketData::validated).transpose()?)
}

/// Declaration of `transactions`.
pub static TRANSACTIONS: FunctionDecl = FunctionDecl {
    name: "transactions",
    module: Module::Ledger,
    group: "Ledger",
    summary: "Validated transactions in booking order",
    doc: "Validates the configuration and every transaction (unknown currencies or instruments, negative prices, selling more than held unless allow_short, cash below zero unless allow_negative_cash, out-of-order timestamps unless order = sort) and returns them in booking order, each with `index`, its position in the input. A rejected record is an input error whose code names the rule (INSUFFICIENT_QUANTITY, UNKNOWN_CURRENCY, OUT_OF_ORDER, ...) and whose parameter is `transactions[i]`.",
    inputs: &[CONFIG, TRANSACTIONS_INPUT],
    params: &[],
    outputs: &[OutputSpec::json("transactions")],
    flags: Flags::NONE,
    lookback: None,
    compute: |i, _, o| {
        let l = ledger(i)?;
        let rows: Vec<serde_json::Value> = l
            .transactions()
            .iter()
            .map(|(k, t)| {
                let mut v = serde_json::to_value(t).unwrap_or(serde_json::Value::Null);
                if let Some(m) = v.as_object_mut() {
                    m.insert("index".into(), (*k).into());
                }
                v
            })
            .collect();
        o.set_json(0, &rows)
    },
    stream: None,
};

/// Declaration of `book`.
pub static BOOK: FunctionDecl = FunctionDecl {
    name: "book",
    module: Module::Ledger,
    group: "Ledger",
    summary: "The books after every transaction",
    doc: "Books every transaction and returns positions (open lots with quantity and cost, running realised P&L, income, fees and taxes), cash balances per currency, realisations (each closed lot portion with proceeds, cost and gain) and the external flows, in each position's currency and in the base currency (FX from `market`, which may be null when everything is in the base currency). Money is decimal text, exact.",
    inputs: &[CONFIG, TRANSACTIONS_INPUT, MARKET],
    params: &[],
    outputs: &[OutputSpec::json("book")],
    flags: Flags::NONE,
    lookback: None,
    compute: |i, _, o| {
        let l = ledger(i)?;
        let m = market(i, 2)?;
        o.set_json(0, &l.book(None, m.as_ref())?)
    },
    stream: None,
};

/// Options of `valuation`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ValuationOptions {
    /// The valuation date (the close of that day in the portfolio's time).
    #[serde(default)]
    at: Option<NaiveDate>,
}

/// Declaration of `valuation`.
pub static VALUATION: FunctionDecl = FunctionDecl {
    name: "valuation",
    module: Module::Ledger,
    group: "Ledger",
    summary: "Holdings and cash at a date, valued",
    doc: "Holdings (quantity, cost, average cost, price, market value, unrealised and realised P&L, income, in the position's and the base currency) and cash as of the close of `options.at` (default: after every transaction, or the last price date), valued with `market` (null: at cost). options: null or {\"at\": \"YYYY-MM-DD\"}.",
    inputs: &[
        CONFIG,
        TRANSACTIONS_INPUT,
        MARKET,
        InputSpec::json("options", "null or {\"at\": date}", r#"{"at": "2024-01-03"}"#),
    ],
    params: &[],
    outputs: &[OutputSpec::json("valuation")],
    flags: Flags::NONE,
    lookback: None,
    compute: |i, _, o| {
        let l = ledger(i)?;
        let m = market(i, 2)?;
        let opts: Option<ValuationOptions> = i.json(3, "options")?;
        let at = opts.unwrap_or_default().at;
        o.set_json(0, &l.valuation(at, m.as_ref())?)
    },
    stream: None,
};

/// Options of `performance`: the ledger's [`PerformanceOptions`] and a calendar split.
#[derive(Debug, Default, Deserialize)]
struct PerfQuery {
    #[serde(flatten)]
    opts: PerformanceOptions,
    #[serde(default)]
    period: Option<Period>,
}

/// Declaration of `performance`.
pub static PERFORMANCE: FunctionDecl = FunctionDecl {
    name: "performance",
    module: Module::Ledger,
    group: "Ledger",
    summary: "TWR, MWR (XIRR), ROI and contributions over a period",
    doc: "Performance in the base currency from the close of `start` to the close of `end`: twr (chain-linked daily over the valuation days), twr_annualised, mwr (XIRR, annual, Act/365; mwr_error says why when no root exists), mwr_period, roi, roai (gain over Modified Dietz average capital), gain, values and flows, the daily rows and contributions by holding. options: null or {start, end, dates (the valuation days; default every date with a price), flow_timing (start or end of the day), period (month, quarter, year: a list with one result per calendar period)}.",
    inputs: &[
        CONFIG,
        TRANSACTIONS_INPUT,
        MARKET,
        InputSpec::json(
            "options",
            "null or {start, end, dates, flow_timing, period}",
            r#"{"flow_timing": "start"}"#,
        ),
    ],
    params: &[],
    outputs: &[OutputSpec::json("performance")],
    flags: Flags::NONE,
    lookback: None,
    compute: |i, _, o| {
        let l = ledger(i)?;
        let m = market(i, 2)?.unwrap_or_default();
        let q: Option<PerfQuery> = i.json(3, "options")?;
        let q = q.unwrap_or_default();
        match q.period {
            None => o.set_json(0, &l.performance(&m, &q.opts)?),
            Some(p) => o.set_json(0, &l.performance_by_period(&m, &q.opts, p)?),
        }
    },
    stream: None,
};

/// Declaration of `xirr`.
pub static XIRR: FunctionDecl = FunctionDecl {
    name: "xirr",
    module: Module::Ledger,
    group: "Returns",
    summary: "Money-weighted return of dated cash flows (XIRR)",
    doc: "The annual rate r with sum(amount_k / (1 + r)^(t_k)) = 0, t_k in years of 365 days from the earliest date (Excel's XIRR convention). Solved on a bracketing grid, then Brent's method; flows without a sign change, or without a root above -100%, are an input error (code NO_ROOT) saying why. Equal to scipy's brentq root within 1e-9 on the test flows.",
    inputs: &[
        InputSpec::json("dates", "the flow dates, YYYY-MM-DD (or timestamps, whose date part is used)", r#"["2024-01-01", "2024-07-01", "2025-01-01"]"#),
        InputSpec::json("amounts", "the flows, negative invested and positive returned, one per date", "[-1000, -500, 1650]"),
    ],
    params: &[],
    outputs: &[OutputSpec::scalar("xirr")],
    flags: Flags::NONE,
    lookback: None,
    compute: |i, _, o| {
        let texts: Vec<String> = i.json(0, "dates")?;
        // a date, or the date part of a timestamp (what pandas and JS dates serialise to)
        let dates = texts
            .iter()
            .enumerate()
            .map(|(k, t)| {
                let day = t.split(['T', ' ']).next().unwrap_or("");
                NaiveDate::parse_from_str(day, "%Y-%m-%d").map_err(|e| Error::InvalidInput {
                    input: format!("dates[{k}]"),
                    reason: format!("{t:?} is not a YYYY-MM-DD date: {e}"),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let amounts: Vec<Option<f64>> = i.json(1, "amounts")?;
        crate::error::check_same_len("amounts", amounts.len(), "dates", dates.len())?;
        // JSON has no NaN: a null amount is a missing value, refused like a NaN
        let amounts: Vec<f64> = amounts.into_iter().map(|a| a.unwrap_or(f64::NAN)).collect();
        o.f64(0)[0] = super::xirr_dates(&dates, &amounts)?;
        Ok(())
    },
    stream: None,
};
