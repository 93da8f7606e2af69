//! Convention presets: the same metric as empyrical (the default), quantstats or skfolio
//! define it. The declarations of `sharpe_ratio`, `sortino_ratio`, `value_at_risk`,
//! `conditional_value_at_risk`, `max_drawdown` and `summary` take `convention`; what each
//! preset changes is stated on [`Convention`] and in docs/risk.md ("Convention presets").

use super::stats::non_nan;
use crate::decl::ParamSpec;
use crate::error::{Error, Result};

/// The preset names, in the order of the `convention` choice.
pub const CONVENTIONS: [&str; 3] = ["empyrical", "quantstats", "skfolio"];

/// The `convention` parameter.
pub(crate) const CONVENTION: ParamSpec = ParamSpec::choice(
    "convention",
    "empyrical",
    &CONVENTIONS,
    "empyrical (per-period rates, VaR as a return), quantstats (annual risk-free / required \
     return) or skfolio (VaR and CVaR as positive losses by its rank rule, uncompounded \
     drawdown as a positive number)",
);

/// Whose definitions a metric follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Convention {
    /// empyrical-reloaded 0.7.1: rates per period, VaR and CVaR as (negative) returns,
    /// drawdowns of compounded wealth as negative fractions.
    Empyrical,
    /// quantstats 0.0.86: `risk_free` and `required_return` are annual rates, turned into a
    /// per-period rate as `(1 + rate)^(1 / annualization) - 1`; Sortino is NaN when there is no
    /// downside (empyrical gives inf); the historical CVaR is the mean of the returns at or
    /// below the linearly interpolated `cutoff` quantile. Everything else as empyrical.
    Quantstats,
    /// skfolio 0.x measures: VaR and CVaR are positive losses; the historical VaR is the
    /// `floor(cutoff n)`-th smallest return (0-based), negated, and the CVaR the Rockafellar-
    /// Uryasev tail mean over mass `cutoff n`; the maximum drawdown is of uncompounded
    /// (summed) returns, as a positive number. Parametric VaR/CVaR are empyrical's negated.
    Skfolio,
}

impl Convention {
    /// Parses a preset name.
    ///
    /// # Errors
    /// [`Error::UnknownOption`] naming `convention` and the allowed names.
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "empyrical" => Ok(Self::Empyrical),
            "quantstats" => Ok(Self::Quantstats),
            "skfolio" => Ok(Self::Skfolio),
            other => Err(Error::UnknownOption {
                param: "convention".into(),
                value: other.into(),
                allowed: CONVENTIONS.join(", "),
            }),
        }
    }

    /// The per-period rate the metric subtracts: `rate` itself, or under quantstats the
    /// de-annualised `(1 + rate)^(1 / factor) - 1`.
    #[must_use]
    pub fn per_period(self, rate: f64, factor: f64) -> f64 {
        match self {
            Self::Quantstats => libm::pow(1.0 + rate, 1.0 / factor) - 1.0,
            _ => rate,
        }
    }
}

/// The `(k)`-th smallest value (0-based) of NaN-free `x`, by selection.
fn kth(x: &mut [f64], k: usize) -> f64 {
    *x.select_nth_unstable_by(k, f64::total_cmp).1
}

/// skfolio's historical value at risk (`skfolio.measures.value_at_risk(r, beta=1 - cutoff)`):
/// with `n` non-NaN returns and `k = cutoff n`, minus the `floor(k + 4 eps n)`-th smallest
/// return (0-based, at most `n - 1`); `-min` at `cutoff = 0`. A positive number is a loss. NaN
/// for no returns.
///
/// # Examples
/// ```
/// // 10 returns, cutoff 0.2: k = 2, the third smallest return, negated
/// let r = [0.05, -0.03, 0.01, -0.07, 0.02, 0.0, -0.01, 0.04, 0.03, -0.02];
/// assert_eq!(sextant_core::risk::skfolio_value_at_risk(&r, 0.2), 0.02);
/// ```
#[must_use]
#[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation, clippy::cast_sign_loss)]
pub fn skfolio_value_at_risk(returns: &[f64], cutoff: f64) -> f64 {
    let mut x = non_nan(returns);
    let n = x.len();
    if n == 0 || cutoff.is_nan() {
        return f64::NAN;
    }
    let k = cutoff * n as f64;
    let i = ((k + 4.0 * f64::EPSILON * n as f64).floor() as usize).min(n - 1);
    -kth(&mut x, i)
}

