//! Forward simulation of an index with the Monte Carlo engine (`crate::mc`): a geometric
//! Brownian motion fitted to the index's log returns, or a (block) bootstrap of its simple
//! returns drawn from the engine's counter-based streams. Percentile bands of the index value
//! at every step.

use serde::{Deserialize, Serialize};

use super::config::{invalid, nan_rows, nan_vec};
use crate::error::{Error, Num, Result};
use crate::mc::rng::Stream;

/// Configuration version read by this build.
pub const SIMULATION_VERSION: u32 = 1;

/// The model of [`simulate`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SimMethod {
    /// GBM with per-bar drift `m + s^2 / 2` and volatility `s`, `m` and `s` (ddof 1) the mean
    /// and standard deviation of the index's log returns, through `mc::simulate_gbm`.
    #[default]
    Gbm,
    /// Circular block bootstrap of the index's simple returns: blocks of `block` consecutive
    /// returns starting at uniformly drawn positions (path `p` uses stream `p` of the seed).
    Bootstrap,
}

/// Configuration of [`simulate`] (version 1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimConfig {
    /// Must be [`SIMULATION_VERSION`].
    pub version: u32,
    /// gbm (default) or bootstrap.
    #[serde(default)]
    pub method: SimMethod,
    /// Number of future bars (>= 1).
    #[serde(default = "horizon")]
    pub horizon: usize,
    /// Number of paths (>= 1).
    #[serde(default = "paths")]
    pub paths: usize,
    /// Generator seed (at most 2^53 - 1).
    #[serde(default)]
    pub seed: u64,
    /// Bootstrap block length in bars (>= 1; 1 = i.i.d. draws).
    #[serde(default = "block")]
    pub block: usize,
    /// Percentiles of the bands, each in `[0, 100]` (numpy's linear interpolation).
    #[serde(default = "pcts")]
    pub percentiles: Vec<f64>,
    /// Value the paths start from (default: the last index value).
    #[serde(default)]
    pub start_value: Option<f64>,
    /// Bar frequency, to report the fitted drift and volatility annualised.
    #[serde(default = "daily")]
    pub period: String,
    /// Bars per year, overriding `period`.
    #[serde(default)]
    pub annualization: Option<f64>,
}

const fn horizon() -> usize {
    252
}
const fn paths() -> usize {
    10_000
}
const fn block() -> usize {
    1
}
fn pcts() -> Vec<f64> {
    vec![5.0, 25.0, 50.0, 75.0, 95.0]
}
fn daily() -> String {
    "daily".into()
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            version: SIMULATION_VERSION,
            method: SimMethod::Gbm,
            horizon: horizon(),
            paths: paths(),
            seed: 0,
            block: block(),
            percentiles: pcts(),
            start_value: None,
            period: daily(),
            annualization: None,
        }
    }
}

impl SimConfig {
    /// Reads a configuration from JSON.
    ///
    /// # Errors
    /// [`Error::Unsupported`] for another version; [`Error::InvalidInput`] (input `config`) for
    /// malformed JSON or unknown fields; [`SimConfig::validate`]'s errors.
    pub fn from_json(json: &str) -> Result<Self> {
        let c: Self = super::config::from_json_versioned("config", json, SIMULATION_VERSION)?;
        c.validate()?;
        Ok(c)
    }

