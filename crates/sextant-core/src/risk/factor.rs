//! Metrics against a benchmark (factor) series: `alpha`, `beta`, `alpha_beta` and their
//! `_aligned` forms, `capture`, `up_capture`, `down_capture`, `up_down_capture`,
//! `up_alpha_beta`, `down_alpha_beta`, `beta_fragility_heuristic`, `batting_average`,
//! `treynor_ratio`.
//!
//! The `_aligned` forms take series that are already aligned; in the core the plain forms are
//! the same computation (index alignment is the Python layer's: pandas Series are joined on
//! their index first, as empyrical's `_aligned_series` does).

use super::common::{ANNUALIZATION, FACTOR, PERIOD, RETURNS, RISK_FREE};
use super::returns::annual_return_with;
use super::stats::{annualization_factor, nansum_count};
use crate::decl::{Flags, FunctionDecl, Module, OutputSpec};
use crate::error::Result;

/// Beta of `returns` on `factor_returns` over the periods where both are non-NaN:
/// `mean((f - mean f) * r) / mean((f - mean f)^2)`; NaN for a benchmark variance below 1e-30
/// or too few values (empyrical's `beta`; like empyrical, `risk_free` does not change beta).
#[allow(clippy::cast_precision_loss, reason = "counts are far below 2^52")]
pub fn beta(returns: &[f64], factor_returns: &[f64]) -> f64 {
    if returns.is_empty() || factor_returns.len() < 2 {
        return f64::NAN;
    }
    let pair = |(r, f): (&f64, &f64)| if r.is_nan() { f64::NAN } else { *f };
    let (fs, n) = nansum_count(returns.iter().zip(factor_returns).map(pair));
    if n == 0 {
        return f64::NAN;
    }
    let fm = fs / n as f64;
    let (cov, nc) =
        nansum_count(returns.iter().zip(factor_returns).map(|(r, f)| (pair((r, f)) - fm) * r));
    let (var, nv) = nansum_count(returns.iter().zip(factor_returns).map(|(r, f)| {
        let d = pair((r, f)) - fm;
        d * d
    }));
    let var = var / nv as f64;
    if var < 1.0e-30 || nc == 0 {
        return f64::NAN;
    }
    (cov / nc as f64) / var
}

/// Annualised alpha given a beta: `(1 + mean((r - rf) - beta (f - rf)))^factor - 1`
/// (compounded, as empyrical's `alpha`); NaN for fewer than 2 returns.
#[allow(clippy::cast_precision_loss, reason = "counts are far below 2^52")]
pub(crate) fn alpha_with_beta(
    returns: &[f64],
    factor_returns: &[f64],
    risk_free: f64,
    factor: f64,
    b: f64,
) -> f64 {
    if returns.len() < 2 {
        return f64::NAN;
    }
    let (s, n) = nansum_count(
        returns.iter().zip(factor_returns).map(|(r, f)| (r - risk_free) - b * (f - risk_free)),
    );
    let m = if n == 0 { f64::NAN } else { s / n as f64 };
    libm::pow(m + 1.0, factor) - 1.0
}

/// Annualised alpha (empyrical's `alpha`, compounded: `(1 + mean daily alpha)^252 - 1`).
pub fn alpha(
    returns: &[f64],
    factor_returns: &[f64],
    risk_free: f64,
    period: &str,
    annualization: Option<f64>,
) -> Result<f64> {
    let factor = annualization_factor(period, annualization)?;
    let b = beta(returns, factor_returns);
    Ok(alpha_with_beta(returns, factor_returns, risk_free, factor, b))
}

/// `[alpha, beta]` (empyrical's `alpha_beta`).
pub fn alpha_beta(
    returns: &[f64],
    factor_returns: &[f64],
    risk_free: f64,
    period: &str,
    annualization: Option<f64>,
) -> Result<[f64; 2]> {
    let factor = annualization_factor(period, annualization)?;
    Ok(alpha_beta_with(returns, factor_returns, risk_free, factor))
}

pub(crate) fn alpha_beta_with(
    returns: &[f64],
    factor_returns: &[f64],
    risk_free: f64,
    factor: f64,
) -> [f64; 2] {
    let b = beta(returns, factor_returns);
    [alpha_with_beta(returns, factor_returns, risk_free, factor, b), b]
}

/// The periods where both series are non-NaN and the benchmark is up (`up`) or down.
fn split(returns: &[f64], factor_returns: &[f64], up: bool) -> (Vec<f64>, Vec<f64>) {
    returns
        .iter()
        .zip(factor_returns)
        .filter(|(r, f)| !r.is_nan() && !f.is_nan() && if up { **f > 0.0 } else { **f < 0.0 })
        .map(|(r, f)| (*r, *f))
        .unzip()
}

