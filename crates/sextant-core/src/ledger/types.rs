//! The ledger's records: configuration, instruments and transactions (serde: amounts as
//! decimal strings or numbers, timestamps as RFC 3339 UTC).

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::money::Rounding;

/// `ts` moved by an offset in minutes (saturating at chrono's range, never panicking).
fn shift(ts: DateTime<Utc>, minutes: i32) -> DateTime<Utc> {
    ts.checked_add_signed(Duration::minutes(i64::from(minutes))).unwrap_or(ts)
}

/// The local wall-clock time of `ts`: in the IANA zone `tz` when given (daylight saving
/// applied from the IANA database), else at the fixed offset.
fn local(ts: DateTime<Utc>, tz: Option<&str>, offset_minutes: i32) -> chrono::NaiveDateTime {
    match tz.and_then(|z| z.parse::<chrono_tz::Tz>().ok()) {
        Some(zone) => ts.with_timezone(&zone).naive_local(),
        None => shift(ts, offset_minutes).naive_utc(),
    }
}

/// Checks an IANA time-zone name (`field` names it in the error).
pub(crate) fn check_time_zone(field: &str, tz: Option<&str>) -> Result<(), String> {
    match tz {
        Some(z) if z.parse::<chrono_tz::Tz>().is_err() => {
            Err(format!("{field}: {z:?} is not an IANA time-zone name (e.g. \"America/New_York\")"))
        }
        _ => Ok(()),
    }
}

/// An instrument: its symbol, the currency it trades in and its exchange's time zone.
///
/// The exchange time zone gives each trade its exchange-local trade date: an IANA name
/// (`time_zone`, e.g. `"America/New_York"`, with daylight saving from the IANA database,
/// `chrono-tz`) or, without one, a fixed UTC offset (`utc_offset_minutes`, e.g. 540 for
/// Tokyo).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instrument {
    /// Symbol, unique within a ledger.
    pub symbol: String,
    /// ISO 4217 code (or a declared extra currency) of its prices and trades.
    pub currency: String,
    /// The exchange's offset from UTC in minutes.
    #[serde(default)]
    pub utc_offset_minutes: i32,
    /// The exchange's IANA time-zone name; when given it decides the trade dates (daylight
    /// saving included) and `utc_offset_minutes` is not used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
}

impl Instrument {
    /// An instrument at UTC+0 without a time-zone name.
    #[must_use]
    pub fn new(symbol: &str, currency: &str) -> Self {
        Self {
            symbol: symbol.into(),
            currency: currency.into(),
            utc_offset_minutes: 0,
            time_zone: None,
        }
    }

    /// The exchange-local trade date of a UTC timestamp.
    #[must_use]
    pub fn trade_date(&self, ts: DateTime<Utc>) -> NaiveDate {
        local(ts, self.time_zone.as_deref(), self.utc_offset_minutes).date()
    }
}

/// The lot-matching rule that decides which lots a sale removes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CostBasis {
    /// First in, first out (the default).
    #[default]
    Fifo,
    /// Last in, first out.
    Lifo,
    /// Average cost: all lots of a position are pooled into one.
    Average,
}

/// What to do with transactions whose timestamps are not in non-decreasing order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderPolicy {
    /// Reject with [`LedgerError::OutOfOrder`](super::LedgerError::OutOfOrder) (the default:
    /// the order of same-day trades changes lots and cash, so it is never guessed).
    #[default]
    Reject,
    /// Sort stably by timestamp; transactions with equal timestamps keep their input order.
    Sort,
}

/// When, within a valuation day, external cash flows are assumed to happen for the
/// time-weighted return.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlowTiming {
    /// At the start of the day, before the day's market move (the default):
    /// `r = V_t / (V_{t-1} + F_t) - 1`.
    #[default]
    Start,
    /// At the end of the day, after the move: `r = (V_t - F_t) / V_{t-1} - 1`.
    End,
}

fn yes() -> bool {
    true
}

const fn end_of_day() -> u32 {
    1440
}

