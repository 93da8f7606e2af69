//! The strategy configuration and the market data of a backtest: typed serde records, versioned
//! (`version: 1`), unknown fields refused.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Num, Result};

/// The configuration version this build reads and writes.
pub const STRATEGY_VERSION: u32 = 1;

pub(crate) fn invalid(input: &str, reason: impl Into<String>) -> Error {
    Error::InvalidInput { input: input.to_owned(), reason: reason.into() }
}

/// Serde helpers for `Vec<f64>` where a missing value (NaN) is written as `null` and `null` is
/// read back as NaN (the JSON convention of DESIGN.md).
pub mod nan_vec {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    /// Writes NaN as `null`.
    ///
    /// # Errors
    /// Those of the serializer.
    pub fn serialize<S: Serializer>(v: &[f64], s: S) -> Result<S::Ok, S::Error> {
        let o: Vec<Option<f64>> =
            v.iter().map(|x| if x.is_nan() { None } else { Some(*x) }).collect();
        o.serialize(s)
    }

    /// Reads `null` as NaN.
    ///
    /// # Errors
    /// Those of the deserializer.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
        let o: Vec<Option<f64>> = Vec::deserialize(d)?;
        Ok(o.into_iter().map(|x| x.unwrap_or(f64::NAN)).collect())
    }
}

/// [`nan_vec`] for an optional series.
pub mod opt_nan_vec {
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes NaN as `null`.
    ///
    /// # Errors
    /// Those of the serializer.
    pub fn serialize<S: Serializer>(v: &Option<Vec<f64>>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => super::nan_vec::serialize(v, s),
            None => s.serialize_none(),
        }
    }

    /// Reads `null` as NaN.
    ///
    /// # Errors
    /// Those of the deserializer.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<f64>>, D::Error> {
        let o: Option<Vec<Option<f64>>> = Option::deserialize(d)?;
        Ok(o.map(|v| v.into_iter().map(|x| x.unwrap_or(f64::NAN)).collect()))
    }
}

/// [`nan_vec`] for a matrix (rows of series).
pub mod nan_rows {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    /// Writes NaN as `null`.
    ///
    /// # Errors
    /// Those of the serializer.
    pub fn serialize<S: Serializer>(v: &[Vec<f64>], s: S) -> Result<S::Ok, S::Error> {
        let o: Vec<Vec<Option<f64>>> = v
            .iter()
            .map(|r| r.iter().map(|x| if x.is_nan() { None } else { Some(*x) }).collect())
            .collect();
        o.serialize(s)
    }

    /// Reads `null` as NaN.
    ///
    /// # Errors
    /// Those of the deserializer.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Vec<f64>>, D::Error> {
        let o: Vec<Vec<Option<f64>>> = Vec::deserialize(d)?;
        Ok(o.into_iter().map(|r| r.into_iter().map(|x| x.unwrap_or(f64::NAN)).collect()).collect())
    }
}

