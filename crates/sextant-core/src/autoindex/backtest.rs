//! The backtest: weights from data up to a signal bar, traded on the next bar at its open or
//! close, holdings in units, costs from cash, delistings liquidated at the last price.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use super::config::{
    invalid, nan_rows, nan_vec, Delisting, Execution, Fallback, MarketData, Schedule, Strategy,
    Universe, Weighting,
};
use super::report::{benchmark_report, risk_report, BenchmarkReport, RiskReport};
use crate::error::{Error, Num, Result};

/// The result of [`backtest`]. Per-bar series have one value per bar of the data; NaN (JSON
/// `null`) where undefined.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Backtest {
    /// The bar dates.
    pub dates: Vec<NaiveDate>,
    /// The asset symbols, in data order (the columns of `weights`).
    pub symbols: Vec<String>,
    /// Index value at each bar's close (`initial_value` before the first trade).
    #[serde(with = "nan_vec")]
    pub values: Vec<f64>,
    /// Simple return of the index over each bar; NaN up to and including the bar before the
    /// first trade.
    #[serde(with = "nan_vec")]
    pub returns: Vec<f64>,
    /// Cash held at each close.
    #[serde(with = "nan_vec")]
    pub cash: Vec<f64>,
    /// Weight of each asset at each close (`bars x assets`; cash is `1 - sum`).
    #[serde(with = "nan_rows")]
    pub weights: Vec<Vec<f64>>,
    /// Turnover traded on each bar: sum of |traded notional| / index value before the trade
    /// (two-way; the first investment of all cash counts 1 - cash_buffer).
    #[serde(with = "nan_vec")]
    pub turnover: Vec<f64>,
    /// Transaction costs paid on each bar, in index units.
    #[serde(with = "nan_vec")]
    pub costs: Vec<f64>,
    /// Index of the first bar with a trade (`None`: never invested).
    pub start: Option<usize>,
    /// Every rebalance, in order.
    pub rebalances: Vec<Rebalance>,
    /// Every delisted holding, in order.
    pub delistings: Vec<DelistingEvent>,
    /// Sum of `costs`.
    pub total_costs: f64,
    /// Sum of `turnover` divided by the invested years (`returns` count / annualisation factor).
    pub annual_turnover: f64,
    /// Risk and performance of `returns` from `start` on.
    pub risk: RiskReport,
    /// Comparison with the benchmark, when the data has one.
    pub benchmark: Option<BenchmarkReport>,
}

/// One rebalance.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rebalance {
    /// Bar whose close ends the data the weights were computed from.
    pub signal_date: NaiveDate,
    /// Bar the trades were done on.
    pub trade_date: NaiveDate,
    /// `initial`, `schedule`, `drift`, `membership` (a holding left the universe) or
    /// `delisting` (proceeds redistributed).
    pub reason: &'static str,
    /// Target weights as traded (one per symbol).
    pub targets: Vec<f64>,
    /// Number of eligible assets at the signal.
    pub eligible: usize,
    /// Two-way turnover of the trade.
    pub turnover: f64,
    /// Costs paid.
    pub costs: f64,
    /// Number of assets traded.
    pub trades: usize,
    /// When the weighting failed and `fallback: "equal"` was used: the error.
    pub fallback: Option<String>,
}

/// One delisted holding: sold at its last price on the first bar without a price.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DelistingEvent {
    /// The asset.
    pub symbol: String,
    /// Date of its last price.
    pub last_date: NaiveDate,
    /// Date the proceeds were booked (the next bar).
    pub exit_date: NaiveDate,
    /// Its last price (valuation series).
    pub price: f64,
    /// Units times price, moved to cash.
    pub proceeds: f64,
}

