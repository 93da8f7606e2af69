//! Valuation and performance: holdings at market, time-weighted return chain-linked per
//! valuation day, money-weighted return (XIRR), ROI, return on average invested capital and
//! contributions by holding, over any period and per calendar period.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::book::{Book, Booker, Ledger, Lot};
use super::error::{LedgerError, LedgerResult};
use super::market::MarketData;
use super::money::{add, div, mul, sub, to_f64};
use super::types::FlowTiming;
use super::xirr::xirr;

/// One holding valued at market.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HoldingValue {
    /// Symbol.
    pub instrument: String,
    /// Its currency.
    pub currency: String,
    /// Units held (negative when short).
    pub quantity: Decimal,
    /// Cost of the open lots.
    pub cost: Decimal,
    /// `cost / quantity` (28 significant digits), `None` when flat.
    pub average_cost: Option<Decimal>,
    /// The price used (as of the valuation date), `None` without market data or when flat.
    pub price: Option<Decimal>,
    /// `quantity * price` rounded to minor units.
    pub market_value: Option<Decimal>,
    /// `market_value - cost`.
    pub unrealised: Option<Decimal>,
    /// Realised P&L to date.
    pub realised: Decimal,
    /// Dividend income to date.
    pub income: Decimal,
    /// Fees to date.
    pub fees: Decimal,
    /// Taxes to date.
    pub taxes: Decimal,
    /// The FX rate to base used for the market value (`None` when flat or without market data).
    pub fx_rate: Option<Decimal>,
    /// Cost in base (purchase-date rates).
    pub cost_base: Option<Decimal>,
    /// Market value in base (valuation-date rate).
    pub market_value_base: Option<Decimal>,
    /// Unrealised P&L in base, including the currency effect.
    pub unrealised_base: Option<Decimal>,
    /// Realised P&L in base.
    pub realised_base: Option<Decimal>,
    /// Income in base.
    pub income_base: Option<Decimal>,
    /// Fees in base.
    pub fees_base: Option<Decimal>,
    /// Taxes in base.
    pub taxes_base: Option<Decimal>,
    /// Open lots, oldest first.
    pub lots: Vec<Lot>,
}

/// A cash balance valued in base.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CashValue {
    /// Currency.
    pub currency: String,
    /// Balance.
    pub balance: Decimal,
    /// The FX rate to base used (`None` for a zero balance or without market data).
    pub fx_rate: Option<Decimal>,
    /// Balance in base.
    pub balance_base: Option<Decimal>,
}

/// Holdings and cash at a valuation date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Valuation {
    /// The valuation date (`None`: all transactions, no prices).
    pub date: Option<NaiveDate>,
    /// The base currency.
    pub base_currency: String,
    /// Positions, by symbol (closed ones included, for their realised P&L and income).
    pub holdings: Vec<HoldingValue>,
    /// Cash balances, by currency.
    pub cash: Vec<CashValue>,
    /// Holdings plus cash in base, when market data was given.
    pub total_base: Option<Decimal>,
}

/// Options of [`Ledger::performance`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PerformanceOptions {
    /// First valuation date (the period runs from its close). Default: the last valuation
    /// date before the first transaction (so from inception), else the first date.
    #[serde(default)]
    pub start: Option<NaiveDate>,
    /// Last valuation date. Default: the last of `dates`.
    #[serde(default)]
    pub end: Option<NaiveDate>,
    /// The valuation days (the exchange calendar's trading days). Default: every date with a
    /// price. `start` and `end` are added when they are not in it (valued at the latest
    /// prices on or before them).
    #[serde(default)]
    pub dates: Option<Vec<NaiveDate>>,
    /// When external flows happen within a day, for the time-weighted return.
    #[serde(default)]
    pub flow_timing: FlowTiming,
    /// The exchange calendar whose trading days are the valuation days when `dates` is not
    /// given (`"XNYS"`, `"weekdays"`, `{"name": ..., "holidays": [...]}`): from the first
    /// price or booking date to `end` (default the last price date). Without a calendar the
    /// valuation days are the dates with a price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calendar: Option<super::Calendar>,
}

/// One valuation day of the time-weighted return.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DailyPerformance {
    /// The date.
    pub date: NaiveDate,
    /// Portfolio value in base at the day's close.
    pub value: Decimal,
    /// Net external flow booked on the day (since the previous valuation day), base.
    pub flow: Decimal,
    /// The day's return.
    #[serde(rename = "return")]
    pub day_return: f64,
    /// Chain-linked return since the start.
    pub cumulative: f64,
}

