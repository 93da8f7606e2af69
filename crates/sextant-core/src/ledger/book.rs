//! The booking engine: transactions in order to lots, cash balances, realised P&L, income,
//! fees and taxes, in each position's currency and in the base currency.
//!
//! Conventions (stated once, tested in `tests/ledger.rs`):
//! - a buy's fee is part of the lot's cost; a sale's fee reduces its proceeds, so realised
//!   P&L = `quantity * price - fee - cost of the lots removed`;
//! - cash amounts (`quantity * price`, fees, dividends) are rounded to the currency's minor
//!   units when booked; quantities are never rounded;
//! - a partial close takes `cost * closed / lot quantity` rounded to minor units, and the lot
//!   keeps the rest, so lot costs plus realised costs always add up to what was paid exactly;
//! - base-currency amounts use the FX rate as of the transaction's booking date
//!   ([`LedgerConfig::book_date`]) and are kept unrounded (28 significant digits).

use std::collections::{BTreeMap, VecDeque};

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::error::{LedgerError, LedgerResult};
use super::market::MarketData;
use super::money::{add, div, mul, sub, Currencies};
use super::types::{CostBasis, Instrument, LedgerConfig, OrderPolicy, Transaction, TxKind};

/// An open lot. Long lots have positive quantity and cost; short lots negative quantity and
/// a negative cost (minus the net proceeds received).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lot {
    /// When the lot was opened (the first lot's time under average cost).
    pub opened: DateTime<Utc>,
    /// Units, signed.
    pub quantity: Decimal,
    /// Total cost in the position's currency, signed like the quantity.
    pub cost: Decimal,
    /// Total cost in the base currency at the opening dates' FX rates.
    pub cost_base: Decimal,
}

/// A position in one instrument with its running totals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Position {
    /// Symbol.
    pub instrument: String,
    /// The instrument's currency.
    pub currency: String,
    /// Units held: the sum of the lots' quantities (negative when short).
    pub quantity: Decimal,
    /// Open lots, oldest first.
    pub lots: VecDeque<Lot>,
    /// Realised P&L in the position's currency.
    pub realised: Decimal,
    /// Realised P&L in base (proceeds at the sale date's rate minus cost at the purchase
    /// dates' rates, so it includes the currency effect).
    pub realised_base: Decimal,
    /// Dividend income (gross) in the position's currency.
    pub income: Decimal,
    /// Dividend income in base.
    pub income_base: Decimal,
    /// Commissions and fees charged to the position.
    pub fees: Decimal,
    /// Fees in base.
    pub fees_base: Decimal,
    /// Taxes (withheld or paid) charged to the position.
    pub taxes: Decimal,
    /// Taxes in base.
    pub taxes_base: Decimal,
    /// Net value moved into the position from cash or from outside, in base (for
    /// contributions): purchases and transfers in minus sales, dividends and transfers out.
    pub flows_base: Decimal,
}

impl Position {
    fn new(instrument: &Instrument) -> Self {
        Self {
            instrument: instrument.symbol.clone(),
            currency: instrument.currency.clone(),
            quantity: Decimal::ZERO,
            lots: VecDeque::new(),
            realised: Decimal::ZERO,
            realised_base: Decimal::ZERO,
            income: Decimal::ZERO,
            income_base: Decimal::ZERO,
            fees: Decimal::ZERO,
            fees_base: Decimal::ZERO,
            taxes: Decimal::ZERO,
            taxes_base: Decimal::ZERO,
            flows_base: Decimal::ZERO,
        }
    }

    /// Cost of the open lots in the position's currency.
    pub fn cost(&self) -> LedgerResult<Decimal> {
        self.lots.iter().try_fold(Decimal::ZERO, |a, l| add(a, l.cost, "cost"))
    }

    /// Cost of the open lots in base.
    pub fn cost_base(&self) -> LedgerResult<Decimal> {
        self.lots.iter().try_fold(Decimal::ZERO, |a, l| add(a, l.cost_base, "cost"))
    }
}