    /// Checks every value.
    ///
    /// # Errors
    /// [`Error::OutOfRange`] naming the field.
    pub fn validate(&self) -> Result<()> {
        if self.version != SIMULATION_VERSION {
            return Err(Error::Unsupported {
                param: "config.version".into(),
                value: self.version.to_string(),
                reason: format!("unknown simulation config version; this build reads version {SIMULATION_VERSION}"),
            });
        }
        crate::error::check_min("horizon", self.horizon, 1)?;
        crate::error::check_min("paths", self.paths, 1)?;
        crate::error::check_min("block", self.block, 1)?;
        let values = self.paths.saturating_mul(self.horizon.saturating_add(1));
        if values > crate::mc::MAX_VALUES / 4 {
            return Err(Error::OutOfRange {
                param: "paths".into(),
                value: self.paths.to_string(),
                bound: format!(
                    "paths x (horizon + 1) = {values} exceeds {}",
                    crate::mc::MAX_VALUES / 4
                ),
            });
        }
        if self.seed > crate::mc::MAX_INDEX {
            return Err(Error::OutOfRange {
                param: "seed".into(),
                value: self.seed.to_string(),
                bound: format!("must be in [0, {}]", crate::mc::MAX_INDEX),
            });
        }
        if self.percentiles.is_empty() {
            return Err(invalid("config", "percentiles is empty"));
        }
        if let Some(p) = self.percentiles.iter().find(|p| !(0.0..=100.0).contains(*p)) {
            return Err(Error::OutOfRange {
                param: "percentiles".into(),
                value: Num(*p).to_string(),
                bound: "each must be in [0, 100]".into(),
            });
        }
        if let Some(v) = self.start_value {
            if !(v.is_finite() && v > 0.0) {
                return Err(Error::OutOfRange {
                    param: "start_value".into(),
                    value: Num(v).to_string(),
                    bound: "must be positive and finite".into(),
                });
            }
        }
        crate::risk::annualization_factor(&self.period, self.annualization)?;
        Ok(())
    }
}

/// Result of [`simulate`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Simulation {
    /// The model used.
    pub method: SimMethod,
    /// The value every path starts from.
    pub start_value: f64,
    /// Number of historical returns the model was estimated from.
    pub observations: usize,
    /// Fitted per-bar GBM drift (`m + s^2/2`; the bootstrap reports the mean simple return).
    pub drift: f64,
    /// Fitted per-bar volatility (`s`; the bootstrap: the std of the simple returns, ddof 1).
    pub volatility: f64,
    /// `drift` times the annualisation factor.
    pub annual_drift: f64,
    /// `volatility` times its square root.
    pub annual_volatility: f64,
    /// The percentiles of the bands.
    pub percentiles: Vec<f64>,
    /// One row per percentile: the index value at steps `0..=horizon`.
    #[serde(with = "nan_rows")]
    pub bands: Vec<Vec<f64>>,
    /// Mean value across paths at each step.
    #[serde(with = "nan_vec")]
    pub mean: Vec<f64>,
    /// Fraction of paths ending below `start_value`.
    pub prob_loss: f64,
}