/// A holding's (or a cash balance's) share of the period's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contribution {
    /// Symbol, or `cash:CCY` for a cash balance.
    pub name: String,
    /// Value in base at the start.
    pub start_value: Decimal,
    /// Value in base at the end.
    pub end_value: Decimal,
    /// Net value moved in during the period (purchases, transfers in, fees charged, minus
    /// sales, dividends paid out, transfers out), base.
    pub flows: Decimal,
    /// `end_value - start_value - flows`: price moves, income, fees, taxes, currency effects.
    pub gain: Decimal,
    /// `gain / average_capital`; the contributions add up to `roai`.
    pub contribution: Option<f64>,
}

/// Performance over a period, in the base currency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Performance {
    /// First valuation date.
    pub start: NaiveDate,
    /// Last valuation date.
    pub end: NaiveDate,
    /// Calendar days between them.
    pub days: i64,
    /// Value at the start's close.
    pub start_value: Decimal,
    /// Value at the end's close.
    pub end_value: Decimal,
    /// External flows in (deposits, transfers in) during the period.
    pub inflows: Decimal,
    /// External flows out (withdrawals, transfers out), as a positive amount.
    pub outflows: Decimal,
    /// `end_value - start_value - (inflows - outflows)`.
    pub gain: Decimal,
    /// Modified Dietz average invested capital: `start_value + sum F_j w_j`, with `w_j` the
    /// share of the period after the flow (calendar days; a start-of-day flow counts its day).
    pub average_capital: Decimal,
    /// Time-weighted return: daily returns chain-linked, `prod(1 + r_t) - 1`.
    pub twr: f64,
    /// `(1 + twr)^(365 / days) - 1` (equal to `twr` for a zero-day period).
    pub twr_annualised: f64,
    /// Money-weighted return: the XIRR (annual, Act/365) of `-start_value`, the flows
    /// (negated: a deposit is money the investor pays in) and `+end_value`.
    pub mwr: Option<f64>,
    /// The MWR over the period, `(1 + mwr)^(days / 365) - 1`.
    pub mwr_period: Option<f64>,
    /// Why the MWR is missing (no root), if it is.
    pub mwr_error: Option<String>,
    /// `gain / (start_value + inflows)`.
    pub roi: Option<f64>,
    /// Return on average invested capital: `gain / average_capital` (Modified Dietz).
    pub roai: Option<f64>,
    /// Per valuation day after the start.
    pub daily: Vec<DailyPerformance>,
    /// Per holding and cash balance; their gains add up to `gain` exactly.
    pub contributions: Vec<Contribution>,
}

/// Calendar periods for [`Ledger::performance_by_period`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    /// Calendar months.
    Month,
    /// Calendar quarters.
    Quarter,
    /// Calendar years.
    Year,
}

impl Period {
    fn key(self, d: NaiveDate) -> (i32, u32) {
        match self {
            Self::Month => (d.year(), d.month()),
            Self::Quarter => (d.year(), (d.month() - 1) / 3),
            Self::Year => (d.year(), 0),
        }
    }
}

/// Per-bucket (holding or cash) value and cumulative flows at a date.
type Buckets = BTreeMap<String, (Decimal, Decimal)>;

fn value_book(
    ledger: &Ledger,
    book: &Book,
    market: &MarketData,
    date: NaiveDate,
) -> LedgerResult<(Decimal, Buckets)> {
    let base = &ledger.config().base_currency;
    let cur = ledger.currencies();
    let mut total = Decimal::ZERO;
    let mut buckets = Buckets::new();
    for (sym, pos) in &book.positions {
        let q = pos.quantity;
        let v = if q.is_zero() {
            Decimal::ZERO
        } else {
            let mv = cur.round(&pos.currency, mul(q, market.price(sym, date)?, "market value")?);
            mul(mv, market.fx_rate(&pos.currency, base, date)?, "market value")?
        };
        total = add(total, v, "portfolio value")?;
        buckets.insert(sym.clone(), (v, pos.flows_base));
    }
    for (ccy, acc) in &book.cash {
        let v = if acc.balance.is_zero() {
            Decimal::ZERO
        } else {
            mul(acc.balance, market.fx_rate(ccy, base, date)?, "cash value")?
        };
        total = add(total, v, "portfolio value")?;
        buckets.insert(format!("cash:{ccy}"), (v, acc.flows_base));
    }
    Ok((total, buckets))
}

