//! The risk report of a backtest and its comparison with a benchmark, each number from the
//! core risk functions (`crate::risk`) on the index's returns.

use serde::Serialize;

use super::config::Strategy;
use crate::error::Result;
use crate::risk;

/// Risk and performance of the index returns, each field equal to the `crate::risk` function
/// of the same name called with the strategy's `period`, `annualization`, `risk_free` (per
/// bar) and `cutoff` (historical VaR / CVaR).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RiskReport {
    /// Number of returns.
    pub periods: usize,
    /// `cum_returns_final` (total return).
    pub cum_return: f64,
    /// `annual_return` (CAGR).
    pub annual_return: f64,
    /// `annual_volatility`.
    pub annual_volatility: f64,
    /// `sharpe_ratio(risk_free)`.
    pub sharpe_ratio: f64,
    /// `sortino_ratio(required_return = risk_free)`.
    pub sortino_ratio: f64,
    /// `max_drawdown` (negative).
    pub max_drawdown: f64,
    /// `calmar_ratio`.
    pub calmar_ratio: f64,
    /// `value_at_risk(cutoff, "historical")`.
    pub value_at_risk: f64,
    /// `conditional_value_at_risk(cutoff, "historical")`.
    pub conditional_value_at_risk: f64,
}

impl Default for RiskReport {
    fn default() -> Self {
        Self {
            periods: 0,
            cum_return: f64::NAN,
            annual_return: f64::NAN,
            annual_volatility: f64::NAN,
            sharpe_ratio: f64::NAN,
            sortino_ratio: f64::NAN,
            max_drawdown: f64::NAN,
            calmar_ratio: f64::NAN,
            value_at_risk: f64::NAN,
            conditional_value_at_risk: f64::NAN,
        }
    }
}

/// Comparison of the index with a benchmark over the bars where both have a return.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BenchmarkReport {
    /// Number of paired returns.
    pub periods: usize,
    /// `annual_return` of the benchmark.
    pub benchmark_annual_return: f64,
    /// Index minus benchmark `annual_return`.
    pub active_return: f64,
    /// `std(index - benchmark, ddof=1) * sqrt(factor)`.
    pub tracking_error: f64,
    /// `information_ratio` (annualised: mean active return over its std, times sqrt(factor)).
    pub information_ratio: f64,
    /// `beta`.
    pub beta: f64,
    /// `up_capture`.
    pub up_capture: f64,
    /// `down_capture`.
    pub down_capture: f64,
}

/// The report of `returns` (no NaN expected; an empty slice gives NaNs).
pub(crate) fn risk_report(r: &[f64], s: &Strategy) -> Result<RiskReport> {
    let (p, a, rf) = (s.period.as_str(), s.annualization, s.risk_free);
    if r.is_empty() {
        return Ok(RiskReport::default());
    }
    Ok(RiskReport {
        periods: r.len(),
        cum_return: risk::cum_returns_final(r, 0.0),
        annual_return: risk::annual_return(r, p, a)?,
        annual_volatility: risk::annual_volatility(r, p, 2.0, a)?,
        sharpe_ratio: risk::sharpe_ratio(r, rf, p, a)?,
        sortino_ratio: risk::sortino_ratio(r, rf, p, a)?,
        max_drawdown: risk::max_drawdown(r),
        calmar_ratio: risk::calmar_ratio(r, p, a)?,
        value_at_risk: risk::value_at_risk(r, s.cutoff, "historical", 1)?,
        conditional_value_at_risk: risk::conditional_value_at_risk(r, s.cutoff, "historical", 1)?,
    })
}

/// Pairs the index returns from `start` with the benchmark's simple returns on the same bars
/// (a bar counts when both are defined) and compares them.
pub(crate) fn benchmark_report(
    returns: &[f64],
    levels: &[f64],
    start: usize,
    s: &Strategy,
) -> Result<BenchmarkReport> {
    let (p, a) = (s.period.as_str(), s.annualization);
    let (r, f): (Vec<f64>, Vec<f64>) = (start.max(1)..returns.len())
        .filter_map(|t| {
            let bt = levels[t] / levels[t - 1] - 1.0;
            (returns[t].is_finite() && bt.is_finite()).then_some((returns[t], bt))
        })
        .unzip();
    let factor = risk::annualization_factor(p, a)?;
    let active: Vec<f64> = r.iter().zip(&f).map(|(x, y)| x - y).collect();
    let te = if active.len() < 2 { f64::NAN } else { risk::nanstd(&active, 1) * factor.sqrt() };
    let bar = risk::annual_return(&f, p, a)?;
    Ok(BenchmarkReport {
        periods: r.len(),
        benchmark_annual_return: bar,
        active_return: risk::annual_return(&r, p, a)? - bar,
        tracking_error: te,
        information_ratio: risk::information_ratio(&r, &f, p, a)?,
        beta: risk::beta(&r, &f),
        up_capture: risk::up_capture(&r, &f, p)?,
        down_capture: risk::down_capture(&r, &f, p)?,
    })
}
