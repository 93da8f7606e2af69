//! Sterling and Burke ratios: annual return over the depths of the drawdown periods.
//!
//! A drawdown period runs from a running peak of wealth to the next time wealth regains it
//! (or to the end); its depth is the lowest `wealth / peak - 1` inside it (PerformanceAnalytics'
//! `findDrawdowns`, Bacon, *Practical Portfolio Performance Measurement and Attribution*, 2008).
//! Wealth is tracked relative to its running peak, as [`super::drawdown::max_drawdown`] does, so
//! the depths stay right where cumulative wealth would overflow f64. A NaN return leaves wealth
//! unchanged, as in the drawdown functions.

use super::common::{ANNUALIZATION, PERIOD, RETURNS, RISK_FREE};
use super::drawdown::AT_PEAK;
use super::returns::annual_return_with;
use super::stats::annualization_factor;
use crate::decl::{Flags, FunctionDecl, Module, OutputSpec, ParamSpec};
use crate::error::Result;

/// The depth (negative) of every drawdown period, in time order; empty without a drawdown.
#[must_use]
pub fn drawdown_depths(returns: &[f64]) -> Vec<f64> {
    let mut out = Vec::new();
    // wealth relative to its running peak, and the period's lowest value
    let mut q = 1.0f64;
    let mut low = 1.0f64;
    // within AT_PEAK of the peak counts as at it (as in top_drawdowns), so the periods do
    // not depend on which side of the peak rounding leaves wealth
    let deep = |low: f64| low < 1.0 - AT_PEAK;
    for &r in returns {
        if r.is_nan() {
            continue;
        }
        q = (q * (1.0 + r)).min(1.0);
        if q >= 1.0 - AT_PEAK {
            if deep(low) {
                out.push(low - 1.0);
            }
            low = 1.0;
        } else if q < low {
            low = q;
        }
    }
    if deep(low) {
        out.push(low - 1.0);
    }
    out
}

/// Sterling ratio: `annual_return / (mean |depth| of the `top` deepest drawdown periods +
/// excess)`. With `top = 1` and `excess = 0.1` this is PerformanceAnalytics' `SterlingRatio`
/// (the annual return over the maximum drawdown plus 10%, Deane Sterling's original form).
/// NaN for no returns or a non-positive denominator.
///
/// # Errors
/// An unknown `period` or a bad `annualization`.
pub fn sterling_ratio(
    returns: &[f64],
    excess: f64,
    top: usize,
    period: &str,
    annualization: Option<f64>,
) -> Result<f64> {
    let factor = annualization_factor(period, annualization)?;
    let mut depths = drawdown_depths(returns);
    depths.sort_unstable_by(f64::total_cmp);
    let k = top.min(depths.len());
    #[allow(clippy::cast_precision_loss, reason = "counts are far below 2^52")]
    let mean =
        if k == 0 { 0.0 } else { depths[..k].iter().map(|d| d.abs()).sum::<f64>() / k as f64 };
    let den = mean + excess;
    if returns.is_empty() || den <= 0.0 || den.is_nan() {
        return Ok(f64::NAN);
    }
    Ok(annual_return_with(returns, factor) / den)
}

/// Burke ratio: `annual_return(returns - risk_free) / sqrt(sum of squared drawdown-period
/// depths)` (Burke 1994; PerformanceAnalytics' `BurkeRatio` with `modified = FALSE`, the return
/// in excess of the per-period risk-free rate, compounded). NaN without a drawdown.
///
/// # Errors
/// An unknown `period` or a bad `annualization`.
pub fn burke_ratio(
    returns: &[f64],
    risk_free: f64,
    period: &str,
    annualization: Option<f64>,
) -> Result<f64> {
    let factor = annualization_factor(period, annualization)?;
    let ss: f64 = drawdown_depths(returns).iter().map(|d| d * d).sum();
    if returns.is_empty() || ss <= 0.0 {
        return Ok(f64::NAN);
    }
    let excess: Vec<f64> = returns.iter().map(|r| r - risk_free).collect();
    Ok(annual_return_with(&excess, factor) / ss.sqrt())
}

/// Declaration of `sterling_ratio`.
pub static STERLING_RATIO: FunctionDecl = FunctionDecl {
    name: "sterling_ratio",
    module: Module::Risk,
    group: "Ratios",
    summary: "Sterling ratio",
    doc: "annual_return / (mean |depth| of the `top` deepest drawdown periods + excess). A drawdown period runs from a running peak of wealth until wealth regains it; its depth is its lowest wealth / peak - 1. With top = 1 and excess = 0.1 (the defaults) it is PerformanceAnalytics' SterlingRatio (annual return over max drawdown plus 10%); excess = 0 and top = 3 is the common 'average of the three largest drawdowns' form. NaN without returns or with a non-positive denominator. Reference: an independent numpy implementation of the definition (scripts/golden/generate.py).",
    inputs: &[RETURNS],
    params: &[
        ParamSpec::float("excess", 0.1, -1.0, f64::MAX, "added to the mean drawdown depth (0.1: Sterling's 10%)"),
        ParamSpec::int("top", 1, 1, i64::MAX, "how many of the deepest drawdown periods to average"),
        PERIOD,
        ANNUALIZATION,
    ],
    outputs: &[OutputSpec::scalar("sterling_ratio")],
    flags: Flags::NONE,
    lookback: None,
    compute: |i, p, o| {
        let top = usize::try_from(p.int(1)).unwrap_or(usize::MAX);
        o.f64(0)[0] = sterling_ratio(i.series(0), p.float(0), top, p.str(2), p.opt_float(3))?;
        Ok(())
    },
    stream: None,
};

/// Declaration of `burke_ratio`.
pub static BURKE_RATIO: FunctionDecl = FunctionDecl {
    name: "burke_ratio",
    module: Module::Risk,
    group: "Ratios",
    summary: "Burke ratio",
    doc: "annual_return(returns - risk_free) / sqrt(sum of squared drawdown-period depths) (Burke 1994; PerformanceAnalytics' BurkeRatio, modified = FALSE). A drawdown period runs from a running peak of wealth until wealth regains it; its depth is its lowest wealth / peak - 1. NaN without a drawdown. Reference: an independent numpy implementation of the definition (scripts/golden/generate.py).",
    inputs: &[RETURNS],
    params: &[RISK_FREE, PERIOD, ANNUALIZATION],
    outputs: &[OutputSpec::scalar("burke_ratio")],
    flags: Flags::NONE,
    lookback: None,
    compute: |i, p, o| {
        o.f64(0)[0] = burke_ratio(i.series(0), p.float(0), p.str(1), p.opt_float(2))?;
        Ok(())
    },
    stream: None,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depths_of_hand_made_periods() {
        // 100 -> 90 (-10%) -> 100 (recovered) -> 110 -> 77 (-30%) -> 88 (open at the end)
        let r = [-0.1, 1.0 / 9.0, 0.1, -0.3, 88.0 / 77.0 - 1.0];
        let d = drawdown_depths(&r);
        assert_eq!(d.len(), 2);
        assert!((d[0] + 0.1).abs() < 1e-15 && (d[1] + 0.3).abs() < 1e-15, "{d:?}");
        assert!(drawdown_depths(&[0.01, 0.02, f64::NAN, 0.0]).is_empty());
    }
}
