//! Return/risk ratios beyond Sharpe: `sortino_ratio`, `downside_risk`, `omega_ratio`,
//! `excess_sharpe`, `information_ratio`, `stability_of_timeseries`, `tail_ratio`.

use super::common::{ANNUALIZATION, FACTOR, PERIOD, REQUIRED_RETURN, RETURNS, RISK_FREE};
use super::convention::{Convention, CONVENTION};
use super::stats::{
    annualization_factor, moments, nansum_count, non_nan, percentile_checked, zero_dispersion_std,
};
use crate::decl::{Flags, FunctionDecl, Module, OutputSpec, ParamSpec};
use crate::error::Result;

/// Sum, count and downside sum of squares of `r - required` over the non-NaN values, one pass:
/// 2048-value chunks summed in 8 lanes without NaN tests, a chunk whose sum turns NaN redone
/// skipping NaNs.
#[allow(clippy::cast_precision_loss, reason = "counts are far below 2^52")]
pub(crate) fn downside_pass(x: &[f64], required: f64) -> (f64, f64, f64) {
    const L: usize = 8;
    let (mut s0, mut c0, mut d0) = (0.0f64, 0.0f64, 0.0f64);
    for chunk in x.chunks(2048) {
        let (mut s, mut d) = ([0.0f64; L], [0.0f64; L]);
        let blocks = chunk.chunks_exact(L);
        let rem = blocks.remainder();
        for b in blocks {
            for j in 0..L {
                let v = b[j] - required;
                s[j] += v;
                // min(v, 0) without a branch (exact: v - |v| = 2v for v < 0, 0 otherwise)
                let m = (v - v.abs()) * 0.5;
                d[j] += m * m;
            }
        }
        let (mut cs, mut cd): (f64, f64) = (s.iter().sum(), d.iter().sum());
        for &x in rem {
            let v = x - required;
            cs += v;
            let m = v.min(0.0);
            cd += m * m;
        }
        if cs.is_nan() {
            (cs, cd) = (0.0, 0.0);
            let mut n = 0.0;
            for &x in chunk {
                let v = x - required;
                if !v.is_nan() {
                    cs += v;
                    n += 1.0;
                    let m = v.min(0.0);
                    cd += m * m;
                }
            }
            c0 += n;
        } else {
            c0 += chunk.len() as f64;
        }
        s0 += cs;
        d0 += cd;
    }
    (s0, c0, d0)
}

/// Annualised downside deviation below `required_return`: `sqrt(mean(min(r - req, 0)^2)) *
/// sqrt(factor)` over all non-NaN returns (empyrical's `downside_risk`); NaN for none.
pub fn downside_risk(
    returns: &[f64],
    required_return: f64,
    period: &str,
    annualization: Option<f64>,
) -> Result<f64> {
    let factor = annualization_factor(period, annualization)?;
    if returns.is_empty() {
        return Ok(f64::NAN);
    }
    let (_, c, d) = downside_pass(returns, required_return);
    Ok((d / c).sqrt() * factor.sqrt())
}

/// Sortino ratio: `mean(r - req) * factor / downside_risk` (empyrical's `sortino_ratio`);
/// NaN for fewer than 2 returns.
pub fn sortino_ratio(
    returns: &[f64],
    required_return: f64,
    period: &str,
    annualization: Option<f64>,
) -> Result<f64> {
    let factor = annualization_factor(period, annualization)?;
    Ok(sortino_with(returns, required_return, factor))
}

pub(crate) fn sortino_with(returns: &[f64], required_return: f64, factor: f64) -> f64 {
    if returns.len() < 2 {
        return f64::NAN;
    }
    let (s, c, d) = downside_pass(returns, required_return);
    let mean = if c == 0.0 { f64::NAN } else { s / c };
    (mean * factor) / ((d / c).sqrt() * factor.sqrt())
}

/// Omega ratio: sum of gains over sum of losses relative to `risk_free` plus the per-period
/// threshold `(1 + required_return)^(1/annualization) - 1` (empyrical's `omega_ratio`); NaN
/// for fewer than 2 returns, a required return <= -1, or no losses.
pub fn omega_ratio(
    returns: &[f64],
    risk_free: f64,
    required_return: f64,
    annualization: f64,
) -> f64 {
    if returns.len() < 2 {
        return f64::NAN;
    }
    let threshold = if annualization == 1.0 {
        required_return
    } else if required_return <= -1.0 {
        return f64::NAN;
    } else {
        libm::pow(1.0 + required_return, 1.0 / annualization) - 1.0
    };
    let (mut up, mut down) = (0.0f64, 0.0f64);
    for &r in returns {
        let v = r - risk_free - threshold;
        if v > 0.0 {
            up += v;
        } else if v < 0.0 {
            down -= v;
        }
    }
    if down > 0.0 {
        up / down
    } else {
        f64::NAN
    }
}