/// A rule-based index strategy (version 1).
///
/// JSON form (every field but `version`, `universe`, `weighting` and `schedule` optional):
/// ```json
/// {"version": 1,
///  "universe": {"kind": "static", "symbols": ["A", "B", "C"]},
///  "weighting": {"scheme": "inverse_volatility", "window": 63},
///  "schedule": {"kind": "monthly"},
///  "costs": {"bps": 10, "fixed": 0},
///  "cash_buffer": 0.01,
///  "constraints": {"max_weight": 0.4, "bounds": {"A": [0.0, 0.2]}},
///  "execution": "close", "delisting": "cash", "fallback": "error",
///  "initial_value": 100, "period": "daily", "annualization": null,
///  "risk_free": 0, "cutoff": 0.05}
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Strategy {
    /// Configuration version; this build reads version [`STRATEGY_VERSION`].
    pub version: u32,
    /// Which assets may be held, and when.
    pub universe: Universe,
    /// How target weights are computed at a rebalance.
    pub weighting: Weighting,
    /// When to rebalance.
    pub schedule: Schedule,
    /// Transaction costs.
    #[serde(default)]
    pub costs: Costs,
    /// Fraction of the index value kept in cash at each rebalance, in `[0, 1)`.
    #[serde(default)]
    pub cash_buffer: f64,
    /// Per-asset weight limits.
    #[serde(default)]
    pub constraints: Constraints,
    /// The price trades are done at, on the bar after the signal.
    #[serde(default)]
    pub execution: Execution,
    /// What happens to the proceeds of a delisted holding.
    #[serde(default)]
    pub delisting: Delisting,
    /// What a rebalance does when the weighting scheme fails (e.g. a solver error).
    #[serde(default)]
    pub fallback: Fallback,
    /// Index value before the first trade (default 100).
    #[serde(default = "hundred")]
    pub initial_value: f64,
    /// Bar frequency for annualisation: daily (252), weekly (52), monthly (12), quarterly (4),
    /// yearly (1).
    #[serde(default = "daily")]
    pub period: String,
    /// Bars per year, overriding `period`.
    #[serde(default)]
    pub annualization: Option<f64>,
    /// Risk-free return per bar, for the Sharpe and Sortino ratios of the report.
    #[serde(default)]
    pub risk_free: f64,
    /// Tail probability of the report's VaR and CVaR (default 0.05).
    #[serde(default = "five_pct")]
    pub cutoff: f64,
}

const fn hundred() -> f64 {
    100.0
}
fn daily() -> String {
    "daily".into()
}
const fn five_pct() -> f64 {
    0.05
}

/// The investable universe.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Universe {
    /// Every asset of the market data.
    All,
    /// A fixed list of symbols.
    Static {
        /// The symbols (each must be in the market data).
        symbols: Vec<String>,
    },
    /// A point-in-time membership table: `symbol` is a member on the bars dated `from` to `to`,
    /// both inclusive (`to` absent: still a member). A symbol may have several rows.
    Membership {
        /// The rows.
        members: Vec<Member>,
    },
}

/// One row of a membership table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Member {
    /// The asset.
    pub symbol: String,
    /// First date of membership (inclusive).
    pub from: NaiveDate,
    /// Last date of membership (inclusive); `None`: open-ended.
    #[serde(default)]
    pub to: Option<NaiveDate>,
}

/// Weighting scheme and its estimation window (number of past returns, in bars, ending at the
/// signal bar). An asset is eligible once it has `window + 1` prices up to the signal bar.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "scheme", rename_all = "snake_case", deny_unknown_fields)]
pub enum Weighting {
    /// `1/n` over the eligible assets.
    Equal {
        /// Bars of history needed before an asset enters (default 1).
        #[serde(default = "one")]
        window: usize,
    },
    /// `alloc::inverse_volatility` on the window's sample variances.
    InverseVolatility {
        /// Estimation window in bars (>= 2).
        window: usize,
    },
    /// `alloc::min_variance` on the window's sample covariance (ddof 1).
    MinVariance {
        /// Estimation window in bars (>= 2).
        window: usize,
    },
    /// `alloc::max_sharpe` on the window's mean returns and sample covariance.
    MaxSharpe {
        /// Estimation window in bars (>= 2).
        window: usize,
        /// Risk-free return per bar.
        #[serde(default)]
        risk_free: f64,
    },
    /// `alloc::risk_parity` (equal risk contributions) on the window's sample covariance.
    RiskParity {
        /// Estimation window in bars (>= 2).
        window: usize,
    },
    /// `alloc::hrp` on the window's returns.
    Hrp {
        /// Estimation window in bars (>= 2).
        window: usize,
        /// single, complete, average, weighted or ward.
        #[serde(default = "single")]
        linkage: String,
        /// optimal or none.
        #[serde(default = "optimal")]
        leaf_order: String,
    },
    /// Equal weights over the `top_n` assets with the highest total return over the window
    /// (ties: data order).
    Momentum {
        /// Look-back in bars (>= 1).
        window: usize,
        /// Number of assets held (>= 1).
        top_n: usize,
    },
}

