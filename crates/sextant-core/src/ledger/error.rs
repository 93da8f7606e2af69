//! The ledger's typed errors. Each names the transaction (by its position in the input), the
//! field and the offending value; [`LedgerError::code`] is stable, and every variant converts
//! into the core [`Error`](crate::Error) (as `InvalidInput` / `OutOfRange`) for the adapters.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

/// Everything that can go wrong while booking transactions or measuring performance.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum LedgerError {
    /// A currency code that is neither an ISO 4217 code the ledger knows nor declared in
    /// [`LedgerConfig::currencies`](super::LedgerConfig::currencies).
    #[error("transactions[{index}]: unknown currency {currency:?} (declare its minor units in `currencies`)")]
    UnknownCurrency {
        /// Position of the transaction in the input (`usize::MAX` for the configuration).
        index: usize,
        /// The code given.
        currency: String,
    },
    /// A transaction names an instrument that is not declared in the configuration.
    #[error(
        "transactions[{index}]: unknown instrument {instrument:?}; declare it in `instruments`"
    )]
    UnknownInstrument {
        /// Position of the transaction in the input.
        index: usize,
        /// The symbol given.
        instrument: String,
    },
    /// A price, amount or fee below zero, or a quantity that is not positive.
    #[error("transactions[{index}]: `{field}` = {value} {bound}")]
    InvalidAmount {
        /// Position of the transaction in the input.
        index: usize,
        /// Field name (`price`, `quantity`, `fee`, `amount`...).
        field: &'static str,
        /// The value given.
        value: Decimal,
        /// The bound broken, e.g. `must be >= 0`.
        bound: &'static str,
    },
    /// Selling (or transferring out) more than is held while shorting is not allowed.
    #[error("transactions[{index}]: cannot remove {requested} of {instrument:?}: {held} held and shorting is not allowed")]
    InsufficientQuantity {
        /// Position of the transaction in the input.
        index: usize,
        /// The instrument.
        instrument: String,
        /// Quantity held before the transaction.
        held: Decimal,
        /// Quantity the transaction removes.
        requested: Decimal,
    },
    /// Cash would go below zero while `allow_negative_cash` is false.
    #[error("transactions[{index}]: {currency} cash would fall to {balance}; negative cash is not allowed")]
    InsufficientCash {
        /// Position of the transaction in the input.
        index: usize,
        /// The cash currency.
        currency: String,
        /// The balance the transaction would leave.
        balance: Decimal,
    },
    /// A timestamp earlier than the one before it, under [`OrderPolicy::Reject`](super::OrderPolicy::Reject).
    #[error("transactions[{index}]: timestamp {timestamp} is earlier than the previous transaction's {previous}; sort the transactions or set order = \"sort\"")]
    OutOfOrder {
        /// Position of the transaction in the input.
        index: usize,
        /// Its timestamp.
        timestamp: DateTime<Utc>,
        /// The previous transaction's timestamp.
        previous: DateTime<Utc>,
    },
    /// A split whose ratio is zero or whose result is not an exact decimal quantity.
    #[error("transactions[{index}]: invalid split: {reason}")]
    InvalidSplit {
        /// Position of the transaction in the input.
        index: usize,
        /// What is wrong.
        reason: String,
    },
    /// An amount beyond the decimal range (about 7.9e28).
    #[error("transactions[{index}]: decimal overflow while computing {what}")]
    Overflow {
        /// Position of the transaction in the input (`usize::MAX` when not tied to one).
        index: usize,
        /// What was being computed.
        what: &'static str,
    },
    /// No price on or before a valuation date for an instrument that is held.
    #[error("no price for {instrument:?} on or before {date}")]
    MissingPrice {
        /// The instrument.
        instrument: String,
        /// The valuation date.
        date: NaiveDate,
    },
    /// No exchange rate to the base currency on or before a date.
    #[error("no {currency}->{base} exchange rate on or before {date}")]
    MissingFxRate {
        /// The currency to convert.
        currency: String,
        /// The base currency.
        base: String,
        /// The date needed.
        date: NaiveDate,
    },
    /// Malformed configuration or market data (duplicate instrument, negative price...).
    #[error("`{field}` is invalid: {reason}")]
    InvalidInput {
        /// The configuration or market-data field at fault.
        field: String,
        /// What is wrong.
        reason: String,
    },
    /// The money-weighted return has no root (e.g. all cash flows have the same sign).
    #[error("no internal rate of return: {reason}")]
    NoRoot {
        /// Why no root exists or none was bracketed.
        reason: String,
    },
    /// A time-weighted sub-period return is undefined (its starting capital is zero or
    /// negative while its end value is not zero).
    #[error("return undefined on {date}: {reason}")]
    UndefinedReturn {
        /// The valuation date.
        date: NaiveDate,
        /// Why.
        reason: String,
    },
}

impl LedgerError {
    /// A stable machine-readable code.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            Self::UnknownCurrency { .. } => "UNKNOWN_CURRENCY",
            Self::UnknownInstrument { .. } => "UNKNOWN_INSTRUMENT",
            Self::InvalidAmount { .. } => "INVALID_AMOUNT",
            Self::InsufficientQuantity { .. } => "INSUFFICIENT_QUANTITY",
            Self::InsufficientCash { .. } => "INSUFFICIENT_CASH",
            Self::OutOfOrder { .. } => "OUT_OF_ORDER",
            Self::InvalidSplit { .. } => "INVALID_SPLIT",
            Self::Overflow { .. } => "OVERFLOW",
            Self::MissingPrice { .. } => "MISSING_PRICE",
            Self::MissingFxRate { .. } => "MISSING_FX_RATE",
            Self::InvalidInput { .. } => "INVALID_INPUT",
            Self::NoRoot { .. } => "NO_ROOT",
            Self::UndefinedReturn { .. } => "UNDEFINED_RETURN",
        }
    }

    /// Sets the transaction index of an [`LedgerError::Overflow`] raised by a helper.
    pub(crate) fn at(self, i: usize) -> Self {
        match self {
            Self::Overflow { index: usize::MAX, what } => Self::Overflow { index: i, what },
            e => e,
        }
    }

    /// The input the error is about: `transactions[i]`, `market_data`, `config` or `flows`.
    #[must_use]
    pub fn subject(&self) -> String {
        match self {
            Self::UnknownCurrency { index, .. }
            | Self::UnknownInstrument { index, .. }
            | Self::InvalidAmount { index, .. }
            | Self::InsufficientQuantity { index, .. }
            | Self::InsufficientCash { index, .. }
            | Self::OutOfOrder { index, .. }
            | Self::InvalidSplit { index, .. }
            | Self::Overflow { index, .. }
                if *index != usize::MAX =>
            {
                format!("transactions[{index}]")
            }
            Self::MissingPrice { .. } | Self::MissingFxRate { .. } => "market_data".into(),
            Self::InvalidInput { field, .. } => field.clone(),
            Self::NoRoot { .. } | Self::UndefinedReturn { .. } => "flows".into(),
            _ => "config".into(),
        }
    }
}

impl From<LedgerError> for crate::Error {
    fn from(e: LedgerError) -> Self {
        crate::Error::Rejected { input: e.subject(), code: e.code(), reason: e.to_string() }
    }
}

/// Result alias of the ledger.
pub type LedgerResult<T> = std::result::Result<T, LedgerError>;