fn ratio(num: Decimal, den: Decimal) -> Option<f64> {
    (den > Decimal::ZERO).then(|| num.checked_div(den).map_or(f64::NAN, to_f64))
}

impl Ledger {
    /// Holdings and cash as of the close of `date` (all transactions when `None`), valued
    /// with `market` when given (prices and FX as of the date; without a date, as of the
    /// later of the last transaction's day and the last price).
    ///
    /// # Errors
    /// [`LedgerError::MissingPrice`] / [`LedgerError::MissingFxRate`] for a held instrument or
    /// currency without data on or before the date; invalid market data.
    pub fn valuation(
        &self,
        date: Option<NaiveDate>,
        market: Option<&MarketData>,
    ) -> LedgerResult<Valuation> {
        let market = market.map(|m| m.clone().validated()).transpose()?;
        let date = date.or_else(|| {
            let m = market.as_ref()?;
            let last_tx =
                self.transactions().last().map(|(_, t)| self.config().book_date(t.timestamp));
            let last_px = m.price_dates().last().copied();
            last_tx.max(last_px)
        });
        let book = match date {
            Some(d) => self.book_through(d, market.as_ref())?,
            None => self.book(None, None)?,
        };
        let base = self.config().base_currency.clone();
        let priced = market.as_ref().zip(date);
        let mut total = priced.map(|_| Decimal::ZERO);
        let mut holdings = Vec::new();
        for (sym, pos) in &book.positions {
            let quantity = pos.quantity;
            let cost = pos.cost()?;
            let (mut price, mut mv, mut fx, mut mv_base) = (None, None, None, None);
            if let Some((m, d)) = priced {
                let (v, vb) = if quantity.is_zero() {
                    (Decimal::ZERO, Decimal::ZERO)
                } else {
                    let p = m.price(sym, d)?;
                    let rate = m.fx_rate(&pos.currency, &base, d)?;
                    price = Some(p);
                    fx = Some(rate);
                    let v =
                        self.currencies().round(&pos.currency, mul(quantity, p, "market value")?);
                    (v, mul(v, rate, "market value")?)
                };
                mv = Some(v);
                mv_base = Some(vb);
                total = total.map(|t| add(t, vb, "portfolio value")).transpose()?;
            }
            let base_known = book.base_complete || pos.currency == base;
            let cost_base = base_known.then(|| pos.cost_base()).transpose()?;
            holdings.push(HoldingValue {
                instrument: sym.clone(),
                currency: pos.currency.clone(),
                quantity,
                cost,
                average_cost: if quantity.is_zero() { None } else { cost.checked_div(quantity) },
                price,
                market_value: mv,
                unrealised: mv.map(|v| sub(v, cost, "unrealised")).transpose()?,
                realised: pos.realised,
                income: pos.income,
                fees: pos.fees,
                taxes: pos.taxes,
                fx_rate: fx,
                cost_base,
                market_value_base: mv_base,
                unrealised_base: mv_base
                    .zip(cost_base)
                    .map(|(v, c)| sub(v, c, "unrealised"))
                    .transpose()?,
                realised_base: base_known.then_some(pos.realised_base),
                income_base: base_known.then_some(pos.income_base),
                fees_base: base_known.then_some(pos.fees_base),
                taxes_base: base_known.then_some(pos.taxes_base),
                lots: pos.lots.iter().cloned().collect(),
            });
        }
        let mut cash = Vec::new();
        for (ccy, acc) in &book.cash {
            let rate = match priced {
                Some(_) if acc.balance.is_zero() => None,
                Some((m, d)) => Some(m.fx_rate(ccy, &base, d)?),
                None => None,
            };
            let bb = match (priced, rate) {
                (_, Some(r)) => Some(mul(acc.balance, r, "cash value")?),
                (Some(_), None) => Some(Decimal::ZERO),
                (None, None) => None,
            };
            if let (Some(t), Some(b)) = (total.as_mut(), bb) {
                *t = add(*t, b, "portfolio value")?;
            }
            cash.push(CashValue {
                currency: ccy.clone(),
                balance: acc.balance,
                fx_rate: rate,
                balance_base: bb,
            });
        }
        Ok(Valuation { date, base_currency: base, holdings, cash, total_base: total })
    }