/// One lot portion closed by a sale (or a buy covering a short).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Realisation {
    /// Position of the transaction in the input.
    pub index: usize,
    /// When it was closed.
    pub timestamp: DateTime<Utc>,
    /// The exchange-local trade date.
    pub trade_date: NaiveDate,
    /// Symbol.
    pub instrument: String,
    /// Units closed, signed like the lot (negative for a short cover).
    pub quantity: Decimal,
    /// When the lot was opened.
    pub opened: DateTime<Utc>,
    /// Cash received for the portion (negative for a cover), net of its share of the fee.
    pub proceeds: Decimal,
    /// The portion's cost.
    pub cost: Decimal,
    /// `proceeds - cost`.
    pub gain: Decimal,
    /// The gain in base.
    pub gain_base: Decimal,
}

/// A cash balance in one currency.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CashAccount {
    /// The balance.
    pub balance: Decimal,
    /// Net value moved into this cash balance (base), for contributions.
    pub flows_base: Decimal,
    /// Fees charged to the account itself (not to a holding), in this currency.
    pub fees: Decimal,
    /// Taxes charged to the account itself.
    pub taxes: Decimal,
}

/// A flow across the portfolio's boundary: a deposit or withdrawal, a transfer in or out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExternalFlow {
    /// Position of the transaction in the input.
    pub index: usize,
    /// When.
    pub timestamp: DateTime<Utc>,
    /// The valuation day it is booked on.
    pub date: NaiveDate,
    /// The currency of the amount.
    pub currency: String,
    /// Amount into the portfolio (negative out), in `currency`.
    pub amount: Decimal,
    /// The same in base.
    pub amount_base: Decimal,
}

/// The state of the books after some transactions.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Book {
    /// Positions by symbol (closed positions stay, with their totals).
    pub positions: BTreeMap<String, Position>,
    /// Cash by currency.
    pub cash: BTreeMap<String, CashAccount>,
    /// Closed lot portions, in order.
    pub realisations: Vec<Realisation>,
    /// External flows, in order.
    pub flows: Vec<ExternalFlow>,
    /// False when base-currency amounts could not be computed (no market data given and a
    /// currency other than the base was involved); base fields are then incomplete.
    pub base_complete: bool,
}

/// A validated, ordered set of transactions with its configuration.
///
/// ```
/// use sextant_core::ledger::{Ledger, LedgerConfig, Instrument, Transaction};
/// let cfg = LedgerConfig::new("USD", vec![Instrument::new("AAPL", "USD")]);
/// let txs: Vec<Transaction> = serde_json::from_str(r#"[
///   {"timestamp": "2024-01-02T15:00:00Z", "type": "deposit", "currency": "USD", "amount": "1000"},
///   {"timestamp": "2024-01-02T15:30:00Z", "type": "buy", "instrument": "AAPL",
///    "quantity": "5", "price": "185.50", "fee": "1"}
/// ]"#).unwrap();
/// let ledger = Ledger::new(cfg, txs)?;
/// let book = ledger.book(None, None)?;
/// assert_eq!(book.cash["USD"].balance.to_string(), "71.50");
/// assert_eq!(book.positions["AAPL"].cost()?.to_string(), "928.50");
/// # Ok::<(), sextant_core::ledger::LedgerError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Ledger {
    config: LedgerConfig,
    currencies: Currencies,
    instruments: BTreeMap<String, Instrument>,
    txs: Vec<(usize, Transaction)>,
}

fn nonneg(index: usize, field: &'static str, value: Decimal) -> LedgerResult<()> {
    if value.is_sign_negative() && !value.is_zero() {
        return Err(LedgerError::InvalidAmount { index, field, value, bound: "must be >= 0" });
    }
    Ok(())
}

fn positive(index: usize, field: &'static str, value: Decimal) -> LedgerResult<()> {
    if value <= Decimal::ZERO {
        return Err(LedgerError::InvalidAmount { index, field, value, bound: "must be > 0" });
    }
    Ok(())
}