/// Non-annualised information ratio: `mean(r - f) / std(r - f, ddof=1)` with the
/// zero-dispersion rule (empyrical's `excess_sharpe`); NaN for fewer than 2 returns.
pub fn excess_sharpe(returns: &[f64], factor_returns: &[f64]) -> f64 {
    if returns.len() < 2 {
        return f64::NAN;
    }
    let active: Vec<f64> = returns.iter().zip(factor_returns).map(|(r, f)| r - f).collect();
    let m = moments(&active, 0.0);
    m.mean() / zero_dispersion_std(&m, 1)
}

/// Annualised information ratio: [`excess_sharpe`] times `sqrt(factor)` (mean active return
/// over tracking error, both annualised).
pub fn information_ratio(
    returns: &[f64],
    factor_returns: &[f64],
    period: &str,
    annualization: Option<f64>,
) -> Result<f64> {
    let factor = annualization_factor(period, annualization)?;
    Ok(excess_sharpe(returns, factor_returns) * factor.sqrt())
}

/// R-squared of a linear fit to the cumulative log returns (empyrical's
/// `stability_of_timeseries`); NaN returns dropped; NaN for fewer than 2 returns.
#[allow(clippy::cast_precision_loss, reason = "lengths are far below 2^52")]
pub fn stability_of_timeseries(returns: &[f64]) -> f64 {
    if returns.len() < 2 {
        return f64::NAN;
    }
    let mut acc = 0.0f64;
    let y: Vec<f64> = returns
        .iter()
        .filter(|v| !v.is_nan())
        .map(|&r| {
            acc += libm::log1p(r);
            acc
        })
        .collect();
    let n = y.len();
    if n < 2 {
        return f64::NAN;
    }
    let xm = (n - 1) as f64 / 2.0;
    let (ys, _) = nansum_count(y.iter().copied());
    let ym = ys / n as f64;
    let (sxy, _) = nansum_count(y.iter().enumerate().map(|(i, v)| (i as f64 - xm) * (v - ym)));
    let (syy, _) = nansum_count(y.iter().map(|v| (v - ym) * (v - ym)));
    let nf = n as f64;
    let sxx = nf * (nf * nf - 1.0) / 12.0;
    if sxx == 0.0 || syy == 0.0 {
        return 0.0;
    }
    let r = (sxy / (sxx * syy).sqrt()).clamp(-1.0, 1.0);
    r * r
}

/// Tail ratio: `|95th percentile| / |5th percentile|` of the non-NaN returns (linear
/// interpolation, empyrical's `tail_ratio`); NaN for none.
pub fn tail_ratio(returns: &[f64]) -> f64 {
    let ratio = |x: &[f64]| -> Option<f64> {
        Some(percentile_checked(x, 0.95)?.abs() / percentile_checked(x, 0.05)?.abs())
    };
    // no copy for NaN-free input; the NaN-dropped copy otherwise
    ratio(returns).or_else(|| ratio(&non_nan(returns))).unwrap_or(f64::NAN)
}

/// Declaration of `sortino_ratio`.
pub static SORTINO_RATIO: FunctionDecl = FunctionDecl {
    name: "sortino_ratio",
    module: Module::Risk,
    group: "Ratios",
    summary: "Annualised Sortino ratio",
    doc: "mean(r - required_return) * annualization / downside_risk, NaN returns ignored; NaN for fewer than 2 returns. Reference: empyrical.sortino_ratio; convention=\"quantstats\" takes required_return as an annual rate (de-annualised as (1 + r)^(1/annualization) - 1) and gives NaN without downside (quantstats.stats.sortino).",
    inputs: &[RETURNS],
    params: &[REQUIRED_RETURN, PERIOD, ANNUALIZATION, CONVENTION],
    outputs: &[OutputSpec::scalar("sortino_ratio")],
    flags: Flags::NONE,
    lookback: None,
    compute: |i, p, o| {
        let factor = annualization_factor(p.str(1), p.opt_float(2))?;
        let conv = Convention::parse(p.str(3))?;
        let s = sortino_with(i.series(0), conv.per_period(p.float(0), factor), factor);
        // quantstats: no downside is NaN, not an infinite ratio
        o.f64(0)[0] = if conv == Convention::Quantstats && s.is_infinite() { f64::NAN } else { s };
        Ok(())
    },
    stream: None,
};