const fn one() -> usize {
    1
}
fn single() -> String {
    "single".into()
}
fn optimal() -> String {
    "optimal".into()
}

impl Weighting {
    /// The estimation window in bars.
    #[must_use]
    pub const fn window(&self) -> usize {
        match self {
            Self::Equal { window }
            | Self::InverseVolatility { window }
            | Self::MinVariance { window }
            | Self::MaxSharpe { window, .. }
            | Self::RiskParity { window }
            | Self::Hrp { window, .. }
            | Self::Momentum { window, .. } => *window,
        }
    }

    /// The scheme's name as written in the configuration.
    #[must_use]
    pub const fn name(&self) -> &'static str {
        match self {
            Self::Equal { .. } => "equal",
            Self::InverseVolatility { .. } => "inverse_volatility",
            Self::MinVariance { .. } => "min_variance",
            Self::MaxSharpe { .. } => "max_sharpe",
            Self::RiskParity { .. } => "risk_parity",
            Self::Hrp { .. } => "hrp",
            Self::Momentum { .. } => "momentum",
        }
    }

    const fn min_window(&self) -> usize {
        match self {
            Self::Equal { .. } | Self::Momentum { .. } => 1,
            _ => 2,
        }
    }
}

/// When to rebalance. Calendar schedules trade on the first bar of each new period (by the bar
/// dates), with weights from data up to the bar before; the drift schedule signals at a bar's
/// close when some weight is more than `threshold` away from its target and trades on the next
/// bar.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Schedule {
    /// First trading day of each month.
    Monthly,
    /// First trading day of each quarter (January, April, July, October).
    Quarterly,
    /// First trading day of each year.
    Annually,
    /// When `max_i |w_i - target_i| > threshold` at a close.
    Drift {
        /// Absolute weight deviation, in `(0, 1]`.
        threshold: f64,
    },
}

/// Transaction costs of one trade: `bps / 10_000 * |notional| + fixed`, paid from cash.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Costs {
    /// Proportional cost in basis points of the traded notional (>= 0).
    #[serde(default)]
    pub bps: f64,
    /// Fixed cost per asset traded, in index units (>= 0).
    #[serde(default)]
    pub fixed: f64,
}

/// Weight limits applied after the weighting scheme: weights are clipped into their bounds and
/// the excess (or shortfall) is spread over the assets not at a bound in proportion to their
/// weights, repeated until every bound holds; weight that cannot be placed stays in cash.
/// `max_weight` is also passed to the optimisers (`min_variance`, `max_sharpe`) as their
/// `upper` bound when it is feasible.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Constraints {
    /// Largest weight of any asset, in `(0, 1]`.
    #[serde(default)]
    pub max_weight: Option<f64>,
    /// Per-asset `[lower, upper]` weight bounds, within `[0, 1]`.
    #[serde(default)]
    pub bounds: BTreeMap<String, [f64; 2]>,
}

/// The price a trade is done at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Execution {
    /// The close of the bar after the signal.
    #[default]
    Close,
    /// The open of the bar after the signal (needs `open` prices).
    Open,
}

/// What happens to the proceeds of a delisted holding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Delisting {
    /// Kept in cash until the next rebalance.
    #[default]
    Cash,
    /// Reinvested at once in the other holdings, in proportion to their values.
    Redistribute,
}

/// What a rebalance does when the weighting scheme returns an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fallback {
    /// The backtest fails with that error (naming the date).
    #[default]
    Error,
    /// Equal weights over the eligible assets; the rebalance record says so.
    Equal,
}

/// Market data of a backtest: bar dates and one record per asset, all series as long as
/// `dates`. A missing value is NaN (`null` in JSON). An asset's series may start late (listed
/// later) and end early (delisted after its last price); a gap between two prices is refused.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarketData {
    /// Bar dates, strictly increasing.
    pub dates: Vec<NaiveDate>,
    /// The assets.
    pub assets: Vec<AssetData>,
    /// Optional benchmark level series (prices or total-return index) for the comparison.
    #[serde(default, with = "opt_nan_vec", skip_serializing_if = "Option::is_none")]
    pub benchmark: Option<Vec<f64>>,
}

