//! Portfolio accounting in decimal money: transactions to holdings, cost basis (FIFO, LIFO,
//! average cost), realised and unrealised P&L, income, fees and taxes, in each position's
//! currency and in a base currency; time-weighted and money-weighted returns, ROI, return on
//! average capital and contributions by holding. See `docs/ledger.md`.
//!
//! Money (prices, quantities, cash, fees, FX rates) is [`Decimal`](rust_decimal::Decimal):
//! sums of quantities and cash are exact, and cash is rounded to each currency's minor units
//! ([`iso_minor_units`]) when booked. Returns are `f64`, as the analytics take them.
//! Timestamps are UTC ([`chrono::DateTime<Utc>`](chrono::DateTime)); each instrument carries
//! its exchange's UTC offset for trade dates, and the portfolio's offset and day cut-off
//! decide on which valuation day a transaction is booked. Nothing here panics: overflows,
//! bad records and missing market data are [`LedgerError`]s.
//!
//! ```
//! use sextant_core::ledger::{Ledger, LedgerConfig, Instrument, MarketData, PerformanceOptions};
//! let cfg = LedgerConfig::new("USD", vec![Instrument::new("SPY", "USD")]);
//! let txs = serde_json::from_str(r#"[
//!   {"timestamp": "2024-01-02T14:00:00Z", "type": "deposit", "currency": "USD", "amount": "1000"},
//!   {"timestamp": "2024-01-02T15:00:00Z", "type": "buy", "instrument": "SPY", "quantity": "2", "price": "470"}
//! ]"#).unwrap();
//! let ledger = Ledger::new(cfg, txs)?;
//! let market: MarketData = serde_json::from_str(r#"{"prices": {"SPY": [
//!   ["2024-01-01", "470"], ["2024-01-02", "470"], ["2024-01-03", "493.5"]]}}"#).unwrap();
//! let perf = ledger.performance(&market, &PerformanceOptions::default())?;
//! assert_eq!(perf.end_value.to_string(), "1047.0");
//! assert!((perf.twr - 0.047).abs() < 1e-12); // 1000 -> 1047, no flow after the start
//! # Ok::<(), sextant_core::ledger::LedgerError>(())
//! ```

/// The examples of `docs/ledger.md`, run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../../../docs/ledger.md")]
pub struct LedgerGuide;

mod book;
mod decls;
mod error;
mod market;
mod money;
mod perf;
mod types;
mod xirr;

pub use book::{Book, CashAccount, ExternalFlow, Ledger, Lot, Position, Realisation};
pub use decls::{BOOK, PERFORMANCE, TRANSACTIONS, VALUATION, XIRR};
pub use error::{LedgerError, LedgerResult};
pub use market::{MarketData, Series};
pub use money::{iso_minor_units, Currencies, Rounding};
pub use perf::{
    CashValue, Contribution, DailyPerformance, HoldingValue, Performance, PerformanceOptions,
    Period, Valuation,
};
pub use types::{
    CostBasis, FlowTiming, Instrument, LedgerConfig, OrderPolicy, Transaction, TxKind,
};
pub use xirr::{xirr, xirr_dates, xnpv};