impl Ledger {
    /// Validates the configuration and the transactions and books them once (without
    /// market data) to check quantities and cash.
    ///
    /// # Errors
    /// Unknown currency or instrument, negative price/amount/fee, non-positive quantity,
    /// zero or inexact split, out-of-order timestamps (unless `order = "sort"`), a sale of
    /// more than is held without `allow_short`, negative cash without `allow_negative_cash`,
    /// decimal overflow.
    pub fn new(config: LedgerConfig, transactions: Vec<Transaction>) -> LedgerResult<Self> {
        let currencies = Currencies::new(config.currencies.clone(), config.rounding);
        let cfg_err =
            |field: &str, reason: String| LedgerError::InvalidInput { field: field.into(), reason };
        if currencies.minor_units(&config.base_currency).is_none() {
            return Err(LedgerError::UnknownCurrency {
                index: usize::MAX,
                currency: config.base_currency.clone(),
            });
        }
        if config.day_cutoff_minutes > 1440 {
            return Err(cfg_err(
                "day_cutoff_minutes",
                format!("{} must be <= 1440", config.day_cutoff_minutes),
            ));
        }
        if config.utc_offset_minutes.abs() > 18 * 60 {
            return Err(cfg_err(
                "utc_offset_minutes",
                format!("{} must be within +-1080", config.utc_offset_minutes),
            ));
        }
        super::types::check_time_zone("time_zone", config.time_zone.as_deref())
            .map_err(|e| cfg_err("time_zone", e))?;
        if let Some((k, v)) = config.currencies.iter().find(|(_, v)| **v > 28) {
            return Err(cfg_err("currencies", format!("{k}: minor units {v} must be <= 28")));
        }
        let mut instruments = BTreeMap::new();
        for ins in &config.instruments {
            if currencies.minor_units(&ins.currency).is_none() {
                return Err(cfg_err(
                    "instruments",
                    format!("{}: unknown currency {:?}", ins.symbol, ins.currency),
                ));
            }
            if ins.utc_offset_minutes.abs() > 18 * 60 {
                return Err(cfg_err(
                    "instruments",
                    format!("{}: utc_offset_minutes must be within +-1080", ins.symbol),
                ));
            }
            super::types::check_time_zone(&ins.symbol, ins.time_zone.as_deref())
                .map_err(|e| cfg_err("instruments", e))?;
            if instruments.insert(ins.symbol.clone(), ins.clone()).is_some() {
                return Err(cfg_err("instruments", format!("{:?} declared twice", ins.symbol)));
            }
        }
        let mut txs: Vec<(usize, Transaction)> = transactions.into_iter().enumerate().collect();
        for w in txs.windows(2) {
            if w[1].1.timestamp < w[0].1.timestamp && config.order == OrderPolicy::Reject {
                return Err(LedgerError::OutOfOrder {
                    index: w[1].0,
                    timestamp: w[1].1.timestamp,
                    previous: w[0].1.timestamp,
                });
            }
        }
        txs.sort_by_key(|(_, t)| t.timestamp); // stable: equal timestamps keep input order
        let ledger = Self { config, currencies, instruments, txs };
        for (i, t) in &ledger.txs {
            ledger.check_static(*i, t)?;
        }
        ledger.book(None, None)?;
        Ok(ledger)
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &LedgerConfig {
        &self.config
    }

    /// The currency table (ISO plus declared extras).
    #[must_use]
    pub fn currencies(&self) -> &Currencies {
        &self.currencies
    }

    /// The instruments by symbol.
    #[must_use]
    pub fn instruments(&self) -> &BTreeMap<String, Instrument> {
        &self.instruments
    }

    /// The transactions in booking order, each with its position in the input.
    #[must_use]
    pub fn transactions(&self) -> &[(usize, Transaction)] {
        &self.txs
    }

    fn currency(&self, index: usize, c: &str) -> LedgerResult<()> {
        if self.currencies.minor_units(c).is_none() {
            return Err(LedgerError::UnknownCurrency { index, currency: c.into() });
        }
        Ok(())
    }

    fn instrument(&self, index: usize, s: &str) -> LedgerResult<&Instrument> {
        self.instruments
            .get(s)
            .ok_or_else(|| LedgerError::UnknownInstrument { index, instrument: s.into() })
    }

    fn check_static(&self, i: usize, t: &Transaction) -> LedgerResult<()> {
        if let Some(s) = t.kind.instrument() {
            self.instrument(i, s)?;
        }
        match &t.kind {
            TxKind::Buy { quantity, price, fee, .. }
            | TxKind::Sell { quantity, price, fee, .. } => {
                positive(i, "quantity", *quantity)?;
                nonneg(i, "price", *price)?;
                nonneg(i, "fee", *fee)
            }
            TxKind::Dividend { amount, tax, .. } => {
                nonneg(i, "amount", *amount)?;
                nonneg(i, "tax", *tax)
            }
            TxKind::DividendReinvested { quantity, price, tax, .. } => {
                positive(i, "quantity", *quantity)?;
                nonneg(i, "price", *price)?;
                nonneg(i, "tax", *tax)
            }
            TxKind::Fee { currency, amount, instrument }
            | TxKind::Tax { currency, amount, instrument } => {
                self.currency(i, currency)?;
                nonneg(i, "amount", *amount)?;
                if let Some(s) = instrument {
                    let ins = self.instrument(i, s)?;
                    if &ins.currency != currency {
                        return Err(LedgerError::InvalidInput {
                            field: format!("transactions[{i}]"),
                            reason: format!(
                                "a fee or tax charged to {s:?} must be in its currency {}, not {currency}",
                                ins.currency
                            ),
                        });
                    }
                }
                Ok(())
            }
            TxKind::Split { numerator, denominator, .. } => {
                if *numerator == 0 || *denominator == 0 {
                    return Err(LedgerError::InvalidSplit {
                        index: i,
                        reason: format!("ratio {numerator}:{denominator} must have both terms > 0"),
                    });
                }
                Ok(())
            }
            TxKind::Deposit { currency, amount } | TxKind::Withdrawal { currency, amount } => {
                self.currency(i, currency)?;
                nonneg(i, "amount", *amount)
            }
            TxKind::TransferIn { quantity, price, cost, .. } => {
                positive(i, "quantity", *quantity)?;
                nonneg(i, "price", *price)?;
                cost.map_or(Ok(()), |c| nonneg(i, "cost", c))
            }
            TxKind::TransferOut { quantity, price, .. } => {
                positive(i, "quantity", *quantity)?;
                nonneg(i, "price", *price)
            }
            TxKind::FxConversion { from_currency, from_amount, to_currency, to_amount, fee } => {
                self.currency(i, from_currency)?;
                self.currency(i, to_currency)?;
                nonneg(i, "from_amount", *from_amount)?;
                nonneg(i, "to_amount", *to_amount)?;
                nonneg(i, "fee", *fee)
            }
        }
    }

    /// Books the transactions up to and including `until` (all when `None`). With market
    /// data, base-currency amounts use its FX rates; without, only base-currency amounts
    /// are converted and [`Book::base_complete`] says whether anything was missed.
    ///
    /// # Errors
    /// As [`Ledger::new`]; [`LedgerError::MissingFxRate`] when market data lacks a rate.
    pub fn book(
        &self,
        until: Option<DateTime<Utc>>,
        market: Option<&MarketData>,
    ) -> LedgerResult<Book> {
        let mut b = Booker::new(self, market);
        for (i, t) in &self.txs {
            if until.is_some_and(|u| t.timestamp > u) {
                break;
            }
            b.apply(*i, t)?;
        }
        Ok(b.book)
    }

    /// Books the transactions of every valuation day up to and including `date`.
    pub fn book_through(&self, date: NaiveDate, market: Option<&MarketData>) -> LedgerResult<Book> {
        let mut b = Booker::new(self, market);
        for (i, t) in &self.txs {
            if self.config.book_date(t.timestamp) > date {
                break;
            }
            b.apply(*i, t)?;
        }
        Ok(b.book)
    }
}

/// Whether `x / d` is a finite decimal: the part of `d` prime to 10 divides `x`'s mantissa.
fn divides_exactly(x: Decimal, mut d: u64) -> bool {
    while d % 2 == 0 {
        d /= 2;
    }
    while d % 5 == 0 {
        d /= 5;
    }
    x.mantissa() % i128::from(d) == 0
}

/// Applies transactions one at a time (the performance code steps it day by day).
pub(crate) struct Booker<'a> {
    pub(crate) ledger: &'a Ledger,
    market: Option<&'a MarketData>,
    pub(crate) book: Book,
}