/// One asset's series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssetData {
    /// Unique symbol.
    pub symbol: String,
    /// Closing prices (positive).
    #[serde(with = "nan_vec")]
    pub close: Vec<f64>,
    /// Opening prices (needed for `execution: "open"`).
    #[serde(default, with = "opt_nan_vec", skip_serializing_if = "Option::is_none")]
    pub open: Option<Vec<f64>>,
    /// Total-return index (dividends reinvested). When given it replaces `close` for valuation
    /// and returns; an open is scaled by `total_return / close` of its bar.
    #[serde(default, with = "opt_nan_vec", skip_serializing_if = "Option::is_none")]
    pub total_return: Option<Vec<f64>>,
    /// Traded volume (units), used by the risk score's liquidity measure.
    #[serde(default, with = "opt_nan_vec", skip_serializing_if = "Option::is_none")]
    pub volume: Option<Vec<f64>>,
}

/// Parses a JSON document into `T` after checking its `version` field: a missing or unknown
/// version is refused before any other field is read, so a newer configuration gets a version
/// error, not an unknown-field one.
///
/// # Errors
/// [`Error::InvalidInput`] naming `input` for malformed JSON, a missing/unknown version, an
/// unknown field or a wrong type.
pub(crate) fn from_json_versioned<T: serde::de::DeserializeOwned>(
    input: &str,
    json: &str,
    version: u32,
) -> Result<T> {
    let v: serde_json::Value =
        serde_json::from_str(json).map_err(|e| invalid(input, format!("not valid JSON: {e}")))?;
    check_version(input, &v, version)?;
    serde_json::from_value(v).map_err(|e| invalid(input, e.to_string()))
}

pub(crate) fn check_version(input: &str, v: &serde_json::Value, version: u32) -> Result<()> {
    match v.get("version") {
        None => Err(invalid(
            input,
            format!("missing field `version` (this build reads version {version})"),
        )),
        Some(x) if x.as_u64() == Some(u64::from(version)) => Ok(()),
        Some(x) => Err(Error::Unsupported {
            param: format!("{input}.version"),
            value: x.to_string(),
            reason: format!("unknown {input} version; this build reads version {version}"),
        }),
    }
}

/// Parses a JSON document with no version field into `T`.
pub(crate) fn from_json<T: serde::de::DeserializeOwned>(input: &str, json: &str) -> Result<T> {
    serde_json::from_str(json).map_err(|e| invalid(input, e.to_string()))
}

fn range(param: &str, v: f64, bound: &str) -> Error {
    Error::OutOfRange { param: param.into(), value: Num(v).to_string(), bound: bound.into() }
}

impl Strategy {
    /// Reads a strategy from JSON (see [`Strategy`]).
    ///
    /// # Errors
    /// [`Error::Unsupported`] for another `version`; [`Error::InvalidInput`] (input `strategy`)
    /// for malformed JSON, unknown fields or wrong types; then [`Strategy::validate`]'s errors.
    pub fn from_json(json: &str) -> Result<Self> {
        let s: Self = from_json_versioned("strategy", json, STRATEGY_VERSION)?;
        s.validate()?;
        Ok(s)
    }