/// Percentile `q` (0-100) of sorted values, numpy's linear interpolation.
#[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation, clippy::cast_sign_loss)]
pub(crate) fn percentile_sorted(v: &[f64], q: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    let pos = q / 100.0 * (v.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = (lo + 1).min(v.len() - 1);
    let frac = pos - lo as f64;
    v[lo] + (v[hi] - v[lo]) * frac
}

/// Simulates the index forward from its value history `values` (e.g. [`super::Backtest`]'s
/// `values`; leading NaNs and the flat pre-investment values are the caller's to trim, NaNs are
/// skipped). Returns percentile bands of the value at each future step.
///
/// # Errors
/// [`SimConfig::validate`]'s errors; [`Error::InvalidInput`] naming `values` for fewer than 3
/// finite values or a non-positive one.
///
/// # Examples
/// ```
/// use sextant_core::autoindex::{simulate, SimConfig};
/// let values: Vec<f64> = (0..500).map(|k| 100.0 * (1.0003f64).powi(k) * (1.0 + 0.01 * ((k % 5) as f64 - 2.0))).collect();
/// let sim = simulate(&values, &SimConfig { horizon: 20, paths: 2000, ..SimConfig::default() })?;
/// assert_eq!(sim.bands.len(), 5);
/// assert_eq!(sim.bands[2][0], *values.last().unwrap());
/// assert!(sim.bands[0][20] < sim.bands[2][20] && sim.bands[2][20] < sim.bands[4][20]);
/// # Ok::<(), sextant_core::Error>(())
/// ```
#[allow(clippy::cast_precision_loss, reason = "counts are far below 2^52")]
pub fn simulate(values: &[f64], config: &SimConfig) -> Result<Simulation> {
    config.validate()?;
    let v: Vec<f64> = values.iter().copied().filter(|x| !x.is_nan()).collect();
    if let Some(x) = v.iter().find(|x| !(x.is_finite() && **x > 0.0)) {
        return Err(invalid(
            "values",
            format!("index values must be positive and finite, got {}", Num(*x)),
        ));
    }
    if v.len() < 3 {
        return Err(invalid("values", format!("{} values: the model needs at least 3", v.len())));
    }
    let s0 = config.start_value.unwrap_or(v[v.len() - 1]);
    let factor = crate::risk::annualization_factor(&config.period, config.annualization)?;
    let (h, np) = (config.horizon, config.paths);
    let width = h + 1;
    let (drift, vol, paths) = match config.method {
        SimMethod::Gbm => {
            let lr: Vec<f64> = v.windows(2).map(|w| libm::log(w[1] / w[0])).collect();
            let m = lr.iter().sum::<f64>() / lr.len() as f64;
            let sd = crate::risk::nanstd(&lr, 1);
            let mu = m + 0.5 * sd * sd;
            let g = crate::mc::Gbm { s0, mu, sigma: sd, years: h as f64, steps: h };
            let run = crate::mc::Run {
                paths: np,
                seed: config.seed,
                full_paths: true,
                ..crate::mc::Run::default()
            };
            (mu, sd, crate::mc::simulate_gbm(&g, &run)?)
        }
        SimMethod::Bootstrap => {
            let r: Vec<f64> = v.windows(2).map(|w| w[1] / w[0] - 1.0).collect();
            let n = r.len();
            let mean = r.iter().sum::<f64>() / n as f64;
            let sd = crate::risk::nanstd(&r, 1);
            let mut out = vec![0.0; np * width];
            let block = config.block;
            let fill = |p: usize, row: &mut [f64]| {
                let mut st = Stream::new(config.seed, p as u64);
                row[0] = s0;
                let mut pos = 0;
                for k in 1..width {
                    if (k - 1) % block == 0 {
                        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                        let j = ((st.uniform_open0() * n as f64) as usize).min(n - 1);
                        pos = j;
                    } else {
                        pos = (pos + 1) % n;
                    }
                    row[k] = row[k - 1] * (1.0 + r[pos]);
                }
            };
            #[cfg(feature = "parallel")]
            {
                use rayon::prelude::*;
                out.par_chunks_mut(width).enumerate().for_each(|(p, row)| fill(p, row));
            }
            #[cfg(not(feature = "parallel"))]
            out.chunks_mut(width).enumerate().for_each(|(p, row)| fill(p, row));
            (mean, sd, out)
        }
    };
    let mut bands = vec![vec![0.0; width]; config.percentiles.len()];
    let mut mean = vec![0.0; width];
    let mut col = vec![0.0; np];
    for k in 0..width {
        for p in 0..np {
            col[p] = paths[p * width + k];
        }
        mean[k] = col.iter().sum::<f64>() / np as f64;
        col.sort_by(f64::total_cmp);
        for (b, q) in bands.iter_mut().zip(&config.percentiles) {
            b[k] = percentile_sorted(&col, *q);
        }
    }
    let prob_loss = (0..np).filter(|p| paths[p * width + h] < s0).count() as f64 / np as f64;
    Ok(Simulation {
        method: config.method,
        start_value: s0,
        observations: v.len() - 1,
        drift,
        volatility: vol,
        annual_drift: drift * factor,
        annual_volatility: vol * factor.sqrt(),
        percentiles: config.percentiles.clone(),
        bands,
        mean,
        prob_loss,
    })
}