/// Capture ratio: `annual_return(returns) / annual_return(factor_returns)` (empyrical's
/// `capture`).
pub fn capture(returns: &[f64], factor_returns: &[f64], period: &str) -> Result<f64> {
    let factor = annualization_factor(period, None)?;
    Ok(annual_return_with(returns, factor) / annual_return_with(factor_returns, factor))
}

pub(crate) fn side_capture(returns: &[f64], factor_returns: &[f64], factor: f64, up: bool) -> f64 {
    let (r, f) = split(returns, factor_returns, up);
    annual_return_with(&r, factor) / annual_return_with(&f, factor)
}

/// Capture over the periods where the benchmark rose (empyrical's `up_capture`).
pub fn up_capture(returns: &[f64], factor_returns: &[f64], period: &str) -> Result<f64> {
    let factor = annualization_factor(period, None)?;
    Ok(side_capture(returns, factor_returns, factor, true))
}

/// Capture over the periods where the benchmark fell (empyrical's `down_capture`).
pub fn down_capture(returns: &[f64], factor_returns: &[f64], period: &str) -> Result<f64> {
    let factor = annualization_factor(period, None)?;
    Ok(side_capture(returns, factor_returns, factor, false))
}

/// `up_capture / down_capture` (empyrical's `up_down_capture`).
pub fn up_down_capture(returns: &[f64], factor_returns: &[f64], period: &str) -> Result<f64> {
    let factor = annualization_factor(period, None)?;
    Ok(up_down_with(returns, factor_returns, factor))
}

pub(crate) fn up_down_with(returns: &[f64], factor_returns: &[f64], factor: f64) -> f64 {
    side_capture(returns, factor_returns, factor, true)
        / side_capture(returns, factor_returns, factor, false)
}

/// `[alpha, beta]` over the periods where the benchmark rose (`up`) or fell.
pub fn side_alpha_beta(
    returns: &[f64],
    factor_returns: &[f64],
    risk_free: f64,
    period: &str,
    annualization: Option<f64>,
    up: bool,
) -> Result<[f64; 2]> {
    let factor = annualization_factor(period, annualization)?;
    let (r, f) = split(returns, factor_returns, up);
    Ok(alpha_beta_with(&r, &f, risk_free, factor))
}

/// Beta fragility heuristic (empyrical's `beta_fragility_heuristic`): over the pairs with no
/// NaN sorted by the benchmark, the interpolated return between the lowest and highest pair at
/// the median benchmark return, minus the median pair's return. NaN for fewer than 3 pairs.
/// Ties in the benchmark are ordered by position (a stable sort; pandas' default sort is not
/// stable, so tied medians may pick a different pair there).
pub fn beta_fragility_heuristic(returns: &[f64], factor_returns: &[f64]) -> f64 {
    if returns.len() < 3 {
        return f64::NAN;
    }
    let mut pairs: Vec<(f64, f64)> = returns
        .iter()
        .zip(factor_returns)
        .filter(|(r, f)| !r.is_nan() && !f.is_nan())
        .map(|(r, f)| (*r, *f))
        .collect();
    if pairs.len() < 3 {
        return f64::NAN;
    }
    pairs.sort_by(|a, b| a.1.total_cmp(&b.1));
    let (sr, sf) = pairs[0];
    let (mr, mf) = pairs[pairs.len() / 2];
    let (er, ef) = pairs[pairs.len() - 1];
    let range = ef - sf;
    let (ws, we) = if range == 0.0 { (0.5, 0.5) } else { ((ef - mf) / range, (mf - sf) / range) };
    ws * sr + we * er - mr
}

/// Batting average (empyrical's `batting_average`): the share of periods beating the
/// benchmark, overall, when the benchmark is >= 0 and when it is < 0; periods with a
/// non-finite active or benchmark return are left out; NaN for an empty subset.
#[allow(clippy::cast_precision_loss, reason = "counts are far below 2^52")]
pub fn batting_average(returns: &[f64], factor_returns: &[f64]) -> [f64; 3] {
    let mut c = [(0usize, 0usize); 3];
    for (r, f) in returns.iter().zip(factor_returns) {
        let a = r - f;
        if !(a.is_finite() && f.is_finite()) {
            continue;
        }
        let win = usize::from(a > 0.0);
        c[0] = (c[0].0 + win, c[0].1 + 1);
        let k = if *f >= 0.0 { 1 } else { 2 };
        c[k] = (c[k].0 + win, c[k].1 + 1);
    }
    c.map(|(w, n)| if n == 0 { f64::NAN } else { w as f64 / n as f64 })
}