struct Portion {
    opened: DateTime<Utc>,
    quantity: Decimal,
    cost: Decimal,
    cost_base: Decimal,
}

impl<'a> Booker<'a> {
    pub(crate) fn new(ledger: &'a Ledger, market: Option<&'a MarketData>) -> Self {
        Self { ledger, market, book: Book { base_complete: true, ..Book::default() } }
    }

    fn round(&self, ccy: &str, x: Decimal) -> Decimal {
        self.ledger.currencies.round(ccy, x)
    }

    fn in_base(&mut self, ccy: &str, amount: Decimal, date: NaiveDate) -> LedgerResult<Decimal> {
        let base = &self.ledger.config.base_currency;
        if ccy == base {
            return Ok(amount);
        }
        match self.market {
            Some(m) => mul(amount, m.fx_rate(ccy, base, date)?, "base amount"),
            None => {
                self.book.base_complete = false;
                Ok(Decimal::ZERO)
            }
        }
    }

    fn cash_move(
        &mut self,
        index: usize,
        ccy: &str,
        delta: Decimal,
        delta_base: Decimal,
    ) -> LedgerResult<()> {
        if !self.book.cash.contains_key(ccy) {
            self.book.cash.insert(ccy.to_string(), CashAccount::default());
        }
        let Some(acc) = self.book.cash.get_mut(ccy) else { unreachable!("inserted above") };
        acc.balance = add(acc.balance, delta, "cash balance")?;
        acc.flows_base = add(acc.flows_base, delta_base, "cash flows")?;
        if !self.ledger.config.allow_negative_cash && acc.balance.is_sign_negative() {
            return Err(LedgerError::InsufficientCash {
                index,
                currency: ccy.into(),
                balance: acc.balance,
            });
        }
        Ok(())
    }

