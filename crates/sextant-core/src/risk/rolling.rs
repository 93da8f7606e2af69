//! empyrical's rolling functions, `roll_*`: the metric over each full window, `n - window + 1`
//! values. The vectorised ones (`roll_sharpe_ratio`, `roll_beta`, ...) shorten a window longer
//! than the series to the series (one value); `roll_up_capture`, `roll_down_capture` and
//! `roll_up_down_capture` return nothing then, as empyrical does.

use super::common::{ANNUALIZATION, PERIOD, REQUIRED_RETURN, RISK_FREE, WINDOW};
use super::drawdown::max_drawdown;
use super::factor::{alpha_with_beta, beta, side_capture, up_down_with};
use super::ratios::sortino_with;
use super::returns::{annual_volatility_with, ALPHA_EXP};
use super::sharpe::sharpe_with;
use super::stats::annualization_factor;
use crate::decl::{Flags, FunctionDecl, InputSpec, Module, OutputSpec, Params};
use crate::error::Result;

/// Applies `f` to every window of `w` values of `x`, writing `out.len()` results (the caller
/// sized `out` by [`crate::decl::rolling_len`]); a clamped window is cut to the series.
pub(crate) fn roll1(x: &[f64], w: usize, out: &mut [f64], f: impl Fn(&[f64]) -> f64) {
    let w = w.min(x.len());
    for (k, o) in out.iter_mut().enumerate() {
        *o = f(&x[k..k + w]);
    }
}

/// [`roll1`] over two aligned series.
pub(crate) fn roll2(
    x: &[f64],
    y: &[f64],
    w: usize,
    out: &mut [f64],
    f: impl Fn(&[f64], &[f64]) -> f64,
) {
    let w = w.min(x.len());
    for (k, o) in out.iter_mut().enumerate() {
        *o = f(&x[k..k + w], &y[k..k + w]);
    }
}

const ARR: InputSpec = InputSpec::series("arr", "simple (non-cumulative) returns per period");
const LHS: InputSpec = InputSpec::series("lhs", "simple returns of the strategy");
const RHS: InputSpec = InputSpec::series("rhs", "simple returns of the benchmark (factor)");
const RETURNS: InputSpec = super::common::RETURNS;
const FACTOR: InputSpec = super::common::FACTOR;

fn factor_of(p: &Params, period: usize, ann: Option<usize>) -> Result<f64> {
    annualization_factor(p.str(period), ann.and_then(|i| p.opt_float(i)))
}

/// Declaration of `roll_sharpe_ratio`.
pub static ROLL_SHARPE_RATIO: FunctionDecl = FunctionDecl {
    name: "roll_sharpe_ratio",
    module: Module::Risk,
    group: "Rolling",
    summary: "Rolling Sharpe ratio",
    doc: "sharpe_ratio over each window (n - window + 1 values; a window longer than the series is cut to it). Reference: empyrical.roll_sharpe_ratio.",
    inputs: &[ARR],
    params: &[WINDOW, RISK_FREE, PERIOD, ANNUALIZATION],
    outputs: &[OutputSpec::rolling("sharpe_ratio", true)],
    flags: Flags::NONE,
    lookback: None,
    compute: |i, p, o| {
        let (rf, factor) = (p.float(1), factor_of(p, 2, Some(3))?);
        roll1(i.series(0), p.usize(0), o.f64(0), |w| sharpe_with(w, rf, factor));
        Ok(())
    },
    stream: None,
};

/// Declaration of `roll_sortino_ratio`.
pub static ROLL_SORTINO_RATIO: FunctionDecl = FunctionDecl {
    name: "roll_sortino_ratio",
    module: Module::Risk,
    group: "Rolling",
    summary: "Rolling Sortino ratio",
    doc: "sortino_ratio over each window. Reference: empyrical.roll_sortino_ratio.",
    inputs: &[ARR],
    params: &[WINDOW, REQUIRED_RETURN, PERIOD, ANNUALIZATION],
    outputs: &[OutputSpec::rolling("sortino_ratio", true)],
    flags: Flags::NONE,
    lookback: None,
    compute: |i, p, o| {
        let (req, factor) = (p.float(1), factor_of(p, 2, Some(3))?);
        roll1(i.series(0), p.usize(0), o.f64(0), |w| sortino_with(w, req, factor));
        Ok(())
    },
    stream: None,
};

