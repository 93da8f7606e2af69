//! The composite risk score of an asset, 1 (lowest risk) to 100 (highest).
//!
//! ```text
//! score  = (W_m market + W_c credit + W_r regulatory + W_t technical) / (W_m + W_c + W_r + W_t)
//! market = (v_vol vol_score + v_dd drawdown_score + v_liq liquidity_score) / (v_vol + v_dd + v_liq)
//! ```
//! Default weights `W` are 30 / 25 / 25 / 20 (market / credit / regulatory / technical), and can
//! be replaced per asset class; the market sub-weights default to 40 / 30 / 30. Each market
//! measure is mapped to 1-100 by linear interpolation between breakpoints `(x, score)` (flat
//! beyond the first and last): annualised volatility of the simple returns (`risk::annual_volatility`),
//! the depth of the maximum drawdown (`-risk::max_drawdown`), and `log10` of the median daily
//! traded value (close x volume). Credit, regulatory and technical scores are given by the
//! caller, each in `[1, 100]`. Without volume the liquidity measure is left out and the market
//! sub-weights of the other two are renormalised.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::config::{invalid, nan_vec, opt_nan_vec};
use crate::error::{Error, Num, Result};

/// Configuration version read by this build.
pub const SCORE_VERSION: u32 = 1;

/// Weights of the four sub-scores.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoreWeights {
    /// Market risk (from data).
    pub market: f64,
    /// Credit risk (given).
    pub credit: f64,
    /// Regulatory risk (given).
    pub regulatory: f64,
    /// Technical risk (given).
    pub technical: f64,
}

impl Default for ScoreWeights {
    fn default() -> Self {
        Self { market: 30.0, credit: 25.0, regulatory: 25.0, technical: 20.0 }
    }
}

/// Weights of the market measures.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarketWeights {
    /// Volatility.
    pub volatility: f64,
    /// Maximum drawdown.
    pub drawdown: f64,
    /// Liquidity.
    pub liquidity: f64,
}

impl Default for MarketWeights {
    fn default() -> Self {
        Self { volatility: 40.0, drawdown: 30.0, liquidity: 30.0 }
    }
}

/// Breakpoints `(x, score)` of the market measures, `x` strictly increasing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Breakpoints {
    /// Annualised volatility (0.2 = 20%).
    #[serde(default = "vol_bp")]
    pub volatility: Vec<[f64; 2]>,
    /// Maximum drawdown depth (0.3 = a 30% fall).
    #[serde(default = "dd_bp")]
    pub drawdown: Vec<[f64; 2]>,
    /// `log10` of the median daily traded value (7 = 10 million a day).
    #[serde(default = "liq_bp")]
    pub liquidity: Vec<[f64; 2]>,
}

impl Default for Breakpoints {
    fn default() -> Self {
        Self { volatility: vol_bp(), drawdown: dd_bp(), liquidity: liq_bp() }
    }
}

/// Default volatility breakpoints.
#[must_use]
pub(super) fn vol_bp() -> Vec<[f64; 2]> {
    vec![[0.0, 1.0], [0.10, 20.0], [0.20, 40.0], [0.35, 60.0], [0.60, 80.0], [1.00, 100.0]]
}
/// Default drawdown breakpoints.
#[must_use]
pub(super) fn dd_bp() -> Vec<[f64; 2]> {
    vec![[0.0, 1.0], [0.10, 20.0], [0.25, 40.0], [0.40, 60.0], [0.60, 80.0], [0.85, 100.0]]
}
/// Default liquidity breakpoints (log10 of daily traded value).
#[must_use]
pub(super) fn liq_bp() -> Vec<[f64; 2]> {
    vec![[5.0, 100.0], [6.0, 80.0], [7.0, 55.0], [8.0, 30.0], [9.0, 10.0], [10.0, 1.0]]
}

/// Configuration of [`risk_score`] (version 1). Every field but `version` is optional.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoreConfig {
    /// Must be [`SCORE_VERSION`].
    pub version: u32,
    /// Weights used when the asset's class has none of its own.
    #[serde(default)]
    pub weights: ScoreWeights,
    /// Weights per asset class (e.g. `"crypto"`).
    #[serde(default)]
    pub class_weights: BTreeMap<String, ScoreWeights>,
    /// Market measure weights.
    #[serde(default)]
    pub market_weights: MarketWeights,
    /// Breakpoints of the market measures.
    #[serde(default)]
    pub breakpoints: Breakpoints,
    /// Bar frequency for the volatility's annualisation.
    #[serde(default = "daily")]
    pub period: String,
    /// Bars per year, overriding `period`.
    #[serde(default)]
    pub annualization: Option<f64>,
}

fn daily() -> String {
    "daily".into()
}

impl Default for ScoreConfig {
    fn default() -> Self {
        Self {
            version: SCORE_VERSION,
            weights: ScoreWeights::default(),
            class_weights: BTreeMap::new(),
            market_weights: MarketWeights::default(),
            breakpoints: Breakpoints::default(),
            period: daily(),
            annualization: None,
        }
    }
}