    fn position(&mut self, symbol: &str) -> &mut Position {
        if !self.book.positions.contains_key(symbol) {
            let ins = &self.ledger.instruments[symbol];
            self.book.positions.insert(symbol.to_string(), Position::new(ins));
        }
        let Some(p) = self.book.positions.get_mut(symbol) else { unreachable!("inserted above") };
        p
    }

    fn external(
        &mut self,
        index: usize,
        t: &Transaction,
        ccy: &str,
        amount: Decimal,
        amount_base: Decimal,
    ) {
        let date = self.ledger.config.book_date(t.timestamp);
        self.book.flows.push(ExternalFlow {
            index,
            timestamp: t.timestamp,
            date,
            currency: ccy.into(),
            amount,
            amount_base,
        });
    }

    /// Opens a lot (merging into the pooled lot under average cost).
    fn open(&mut self, symbol: &str, lot: Lot) -> LedgerResult<()> {
        let average = self.ledger.config.cost_basis == CostBasis::Average;
        let pos = self.position(symbol);
        pos.quantity = add(pos.quantity, lot.quantity, "quantity")?;
        match pos.lots.back_mut() {
            Some(l) if average => {
                l.quantity = add(l.quantity, lot.quantity, "quantity")?;
                l.cost = add(l.cost, lot.cost, "cost")?;
                l.cost_base = add(l.cost_base, lot.cost_base, "cost")?;
            }
            _ => pos.lots.push_back(lot),
        }
        Ok(())
    }

    /// Removes `qty` (> 0, at most the held magnitude) from the lots by the cost-basis rule.
    fn close(&mut self, symbol: &str, mut qty: Decimal) -> LedgerResult<Vec<Portion>> {
        let ledger = self.ledger;
        let lifo = ledger.config.cost_basis == CostBasis::Lifo;
        let ccy = &ledger.instruments[symbol].currency;
        let cur = &ledger.currencies;
        let pos = self.position(symbol);
        let mut out = Vec::new();
        while qty > Decimal::ZERO {
            let Some(lot) = (if lifo { pos.lots.back_mut() } else { pos.lots.front_mut() }) else {
                break;
            };
            let mag = lot.quantity.abs();
            if qty >= mag {
                qty = sub(qty, mag, "quantity")?;
                let l = if lifo { pos.lots.pop_back() } else { pos.lots.pop_front() };
                if let Some(l) = l {
                    pos.quantity = sub(pos.quantity, l.quantity, "quantity")?;
                    out.push(Portion {
                        opened: l.opened,
                        quantity: l.quantity,
                        cost: l.cost,
                        cost_base: l.cost_base,
                    });
                }
            } else {
                let frac_cost = cur.round(ccy, div(mul(lot.cost, qty, "cost")?, mag, "cost")?);
                let frac_base = div(mul(lot.cost_base, qty, "cost")?, mag, "cost")?;
                let signed = if lot.quantity.is_sign_negative() { -qty } else { qty };
                lot.quantity = sub(lot.quantity, signed, "quantity")?;
                pos.quantity = sub(pos.quantity, signed, "quantity")?;
                lot.cost = sub(lot.cost, frac_cost, "cost")?;
                lot.cost_base = sub(lot.cost_base, frac_base, "cost")?;
                out.push(Portion {
                    opened: lot.opened,
                    quantity: signed,
                    cost: frac_cost,
                    cost_base: frac_base,
                });
                qty = Decimal::ZERO;
            }
        }
        Ok(out)
    }