/// Declaration of `roll_annual_volatility`.
pub static ROLL_ANNUAL_VOLATILITY: FunctionDecl = FunctionDecl {
    name: "roll_annual_volatility",
    module: Module::Risk,
    group: "Rolling",
    summary: "Rolling annualised volatility",
    doc: "annual_volatility over each window. Reference: empyrical.roll_annual_volatility.",
    inputs: &[ARR],
    params: &[WINDOW, PERIOD, ALPHA_EXP, ANNUALIZATION],
    outputs: &[OutputSpec::rolling("annual_volatility", true)],
    flags: Flags::NONE,
    lookback: None,
    compute: |i, p, o| {
        let (factor, a) = (factor_of(p, 1, Some(3))?, p.float(2));
        roll1(i.series(0), p.usize(0), o.f64(0), |w| annual_volatility_with(w, factor, a));
        Ok(())
    },
    stream: None,
};

/// Declaration of `roll_max_drawdown`.
pub static ROLL_MAX_DRAWDOWN: FunctionDecl = FunctionDecl {
    name: "roll_max_drawdown",
    module: Module::Risk,
    group: "Rolling",
    summary: "Rolling maximum drawdown",
    doc: "max_drawdown over each window. Reference: empyrical.roll_max_drawdown.",
    inputs: &[ARR],
    params: &[WINDOW],
    outputs: &[OutputSpec::rolling("max_drawdown", true)],
    flags: Flags::NONE,
    lookback: None,
    compute: |i, p, o| {
        roll1(i.series(0), p.usize(0), o.f64(0), max_drawdown);
        Ok(())
    },
    stream: None,
};

macro_rules! roll_alpha_decl {
    ($stat:ident, $name:literal) => {
        #[doc = concat!("Declaration of `", $name, "`.")]
        pub static $stat: FunctionDecl = FunctionDecl {
            name: $name,
            module: Module::Risk,
            group: "Rolling",
            summary: "Rolling alpha",
            doc: "alpha over each window. Reference: empyrical.roll_alpha.",
            inputs: &[LHS, RHS],
            params: &[WINDOW, RISK_FREE, PERIOD, ANNUALIZATION],
            outputs: &[OutputSpec::rolling("alpha", true)],
            flags: Flags::NONE,
            lookback: None,
            compute: |i, p, o| {
                let (rf, factor) = (p.float(1), factor_of(p, 2, Some(3))?);
                roll2(i.series(0), i.series(1), p.usize(0), o.f64(0), |r, f| {
                    alpha_with_beta(r, f, rf, factor, beta(r, f))
                });
                Ok(())
            },
            stream: None,
        };
    };
}
roll_alpha_decl!(ROLL_ALPHA, "roll_alpha");
roll_alpha_decl!(ROLL_ALPHA_ALIGNED, "roll_alpha_aligned");

macro_rules! roll_beta_decl {
    ($stat:ident, $name:literal) => {
        #[doc = concat!("Declaration of `", $name, "`.")]
        pub static $stat: FunctionDecl = FunctionDecl {
            name: $name,
            module: Module::Risk,
            group: "Rolling",
            summary: "Rolling beta",
            doc: "beta over each window. Reference: empyrical.roll_beta.",
            inputs: &[LHS, RHS],
            params: &[WINDOW, RISK_FREE],
            outputs: &[OutputSpec::rolling("beta", true)],
            flags: Flags::NONE,
            lookback: None,
            compute: |i, p, o| {
                roll2(i.series(0), i.series(1), p.usize(0), o.f64(0), beta);
                Ok(())
            },
            stream: None,
        };
    };
}
roll_beta_decl!(ROLL_BETA, "roll_beta");
roll_beta_decl!(ROLL_BETA_ALIGNED, "roll_beta_aligned");

