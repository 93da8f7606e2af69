use super::convention::{Convention, CONVENTION};
use super::stats::{annualization_factor, moments, zero_dispersion_std, PERIODS};
use crate::decl::{Flags, FunctionDecl, InputSpec, Module, OutputSpec, ParamSpec};
use crate::error::Result;

/// Computes the annualised Sharpe ratio, empyrical's `sharpe_ratio`.
///
/// `mean(r - rf) / std(r - rf, ddof=1) * sqrt(factor)` over the non-NaN returns; NaN for fewer
/// than 2 returns; a constant series has zero deviation (an infinite ratio, or NaN for a zero
/// mean), as in empyrical-reloaded 0.7.1.
///
/// # Errors
/// [`Error::UnknownOption`](crate::Error::UnknownOption) for an unknown `period`;
/// [`Error::OutOfRange`](crate::Error::OutOfRange) for a bad `annualization`.
///
/// # Examples
/// ```
/// let r = [0.01, -0.02, 0.015, 0.003];
/// let s = sextant_core::risk::sharpe_ratio(&r, 0.0, "daily", None).unwrap();
/// let mean = 0.008 / 4.0;
/// let sd = ((0.008f64.powi(2) + 0.022f64.powi(2) + 0.013f64.powi(2) + 0.001f64.powi(2)) / 3.0).sqrt();
/// assert!((s - mean / sd * 252f64.sqrt()).abs() < 1e-12);
/// ```
#[doc(alias = "Sharpe")]
pub fn sharpe_ratio(
    returns: &[f64],
    risk_free: f64,
    period: &str,
    annualization: Option<f64>,
) -> Result<f64> {
    let factor = annualization_factor(period, annualization)?;
    Ok(sharpe_with(returns, risk_free, factor))
}

pub(crate) fn sharpe_with(returns: &[f64], risk_free: f64, factor: f64) -> f64 {
    if returns.len() < 2 {
        return f64::NAN;
    }
    // one pass over memory: chunked two-pass moments of (r - rf), min and max for the
    // zero-dispersion rule
    let m = moments(returns, risk_free);
    (m.mean() / zero_dispersion_std(&m, 1)) * factor.sqrt()
}

/// Declaration of `sharpe_ratio`.
pub static SHARPE_RATIO: FunctionDecl = FunctionDecl {
    name: "sharpe_ratio",
    module: Module::Risk,
    group: "Ratios",
    summary: "Annualised Sharpe ratio",
    doc: "mean(returns - risk_free) / std(returns - risk_free, ddof=1) * sqrt(annualization), NaN returns ignored. Reference: empyrical.sharpe_ratio; convention=\"quantstats\" takes risk_free as an annual rate, (1 + rf)^(1/annualization) - 1 per period (quantstats.stats.sharpe).",
    inputs: &[InputSpec::series("returns", "simple (non-cumulative) returns per period")],
    params: &[
        ParamSpec::float("risk_free", 0.0, f64::MIN, f64::MAX, "risk-free return per period"),
        ParamSpec::choice(
            "period",
            "daily",
            &["daily", "weekly", "monthly", "quarterly", "yearly"],
            "periodicity of the returns, for annualisation",
        ),
        ParamSpec::opt_float("annualization", f64::MIN_POSITIVE, f64::MAX, "periods per year; overrides `period`"),
        CONVENTION,
    ],
    outputs: &[OutputSpec::scalar("sharpe_ratio")],
    flags: Flags::NONE,
    lookback: None,
    compute: |i, p, o| {
        let factor = annualization_factor(p.str(1), p.opt_float(2))?;
        let rf = Convention::parse(p.str(3))?.per_period(p.float(0), factor);
        o.f64(0)[0] = sharpe_with(i.series(0), rf, factor);
        Ok(())
    },
    stream: None,
};

const _: () = assert!(PERIODS.len() == 5);