    /// A buy (`sell = false`) or sale of `q` at `price` with `fee`.
    #[allow(clippy::too_many_arguments, reason = "one private step of the engine")]
    fn trade(
        &mut self,
        index: usize,
        t: &Transaction,
        symbol: &str,
        q: Decimal,
        price: Decimal,
        fee: Decimal,
        sell: bool,
    ) -> LedgerResult<()> {
        let ledger = self.ledger;
        let ins = &ledger.instruments[symbol];
        let ccy = ins.currency.as_str();
        let date = self.ledger.config.book_date(t.timestamp);
        let held = self.position(symbol).quantity;
        // units that close existing lots (opposite direction), the rest opens a new lot
        let opposite = if sell { held > Decimal::ZERO } else { held < Decimal::ZERO };
        let close_q = if opposite { q.min(held.abs()) } else { Decimal::ZERO };
        let open_q = sub(q, close_q, "quantity")?;
        if sell && open_q > Decimal::ZERO && !self.ledger.config.allow_short {
            return Err(LedgerError::InsufficientQuantity {
                index,
                instrument: symbol.into(),
                held,
                requested: q,
            });
        }
        let gross = self.round(ccy, mul(q, price, "trade amount")?);
        let (gross_close, fee_close) = if open_q.is_zero() {
            (gross, fee)
        } else {
            (
                self.round(ccy, mul(close_q, price, "trade amount")?),
                self.round(ccy, div(mul(fee, close_q, "fee")?, q, "fee")?),
            )
        };
        let (gross_open, fee_open) =
            (sub(gross, gross_close, "amount")?, sub(fee, fee_close, "fee")?);
        // cash: a buy pays gross + fee, a sale receives gross - fee
        let cash = if sell { sub(gross, fee, "amount")? } else { -add(gross, fee, "amount")? };
        let cash_base = self.in_base(ccy, cash, date)?;
        let fee_base = self.in_base(ccy, fee, date)?;
        self.cash_move(index, ccy, cash, cash_base)?;
        {
            let pos = self.position(symbol);
            pos.flows_base = sub(pos.flows_base, cash_base, "flows")?;
            pos.fees = add(pos.fees, fee, "fees")?;
            pos.fees_base = add(pos.fees_base, fee_base, "fees")?;
        }
        if close_q > Decimal::ZERO {
            // cash received by the closing part (negative for a cover)
            let received = if sell {
                sub(gross_close, fee_close, "amount")?
            } else {
                -add(gross_close, fee_close, "amount")?
            };
            let portions = self.close(symbol, close_q)?;
            let mut left = received;
            let n = portions.len();
            let trade_date = ins.trade_date(t.timestamp);
            for (k, p) in portions.into_iter().enumerate() {
                let share = if k + 1 == n {
                    left
                } else {
                    self.round(
                        ccy,
                        div(mul(received, p.quantity.abs(), "proceeds")?, close_q, "proceeds")?,
                    )
                };
                left = sub(left, share, "proceeds")?;
                let gain = sub(share, p.cost, "gain")?;
                let share_base = self.in_base(ccy, share, date)?;
                let gain_base = sub(share_base, p.cost_base, "gain")?;
                let pos = self.position(symbol);
                pos.realised = add(pos.realised, gain, "realised")?;
                pos.realised_base = add(pos.realised_base, gain_base, "realised")?;
                self.book.realisations.push(Realisation {
                    index,
                    timestamp: t.timestamp,
                    trade_date,
                    instrument: symbol.into(),
                    quantity: p.quantity,
                    opened: p.opened,
                    proceeds: share,
                    cost: p.cost,
                    gain,
                    gain_base,
                });
            }
        }
        if open_q > Decimal::ZERO {
            let (quantity, cost) = if sell {
                (-open_q, -sub(gross_open, fee_open, "cost")?)
            } else {
                (open_q, add(gross_open, fee_open, "cost")?)
            };
            let cost_base = self.in_base(ccy, cost, date)?;
            self.open(symbol, Lot { opened: t.timestamp, quantity, cost, cost_base })?;
        }
        Ok(())
    }

