//! Returns, cumulative returns and annualised growth: `simple_returns`, `cum_returns`,
//! `cum_returns_final`, `annual_return`, `cagr`, `annual_volatility`.

use super::common::{ANNUALIZATION, PERIOD, RETURNS};
use super::stats::{annualization_factor, moments};
use crate::decl::{Flags, FunctionDecl, InputSpec, Module, OutputSpec, ParamSpec};
use crate::error::{check_out_len, Result};

/// Simple returns of a price series, `p[t+1] / p[t] - 1` (`n - 1` values), empyrical's
/// `simple_returns` on arrays.
///
/// # Examples
/// ```
/// let r = sextant_core::risk::simple_returns(&[100.0, 110.0, 99.0]);
/// assert!((r[0] - 0.1).abs() < 1e-15 && (r[1] + 0.1).abs() < 1e-15);
/// ```
pub fn simple_returns(prices: &[f64]) -> Vec<f64> {
    prices.windows(2).map(|w| (w[1] - w[0]) / w[0]).collect()
}

/// Cumulative returns, `prod(1 + r) - 1` (or `starting_value * prod(1 + r)` when
/// `starting_value != 0`); NaN returns count as 0 (empyrical's `cum_returns`).
///
/// # Examples
/// ```
/// let c = sextant_core::risk::cum_returns(&[0.1, f64::NAN, -0.5], 0.0);
/// assert!((c[0] - 0.1).abs() < 1e-15 && (c[1] - 0.1).abs() < 1e-15 && (c[2] + 0.45).abs() < 1e-15);
/// ```
pub fn cum_returns(returns: &[f64], starting_value: f64) -> Vec<f64> {
    let mut out = vec![0.0; returns.len()];
    cum_returns_into(returns, starting_value, &mut out);
    out
}

/// [`cum_returns`] into a caller-provided buffer of the same length.
pub fn cum_returns_into(returns: &[f64], starting_value: f64, out: &mut [f64]) {
    let mut w = 1.0;
    for (o, &r) in out.iter_mut().zip(returns) {
        w *= if r.is_nan() { 1.0 } else { r + 1.0 };
        *o = if starting_value == 0.0 { w - 1.0 } else { w * starting_value };
    }
}

/// Total growth `prod(1 + r)` of the non-NaN returns as `(mantissa, exponent)` with the value
/// `mantissa * 2^exponent`: exact where the plain product would overflow or underflow f64.
pub(crate) fn growth(returns: &[f64]) -> (f64, i32) {
    const HI: f64 = 1.0e250;
    const LO: f64 = 1.0e-250;
    let mut p = 1.0f64;
    let mut e = 0i32;
    for &r in returns {
        if r.is_nan() {
            continue;
        }
        p *= r + 1.0;
        let a = p.abs();
        if !(a < HI && a > LO) && a.is_finite() && a != 0.0 {
            let (m, k) = libm::frexp(p);
            p = m;
            e += k;
        }
    }
    (p, e)
}

/// The final cumulative return: `prod(1 + r) - 1` over the non-NaN returns (or
/// `starting_value * prod(1 + r)`); NaN for no returns (empyrical's `cum_returns_final`).
pub fn cum_returns_final(returns: &[f64], starting_value: f64) -> f64 {
    if returns.is_empty() {
        return f64::NAN;
    }
    let (m, e) = growth(returns);
    let g = m * libm::exp2(f64::from(e));
    if starting_value == 0.0 {
        g - 1.0
    } else {
        g * starting_value
    }
}

/// Compound annual growth rate: `prod(1 + r) ^ (factor / n) - 1`, with `n` counting every
/// return (NaN included, as empyrical's `annual_return`); computed in log space when the
/// product leaves f64's range. NaN for no returns.
pub fn annual_return(returns: &[f64], period: &str, annualization: Option<f64>) -> Result<f64> {
    let factor = annualization_factor(period, annualization)?;
    Ok(annual_return_with(returns, factor))
}

#[allow(clippy::cast_precision_loss, reason = "lengths are far below 2^52")]
pub(crate) fn annual_return_with(returns: &[f64], factor: f64) -> f64 {
    if returns.is_empty() {
        return f64::NAN;
    }
    let years = returns.len() as f64 / factor;
    let (m, e) = growth(returns);
    if e == 0 {
        libm::pow(m, 1.0 / years) - 1.0
    } else if m > 0.0 {
        libm::exp2((libm::log2(m) + f64::from(e)) / years) - 1.0
    } else {
        f64::NAN
    }
}

/// Annualised volatility: `std(r, ddof=1) * factor^(1/alpha)` over the non-NaN returns; NaN
/// for fewer than 2 returns (empyrical's `annual_volatility`).
pub fn annual_volatility(
    returns: &[f64],
    period: &str,
    alpha: f64,
    annualization: Option<f64>,
) -> Result<f64> {
    let factor = annualization_factor(period, annualization)?;
    Ok(annual_volatility_with(returns, factor, alpha))
}

pub(crate) fn annual_volatility_with(returns: &[f64], factor: f64, alpha: f64) -> f64 {
    if returns.len() < 2 {
        return f64::NAN;
    }
    moments(returns, 0.0).std(1) * libm::pow(factor, 1.0 / alpha)
}

const PRICES: InputSpec = InputSpec::series("prices", "prices (or any positive level series)");