    fn calendar(
        &self,
        market: &MarketData,
        opts: &PerformanceOptions,
    ) -> LedgerResult<Vec<NaiveDate>> {
        let mut dates = match (&opts.dates, &opts.calendar) {
            (Some(d), _) => d.clone(),
            (None, None) => market.price_dates(),
            (None, Some(cal)) => {
                let prices = market.price_dates();
                let first_tx =
                    self.transactions().first().map(|(_, t)| self.config().book_date(t.timestamp));
                let from =
                    [opts.start, prices.first().copied(), first_tx].into_iter().flatten().min();
                let to = opts.end.or_else(|| prices.last().copied()).or(first_tx);
                match (from, to) {
                    (Some(f), Some(t)) if f <= t => cal.trading_days(f, t)?,
                    _ => Vec::new(),
                }
            }
        };
        dates.sort_unstable();
        dates.dedup();
        if dates.is_empty() && (opts.start.is_none() || opts.end.is_none()) {
            return Err(LedgerError::InvalidInput {
                field: "dates".into(),
                reason: "no valuation dates: give `dates`, prices, or both `start` and `end`"
                    .into(),
            });
        }
        let first_tx =
            self.transactions().first().map(|(_, t)| self.config().book_date(t.timestamp));
        let start = opts.start.unwrap_or_else(|| {
            first_tx.and_then(|f| dates.iter().rev().find(|d| **d < f).copied()).unwrap_or(dates[0])
        });
        let end = opts.end.unwrap_or_else(|| dates.last().copied().unwrap_or(start));
        if start > end {
            return Err(LedgerError::InvalidInput {
                field: "start".into(),
                reason: format!("start {start} is after end {end}"),
            });
        }
        let mut cal = vec![start];
        cal.extend(dates.into_iter().filter(|d| *d > start && *d < end));
        if end > start {
            cal.push(end);
        }
        Ok(cal)
    }

    /// Performance over a period: TWR, MWR, ROI, return on average capital, daily values and
    /// contributions, all in the base currency.
    ///
    /// Valuation days are the given trading days; transactions are booked on their
    /// [`book_date`](super::LedgerConfig::book_date) and belong to the first valuation day
    /// on or after it. The period runs from the close of `start` to the close of `end`;
    /// transactions up to `start` are in the starting value.
    ///
    /// # Errors
    /// Missing prices or FX rates for a held instrument or currency; `start` after `end`; no
    /// valuation dates; [`LedgerError::UndefinedReturn`] when a day's starting capital is
    /// zero or negative but its value is not (the TWR cannot be chain-linked). A missing MWR
    /// root is not an error: see [`Performance::mwr_error`].
    pub fn performance(
        &self,
        market: &MarketData,
        opts: &PerformanceOptions,
    ) -> LedgerResult<Performance> {
        let market = market.clone().validated()?;
        let cal = self.calendar(&market, opts)?;
        self.performance_on(&market, &cal, opts.flow_timing)
    }

    /// [`Ledger::performance`] for each calendar month, quarter or year in the period; each
    /// sub-period starts at the previous one's last valuation day.
    pub fn performance_by_period(
        &self,
        market: &MarketData,
        opts: &PerformanceOptions,
        period: Period,
    ) -> LedgerResult<Vec<Performance>> {
        let market = market.clone().validated()?;
        let cal = self.calendar(&market, opts)?;
        let mut out = Vec::new();
        let mut from = 0;
        for k in 1..cal.len() {
            let last_of_group = k + 1 == cal.len() || period.key(cal[k + 1]) != period.key(cal[k]);
            if last_of_group {
                out.push(self.performance_on(&market, &cal[from..=k], opts.flow_timing)?);
                from = k;
            }
        }
        Ok(out)
    }