    /// Checks every value: version, window, costs, cash buffer, bounds, initial value, period,
    /// cutoff, linkage, leaf order, drift threshold.
    ///
    /// # Errors
    /// [`Error::Unsupported`] for an unknown version; [`Error::OutOfRange`] /
    /// [`Error::UnknownOption`] naming the field.
    pub fn validate(&self) -> Result<()> {
        if self.version != STRATEGY_VERSION {
            return Err(Error::Unsupported {
                param: "strategy.version".into(),
                value: self.version.to_string(),
                reason: format!(
                    "unknown strategy version; this build reads version {STRATEGY_VERSION}"
                ),
            });
        }
        let w = &self.weighting;
        if w.window() < w.min_window() || w.window() > 1_000_000 {
            return Err(Error::OutOfRange {
                param: "weighting.window".into(),
                value: w.window().to_string(),
                bound: format!("must be in [{}, 1000000] for {}", w.min_window(), w.name()),
            });
        }
        match w {
            Weighting::Hrp { linkage, leaf_order, .. } => {
                if !crate::alloc::LINKAGES.contains(&linkage.as_str()) {
                    return Err(Error::UnknownOption {
                        param: "weighting.linkage".into(),
                        value: linkage.clone(),
                        allowed: crate::alloc::LINKAGES.join(", "),
                    });
                }
                if !crate::alloc::LEAF_ORDERS.contains(&leaf_order.as_str()) {
                    return Err(Error::UnknownOption {
                        param: "weighting.leaf_order".into(),
                        value: leaf_order.clone(),
                        allowed: crate::alloc::LEAF_ORDERS.join(", "),
                    });
                }
            }
            Weighting::Momentum { top_n, .. } if *top_n == 0 => {
                return Err(Error::OutOfRange {
                    param: "weighting.top_n".into(),
                    value: "0".into(),
                    bound: "must be >= 1".into(),
                })
            }
            Weighting::MaxSharpe { risk_free, .. } if !risk_free.is_finite() => {
                return Err(range("weighting.risk_free", *risk_free, "must be finite"))
            }
            _ => {}
        }
        if let Schedule::Drift { threshold } = self.schedule {
            if !(threshold > 0.0 && threshold <= 1.0) {
                return Err(range("schedule.threshold", threshold, "must be in (0, 1]"));
            }
        }
        if !(self.costs.bps >= 0.0 && self.costs.bps < 10_000.0) {
            return Err(range("costs.bps", self.costs.bps, "must be in [0, 10000)"));
        }
        if !(self.costs.fixed >= 0.0 && self.costs.fixed.is_finite()) {
            return Err(range("costs.fixed", self.costs.fixed, "must be >= 0 and finite"));
        }
        if !(self.cash_buffer >= 0.0 && self.cash_buffer < 1.0) {
            return Err(range("cash_buffer", self.cash_buffer, "must be in [0, 1)"));
        }
        if let Some(m) = self.constraints.max_weight {
            if !(m > 0.0 && m <= 1.0) {
                return Err(range("constraints.max_weight", m, "must be in (0, 1]"));
            }
        }
        for (sym, [lo, hi]) in &self.constraints.bounds {
            if !(*lo >= 0.0 && lo <= hi && *hi <= 1.0) {
                return Err(Error::OutOfRange {
                    param: format!("constraints.bounds.{sym}"),
                    value: format!("[{}, {}]", Num(*lo), Num(*hi)),
                    bound: "must satisfy 0 <= lower <= upper <= 1".into(),
                });
            }
        }
        if !(self.initial_value > 0.0 && self.initial_value.is_finite()) {
            return Err(range("initial_value", self.initial_value, "must be positive and finite"));
        }
        crate::risk::annualization_factor(&self.period, self.annualization)?;
        if !self.risk_free.is_finite() {
            return Err(range("risk_free", self.risk_free, "must be finite"));
        }
        if !(self.cutoff > 0.0 && self.cutoff < 1.0) {
            return Err(range("cutoff", self.cutoff, "must be in (0, 1)"));
        }
        if let Universe::Membership { members } = &self.universe {
            for m in members {
                if m.to.is_some_and(|t| t < m.from) {
                    return Err(invalid(
                        "strategy",
                        format!(
                            "membership of {} ends ({:?}) before it starts ({})",
                            m.symbol, m.to, m.from
                        ),
                    ));
                }
            }
        }
        Ok(())
    }
}

impl MarketData {
    /// Reads market data from JSON (`null` = missing).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] (input `data`) for malformed JSON, unknown fields or wrong types.
    pub fn from_json(json: &str) -> Result<Self> {
        from_json("data", json)
    }
}