/// How a ledger books transactions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LedgerConfig {
    /// The reporting currency; P&L, valuations and returns in base use FX rates to it.
    pub base_currency: String,
    /// The instruments transactions may name.
    #[serde(default)]
    pub instruments: Vec<Instrument>,
    /// Lot matching for sales (FIFO by default).
    #[serde(default)]
    pub cost_basis: CostBasis,
    /// Whether a sale may exceed the holding (opening a short position). Default false.
    #[serde(default)]
    pub allow_short: bool,
    /// Whether cash may go negative (a buy without a deposit, margin). Default true.
    #[serde(default = "yes")]
    pub allow_negative_cash: bool,
    /// Out-of-order timestamps: reject (default) or sort.
    #[serde(default)]
    pub order: OrderPolicy,
    /// Rounding of cash amounts to the currency's minor units (half-even by default).
    #[serde(default)]
    pub rounding: Rounding,
    /// Extra currencies or overrides of the ISO minor units, e.g. `{"BTC": 8}`.
    #[serde(default)]
    pub currencies: BTreeMap<String, u32>,
    /// The portfolio's own offset from UTC in minutes, which defines its valuation days
    /// (unless `time_zone` is given).
    #[serde(default)]
    pub utc_offset_minutes: i32,
    /// The portfolio's IANA time zone (`"America/New_York"`): when given, valuation days and
    /// the day cut-off are in its local time, daylight saving included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// Minutes after local midnight at which a valuation day closes (1440 = midnight, the
    /// default; 960 = 16:00). A transaction after the cut belongs to the next day.
    #[serde(default = "end_of_day")]
    pub day_cutoff_minutes: u32,
}

impl LedgerConfig {
    /// A configuration with the given base currency and instruments, other fields default.
    #[must_use]
    pub fn new(base_currency: &str, instruments: Vec<Instrument>) -> Self {
        Self {
            base_currency: base_currency.into(),
            instruments,
            cost_basis: CostBasis::Fifo,
            allow_short: false,
            allow_negative_cash: true,
            order: OrderPolicy::Reject,
            rounding: Rounding::HalfEven,
            currencies: BTreeMap::new(),
            utc_offset_minutes: 0,
            time_zone: None,
            day_cutoff_minutes: 1440,
        }
    }

    /// The valuation day a timestamp is booked on: the local date in the portfolio's time
    /// zone (or at its offset), moved to the next day when the local time is after the day's
    /// cut-off.
    #[must_use]
    pub fn book_date(&self, ts: DateTime<Utc>) -> NaiveDate {
        let local = local(ts, self.time_zone.as_deref(), self.utc_offset_minutes);
        let date = local.date();
        let secs = i64::from(chrono::Timelike::num_seconds_from_midnight(&local.time()));
        if secs > i64::from(self.day_cutoff_minutes) * 60 {
            date.succ_opt().unwrap_or(date)
        } else {
            date
        }
    }
}

/// One transaction: a UTC timestamp and what happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transaction {
    /// When it happened (UTC).
    pub timestamp: DateTime<Utc>,
    /// What happened.
    #[serde(flatten)]
    pub kind: TxKind,
}

