//! Position sizing: fixed-fractional risk per trade, volatility targeting and the Kelly
//! fraction.

use super::common::{ANNUALIZATION, PERIOD, RETURNS, RISK_FREE};
use super::stats::{annualization_factor, nanmean, nanstd};
use crate::decl::InputSpec;
use crate::decl::{Flags, FunctionDecl, Module, OutputSpec, ParamSpec};
use crate::error::Result;

/// Units to buy so that a move from `entry_price` to `stop_price` loses `risk_fraction` of
/// `equity`: `equity * risk_fraction / |entry_price - stop_price|` (not rounded to lots); NaN
/// where the stop equals the entry (no risk per unit) or either is NaN.
#[must_use]
pub fn fixed_fractional_size(
    equity: f64,
    risk_fraction: f64,
    entry_price: f64,
    stop_price: f64,
) -> f64 {
    let per_unit = (entry_price - stop_price).abs();
    if per_unit > 0.0 && per_unit.is_finite() {
        equity * risk_fraction / per_unit
    } else {
        f64::NAN
    }
}

/// The weight (leverage) that scales `returns` to `target` annualised volatility:
/// `target / (std(returns, ddof = 1) * sqrt(periods per year))`, capped at `max_leverage`.
/// NaN with fewer than two returns or zero volatility. NaN returns are skipped.
///
/// # Errors
/// An unknown `period` or a bad `annualization`.
pub fn volatility_target_weight(
    returns: &[f64],
    target: f64,
    max_leverage: Option<f64>,
    period: &str,
    annualization: Option<f64>,
) -> Result<f64> {
    let factor = annualization_factor(period, annualization)?;
    // NaN with fewer than two returns
    let vol = nanstd(returns, 1) * factor.sqrt();
    if vol.is_nan() || vol <= 0.0 {
        return Ok(f64::NAN);
    }
    let w = target / vol;
    Ok(max_leverage.map_or(w, |m| w.min(m)))
}

/// The Kelly fraction of capital, times `fraction` (0.5 for half Kelly).
///
/// `continuous`: `mean(r - risk_free) / var(r)` with the population variance (Thorp's
/// continuous-time form, f = mu / sigma^2). `discrete`: `(b p - (1 - p)) / b` with `p` the share
/// of winning periods among the non-zero ones and `b` the mean win over the absolute mean loss
/// (quantstats' `kelly_criterion`). NaN when undefined (no variance, no wins or no losses).
#[must_use]
pub fn kelly_fraction(returns: &[f64], risk_free: f64, method: &str, fraction: f64) -> f64 {
    let f = if method == "discrete" {
        let (mut wins, mut losses, mut sum_w, mut sum_l) = (0usize, 0usize, 0.0f64, 0.0f64);
        for &r in returns.iter().filter(|r| !r.is_nan()) {
            if r > 0.0 {
                wins += 1;
                sum_w += r;
            } else if r < 0.0 {
                losses += 1;
                sum_l += r;
            }
        }
        if wins == 0 || losses == 0 {
            return f64::NAN;
        }
        #[allow(clippy::cast_precision_loss, reason = "counts are far below 2^52")]
        let (p, b) = (
            wins as f64 / (wins + losses) as f64,
            (sum_w / wins as f64) / (sum_l / losses as f64).abs(),
        );
        (b * p - (1.0 - p)) / b
    } else {
        let sd = nanstd(returns, 0);
        if sd.is_nan() || sd <= 0.0 {
            return f64::NAN;
        }
        (nanmean(returns) - risk_free) / (sd * sd)
    };
    f * fraction
}

/// Declaration of `fixed_fractional_size`.
pub static FIXED_FRACTIONAL_SIZE: FunctionDecl = FunctionDecl {
    name: "fixed_fractional_size",
    module: Module::Risk,
    group: "Position sizing",
    summary: "Units for a fixed fraction of equity at risk",
    doc: "Per bar, equity * risk_fraction / |entry_price - stop_price|: the position that loses risk_fraction of equity if the stop is hit (fixed-fractional sizing), e.g. with the stop at close - 2 ATR. Not rounded to lots; NaN where the stop equals the entry or either is NaN. Closed form.",
    inputs: &[
        InputSpec::series("entry_price", "entry price per bar"),
        InputSpec::series("stop_price", "stop-loss price per bar"),
    ],
    params: &[
        ParamSpec::float("equity", 100_000.0, 0.0, f64::MAX, "account equity"),
        ParamSpec::float("risk_fraction", 0.01, 0.0, 1.0, "fraction of equity risked per trade"),
    ],
    outputs: &[OutputSpec::f64("units")],
    flags: Flags::NONE,
    lookback: None,
    compute: |i, p, o| {
        let (equity, f) = (p.float(0), p.float(1));
        for ((u, &e), &s) in o.f64(0).iter_mut().zip(i.series(0)).zip(i.series(1)) {
            *u = fixed_fractional_size(equity, f, e, s);
        }
        Ok(())
    },
    stream: None,
};