fn roll_alpha_beta_compute(
    i: &crate::decl::Inputs<'_>,
    p: &Params,
    o: &mut crate::decl::Outputs<'_, '_>,
) -> Result<()> {
    let (rf, factor) = (p.float(1), factor_of(p, 2, Some(3))?);
    let (x, y, w) = (i.series(0), i.series(1), p.usize(0));
    let mut betas = vec![0.0; o.f64(1).len()];
    roll2(x, y, w, &mut betas, beta);
    let wl = w.min(x.len());
    for (k, a) in o.f64(0).iter_mut().enumerate() {
        *a = alpha_with_beta(&x[k..k + wl], &y[k..k + wl], rf, factor, betas[k]);
    }
    o.f64(1).copy_from_slice(&betas);
    Ok(())
}

/// Declaration of `roll_alpha_beta`.
pub static ROLL_ALPHA_BETA: FunctionDecl = FunctionDecl {
    name: "roll_alpha_beta",
    module: Module::Risk,
    group: "Rolling",
    summary: "Rolling alpha and beta",
    doc: "alpha and beta over each window (empyrical returns them as the two columns of one array). Reference: empyrical.roll_alpha_beta.",
    inputs: &[RETURNS, FACTOR],
    params: &[WINDOW, RISK_FREE, PERIOD, ANNUALIZATION],
    outputs: &[OutputSpec::rolling("alpha", true), OutputSpec::rolling("beta", true)],
    flags: Flags::NONE,
    lookback: None,
    compute: roll_alpha_beta_compute,
    stream: None,
};

/// Declaration of `roll_alpha_beta_aligned`.
pub static ROLL_ALPHA_BETA_ALIGNED: FunctionDecl = FunctionDecl {
    name: "roll_alpha_beta_aligned",
    module: Module::Risk,
    group: "Rolling",
    summary: "Rolling alpha and beta (series already aligned)",
    doc: "alpha and beta over each window. Reference: empyrical.roll_alpha_beta_aligned.",
    inputs: &[LHS, RHS],
    params: &[WINDOW, RISK_FREE, PERIOD, ANNUALIZATION],
    outputs: &[OutputSpec::rolling("alpha", true), OutputSpec::rolling("beta", true)],
    flags: Flags::NONE,
    lookback: None,
    compute: roll_alpha_beta_compute,
    stream: None,
};

macro_rules! roll_capture_decl {
    ($stat:ident, $name:literal, $summary:literal, $side:expr) => {
        #[doc = concat!("Declaration of `", $name, "`.")]
        pub static $stat: FunctionDecl = FunctionDecl {
            name: $name,
            module: Module::Risk,
            group: "Rolling",
            summary: $summary,
            doc: "The capture ratio over each full window (n - window + 1 values, none when window > n). Reference: empyrical.roll_up_capture / roll_down_capture / roll_up_down_capture.",
            inputs: &[RETURNS, FACTOR],
            params: &[WINDOW, PERIOD],
            outputs: &[OutputSpec::rolling($name, false)],
            flags: Flags::NONE,
            lookback: None,
            compute: |i, p, o| {
                let factor = factor_of(p, 1, None)?;
                let side: Option<bool> = $side;
                roll2(i.series(0), i.series(1), p.usize(0), o.f64(0), |r, f| match side {
                    None => up_down_with(r, f, factor),
                    Some(up) => side_capture(r, f, factor, up),
                });
                Ok(())
            },
            stream: None,
        };
    };
}
roll_capture_decl!(ROLL_UP_CAPTURE, "roll_up_capture", "Rolling up-market capture", Some(true));
roll_capture_decl!(
    ROLL_DOWN_CAPTURE,
    "roll_down_capture",
    "Rolling down-market capture",
    Some(false)
);
roll_capture_decl!(ROLL_UP_DOWN_CAPTURE, "roll_up_down_capture", "Rolling up/down capture", None);