/// The kinds of transaction. Trades are in the instrument's currency; cash amounts are
/// rounded to the currency's minor units when booked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TxKind {
    /// Buys `quantity` at `price`: cash falls by `quantity * price + fee`; the lot's cost
    /// includes the fee. A buy first covers any short lots.
    Buy {
        /// Symbol.
        instrument: String,
        /// Units bought, > 0.
        quantity: Decimal,
        /// Price per unit, >= 0.
        price: Decimal,
        /// Commission, >= 0.
        #[serde(default)]
        fee: Decimal,
    },
    /// Sells `quantity` at `price`: cash rises by `quantity * price - fee`; realised P&L is
    /// the net proceeds minus the cost of the lots removed.
    Sell {
        /// Symbol.
        instrument: String,
        /// Units sold, > 0.
        quantity: Decimal,
        /// Price per unit, >= 0.
        price: Decimal,
        /// Commission, >= 0.
        #[serde(default)]
        fee: Decimal,
    },
    /// A cash dividend: income `amount` (gross, instrument currency), cash rises by
    /// `amount - tax` (withholding tax).
    Dividend {
        /// Symbol.
        instrument: String,
        /// Gross amount, >= 0.
        amount: Decimal,
        /// Tax withheld, >= 0.
        #[serde(default)]
        tax: Decimal,
    },
    /// A reinvested dividend: `quantity` new units at `price` (a new lot); income is
    /// `quantity * price + tax`; no cash moves.
    DividendReinvested {
        /// Symbol.
        instrument: String,
        /// Units received, > 0.
        quantity: Decimal,
        /// Reinvestment price, >= 0.
        price: Decimal,
        /// Tax withheld, >= 0.
        #[serde(default)]
        tax: Decimal,
    },
    /// A fee charged to cash (account fee, or a holding's custody fee when `instrument` is set).
    Fee {
        /// Cash currency.
        currency: String,
        /// Amount, >= 0.
        amount: Decimal,
        /// The holding it is charged to, for contributions.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        instrument: Option<String>,
    },
    /// A tax paid from cash.
    Tax {
        /// Cash currency.
        currency: String,
        /// Amount, >= 0.
        amount: Decimal,
        /// The holding it relates to, for contributions.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        instrument: Option<String>,
    },
    /// A split of `numerator` new units for every `denominator` old ones (2:1 doubles the
    /// quantity; 1:10 is a reverse split). Lot costs are unchanged. A split that would leave a
    /// fractional quantity that is not an exact decimal is rejected: book the cash in lieu as
    /// a sale first.
    Split {
        /// Symbol.
        instrument: String,
        /// New units, > 0.
        numerator: u64,
        /// Old units, > 0.
        denominator: u64,
    },
    /// External cash paid in (a flow into the portfolio).
    Deposit {
        /// Cash currency.
        currency: String,
        /// Amount, >= 0.
        amount: Decimal,
    },
    /// External cash paid out.
    Withdrawal {
        /// Cash currency.
        currency: String,
        /// Amount, >= 0.
        amount: Decimal,
    },
    /// Securities received from outside: an external flow worth `quantity * price`; the lot
    /// costs `cost` if given (the original purchase cost), else that value.
    TransferIn {
        /// Symbol.
        instrument: String,
        /// Units, > 0.
        quantity: Decimal,
        /// Market price per unit at the transfer, >= 0.
        price: Decimal,
        /// Total cost basis carried over, >= 0.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cost: Option<Decimal>,
    },
    /// Securities delivered out: an external flow worth `quantity * price`; lots are removed
    /// by the cost-basis rule with no realised P&L (a transfer is not a disposal).
    TransferOut {
        /// Symbol.
        instrument: String,
        /// Units, > 0.
        quantity: Decimal,
        /// Market price per unit at the transfer, >= 0.
        price: Decimal,
    },
    /// A currency exchange: `from_amount` of one currency for `to_amount` of another (the
    /// rate is implied), plus a fee in the source currency.
    FxConversion {
        /// Currency sold.
        from_currency: String,
        /// Amount sold, >= 0.
        from_amount: Decimal,
        /// Currency bought.
        to_currency: String,
        /// Amount bought, >= 0.
        to_amount: Decimal,
        /// Fee in `from_currency`, >= 0.
        #[serde(default)]
        fee: Decimal,
    },
}

impl TxKind {
    /// The instrument the transaction is about, if any.
    #[must_use]
    pub fn instrument(&self) -> Option<&str> {
        match self {
            Self::Buy { instrument, .. }
            | Self::Sell { instrument, .. }
            | Self::Dividend { instrument, .. }
            | Self::DividendReinvested { instrument, .. }
            | Self::Split { instrument, .. }
            | Self::TransferIn { instrument, .. }
            | Self::TransferOut { instrument, .. } => Some(instrument),
            Self::Fee { instrument, .. } | Self::Tax { instrument, .. } => instrument.as_deref(),
            _ => None,
        }
    }
}