/// Treynor ratio: annualised mean excess return over beta, `mean(r - rf) * factor / beta`.
#[allow(clippy::cast_precision_loss, reason = "counts are far below 2^52")]
pub fn treynor_ratio(
    returns: &[f64],
    factor_returns: &[f64],
    risk_free: f64,
    period: &str,
    annualization: Option<f64>,
) -> Result<f64> {
    let factor = annualization_factor(period, annualization)?;
    if returns.len() < 2 {
        return Ok(f64::NAN);
    }
    let (s, n) = nansum_count(returns.iter().map(|r| r - risk_free));
    let m = if n == 0 { f64::NAN } else { s / n as f64 };
    Ok(m * factor / beta(returns, factor_returns))
}

macro_rules! alpha_decl {
    ($stat:ident, $name:literal, $summary:literal) => {
        #[doc = concat!("Declaration of `", $name, "`.")]
        pub static $stat: FunctionDecl = FunctionDecl {
            name: $name,
            module: Module::Risk,
            group: "Factor",
            summary: $summary,
            doc: "(1 + mean((r - rf) - beta (f - rf)))^annualization - 1 (compounded), over periods where both are non-NaN. Reference: empyrical.alpha.",
            inputs: &[RETURNS, FACTOR],
            params: &[RISK_FREE, PERIOD, ANNUALIZATION],
            outputs: &[OutputSpec::scalar("alpha")],
            flags: Flags::NONE,
            lookback: None,
            compute: |i, p, o| {
                o.f64(0)[0] = alpha(i.series(0), i.series(1), p.float(0), p.str(1), p.opt_float(2))?;
                Ok(())
            },
            stream: None,
        };
    };
}
alpha_decl!(ALPHA, "alpha", "Annualised alpha against a benchmark");
alpha_decl!(ALPHA_ALIGNED, "alpha_aligned", "Annualised alpha (series already aligned)");

macro_rules! beta_decl {
    ($stat:ident, $name:literal, $summary:literal) => {
        #[doc = concat!("Declaration of `", $name, "`.")]
        pub static $stat: FunctionDecl = FunctionDecl {
            name: $name,
            module: Module::Risk,
            group: "Factor",
            summary: $summary,
            doc: "cov(r, f) / var(f) over periods where both are non-NaN (population moments); NaN when var(f) < 1e-30. risk_free is accepted and ignored, as in empyrical. Reference: empyrical.beta.",
            inputs: &[RETURNS, FACTOR],
            params: &[RISK_FREE],
            outputs: &[OutputSpec::scalar("beta")],
            flags: Flags::NONE,
            lookback: None,
            compute: |i, _, o| {
                o.f64(0)[0] = beta(i.series(0), i.series(1));
                Ok(())
            },
            stream: None,
        };
    };
}
beta_decl!(BETA, "beta", "Beta against a benchmark");
beta_decl!(BETA_ALIGNED, "beta_aligned", "Beta (series already aligned)");

macro_rules! alpha_beta_decl {
    ($stat:ident, $name:literal, $summary:literal, $doc:literal, $side:expr) => {
        #[doc = concat!("Declaration of `", $name, "`.")]
        pub static $stat: FunctionDecl = FunctionDecl {
            name: $name,
            module: Module::Risk,
            group: "Factor",
            summary: $summary,
            doc: $doc,
            inputs: &[RETURNS, FACTOR],
            params: &[RISK_FREE, PERIOD, ANNUALIZATION],
            outputs: &[OutputSpec::fixed("alpha_beta", 2)],
            flags: Flags::NONE,
            lookback: None,
            compute: |i, p, o| {
                let (r, f) = (i.series(0), i.series(1));
                let side: Option<bool> = $side;
                let v = match side {
                    None => alpha_beta(r, f, p.float(0), p.str(1), p.opt_float(2))?,
                    Some(up) => side_alpha_beta(r, f, p.float(0), p.str(1), p.opt_float(2), up)?,
                };
                o.f64(0).copy_from_slice(&v);
                Ok(())
            },
            stream: None,
        };
    };
}
alpha_beta_decl!(
    ALPHA_BETA,
    "alpha_beta",
    "Alpha and beta against a benchmark",
    "[alpha, beta] as alpha() and beta(). Reference: empyrical.alpha_beta.",
    None
);
alpha_beta_decl!(
    ALPHA_BETA_ALIGNED,
    "alpha_beta_aligned",
    "Alpha and beta (series already aligned)",
    "[alpha, beta] as alpha() and beta(). Reference: empyrical.alpha_beta_aligned.",
    None
);
alpha_beta_decl!(
    UP_ALPHA_BETA,
    "up_alpha_beta",
    "Alpha and beta over periods when the benchmark rose",
    "[alpha, beta] over the periods with both series non-NaN and factor_returns > 0. Reference: empyrical.up_alpha_beta.",
    Some(true)
);
alpha_beta_decl!(
    DOWN_ALPHA_BETA,
    "down_alpha_beta",
    "Alpha and beta over periods when the benchmark fell",
    "[alpha, beta] over the periods with both series non-NaN and factor_returns < 0. Reference: empyrical.down_alpha_beta.",
    Some(false)
);