/// A rebalance signalled at a close, to trade on the next bar: signal bar, reason, targets,
/// eligible count, fallback error.
type Pending = (usize, &'static str, Vec<f64>, usize, Option<String>);

/// Validated per-asset series.
struct Asset {
    px: Vec<f64>,
    /// Trade prices at the open (scaled to the valuation series), if given.
    open: Option<Vec<f64>>,
    /// First and last bar with a price.
    span: Option<(usize, usize)>,
    member: Membership,
    lo: f64,
    hi: f64,
}

enum Membership {
    Never,
    Always,
    Ranges(Vec<(NaiveDate, Option<NaiveDate>)>),
}

impl Membership {
    fn at(&self, d: NaiveDate) -> bool {
        match self {
            Self::Never => false,
            Self::Always => true,
            Self::Ranges(r) => r.iter().any(|(f, t)| *f <= d && t.is_none_or(|t| d <= t)),
        }
    }
}

fn check_series(sym: &str, field: &str, v: &[f64], n: usize) -> Result<()> {
    if v.len() != n {
        return Err(Error::LengthMismatch {
            input: format!("{sym}.{field}"),
            len: v.len(),
            other: "dates".into(),
            other_len: n,
        });
    }
    if let Some(k) = v.iter().position(|x| !(x.is_nan() || x.is_finite() && *x > 0.0)) {
        return Err(invalid(
            "data",
            format!("{sym}.{field}[{k}] = {} must be positive and finite (or null)", Num(v[k])),
        ));
    }
    Ok(())
}

fn prepare(s: &Strategy, d: &MarketData) -> Result<Vec<Asset>> {
    let n = d.dates.len();
    if n == 0 {
        return Err(invalid("data", "no bars (dates is empty)"));
    }
    if d.assets.is_empty() {
        return Err(invalid("data", "no assets"));
    }
    if let Some(k) = d.dates.windows(2).position(|w| w[1] <= w[0]) {
        return Err(invalid(
            "data",
            format!(
                "dates must be strictly increasing: dates[{}] = {} follows {}",
                k + 1,
                d.dates[k + 1],
                d.dates[k]
            ),
        ));
    }
    let mut seen = std::collections::BTreeSet::new();
    for a in &d.assets {
        if !seen.insert(a.symbol.as_str()) {
            return Err(invalid("data", format!("symbol {} appears twice", a.symbol)));
        }
    }
    let known = |sym: &str, what: &str| -> Result<()> {
        if seen.contains(sym) {
            Ok(())
        } else {
            Err(invalid("strategy", format!("{what} names {sym}, which is not in the market data")))
        }
    };
    match &s.universe {
        Universe::All => {}
        Universe::Static { symbols } => {
            symbols.iter().try_for_each(|x| known(x, "universe.symbols"))?
        }
        Universe::Membership { members } => {
            members.iter().try_for_each(|m| known(&m.symbol, "universe.members"))?;
        }
    }
    for sym in s.constraints.bounds.keys() {
        known(sym, "constraints.bounds")?;
    }
    if let Some(b) = &d.benchmark {
        check_series("benchmark", "levels", b, n)?;
    }
    let max_w = s.constraints.max_weight.unwrap_or(1.0);
    d.assets
        .iter()
        .map(|a| {
            let sym = a.symbol.as_str();
            check_series(sym, "close", &a.close, n)?;
            let valid: Vec<usize> = (0..n).filter(|&t| !a.close[t].is_nan()).collect();
            let span = valid.first().zip(valid.last()).map(|(f, l)| (*f, *l));
            if let Some((f, l)) = span {
                if valid.len() != l - f + 1 {
                    let gap = (f..=l).find(|&t| a.close[t].is_nan()).unwrap_or(f);
                    return Err(invalid(
                        "data",
                        format!(
                            "{sym}.close has a gap at {} (between its first and last price): fill it or split the series",
                            d.dates[gap]
                        ),
                    ));
                }
            }
            let px = match &a.total_return {
                Some(tr) => {
                    check_series(sym, "total_return", tr, n)?;
                    if let Some(k) = (0..n).find(|&t| tr[t].is_nan() != a.close[t].is_nan()) {
                        return Err(invalid(
                            "data",
                            format!("{sym}.total_return and close must be missing on the same bars (bar {})", d.dates[k]),
                        ));
                    }
                    tr.clone()
                }
                None => a.close.clone(),
            };
            let open = match &a.open {
                Some(o) => {
                    check_series(sym, "open", o, n)?;
                    Some((0..n).map(|t| o[t] * px[t] / a.close[t]).collect())
                }
                None => None,
            };
            if let Some(v) = &a.volume {
                if v.len() != n {
                    return Err(Error::LengthMismatch {
                        input: format!("{sym}.volume"),
                        len: v.len(),
                        other: "dates".into(),
                        other_len: n,
                    });
                }
            }
            let member = match &s.universe {
                Universe::All => Membership::Always,
                Universe::Static { symbols } => {
                    if symbols.iter().any(|x| x == sym) {
                        Membership::Always
                    } else {
                        Membership::Never
                    }
                }
                Universe::Membership { members } => Membership::Ranges(
                    members.iter().filter(|m| m.symbol == sym).map(|m| (m.from, m.to)).collect(),
                ),
            };
            let (lo, hi) = s.constraints.bounds.get(sym).map_or((0.0, 1.0), |b| (b[0], b[1]));
            Ok(Asset { px, open, span, member, lo, hi: hi.min(max_w) })
        })
        .collect()
}

/// Calendar period of a date for a calendar schedule.
fn period_key(s: &Schedule, d: NaiveDate) -> Option<(i32, u32)> {
    match s {
        Schedule::Monthly => Some((d.year(), d.month())),
        Schedule::Quarterly => Some((d.year(), (d.month() - 1) / 3)),
        Schedule::Annually => Some((d.year(), 0)),
        Schedule::Drift { .. } => None,
    }
}

/// Means and sample covariance (ddof 1) of a `t x m` row-major matrix.
#[allow(clippy::cast_precision_loss, reason = "window lengths are small")]
fn sample_cov(r: &[f64], t: usize, m: usize) -> (Vec<f64>, Vec<f64>) {
    let mut mean = vec![0.0; m];
    for row in r.chunks_exact(m) {
        for (a, x) in mean.iter_mut().zip(row) {
            *a += x;
        }
    }
    for a in &mut mean {
        *a /= t as f64;
    }
    let mut cov = vec![0.0; m * m];
    let mut dev = vec![0.0; m];
    for row in r.chunks_exact(m) {
        for j in 0..m {
            dev[j] = row[j] - mean[j];
        }
        for i in 0..m {
            let di = dev[i];
            let ci = &mut cov[i * m..i * m + m];
            for j in i..m {
                ci[j] += di * dev[j];
            }
        }
    }
    let den = (t as f64 - 1.0).max(1.0);
    for i in 0..m {
        for j in i..m {
            let v = cov[i * m + j] / den;
            cov[i * m + j] = v;
            cov[j * m + i] = v;
        }
    }
    (mean, cov)
}

/// Raw scheme weights over the eligible assets `el` at signal bar `t`.
#[allow(clippy::cast_precision_loss, reason = "asset counts are small")]
fn scheme_weights(s: &Strategy, assets: &[Asset], el: &[usize], t: usize) -> Result<Vec<f64>> {
    let m = el.len();
    let w = s.weighting.window();
    let upper = s.constraints.max_weight.filter(|u| *u * m as f64 >= 1.0 - 1e-12).unwrap_or(1.0);
    let returns = || {
        let mut r = vec![0.0; w * m];
        for k in 0..w {
            let b = t + 1 - w + k;
            for (j, &i) in el.iter().enumerate() {
                let p = &assets[i].px;
                r[k * m + j] = p[b] / p[b - 1] - 1.0;
            }
        }
        r
    };
    match &s.weighting {
        Weighting::Equal { .. } => Ok(vec![1.0 / m as f64; m]),
        Weighting::Momentum { top_n, .. } => {
            let mut score: Vec<(usize, f64)> = el
                .iter()
                .enumerate()
                .map(|(j, &i)| (j, assets[i].px[t] / assets[i].px[t - w] - 1.0))
                .collect();
            score.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            let k = (*top_n).min(m);
            let mut out = vec![0.0; m];
            for &(j, _) in &score[..k] {
                out[j] = 1.0 / k as f64;
            }
            Ok(out)
        }
        Weighting::InverseVolatility { .. } => {
            // the variances only (alloc::inverse_volatility reads nothing else of the matrix),
            // each from its asset's contiguous prices: two passes over the window's returns
            #[allow(clippy::cast_precision_loss, reason = "window lengths are small")]
            let var: Vec<f64> = el
                .iter()
                .map(|&i| {
                    let p = &assets[i].px[t - w..=t];
                    let ret = |k: usize| p[k + 1] / p[k] - 1.0;
                    let mean = (0..w).map(ret).sum::<f64>() / w as f64;
                    (0..w)
                        .map(|k| {
                            let d = ret(k) - mean;
                            d * d
                        })
                        .sum::<f64>()
                        / (w as f64 - 1.0)
                })
                .collect();
            crate::alloc::inverse_volatility_of_variances(&var)
        }
        Weighting::MinVariance { .. } => {
            let (_, cov) = sample_cov(&returns(), w, m);
            crate::alloc::min_variance(&cov, m, m, 0.0, upper)
        }
        Weighting::MaxSharpe { risk_free, .. } => {
            let (mu, cov) = sample_cov(&returns(), w, m);
            crate::alloc::max_sharpe(&mu, &cov, m, m, *risk_free, 0.0, upper)
        }
        Weighting::RiskParity { .. } => {
            let (_, cov) = sample_cov(&returns(), w, m);
            crate::alloc::risk_parity(&cov, m, m)
        }
        Weighting::Hrp { linkage, leaf_order, .. } => {
            crate::alloc::hrp(&returns(), w, m, linkage, leaf_order)
        }
    }
}

/// Clips weights into `[lo_i, hi_i]` and spreads the excess or shortfall over the unclipped
/// assets in proportion to their weights (equally if they are all zero), until every bound
/// holds. Weight that cannot be placed (every asset at its upper bound) is left out (cash).
///
/// # Errors
/// [`Error::InvalidInput`] when the lower bounds sum to more than 1.
pub(crate) fn apply_bounds(w: &mut [f64], lo: &[f64], hi: &[f64]) -> Result<()> {
    let m = w.len();
    if lo.iter().sum::<f64>() > 1.0 + 1e-12 {
        return Err(invalid(
            "strategy",
            format!(
                "constraints.bounds: the lower bounds of the eligible assets sum to {} > 1",
                Num(lo.iter().sum())
            ),
        ));
    }
    let mut fixed = vec![false; m];
    for _ in 0..=m {
        let mut clipped = false;
        for i in 0..m {
            if fixed[i] {
                continue;
            }
            if w[i] > hi[i] + 1e-15 {
                w[i] = hi[i];
                fixed[i] = true;
                clipped = true;
            } else if w[i] < lo[i] - 1e-15 {
                w[i] = lo[i];
                fixed[i] = true;
                clipped = true;
            }
        }
        if !clipped {
            break;
        }
        let resid = 1.0 - w.iter().sum::<f64>();
        let free: Vec<usize> = (0..m).filter(|&i| !fixed[i]).collect();
        if free.is_empty() {
            break;
        }
        let fw: f64 = free.iter().map(|&i| w[i]).sum();
        for &i in &free {
            #[allow(clippy::cast_precision_loss, reason = "asset counts are small")]
            let share = if fw > 0.0 { w[i] / fw } else { 1.0 / free.len() as f64 };
            w[i] += resid * share;
        }
    }
    for i in 0..m {
        w[i] = w[i].clamp(lo[i], hi[i]);
    }
    Ok(())
}

/// Solves for the value after a trade to `targets` (weights of the post-cost value):
/// `v = v_pre - sum_i (b |w_i v - h_i| + F [i traded])`. The left side minus the right is
/// increasing and piecewise linear in `v`; solved by Newton steps inside a bisection bracket.
/// Returns `(v, traded)`; `None` when the costs would consume the whole value.
fn solve_post_value(
    v_pre: f64,
    h: &[f64],
    w: &[f64],
    b: f64,
    fixed: f64,
) -> Option<(f64, Vec<bool>)> {
    let eps = 1e-12 * v_pre;
    let traded: Vec<bool> = h.iter().zip(w).map(|(h, w)| (w * v_pre - h).abs() > eps).collect();
    #[allow(clippy::cast_precision_loss, reason = "asset counts are small")]
    let fk = fixed * traded.iter().filter(|x| **x).count() as f64;
    let f = |v: f64| -> (f64, f64) {
        let mut c = fk;
        let mut slope = 1.0;
        for i in 0..h.len() {
            if traded[i] {
                let d = w[i] * v - h[i];
                c += b * d.abs();
                slope += b * w[i] * if d >= 0.0 { 1.0 } else { -1.0 };
            }
        }
        (v + c - v_pre, slope)
    };
    let (mut lo, mut hi) = (0.0, v_pre);
    if f(lo).0 >= 0.0 {
        return None;
    }
    let mut v = v_pre;
    for _ in 0..200 {
        let (fv, s) = f(v);
        if fv == 0.0 {
            return Some((v, traded));
        }
        if fv > 0.0 {
            hi = v;
        } else {
            lo = v;
        }
        let mut next = v - fv / s;
        if !(next > lo && next < hi) {
            next = 0.5 * (lo + hi);
        }
        if (next - v).abs() <= 1e-15 * v_pre {
            return Some((next, traded));
        }
        v = next;
    }
    Some((v, traded))
}

/// Runs a backtest of `strategy` on `data`.
///
/// Timing, per bar `s` (DESIGN: no look-ahead):
/// 1. a holding whose price history ended at `s - 1` is sold at that last price; the proceeds
///    go to cash (no transaction cost: a delisting is not a market trade) and, with
///    `delisting: "redistribute"`, are reinvested in the other holdings on this bar;
/// 2. a rebalance signalled at the close of `s - 1` is traded at the open or close of `s`
///    (`execution`): holdings are set so that each asset's value is its target weight times
///    the post-cost index value, costs paid from cash; a target asset without a price on `s`
///    keeps its weight in cash (`delisting: "cash"`) or the others are scaled up;
/// 3. the index is valued at the close of `s`;
/// 4. at the close of `s`, the schedule decides whether to rebalance on `s + 1`, and if so
///    the target weights are computed from prices up to the close of `s` only.
///
/// The first trade is on the bar after the first bar with an eligible asset (a member of the
/// universe with `window + 1` prices). Calendar schedules then trade on the first bar of each
/// month / quarter / year; the drift schedule when a weight is more than `threshold` from its
/// target. A holding that leaves the universe triggers a rebalance at once.
///
/// # Errors
/// [`Strategy::validate`]'s errors; [`Error::InvalidInput`] naming `data` for empty or
/// unsorted dates, series of the wrong length, non-positive prices, a gap inside a price
/// history, duplicated symbols, an open price missing where a trade needs it, or costs that
/// would consume the index; a weighting error (with `fallback: "error"`) naming its date.
///
/// # Examples
/// ```
/// use sextant_core::autoindex::{backtest, MarketData, Strategy};
/// let s = Strategy::from_json(r#"{"version": 1, "universe": {"kind": "all"},
///     "weighting": {"scheme": "equal"}, "schedule": {"kind": "monthly"}}"#)?;
/// let d = MarketData::from_json(r#"{"dates": ["2024-01-30", "2024-01-31", "2024-02-01"],
///     "assets": [{"symbol": "A", "close": [10, 11, 12]}, {"symbol": "B", "close": [20, 20, 18]}]}"#)?;
/// let bt = backtest(&s, &d)?;
/// // A and B have one return at the close of Jan 31: the signal...
/// assert_eq!(bt.start, Some(2));
/// // ...traded at the close of Feb 1: no move yet on that bar
/// assert!((bt.values[2] - 100.0).abs() < 1e-12);
/// # Ok::<(), sextant_core::Error>(())
/// ```
#[allow(clippy::too_many_lines, reason = "the bar loop reads best in one piece")]
pub fn backtest(strategy: &Strategy, data: &MarketData) -> Result<Backtest> {
    strategy.validate()?;
    let assets = prepare(strategy, data)?;
    let s = strategy;
    let n = data.dates.len();
    let m = assets.len();
    let window = s.weighting.window();
    let b = s.costs.bps / 10_000.0;
    let has = |i: usize, t: usize| assets[i].span.is_some_and(|(f, l)| f <= t && t <= l);

    let mut units = vec![0.0; m];
    let mut cash = s.initial_value;
    let mut targets = vec![0.0; m];
    let mut invested = false;
    let mut pending: Option<Pending> = None;

    let mut out = Backtest {
        dates: data.dates.clone(),
        symbols: data.assets.iter().map(|a| a.symbol.clone()).collect(),
        values: vec![f64::NAN; n],
        returns: vec![f64::NAN; n],
        cash: vec![f64::NAN; n],
        weights: Vec::with_capacity(n),
        turnover: vec![0.0; n],
        costs: vec![0.0; n],
        start: None,
        rebalances: Vec::new(),
        delistings: Vec::new(),
        total_costs: 0.0,
        annual_turnover: f64::NAN,
        risk: RiskReport::default(),
        benchmark: None,
    };

    for t in 0..n {
        // 1. delistings
        let mut proceeds = 0.0;
        for i in 0..m {
            if units[i] != 0.0 {
                if let Some((_, l)) = assets[i].span {
                    if t == l + 1 {
                        let price = assets[i].px[l];
                        let p = units[i] * price;
                        cash += p;
                        proceeds += p;
                        units[i] = 0.0;
                        out.delistings.push(DelistingEvent {
                            symbol: out.symbols[i].clone(),
                            last_date: data.dates[l],
                            exit_date: data.dates[t],
                            price,
                            proceeds: p,
                        });
                    }
                }
            }
        }
        for (i, x) in targets.iter_mut().enumerate() {
            if !has(i, t) {
                *x = 0.0;
            }
        }
        // 2. trades
        let redistribute = s.delisting == Delisting::Redistribute && proceeds > 0.0 && invested;
        if pending.is_some() || redistribute {
            let trade_px = |i: usize| -> Result<f64> {
                match s.execution {
                    Execution::Close => Ok(assets[i].px[t]),
                    Execution::Open => {
                        let o = assets[i].open.as_ref().map_or(f64::NAN, |o| o[t]);
                        if o.is_nan() {
                            Err(invalid(
                                "data",
                                format!(
                                    "execution \"open\" needs {}.open on {}",
                                    out.symbols[i], data.dates[t]
                                ),
                            ))
                        } else {
                            Ok(o)
                        }
                    }
                }
            };
            let mut x = vec![f64::NAN; m];
            let mut h = vec![0.0; m];
            for i in 0..m {
                if units[i] != 0.0 {
                    x[i] = trade_px(i)?;
                    h[i] = units[i] * x[i];
                }
            }
            let v_pre = cash + h.iter().sum::<f64>();
            let (signal, reason, mut w, eligible, fallback) = match pending.take() {
                Some(p) => p,
                None => {
                    // redistribute the proceeds over the holdings, pro rata
                    let hs: f64 = h.iter().sum();
                    let w: Vec<f64> = if hs > 0.0 {
                        h.iter().map(|hi| hi / hs * (hs + proceeds) / v_pre).collect()
                    } else {
                        vec![0.0; m]
                    };
                    (t.saturating_sub(1), "delisting", w, 0, None)
                }
            };
            // targets without a price on this bar
            let total: f64 = w.iter().sum();
            let mut dropped = false;
            for (i, x) in w.iter_mut().enumerate() {
                if *x != 0.0 && !has(i, t) {
                    *x = 0.0;
                    dropped = true;
                }
            }
            if dropped && s.delisting == Delisting::Redistribute {
                let kept: f64 = w.iter().sum();
                if kept > 0.0 {
                    for v in &mut w {
                        *v *= total / kept;
                    }
                }
            }
            for i in 0..m {
                if w[i] != 0.0 && x[i].is_nan() {
                    x[i] = trade_px(i)?;
                }
            }
            let Some((v_post, traded)) = solve_post_value(v_pre, &h, &w, b, s.costs.fixed) else {
                return Err(invalid(
                    "strategy",
                    format!(
                        "costs: the trades on {} would cost more than the index value {}",
                        data.dates[t],
                        Num(v_pre)
                    ),
                ));
            };
            let mut flow = 0.0;
            let mut cost = 0.0;
            let mut ntr = 0;
            for i in 0..m {
                if traded[i] {
                    let d = w[i] * v_post - h[i];
                    flow += d;
                    cost += b * d.abs() + s.costs.fixed;
                    ntr += 1;
                    units[i] = if w[i] == 0.0 { 0.0 } else { w[i] * v_post / x[i] };
                }
            }
            let turnover = traded
                .iter()
                .enumerate()
                .filter(|(_, tr)| **tr)
                .map(|(i, _)| (w[i] * v_post - h[i]).abs())
                .sum::<f64>()
                / v_pre;
            cash -= flow + cost;
            out.turnover[t] += turnover;
            out.costs[t] += cost;
            targets.clone_from(&w);
            if !invested {
                invested = true;
                out.start = Some(t);
            }
            out.rebalances.push(Rebalance {
                signal_date: data.dates[signal],
                trade_date: data.dates[t],
                reason,
                targets: w,
                eligible,
                turnover,
                costs: cost,
                trades: ntr,
                fallback,
            });
        }
        // 3. valuation at the close
        let mut v = cash;
        for i in 0..m {
            if units[i] != 0.0 {
                v += units[i] * assets[i].px[t];
            }
        }
        out.values[t] = v;
        out.cash[t] = cash;
        out.weights.push(
            (0..m)
                .map(|i| if units[i] == 0.0 { 0.0 } else { units[i] * assets[i].px[t] / v })
                .collect(),
        );
        if invested && t > 0 {
            out.returns[t] = v / out.values[t - 1] - 1.0;
        }
        // 4. the signal for bar t + 1
        if t + 1 >= n {
            break;
        }
        let date = data.dates[t];
        let is_eligible = |i: usize| {
            assets[i].span.is_some_and(|(f, l)| f + window <= t && t <= l)
                && assets[i].member.at(date)
        };
        let reason = if !invested {
            (0..m).any(is_eligible).then_some("initial")
        } else if (0..m).any(|i| units[i] != 0.0 && !assets[i].member.at(date)) {
            Some("membership")
        } else {
            match s.schedule {
                Schedule::Drift { threshold } => {
                    let row = &out.weights[t];
                    (0..m).any(|i| (row[i] - targets[i]).abs() > threshold).then_some("drift")
                }
                ref cal => (period_key(cal, data.dates[t + 1]) != period_key(cal, date))
                    .then_some("schedule"),
            }
        };
        if let Some(reason) = reason {
            let eligible: Vec<usize> = (0..m).filter(|&i| is_eligible(i)).collect();
            let mut w = vec![0.0; m];
            let mut fallback = None;
            if !eligible.is_empty() {
                let raw = match scheme_weights(s, &assets, &eligible, t) {
                    Ok(r) => r,
                    Err(e) => match s.fallback {
                        Fallback::Error => {
                            return Err(invalid(
                                "strategy",
                                format!("weighting {} at {date}: {e}", s.weighting.name()),
                            ))
                        }
                        Fallback::Equal => {
                            fallback = Some(e.to_string());
                            #[allow(clippy::cast_precision_loss, reason = "asset counts are small")]
                            let eq = 1.0 / eligible.len() as f64;
                            vec![eq; eligible.len()]
                        }
                    },
                };
                let mut raw = raw;
                let lo: Vec<f64> = eligible.iter().map(|&i| assets[i].lo).collect();
                let hi: Vec<f64> = eligible.iter().map(|&i| assets[i].hi).collect();
                apply_bounds(&mut raw, &lo, &hi)?;
                for (j, &i) in eligible.iter().enumerate() {
                    w[i] = raw[j] * (1.0 - s.cash_buffer);
                }
            }
            pending = Some((t, reason, w, eligible.len(), fallback));
        }
    }

    out.total_costs = out.costs.iter().sum();
    if let Some(st) = out.start {
        let r = &out.returns[st..];
        let factor = crate::risk::annualization_factor(&s.period, s.annualization)?;
        #[allow(clippy::cast_precision_loss, reason = "bar counts are small")]
        let years = r.len() as f64 / factor;
        out.annual_turnover = out.turnover.iter().sum::<f64>() / years;
        out.risk = risk_report(r, s)?;
        if let Some(bm) = &data.benchmark {
            out.benchmark = Some(benchmark_report(&out.returns, bm, st, s)?);
        }
    } else {
        out.risk = risk_report(&[], s)?;
    }
    Ok(out)
}