/// One asset for [`risk_score`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoreAsset {
    /// Closing prices (NaN / null skipped in the returns).
    #[serde(with = "nan_vec")]
    pub close: Vec<f64>,
    /// Volume per bar, same length as `close` (optional).
    #[serde(default, with = "opt_nan_vec", skip_serializing_if = "Option::is_none")]
    pub volume: Option<Vec<f64>>,
    /// Credit risk score in `[1, 100]`.
    pub credit: f64,
    /// Regulatory risk score in `[1, 100]`.
    pub regulatory: f64,
    /// Technical risk score in `[1, 100]`.
    pub technical: f64,
    /// Asset class, selecting `class_weights`.
    #[serde(default)]
    pub asset_class: Option<String>,
}

/// One line of the breakdown.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Component {
    /// The measured value (volatility, drawdown depth, log10 traded value), NaN for given
    /// scores.
    pub value: f64,
    /// Its 1-100 score.
    pub score: f64,
    /// Its weight, normalised to sum 1 within its level.
    pub weight: f64,
}

/// Result of [`risk_score`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RiskScore {
    /// The composite score in `[1, 100]`.
    pub score: f64,
    /// `score` rounded to the nearest integer (halves up).
    pub rounded: u32,
    /// The weights used (`"default"` or the asset class).
    pub weights_from: String,
    /// Market sub-score, with its measures below.
    pub market: Component,
    /// Volatility measure (market level).
    pub volatility: Component,
    /// Drawdown measure (market level).
    pub drawdown: Component,
    /// Liquidity measure (market level; `None` without volume).
    pub liquidity: Option<Component>,
    /// Credit sub-score.
    pub credit: Component,
    /// Regulatory sub-score.
    pub regulatory: Component,
    /// Technical sub-score.
    pub technical: Component,
}

/// Maps `x` to a score by linear interpolation between breakpoints (flat outside them).
#[must_use]
pub fn interpolate(bp: &[[f64; 2]], x: f64) -> f64 {
    let (Some(first), Some(last)) = (bp.first(), bp.last()) else { return f64::NAN };
    if x.is_nan() {
        return f64::NAN;
    }
    if x <= first[0] {
        return first[1];
    }
    if x >= last[0] {
        return last[1];
    }
    for w in bp.windows(2) {
        let ([x0, y0], [x1, y1]) = (w[0], w[1]);
        if x <= x1 {
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0);
        }
    }
    last[1]
}

fn check_bp(name: &str, bp: &[[f64; 2]]) -> Result<()> {
    let ok = !bp.is_empty()
        && bp.iter().all(|[x, y]| x.is_finite() && (1.0..=100.0).contains(y))
        && bp.windows(2).all(|w| w[1][0] > w[0][0]);
    if ok {
        Ok(())
    } else {
        Err(invalid(
            "config",
            format!("breakpoints.{name}: need at least one (x, score) pair, x finite and strictly increasing, score in [1, 100]"),
        ))
    }
}

fn check_weights(name: &str, w: &[f64]) -> Result<()> {
    if w.iter().all(|x| x.is_finite() && *x >= 0.0) && w.iter().sum::<f64>() > 0.0 {
        Ok(())
    } else {
        Err(invalid("config", format!("{name}: weights must be >= 0, finite, and not all 0")))
    }
}

fn given(name: &str, v: f64) -> Result<()> {
    if (1.0..=100.0).contains(&v) {
        Ok(())
    } else {
        Err(Error::OutOfRange {
            param: name.into(),
            value: Num(v).to_string(),
            bound: "must be in [1, 100]".into(),
        })
    }
}

impl ScoreConfig {
    /// Reads a configuration from JSON.
    ///
    /// # Errors
    /// [`Error::Unsupported`] for another version, [`Error::InvalidInput`] (input `config`)
    /// for malformed JSON, unknown fields, or invalid weights and breakpoints.
    pub fn from_json(json: &str) -> Result<Self> {
        let c: Self = super::config::from_json_versioned("config", json, SCORE_VERSION)?;
        c.validate()?;
        Ok(c)
    }

    /// Checks the version, weights, breakpoints and period.
    ///
    /// # Errors
    /// As [`ScoreConfig::from_json`].
    pub fn validate(&self) -> Result<()> {
        if self.version != SCORE_VERSION {
            return Err(Error::Unsupported {
                param: "config.version".into(),
                value: self.version.to_string(),
                reason: format!(
                    "unknown risk score config version; this build reads version {SCORE_VERSION}"
                ),
            });
        }
        let sw = |w: &ScoreWeights| [w.market, w.credit, w.regulatory, w.technical];
        check_weights("weights", &sw(&self.weights))?;
        for (k, w) in &self.class_weights {
            check_weights(&format!("class_weights.{k}"), &sw(w))?;
        }
        let mw = &self.market_weights;
        check_weights("market_weights", &[mw.volatility, mw.drawdown, mw.liquidity])?;
        check_weights("market_weights (volatility, drawdown)", &[mw.volatility, mw.drawdown])?;
        check_bp("volatility", &self.breakpoints.volatility)?;
        check_bp("drawdown", &self.breakpoints.drawdown)?;
        check_bp("liquidity", &self.breakpoints.liquidity)?;
        crate::risk::annualization_factor(&self.period, self.annualization)?;
        Ok(())
    }
}