/// Declaration of `simple_returns`.
pub static SIMPLE_RETURNS: FunctionDecl = FunctionDecl {
    name: "simple_returns",
    module: Module::Risk,
    group: "Returns",
    summary: "Simple returns of a price series",
    doc: "(p[t+1] - p[t]) / p[t]; n - 1 values. Reference: empyrical.simple_returns.",
    inputs: &[PRICES],
    params: &[],
    outputs: &[OutputSpec::trimmed("returns", 1)],
    flags: Flags::NONE,
    lookback: None,
    compute: |i, _, o| {
        let p = i.series(0);
        let out = o.f64(0);
        check_out_len("returns", out.len(), p.len().saturating_sub(1))?;
        for (d, w) in out.iter_mut().zip(p.windows(2)) {
            *d = (w[1] - w[0]) / w[0];
        }
        Ok(())
    },
    stream: None,
};

const STARTING_VALUE: ParamSpec = ParamSpec::float(
    "starting_value",
    0.0,
    f64::MIN,
    f64::MAX,
    "0 for cumulative returns, else the starting wealth the growth multiplies",
);

/// Declaration of `cum_returns`.
pub static CUM_RETURNS: FunctionDecl = FunctionDecl {
    name: "cum_returns",
    module: Module::Risk,
    group: "Returns",
    summary: "Cumulative returns",
    doc: "prod(1 + r) - 1 up to each period (starting_value * prod(1 + r) when starting_value != 0); NaN returns count as 0. Reference: empyrical.cum_returns.",
    inputs: &[RETURNS],
    params: &[STARTING_VALUE],
    outputs: &[OutputSpec::f64("cum_returns")],
    flags: Flags::NONE,
    lookback: None,
    compute: |i, p, o| {
        cum_returns_into(i.series(0), p.float(0), o.f64(0));
        Ok(())
    },
    stream: None,
};

/// Declaration of `cum_returns_final`.
pub static CUM_RETURNS_FINAL: FunctionDecl = FunctionDecl {
    name: "cum_returns_final",
    module: Module::Risk,
    group: "Returns",
    summary: "Total cumulative return",
    doc: "prod(1 + r) - 1 over the non-NaN returns (starting_value * prod(1 + r) when starting_value != 0); NaN when empty. Reference: empyrical.cum_returns_final.",
    inputs: &[RETURNS],
    params: &[STARTING_VALUE],
    outputs: &[OutputSpec::scalar("cum_returns_final")],
    flags: Flags::NONE,
    lookback: None,
    compute: |i, p, o| {
        o.f64(0)[0] = cum_returns_final(i.series(0), p.float(0));
        Ok(())
    },
    stream: None,
};

/// Declaration of `annual_return`.
pub static ANNUAL_RETURN: FunctionDecl = FunctionDecl {
    name: "annual_return",
    module: Module::Risk,
    group: "Returns",
    summary: "Compound annual growth rate",
    doc: "prod(1 + r) ^ (annualization / n) - 1, n counting every period (NaN included); log space when the product leaves f64's range. Reference: empyrical.annual_return.",
    inputs: &[RETURNS],
    params: &[PERIOD, ANNUALIZATION],
    outputs: &[OutputSpec::scalar("annual_return")],
    flags: Flags::NONE,
    lookback: None,
    compute: |i, p, o| {
        o.f64(0)[0] = annual_return(i.series(0), p.str(0), p.opt_float(1))?;
        Ok(())
    },
    stream: None,
};

/// Declaration of `cagr`.
pub static CAGR: FunctionDecl = FunctionDecl {
    name: "cagr",
    module: Module::Risk,
    group: "Returns",
    summary: "Compound annual growth rate (alias of annual_return)",
    doc: "Same as annual_return. Reference: empyrical.cagr.",
    inputs: &[RETURNS],
    params: &[PERIOD, ANNUALIZATION],
    outputs: &[OutputSpec::scalar("cagr")],
    flags: Flags::NONE,
    lookback: None,
    compute: |i, p, o| {
        o.f64(0)[0] = annual_return(i.series(0), p.str(0), p.opt_float(1))?;
        Ok(())
    },
    stream: None,
};

pub(crate) const ALPHA_EXP: ParamSpec = ParamSpec::float(
    "alpha",
    2.0,
    f64::MIN_POSITIVE,
    f64::MAX,
    "scaling exponent: volatility * annualization^(1/alpha)",
);

/// Declaration of `annual_volatility`.
pub static ANNUAL_VOLATILITY: FunctionDecl = FunctionDecl {
    name: "annual_volatility",
    module: Module::Risk,
    group: "Volatility",
    summary: "Annualised volatility",
    doc: "std(returns, ddof=1) * annualization^(1/alpha), NaN returns ignored; NaN for fewer than 2 returns. Reference: empyrical.annual_volatility.",
    inputs: &[RETURNS],
    params: &[PERIOD, ALPHA_EXP, ANNUALIZATION],
    outputs: &[OutputSpec::scalar("annual_volatility")],
    flags: Flags::NONE,
    lookback: None,
    compute: |i, p, o| {
        o.f64(0)[0] = annual_volatility(i.series(0), p.str(0), p.float(1), p.opt_float(2))?;
        Ok(())
    },
    stream: None,
};