/// Declaration of `volatility_target_weight`.
pub static VOLATILITY_TARGET_WEIGHT: FunctionDecl = FunctionDecl {
    name: "volatility_target_weight",
    module: Module::Risk,
    group: "Position sizing",
    summary: "Weight that scales returns to a target volatility",
    doc: "target / annual_volatility(returns), the annual volatility being std(ddof = 1) * sqrt(periods per year) as empyrical's annual_volatility; capped at max_leverage when given. NaN with fewer than two returns or zero volatility; NaN returns are skipped. Reference: empyrical.annual_volatility.",
    inputs: &[RETURNS],
    params: &[
        ParamSpec::float("target", 0.10, 0.0, f64::MAX, "annualised volatility to target"),
        ParamSpec::opt_float("max_leverage", 0.0, f64::MAX, "cap on the weight (none by default)"),
        PERIOD,
        ANNUALIZATION,
    ],
    outputs: &[OutputSpec::scalar("weight")],
    flags: Flags::NONE,
    lookback: None,
    compute: |i, p, o| {
        o.f64(0)[0] =
            volatility_target_weight(i.series(0), p.float(0), p.opt_float(1), p.str(2), p.opt_float(3))?;
        Ok(())
    },
    stream: None,
};

/// Declaration of `kelly_fraction`.
pub static KELLY_FRACTION: FunctionDecl = FunctionDecl {
    name: "kelly_fraction",
    module: Module::Risk,
    group: "Position sizing",
    summary: "Kelly fraction of capital",
    doc: "continuous: mean(returns - risk_free) / var(returns) (population variance; Thorp's f = mu / sigma^2). discrete: (b p - (1 - p)) / b with p the share of winning periods among the non-zero ones and b = mean win / |mean loss| (quantstats' kelly_criterion). Multiplied by fraction (0.5 for half Kelly). NaN when undefined; NaN returns are skipped.",
    inputs: &[RETURNS],
    params: &[
        RISK_FREE,
        ParamSpec::choice("method", "continuous", &["continuous", "discrete"], "the Kelly formula"),
        ParamSpec::float("fraction", 1.0, 0.0, f64::MAX, "multiplier (0.5: half Kelly)"),
    ],
    outputs: &[OutputSpec::scalar("kelly_fraction")],
    flags: Flags::NONE,
    lookback: None,
    compute: |i, p, o| {
        o.f64(0)[0] = kelly_fraction(i.series(0), p.float(0), p.str(1), p.float(2));
        Ok(())
    },
    stream: None,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_forms() {
        // 100k equity, 1% risk, entry 50, stop 48: 1000 / 2 = 500 units
        assert_eq!(fixed_fractional_size(100_000.0, 0.01, 50.0, 48.0), 500.0);
        assert!(fixed_fractional_size(1.0, 0.5, 10.0, 10.0).is_nan());
        // returns +-1%: sample std = sqrt(2 x 0.0001 / 1), weight = target / (std sqrt(252)) = 0.445
        let r = [0.01, -0.01];
        let std = (2.0f64 * 1e-4).sqrt();
        let w = volatility_target_weight(&r, 0.1, None, "daily", None).unwrap();
        assert!((w - 0.1 / (std * 252f64.sqrt())).abs() < 1e-15);
        assert_eq!(volatility_target_weight(&r, 0.1, Some(0.4), "daily", None).unwrap(), 0.4);
        // two wins of 2%, one loss of 1%: p = 2/3, b = 2: (4/3 - 1/3) / 2 = 0.5
        let k = kelly_fraction(&[0.02, 0.02, -0.01, 0.0], 0.0, "discrete", 1.0);
        assert!((k - 0.5).abs() < 1e-15);
    }
}