macro_rules! capture_decl {
    ($stat:ident, $name:literal, $summary:literal, $doc:literal, $f:path) => {
        #[doc = concat!("Declaration of `", $name, "`.")]
        pub static $stat: FunctionDecl = FunctionDecl {
            name: $name,
            module: Module::Risk,
            group: "Factor",
            summary: $summary,
            doc: $doc,
            inputs: &[RETURNS, FACTOR],
            params: &[PERIOD],
            outputs: &[OutputSpec::scalar($name)],
            flags: Flags::NONE,
            lookback: None,
            compute: |i, p, o| {
                o.f64(0)[0] = $f(i.series(0), i.series(1), p.str(0))?;
                Ok(())
            },
            stream: None,
        };
    };
}
capture_decl!(
    CAPTURE,
    "capture",
    "Capture ratio",
    "annual_return(returns) / annual_return(factor_returns). Reference: empyrical.capture.",
    capture
);
capture_decl!(
    UP_CAPTURE,
    "up_capture",
    "Up-market capture ratio",
    "capture over the periods with both non-NaN and factor_returns > 0. Reference: empyrical.up_capture.",
    up_capture
);
capture_decl!(
    DOWN_CAPTURE,
    "down_capture",
    "Down-market capture ratio",
    "capture over the periods with both non-NaN and factor_returns < 0. Reference: empyrical.down_capture.",
    down_capture
);
capture_decl!(
    UP_DOWN_CAPTURE,
    "up_down_capture",
    "Up/down capture ratio",
    "up_capture / down_capture. Reference: empyrical.up_down_capture.",
    up_down_capture
);

macro_rules! fragility_decl {
    ($stat:ident, $name:literal) => {
        #[doc = concat!("Declaration of `", $name, "`.")]
        pub static $stat: FunctionDecl = FunctionDecl {
            name: $name,
            module: Module::Risk,
            group: "Factor",
            summary: "Beta fragility heuristic",
            doc: "Over the non-NaN pairs sorted by factor return: the line between the lowest and highest pair evaluated at the median factor return, minus the median pair's return. NaN for fewer than 3 pairs. Reference: empyrical.beta_fragility_heuristic.",
            inputs: &[RETURNS, FACTOR],
            params: &[],
            outputs: &[OutputSpec::scalar("beta_fragility_heuristic")],
            flags: Flags::NONE,
            lookback: None,
            compute: |i, _, o| {
                o.f64(0)[0] = beta_fragility_heuristic(i.series(0), i.series(1));
                Ok(())
            },
            stream: None,
        };
    };
}
fragility_decl!(BETA_FRAGILITY_HEURISTIC, "beta_fragility_heuristic");
fragility_decl!(BETA_FRAGILITY_HEURISTIC_ALIGNED, "beta_fragility_heuristic_aligned");

/// Declaration of `batting_average`.
pub static BATTING_AVERAGE: FunctionDecl = FunctionDecl {
    name: "batting_average",
    module: Module::Risk,
    group: "Factor",
    summary: "Batting average overall, in up and in down markets",
    doc: "[share of periods with r > f, the same when f >= 0, the same when f < 0], non-finite periods left out, NaN for an empty subset. Reference: empyrical.batting_average.",
    inputs: &[RETURNS, FACTOR],
    params: &[],
    outputs: &[OutputSpec::fixed("batting_average", 3)],
    flags: Flags::NONE,
    lookback: None,
    compute: |i, _, o| {
        o.f64(0).copy_from_slice(&batting_average(i.series(0), i.series(1)));
        Ok(())
    },
    stream: None,
};

/// Declaration of `treynor_ratio`.
pub static TREYNOR_RATIO: FunctionDecl = FunctionDecl {
    name: "treynor_ratio",
    module: Module::Risk,
    group: "Ratios",
    summary: "Treynor ratio",
    doc: "mean(r - risk_free) * annualization / beta(returns, factor_returns). Closed form on empyrical.beta.",
    inputs: &[RETURNS, FACTOR],
    params: &[RISK_FREE, PERIOD, ANNUALIZATION],
    outputs: &[OutputSpec::scalar("treynor_ratio")],
    flags: Flags::NONE,
    lookback: None,
    compute: |i, p, o| {
        o.f64(0)[0] = treynor_ratio(i.series(0), i.series(1), p.float(0), p.str(1), p.opt_float(2))?;
        Ok(())
    },
    stream: None,
};