/// skfolio's historical CVaR (`skfolio.measures.cvar(r, beta=1 - cutoff)`): with `k = cutoff n`
/// and `i = max(0, ceil(k) - 1)`, `-(sum of the i smallest) / k + x_(i) (i / k - 1)`, the mean
/// loss over the worst probability mass `cutoff` (Rockafellar and Uryasev); `-min` at
/// `cutoff = 0`. Positive is a loss; NaN for no returns.
///
/// # Examples
/// ```
/// // cutoff 0.2 of 10 returns: the mean of the two smallest, negated
/// let r = [0.05, -0.03, 0.01, -0.07, 0.02, 0.0, -0.01, 0.04, 0.03, -0.02];
/// assert!((sextant_core::risk::skfolio_cvar(&r, 0.2) - 0.05).abs() < 1e-15);
/// ```
#[must_use]
#[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation, clippy::cast_sign_loss)]
pub fn skfolio_cvar(returns: &[f64], cutoff: f64) -> f64 {
    let mut x = non_nan(returns);
    let n = x.len();
    if n == 0 || cutoff.is_nan() {
        return f64::NAN;
    }
    if cutoff == 0.0 {
        return -x.iter().copied().fold(f64::INFINITY, f64::min);
    }
    let k = cutoff * n as f64;
    let i = ((k.ceil() as usize).max(1) - 1).min(n - 1);
    let xi = kth(&mut x, i);
    let below: f64 = x[..i].iter().sum();
    -below / k + xi * (i as f64 / k - 1.0)
}

/// quantstats' historical CVaR (`conditional_value_at_risk(r, confidence=1 - cutoff,
/// method="historical")`): the mean of the non-NaN returns at or below their linearly
/// interpolated `cutoff` quantile (pandas' `Series.quantile`); NaN for no returns.
///
/// # Examples
/// ```
/// let r = [0.05, -0.03, 0.01, -0.07, 0.02, 0.0, -0.01, 0.04, 0.03, -0.02];
/// // the 0.2 quantile interpolates between -0.03 and -0.02 (-0.022): the tail is -0.07, -0.03
/// assert!((sextant_core::risk::quantstats_cvar(&r, 0.2) + 0.05).abs() < 1e-15);
/// ```
#[must_use]
#[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation, clippy::cast_sign_loss)]
pub fn quantstats_cvar(returns: &[f64], cutoff: f64) -> f64 {
    let mut x = non_nan(returns);
    let n = x.len();
    if n == 0 || cutoff.is_nan() {
        return f64::NAN;
    }
    let virt = (n - 1) as f64 * cutoff;
    let lo = virt.floor() as usize;
    let a = kth(&mut x, lo);
    let q = if lo + 1 < n {
        let b = x[lo + 1..].iter().copied().fold(f64::INFINITY, f64::min);
        a + (b - a) * (virt - lo as f64)
    } else {
        a
    };
    let (mut s, mut c) = (0.0, 0usize);
    for &v in &x {
        if v <= q {
            s += v;
            c += 1;
        }
    }
    s / c as f64
}

/// The maximum drawdown of uncompounded returns as a positive number, skfolio's
/// `max_drawdown(get_drawdowns(r, compounded=False))`: the largest fall of the running sum of
/// returns below its running peak, the start (0) counting as a peak. A NaN return adds 0 and
/// its own drawdown is left out; NaN when every return is NaN or there are none.
///
/// # Examples
/// ```
/// let r = [0.1, -0.05, -0.1, 0.2];
/// assert!((sextant_core::risk::max_drawdown_uncompounded(&r) - 0.15).abs() < 1e-15);
/// ```
#[must_use]
pub fn max_drawdown_uncompounded(returns: &[f64]) -> f64 {
    let (mut cum, mut peak, mut worst, mut any) = (0.0f64, 0.0f64, f64::INFINITY, false);
    for &r in returns {
        if r.is_nan() {
            continue;
        }
        cum += r;
        peak = peak.max(cum);
        worst = worst.min(cum - peak);
        any = true;
    }
    if any {
        -worst
    } else {
        f64::NAN
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_names_the_parameter() {
        let e = Convention::parse("pyfolio").unwrap_err().to_string();
        assert!(e.contains("convention") && e.contains("skfolio"), "{e}");
        assert_eq!(Convention::Quantstats.per_period(0.0, 252.0), 0.0);
        // (1.05)^(1/12) - 1, closed form
        let m = Convention::Quantstats.per_period(0.05, 12.0);
        assert!((m - libm::expm1(libm::log(1.05) / 12.0)).abs() < 1e-16);
    }

    #[test]
    fn skfolio_tails_at_the_ends() {
        let r = [0.03, -0.01, 0.02, f64::NAN, -0.04];
        assert_eq!(skfolio_value_at_risk(&r, 0.0), 0.04);
        assert_eq!(skfolio_cvar(&r, 0.0), 0.04);
        assert_eq!(skfolio_value_at_risk(&r, 1.0), -0.03);
        // cutoff 1: the whole mass, minus the mean
        assert!((skfolio_cvar(&r, 1.0) + 0.0).abs() < 1e-17);
        assert!(
            skfolio_cvar(&[], 0.05).is_nan() && skfolio_value_at_risk(&[f64::NAN], 0.05).is_nan()
        );
        assert!(quantstats_cvar(&[], 0.05).is_nan());
        assert!(max_drawdown_uncompounded(&[f64::NAN]).is_nan());
        assert_eq!(max_drawdown_uncompounded(&[0.01, 0.02]), 0.0);
        // a first loss is a drawdown from the starting peak
        assert_eq!(max_drawdown_uncompounded(&[-0.02, 0.01]), 0.02);
    }
}
