//! Decimal money: currencies with their ISO 4217 minor units, rounding, and checked
//! arithmetic (an overflow is an error, never a panic).

use std::collections::BTreeMap;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use super::error::{LedgerError, LedgerResult};

/// The minor units (decimal places) of common ISO 4217 currencies; `None` for a code this
/// table does not know (declare it in [`LedgerConfig::currencies`](super::LedgerConfig::currencies)).
///
/// ```
/// use sextant_core::ledger::iso_minor_units;
/// assert_eq!(iso_minor_units("USD"), Some(2));
/// assert_eq!(iso_minor_units("JPY"), Some(0));
/// assert_eq!(iso_minor_units("KWD"), Some(3));
/// assert_eq!(iso_minor_units("XYZ"), None);
/// ```
#[must_use]
pub fn iso_minor_units(code: &str) -> Option<u32> {
    Some(match code {
        // zero decimals
        "JPY" | "KRW" | "CLP" | "ISK" | "VND" | "PYG" | "UGX" | "XOF" | "XAF" | "XPF" | "RWF"
        | "KMF" | "GNF" | "DJF" | "BIF" | "VUV" => 0,
        // three decimals
        "KWD" | "BHD" | "JOD" | "OMR" | "TND" | "LYD" | "IQD" => 3,
        // four decimals (units of account)
        "CLF" | "UYW" => 4,
        "USD" | "EUR" | "GBP" | "CHF" | "CAD" | "AUD" | "NZD" | "HKD" | "SGD" | "SEK" | "NOK"
        | "DKK" | "CNY" | "INR" | "BRL" | "MXN" | "ZAR" | "TWD" | "PLN" | "CZK" | "HUF" | "TRY"
        | "ILS" | "THB" | "IDR" | "MYR" | "PHP" | "SAR" | "AED" | "QAR" | "RUB" | "RON" | "BGN"
        | "ARS" | "COP" | "PEN" | "EGP" | "NGN" | "KES" | "PKR" | "BDT" | "LKR" | "MAD" | "UAH"
        | "KZT" | "VES" | "CNH" => 2,
        _ => return None,
    })
}

/// How amounts are rounded to a currency's minor units.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rounding {
    /// Round half to even (banker's rounding), the default.
    #[default]
    HalfEven,
    /// Round half away from zero (the EU's euro-conversion rule).
    HalfUp,
}

impl Rounding {
    const fn strategy(self) -> RoundingStrategy {
        match self {
            Self::HalfEven => RoundingStrategy::MidpointNearestEven,
            Self::HalfUp => RoundingStrategy::MidpointAwayFromZero,
        }
    }
}

/// The currencies a ledger accepts: the ISO table plus the declared extras (which override it).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Currencies {
    extra: BTreeMap<String, u32>,
    rounding: Rounding,
}

impl Currencies {
    /// A table with extra or overriding currencies (`{"BTC": 8}`) and a rounding rule.
    #[must_use]
    pub fn new(extra: BTreeMap<String, u32>, rounding: Rounding) -> Self {
        Self { extra, rounding }
    }

    /// The minor units of `code`, if the currency is known.
    #[must_use]
    pub fn minor_units(&self, code: &str) -> Option<u32> {
        self.extra.get(code).copied().or_else(|| iso_minor_units(code))
    }

    /// Rounds `amount` to the minor units of `code` (an unknown code leaves it unrounded).
    #[must_use]
    pub fn round(&self, code: &str, amount: Decimal) -> Decimal {
        match self.minor_units(code) {
            Some(dp) => amount.round_dp_with_strategy(dp, self.rounding.strategy()),
            None => amount,
        }
    }
}

const fn overflow(what: &'static str) -> LedgerError {
    LedgerError::Overflow { index: usize::MAX, what }
}

/// `a + b`, or an overflow error naming `what`.
pub(crate) fn add(a: Decimal, b: Decimal, what: &'static str) -> LedgerResult<Decimal> {
    a.checked_add(b).ok_or(overflow(what))
}

/// `a - b`, or an overflow error naming `what`.
pub(crate) fn sub(a: Decimal, b: Decimal, what: &'static str) -> LedgerResult<Decimal> {
    a.checked_sub(b).ok_or(overflow(what))
}

/// `a * b`, or an overflow error naming `what`.
pub(crate) fn mul(a: Decimal, b: Decimal, what: &'static str) -> LedgerResult<Decimal> {
    a.checked_mul(b).ok_or(overflow(what))
}

/// `a / b`, or an overflow error naming `what` (also for a zero divisor).
pub(crate) fn div(a: Decimal, b: Decimal, what: &'static str) -> LedgerResult<Decimal> {
    a.checked_div(b).ok_or(overflow(what))
}

/// Decimal to f64 for the analytics (NaN if it cannot be represented, which cannot happen for
/// a finite decimal).
pub(crate) fn to_f64(d: Decimal) -> f64 {
    use rust_decimal::prelude::ToPrimitive;
    d.to_f64().unwrap_or(f64::NAN)
}