    fn no_short(&mut self, index: usize, symbol: &str) -> LedgerResult<()> {
        if self.position(symbol).quantity < Decimal::ZERO {
            return Err(LedgerError::InvalidInput {
                field: format!("transactions[{index}]"),
                reason: format!("{symbol:?} is held short; cover it with a buy first"),
            });
        }
        Ok(())
    }

    pub(crate) fn apply(&mut self, index: usize, t: &Transaction) -> LedgerResult<()> {
        self.apply_inner(index, t).map_err(|e| e.at(index))
    }

    fn apply_inner(&mut self, index: usize, t: &Transaction) -> LedgerResult<()> {
        let date = self.ledger.config.book_date(t.timestamp);
        match &t.kind {
            TxKind::Buy { instrument, quantity, price, fee } => {
                self.trade(index, t, instrument, *quantity, *price, *fee, false)
            }
            TxKind::Sell { instrument, quantity, price, fee } => {
                self.trade(index, t, instrument, *quantity, *price, *fee, true)
            }
            TxKind::Dividend { instrument, amount, tax } => {
                let ccy = self.ledger.instruments[instrument].currency.clone();
                let (amount, tax) = (self.round(&ccy, *amount), self.round(&ccy, *tax));
                let net = sub(amount, tax, "dividend")?;
                let (amount_b, tax_b, net_b) = (
                    self.in_base(&ccy, amount, date)?,
                    self.in_base(&ccy, tax, date)?,
                    self.in_base(&ccy, net, date)?,
                );
                self.cash_move(index, &ccy, net, net_b)?;
                let pos = self.position(instrument);
                pos.income = add(pos.income, amount, "income")?;
                pos.income_base = add(pos.income_base, amount_b, "income")?;
                pos.taxes = add(pos.taxes, tax, "taxes")?;
                pos.taxes_base = add(pos.taxes_base, tax_b, "taxes")?;
                pos.flows_base = sub(pos.flows_base, net_b, "flows")?;
                Ok(())
            }
            TxKind::DividendReinvested { instrument, quantity, price, tax } => {
                self.no_short(index, instrument)?;
                let ccy = self.ledger.instruments[instrument].currency.clone();
                let value = self.round(&ccy, mul(*quantity, *price, "reinvested amount")?);
                let tax = self.round(&ccy, *tax);
                let gross = add(value, tax, "income")?;
                let (value_b, tax_b, gross_b) = (
                    self.in_base(&ccy, value, date)?,
                    self.in_base(&ccy, tax, date)?,
                    self.in_base(&ccy, gross, date)?,
                );
                {
                    let pos = self.position(instrument);
                    pos.income = add(pos.income, gross, "income")?;
                    pos.income_base = add(pos.income_base, gross_b, "income")?;
                    pos.taxes = add(pos.taxes, tax, "taxes")?;
                    pos.taxes_base = add(pos.taxes_base, tax_b, "taxes")?;
                }
                let lot = Lot {
                    opened: t.timestamp,
                    quantity: *quantity,
                    cost: value,
                    cost_base: value_b,
                };
                self.open(instrument, lot)
            }
            TxKind::Fee { currency, amount, instrument }
            | TxKind::Tax { currency, amount, instrument } => {
                let is_fee = matches!(t.kind, TxKind::Fee { .. });
                let amount = self.round(currency, *amount);
                let amount_b = self.in_base(currency, amount, date)?;
                self.cash_move(index, currency, -amount, -amount_b)?;
                if let Some(s) = instrument {
                    let pos = self.position(s);
                    pos.flows_base = add(pos.flows_base, amount_b, "flows")?;
                    if is_fee {
                        pos.fees = add(pos.fees, amount, "fees")?;
                        pos.fees_base = add(pos.fees_base, amount_b, "fees")?;
                    } else {
                        pos.taxes = add(pos.taxes, amount, "taxes")?;
                        pos.taxes_base = add(pos.taxes_base, amount_b, "taxes")?;
                    }
                } else if let Some(acc) = self.book.cash.get_mut(currency) {
                    if is_fee {
                        acc.fees = add(acc.fees, amount, "fees")?;
                    } else {
                        acc.taxes = add(acc.taxes, amount, "taxes")?;
                    }
                }
                Ok(())
            }
            TxKind::Split { instrument, numerator, denominator } => {
                let (n, d) = (Decimal::from(*numerator), Decimal::from(*denominator));
                let pos = self.position(instrument);
                let mut total = Decimal::ZERO;
                for lot in &mut pos.lots {
                    let scaled = mul(lot.quantity, n, "split quantity")?;
                    let q = div(scaled, d, "split quantity")?;
                    if !divides_exactly(scaled, *denominator) || q.checked_mul(d) != Some(scaled) {
                        return Err(LedgerError::InvalidSplit {
                            index,
                            reason: format!(
                                "{} units split {numerator}:{denominator} is not an exact decimal; sell the fraction (cash in lieu) first",
                                lot.quantity
                            ),
                        });
                    }
                    lot.quantity = q.normalize();
                    total = add(total, lot.quantity, "quantity")?;
                }
                pos.quantity = total;
                Ok(())
            }
            TxKind::Deposit { currency, amount } | TxKind::Withdrawal { currency, amount } => {
                let sign = if matches!(t.kind, TxKind::Deposit { .. }) { 1 } else { -1 };
                let amount = self.round(currency, *amount) * Decimal::from(sign);
                let amount_b = self.in_base(currency, amount, date)?;
                self.cash_move(index, currency, amount, amount_b)?;
                self.external(index, t, currency, amount, amount_b);
                Ok(())
            }
            TxKind::TransferIn { instrument, quantity, price, cost } => {
                self.no_short(index, instrument)?;
                let ccy = self.ledger.instruments[instrument].currency.clone();
                let value = self.round(&ccy, mul(*quantity, *price, "transfer value")?);
                let cost = self.round(&ccy, cost.unwrap_or(value));
                let (value_b, cost_b) =
                    (self.in_base(&ccy, value, date)?, self.in_base(&ccy, cost, date)?);
                let pos = self.position(instrument);
                pos.flows_base = add(pos.flows_base, value_b, "flows")?;
                self.open(
                    instrument,
                    Lot { opened: t.timestamp, quantity: *quantity, cost, cost_base: cost_b },
                )?;
                self.external(index, t, &ccy, value, value_b);
                Ok(())
            }
            TxKind::TransferOut { instrument, quantity, price } => {
                let held = self.position(instrument).quantity;
                if *quantity > held {
                    return Err(LedgerError::InsufficientQuantity {
                        index,
                        instrument: instrument.clone(),
                        held,
                        requested: *quantity,
                    });
                }
                let ccy = self.ledger.instruments[instrument].currency.clone();
                let value = self.round(&ccy, mul(*quantity, *price, "transfer value")?);
                let value_b = self.in_base(&ccy, value, date)?;
                self.close(instrument, *quantity)?;
                let pos = self.position(instrument);
                pos.flows_base = sub(pos.flows_base, value_b, "flows")?;
                self.external(index, t, &ccy, -value, -value_b);
                Ok(())
            }
            TxKind::FxConversion { from_currency, from_amount, to_currency, to_amount, fee } => {
                let from = self.round(from_currency, *from_amount);
                let fee = self.round(from_currency, *fee);
                let to = self.round(to_currency, *to_amount);
                let paid = add(from, fee, "conversion")?;
                // the value leaving the source balance enters the target balance at the same
                // base value, so the conversion's spread and fee show in the target's result
                let paid_b = self.in_base(from_currency, paid, date)?;
                self.cash_move(index, from_currency, -paid, -paid_b)?;
                self.cash_move(index, to_currency, to, paid_b)?;
                if let Some(acc) = self.book.cash.get_mut(from_currency.as_str()) {
                    acc.fees = add(acc.fees, fee, "fees")?;
                }
                Ok(())
            }
        }
    }
}
