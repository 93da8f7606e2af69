//! Market data for valuation: closing prices per instrument (in its currency, keyed by the
//! exchange-local date) and exchange rates to the base currency, both looked up as of a date
//! (the latest observation on or before it).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::error::{LedgerError, LedgerResult};

/// A dated series of decimal observations (prices or rates).
pub type Series = Vec<(NaiveDate, Decimal)>;

/// Prices and FX rates. `fx["EUR"]` holds the value of one EUR in the base currency.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MarketData {
    /// Closing prices per instrument symbol.
    #[serde(default)]
    pub prices: BTreeMap<String, Series>,
    /// Units of base currency per unit of each currency.
    #[serde(default)]
    pub fx: BTreeMap<String, Series>,
}

fn check_series(kind: &str, key: &str, s: &mut Series, positive: bool) -> LedgerResult<()> {
    s.sort_by_key(|(d, _)| *d);
    for w in s.windows(2) {
        if w[0].0 == w[1].0 {
            return Err(LedgerError::InvalidInput {
                field: format!("{kind}[{key:?}]"),
                reason: format!("two observations on {}", w[0].0),
            });
        }
    }
    for (d, v) in s.iter() {
        if v.is_sign_negative() || (positive && v.is_zero()) {
            return Err(LedgerError::InvalidInput {
                field: format!("{kind}[{key:?}]"),
                reason: format!("{v} on {d} must be {}", if positive { "> 0" } else { ">= 0" }),
            });
        }
    }
    Ok(())
}

fn as_of(s: &Series, date: NaiveDate) -> Option<Decimal> {
    let i = s.partition_point(|(d, _)| *d <= date);
    (i > 0).then(|| s[i - 1].1)
}

impl MarketData {
    /// Checks and sorts the series: dates unique, prices >= 0, rates > 0.
    pub fn validated(mut self) -> LedgerResult<Self> {
        for (k, s) in &mut self.prices {
            check_series("prices", k, s, false)?;
        }
        for (k, s) in &mut self.fx {
            check_series("fx", k, s, true)?;
        }
        Ok(self)
    }

    /// The price of `instrument` as of `date` (sorted series assumed, see [`Self::validated`]).
    pub fn price(&self, instrument: &str, date: NaiveDate) -> LedgerResult<Decimal> {
        self.prices
            .get(instrument)
            .and_then(|s| as_of(s, date))
            .ok_or_else(|| LedgerError::MissingPrice { instrument: instrument.into(), date })
    }

    /// Units of `base` per unit of `currency` as of `date` (1 for the base itself).
    pub fn fx_rate(&self, currency: &str, base: &str, date: NaiveDate) -> LedgerResult<Decimal> {
        if currency == base {
            return Ok(Decimal::ONE);
        }
        self.fx.get(currency).and_then(|s| as_of(s, date)).ok_or_else(|| {
            LedgerError::MissingFxRate { currency: currency.into(), base: base.into(), date }
        })
    }

    /// Every date with a price of any instrument, sorted, the default valuation calendar.
    #[must_use]
    pub fn price_dates(&self) -> Vec<NaiveDate> {
        let mut d: Vec<NaiveDate> =
            self.prices.values().flat_map(|s| s.iter().map(|(d, _)| *d)).collect();
        d.sort_unstable();
        d.dedup();
        d
    }
}