/// Declaration of `downside_risk`.
pub static DOWNSIDE_RISK: FunctionDecl = FunctionDecl {
    name: "downside_risk",
    module: Module::Risk,
    group: "Volatility",
    summary: "Annualised downside deviation",
    doc: "sqrt(mean(min(r - required_return, 0)^2)) * sqrt(annualization) over every non-NaN return. Reference: empyrical.downside_risk.",
    inputs: &[RETURNS],
    params: &[REQUIRED_RETURN, PERIOD, ANNUALIZATION],
    outputs: &[OutputSpec::scalar("downside_risk")],
    flags: Flags::NONE,
    lookback: None,
    compute: |i, p, o| {
        o.f64(0)[0] = downside_risk(i.series(0), p.float(0), p.str(1), p.opt_float(2))?;
        Ok(())
    },
    stream: None,
};

/// Declaration of `omega_ratio`.
pub static OMEGA_RATIO: FunctionDecl = FunctionDecl {
    name: "omega_ratio",
    module: Module::Risk,
    group: "Ratios",
    summary: "Omega ratio",
    doc: "sum(max(r - rf - t, 0)) / sum(max(t + rf - r, 0)) with t = (1 + required_return)^(1/annualization) - 1 per period; NaN without losses. Reference: empyrical.omega_ratio.",
    inputs: &[RETURNS],
    params: &[
        RISK_FREE,
        ParamSpec::float("required_return", 0.0, f64::MIN, f64::MAX, "minimum acceptable annual return"),
        ParamSpec::float("annualization", 252.0, f64::MIN_POSITIVE, f64::MAX, "periods per year of the required return"),
    ],
    outputs: &[OutputSpec::scalar("omega_ratio")],
    flags: Flags::NONE,
    lookback: None,
    compute: |i, p, o| {
        o.f64(0)[0] = omega_ratio(i.series(0), p.float(0), p.float(1), p.float(2));
        Ok(())
    },
    stream: None,
};

/// Declaration of `excess_sharpe`.
pub static EXCESS_SHARPE: FunctionDecl = FunctionDecl {
    name: "excess_sharpe",
    module: Module::Risk,
    group: "Ratios",
    summary: "Excess Sharpe (non-annualised information ratio)",
    doc: "mean(r - f) / std(r - f, ddof=1), NaN ignored, zero-dispersion rule. Reference: empyrical.excess_sharpe.",
    inputs: &[RETURNS, FACTOR],
    params: &[],
    outputs: &[OutputSpec::scalar("excess_sharpe")],
    flags: Flags::NONE,
    lookback: None,
    compute: |i, _, o| {
        o.f64(0)[0] = excess_sharpe(i.series(0), i.series(1));
        Ok(())
    },
    stream: None,
};

/// Declaration of `information_ratio`.
pub static INFORMATION_RATIO: FunctionDecl = FunctionDecl {
    name: "information_ratio",
    module: Module::Risk,
    group: "Ratios",
    summary: "Annualised information ratio",
    doc: "excess_sharpe(returns, factor_returns) * sqrt(annualization): annualised mean active return over annualised tracking error. Closed form of empyrical.excess_sharpe.",
    inputs: &[RETURNS, FACTOR],
    params: &[PERIOD, ANNUALIZATION],
    outputs: &[OutputSpec::scalar("information_ratio")],
    flags: Flags::NONE,
    lookback: None,
    compute: |i, p, o| {
        o.f64(0)[0] = information_ratio(i.series(0), i.series(1), p.str(0), p.opt_float(1))?;
        Ok(())
    },
    stream: None,
};

/// Declaration of `stability_of_timeseries`.
pub static STABILITY_OF_TIMESERIES: FunctionDecl = FunctionDecl {
    name: "stability_of_timeseries",
    module: Module::Risk,
    group: "Ratios",
    summary: "R-squared of cumulative log returns against time",
    doc: "r^2 of the least-squares line through cumsum(log1p(r)), NaN returns dropped. Reference: empyrical.stability_of_timeseries.",
    inputs: &[RETURNS],
    params: &[],
    outputs: &[OutputSpec::scalar("stability_of_timeseries")],
    flags: Flags::NONE,
    lookback: None,
    compute: |i, _, o| {
        o.f64(0)[0] = stability_of_timeseries(i.series(0));
        Ok(())
    },
    stream: None,
};

/// Declaration of `tail_ratio`.
pub static TAIL_RATIO: FunctionDecl = FunctionDecl {
    name: "tail_ratio",
    module: Module::Risk,
    group: "Ratios",
    summary: "Tail ratio",
    doc: "|95th percentile| / |5th percentile| of the non-NaN returns (linear interpolation, by selection). Reference: empyrical.tail_ratio.",
    inputs: &[RETURNS],
    params: &[],
    outputs: &[OutputSpec::scalar("tail_ratio")],
    flags: Flags::NONE,
    lookback: None,
    compute: |i, _, o| {
        o.f64(0)[0] = tail_ratio(i.series(0));
        Ok(())
    },
    stream: None,
};