/// Median of the finite values (NaN when none).
fn median(mut v: Vec<f64>) -> f64 {
    v.retain(|x| x.is_finite());
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let k = v.len();
    if k % 2 == 1 {
        v[k / 2]
    } else {
        0.5 * (v[k / 2 - 1] + v[k / 2])
    }
}

/// Computes the composite risk score of one asset (see the module docs for the formula).
///
/// # Errors
/// The configuration's errors ([`ScoreConfig::validate`]); [`Error::OutOfRange`] naming
/// `credit`, `regulatory` or `technical` outside `[1, 100]`; [`Error::InvalidInput`] naming
/// `asset` for fewer than 3 prices, non-positive prices, or a volume of another length.
///
/// # Examples
/// ```
/// use sextant_core::autoindex::{risk_score, ScoreAsset, ScoreConfig};
/// let close: Vec<f64> = (0..300).map(|k| 100.0 * (1.0 + 0.01 * ((k % 7) as f64 - 3.0))).collect();
/// let a = ScoreAsset { close, volume: None, credit: 20.0, regulatory: 10.0, technical: 50.0, asset_class: None };
/// let s = risk_score(&a, &ScoreConfig::default())?;
/// assert!(s.score >= 1.0 && s.score <= 100.0);
/// assert!((s.credit.weight - 0.25).abs() < 1e-15);
/// # Ok::<(), sextant_core::Error>(())
/// ```
pub fn risk_score(asset: &ScoreAsset, config: &ScoreConfig) -> Result<RiskScore> {
    config.validate()?;
    given("credit", asset.credit)?;
    given("regulatory", asset.regulatory)?;
    given("technical", asset.technical)?;
    let c = &asset.close;
    if c.iter().filter(|x| x.is_finite()).count() < 3 {
        return Err(invalid("asset", "close needs at least 3 prices"));
    }
    if let Some(k) = c.iter().position(|x| !(x.is_nan() || x.is_finite() && *x > 0.0)) {
        return Err(invalid(
            "asset",
            format!("close[{k}] = {} must be positive and finite", Num(c[k])),
        ));
    }
    let px: Vec<f64> = c.iter().copied().filter(|x| x.is_finite()).collect();
    let r: Vec<f64> = px.windows(2).map(|w| w[1] / w[0] - 1.0).collect();
    let vol = crate::risk::annual_volatility(&r, &config.period, 2.0, config.annualization)?;
    let dd = -crate::risk::max_drawdown(&r);
    let liq = match &asset.volume {
        Some(v) => {
            crate::error::check_same_len("volume", v.len(), "close", c.len())?;
            let traded: Vec<f64> = c
                .iter()
                .zip(v)
                .filter(|(p, q)| p.is_finite() && q.is_finite() && **q >= 0.0)
                .map(|(p, q)| p * q)
                .collect();
            let med = median(traded);
            if med.is_nan() {
                None
            } else {
                // no trading at all: the least liquid end of the scale
                Some(if med > 0.0 { libm::log10(med) } else { f64::NEG_INFINITY })
            }
        }
        None => None,
    };
    let bp = &config.breakpoints;
    let mw = &config.market_weights;
    let vol_s = interpolate(&bp.volatility, vol);
    let dd_s = interpolate(&bp.drawdown, dd);
    let liq_s = liq.map(|x| interpolate(&bp.liquidity, x));
    let mtot = mw.volatility + mw.drawdown + if liq_s.is_some() { mw.liquidity } else { 0.0 };
    let market =
        (mw.volatility * vol_s + mw.drawdown * dd_s + liq_s.map_or(0.0, |s| mw.liquidity * s))
            / mtot;
    let (w, from) = match asset
        .asset_class
        .as_ref()
        .and_then(|k| config.class_weights.get(k).map(|w| (w, k)))
    {
        Some((w, k)) => (*w, k.clone()),
        None => (config.weights, "default".to_owned()),
    };
    let wt = w.market + w.credit + w.regulatory + w.technical;
    let score = (w.market * market
        + w.credit * asset.credit
        + w.regulatory * asset.regulatory
        + w.technical * asset.technical)
        / wt;
    let score = score.clamp(1.0, 100.0);
    let given_c = |v: f64, wt_i: f64| Component { value: f64::NAN, score: v, weight: wt_i / wt };
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "score in [1, 100]")]
    let rounded = (score + 0.5).floor() as u32;
    Ok(RiskScore {
        score,
        rounded,
        weights_from: from,
        market: Component { value: f64::NAN, score: market, weight: w.market / wt },
        volatility: Component { value: vol, score: vol_s, weight: mw.volatility / mtot },
        drawdown: Component { value: dd, score: dd_s, weight: mw.drawdown / mtot },
        liquidity: liq.zip(liq_s).map(|(x, s)| Component {
            value: x,
            score: s,
            weight: mw.liquidity / mtot,
        }),
        credit: given_c(asset.credit, w.credit),
        regulatory: given_c(asset.regulatory, w.regulatory),
        technical: given_c(asset.technical, w.technical),
    })
}