    fn performance_on(
        &self,
        market: &MarketData,
        cal: &[NaiveDate],
        timing: FlowTiming,
    ) -> LedgerResult<Performance> {
        let (start, end) = (cal[0], cal[cal.len() - 1]);
        let mut booker = Booker::new(self, Some(market));
        let txs = self.transactions();
        let mut next = 0;
        let mut step = |booker: &mut Booker<'_>, date: NaiveDate| -> LedgerResult<()> {
            while next < txs.len() && self.config().book_date(txs[next].1.timestamp) <= date {
                booker.apply(txs[next].0, &txs[next].1)?;
                next += 1;
            }
            Ok(())
        };
        step(&mut booker, start)?;
        let (v0, buckets0) = value_book(self, &booker.book, market, start)?;
        let mut seen = booker.book.flows.len();
        let (mut prev, mut growth) = (v0, 1.0f64);
        let mut daily = Vec::with_capacity(cal.len().saturating_sub(1));
        let mut ext: Vec<(NaiveDate, Decimal)> = Vec::new();
        let mut buckets_n = buckets0.clone();
        let mut vn = v0;
        for &date in &cal[1..] {
            step(&mut booker, date)?;
            let mut flow = Decimal::ZERO;
            for f in &booker.book.flows[seen..] {
                flow = add(flow, f.amount_base, "flows")?;
                ext.push((date, f.amount_base));
            }
            seen = booker.book.flows.len();
            let (v, buckets) = value_book(self, &booker.book, market, date)?;
            let (num, den) = match timing {
                FlowTiming::End if !prev.is_zero() => (sub(v, flow, "return")?, prev),
                // at start, or at end with nothing invested before (inception)
                _ => (v, add(prev, flow, "return")?),
            };
            let r = if den.is_zero() && num.is_zero() {
                0.0
            } else if den <= Decimal::ZERO {
                return Err(LedgerError::UndefinedReturn {
                    date,
                    reason: format!(
                        "starting capital {den} is not positive while the value is {num}; \
                         record the deposits that funded the portfolio"
                    ),
                });
            } else {
                to_f64(div(num, den, "return")?) - 1.0
            };
            growth *= 1.0 + r;
            daily.push(DailyPerformance {
                date,
                value: v,
                flow,
                day_return: r,
                cumulative: growth - 1.0,
            });
            prev = v;
            vn = v;
            buckets_n = buckets;
        }
        let days = (end - start).num_days();
        let (mut inflows, mut outflows) = (Decimal::ZERO, Decimal::ZERO);
        let mut weighted = Decimal::ZERO;
        for (d, a) in &ext {
            if a.is_sign_negative() {
                outflows = sub(outflows, *a, "flows")?;
            } else {
                inflows = add(inflows, *a, "flows")?;
            }
            let after = (end - *d).num_days() + i64::from(timing == FlowTiming::Start);
            let w = if days == 0 {
                Decimal::ONE
            } else {
                div(Decimal::from(after.min(days)), Decimal::from(days), "weight")?
            };
            weighted = add(weighted, mul(*a, w, "average capital")?, "average capital")?;
        }
        let net = sub(inflows, outflows, "flows")?;
        let gain = sub(sub(vn, v0, "gain")?, net, "gain")?;
        let average_capital = add(v0, weighted, "average capital")?;
        let twr = growth - 1.0;
        #[allow(clippy::cast_precision_loss, reason = "day counts are far below 2^53")]
        let years = days as f64 / 365.0;
        let twr_annualised = if days > 0 { libm::pow(growth, 1.0 / years) - 1.0 } else { twr };
        // money-weighted: the investor pays v0 and the deposits, receives withdrawals and vn
        let mut flows: BTreeMap<NaiveDate, Decimal> = BTreeMap::new();
        flows.insert(start, -v0);
        for (d, a) in &ext {
            let e = flows.entry(*d).or_default();
            *e = sub(*e, *a, "flows")?;
        }
        let e = flows.entry(end).or_default();
        *e = add(*e, vn, "flows")?;
        #[allow(clippy::cast_precision_loss, reason = "day counts are far below 2^53")]
        let times: Vec<f64> =
            flows.keys().map(|d| (*d - start).num_days() as f64 / 365.0).collect();
        let amounts: Vec<f64> = flows.values().map(|a| to_f64(*a)).collect();
        let (mwr, mwr_period, mwr_error) = if days == 0 {
            (None, None, Some("the period has no length".to_string()))
        } else {
            match xirr(&times, &amounts) {
                Ok(r) => (Some(r), Some(libm::pow(1.0 + r, years) - 1.0), None),
                Err(e) => (None, None, Some(e.to_string())),
            }
        };
        let mut contributions = Vec::new();
        for (name, (end_value, flows_end)) in &buckets_n {
            let (start_value, flows_start) =
                buckets0.get(name).copied().unwrap_or((Decimal::ZERO, Decimal::ZERO));
            let flows = sub(*flows_end, flows_start, "flows")?;
            let g = sub(sub(*end_value, start_value, "gain")?, flows, "gain")?;
            contributions.push(Contribution {
                name: name.clone(),
                start_value,
                end_value: *end_value,
                flows,
                gain: g,
                contribution: ratio(g, average_capital),
            });
        }
        Ok(Performance {
            start,
            end,
            days,
            start_value: v0,
            end_value: vn,
            inflows,
            outflows,
            gain,
            average_capital,
            twr,
            twr_annualised,
            mwr,
            mwr_period,
            mwr_error,
            roi: ratio(gain, add(v0, inflows, "capital")?),
            roai: ratio(gain, average_capital),
            daily,
            contributions,
        })
    }
}
