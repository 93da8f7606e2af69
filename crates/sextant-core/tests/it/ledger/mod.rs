//! Ledger tests: worked examples checked by hand, errors, properties over random
//! transactions, XIRR against scipy (tests/golden/ledger).

pub mod decls;
mod errors;
mod golden;
mod props;
mod worked;

use rust_decimal::Decimal;
use sextant_core::ledger::{Instrument, Ledger, LedgerConfig, MarketData, Transaction};

/// A decimal from a literal string.
pub fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

/// Transactions from a JSON array literal.
pub fn txs(json: &str) -> Vec<Transaction> {
    serde_json::from_str(json).unwrap()
}

/// Market data from a JSON literal.
pub fn market(json: &str) -> MarketData {
    serde_json::from_str(json).unwrap()
}

/// A USD ledger over the given USD instruments.
pub fn usd(symbols: &[&str]) -> LedgerConfig {
    LedgerConfig::new("USD", symbols.iter().map(|s| Instrument::new(s, "USD")).collect())
}

/// Books and unwraps.
pub fn ledger(cfg: LedgerConfig, json: &str) -> Ledger {
    Ledger::new(cfg, txs(json)).unwrap()
}
