//! Value at risk and conditional value at risk (expected shortfall): historical (empyrical's
//! definitions, by selection rather than sorting), Gaussian and Cornish-Fisher closed forms,
//! over a horizon of `h` periods.

use super::common::RETURNS;
use super::convention::{
    quantstats_cvar, skfolio_cvar, skfolio_value_at_risk, Convention, CONVENTION,
};
use super::stats::{moments, non_nan, percentile_checked, select_ranks_checked};
use crate::decl::{Flags, FunctionDecl, Module, OutputSpec, ParamSpec};
use crate::error::{Error, Result};

/// The VaR / ES methods.
pub const METHODS: [&str; 4] = ["historical", "gaussian", "cornish_fisher", "monte_carlo"];

/// Standard normal density.
fn norm_pdf(z: f64) -> f64 {
    libm::exp(-0.5 * z * z) / (2.0 * std::f64::consts::PI).sqrt()
}

/// Standard normal quantile: Acklam's rational approximation refined by one Halley step on
/// `erfc` (full double precision).
pub(crate) fn norm_ppf(p: f64) -> f64 {
    if p.is_nan() || !(0.0..=1.0).contains(&p) {
        return f64::NAN;
    }
    if p == 0.0 {
        return f64::NEG_INFINITY;
    }
    if p == 1.0 {
        return f64::INFINITY;
    }
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let lo = 0.02425;
    let x = if p < lo {
        let q = (-2.0 * libm::log(p)).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else if p <= 1.0 - lo {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        let q = (-2.0 * libm::log(1.0 - p)).sqrt();
        -(((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    // one Halley step: e = Phi(x) - p
    let mut x = x;
    for _ in 0..2 {
        let e = 0.5 * libm::erfc(-x / std::f64::consts::SQRT_2) - p;
        let u = e * (2.0 * std::f64::consts::PI).sqrt() * libm::exp(x * x / 2.0);
        x -= u / (1.0 + x * u / 2.0);
    }
    x
}

/// Mean, sample std (ddof=1), skewness and excess kurtosis (biased, population moments as
/// scipy.stats' defaults) of the non-NaN returns.
#[allow(clippy::cast_precision_loss, reason = "counts are far below 2^52")]
fn four_moments(x: &[f64]) -> (f64, f64, f64, f64) {
    let m = moments(x, 0.0);
    let mean = m.mean();
    let n = m.n as f64;
    let (mut m3, mut m4) = (0.0f64, 0.0f64);
    for &v in x {
        if v.is_nan() {
            continue;
        }
        let d = v - mean;
        let d2 = d * d;
        m3 += d2 * d;
        m4 += d2 * d2;
    }
    let m2 = m.m2 / n;
    let skew = (m3 / n) / libm::pow(m2, 1.5);
    let kurt = (m4 / n) / (m2 * m2) - 3.0;
    (mean, m.std(1), skew, kurt)
}

/// Options of `method="monte_carlo"`: the number of simulated horizon returns and the seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MonteCarlo {
    /// Simulated horizon returns.
    pub paths: usize,
    /// Generator seed (0 to 2^53 - 1).
    pub seed: u64,
}

impl Default for MonteCarlo {
    /// 100,000 paths, seed 0.
    fn default() -> Self {
        Self { paths: 100_000, seed: 0 }
    }
}

/// The `horizon`-period returns of `method="monte_carlo"`: a normal fitted to the returns
/// (mean, sample std with ddof=1, NaN dropped), `h` i.i.d. draws summed per path on the
/// simulation engine (path `p` from stream `p` of `seed`). `None` when the fit is not finite
/// (fewer than two returns).
fn mc_sums(returns: &[f64], horizon: u32, mc: MonteCarlo) -> Result<Option<Vec<f64>>> {
    let (mu, sd, _, _) = four_moments(returns);
    if !(mu.is_finite() && sd.is_finite()) {
        return Ok(None);
    }
    let run = crate::mc::Run { paths: mc.paths, seed: mc.seed, ..crate::mc::Run::default() };
    crate::mc::normal_sums(mu, sd, horizon.max(1) as usize, &run).map(Some)
}

fn check_cutoff(cutoff: f64) -> Result<()> {
    if !(0.0..=1.0).contains(&cutoff) {
        return Err(Error::OutOfRange {
            param: "cutoff".into(),
            value: cutoff.to_string(),
            bound: "must be in [0.0, 1.0]".into(),
        });
    }
    Ok(())
}

/// Value at risk: the return at the `cutoff` quantile (a negative number for a loss).
///
/// `historical` is empyrical's `value_at_risk`: `numpy.percentile(returns, 100 * cutoff)` with
/// linear interpolation, NaN when any return is NaN, found by selection (no full sort).
/// `gaussian`: `mu h + sigma sqrt(h) z_cutoff`; `cornish_fisher`: the same with `z` replaced by
/// its Cornish-Fisher expansion with the sample skewness `S / sqrt(h)` and excess kurtosis
/// `K / h` (moments of a sum of `h` i.i.d. returns); NaN returns dropped for the parametric
/// methods. For `historical`, `horizon > 1` scales by `sqrt(h)` (square-root-of-time rule).
///
/// # Errors
/// [`Error::UnknownOption`] for an unknown method, [`Error::Unsupported`] for `monte_carlo`
/// (the Monte Carlo engine, issue #10, has not landed), [`Error::OutOfRange`] for a cutoff
/// outside [0, 1].
///
/// # Examples
/// ```
/// let r = [-0.03, -0.01, 0.0, 0.01, 0.02];
/// let v = sextant_core::risk::value_at_risk(&r, 0.25, "historical", 1).unwrap();
/// assert!((v + 0.01).abs() < 1e-15);
/// ```
#[allow(clippy::cast_precision_loss, reason = "horizons are small")]
pub fn value_at_risk(returns: &[f64], cutoff: f64, method: &str, horizon: u32) -> Result<f64> {
    value_at_risk_with(returns, cutoff, method, horizon, MonteCarlo::default())
}

/// [`value_at_risk`] with the options of `method="monte_carlo"`: a normal is fitted to the
/// returns (mean, sample std), `mc.paths` horizon returns (sums of `horizon` i.i.d. draws) are
/// simulated with seed `mc.seed`, and the VaR is their `cutoff` quantile (numpy's linear
/// interpolation). It converges to `gaussian` at the rate of a sample quantile,
/// `sqrt(c (1 - c)) / (phi(z_c) sqrt(paths))` standard deviations of the horizon return.
///
/// # Errors
/// As [`value_at_risk`]; for `monte_carlo`, [`Error::OutOfRange`] for a seed beyond 2^53 - 1
/// or more than 2^31 draws (`paths x horizon`).
#[allow(clippy::cast_precision_loss, reason = "horizons are small")]
pub fn value_at_risk_with(
    returns: &[f64],
    cutoff: f64,
    method: &str,
    horizon: u32,
    mc: MonteCarlo,
) -> Result<f64> {
    check_cutoff(cutoff)?;
    let h = f64::from(horizon.max(1));
    match method {
        "historical" => {
            // NaN when any return is NaN (found by the selection pass itself)
            Ok(percentile_checked(returns, cutoff).map_or(f64::NAN, |v| v * h.sqrt()))
        }
        "gaussian" | "cornish_fisher" => {
            let (mu, sd, s, k) = four_moments(returns);
            let z = norm_ppf(cutoff);
            let z = if method == "gaussian" {
                z
            } else {
                let (s, k) = (s / h.sqrt(), k / h);
                z + (z * z - 1.0) * s / 6.0 + (z * z * z - 3.0 * z) * k / 24.0
                    - (2.0 * z * z * z - 5.0 * z) * s * s / 36.0
            };
            Ok(mu * h + sd * h.sqrt() * z)
        }
        "monte_carlo" => Ok(mc_sums(returns, horizon, mc)?
            .map_or(f64::NAN, |mut x| crate::mc::percentile_linear(&mut x, 100.0 * cutoff))),
        other => Err(unknown_method(other)),
    }
}

fn unknown_method(m: &str) -> Error {
    Error::UnknownOption { param: "method".into(), value: m.into(), allowed: METHODS.join(", ") }
}

/// Conditional value at risk (expected shortfall): the mean return in the worst `cutoff` tail.
///
/// `historical` is empyrical's `conditional_value_at_risk`: NaN returns dropped, the mean of
/// the `floor((n - 1) cutoff) + 1` lowest returns (selection, not a sort). `gaussian`:
/// `mu h - sigma sqrt(h) phi(z) / cutoff`; `cornish_fisher`: the average of the Cornish-Fisher
/// quantile over the tail, `mu h + sigma sqrt(h) / cutoff * integral_0^cutoff z_cf(p) dp`, in
/// closed form from the truncated-normal moments. `horizon > 1` as in [`value_at_risk`].
///
/// # Errors
/// As [`value_at_risk`].
#[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation, clippy::cast_sign_loss)]
pub fn conditional_value_at_risk(
    returns: &[f64],
    cutoff: f64,
    method: &str,
    horizon: u32,
) -> Result<f64> {
    conditional_value_at_risk_with(returns, cutoff, method, horizon, MonteCarlo::default())
}

/// [`conditional_value_at_risk`] with the options of `method="monte_carlo"`: the mean of the
/// worst `floor((paths - 1) cutoff) + 1` simulated horizon returns (empyrical's tail rule) of
/// the fitted normal, as in [`value_at_risk_with`].
///
/// # Errors
/// As [`value_at_risk_with`].
#[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation, clippy::cast_sign_loss)]
pub fn conditional_value_at_risk_with(
    returns: &[f64],
    cutoff: f64,
    method: &str,
    horizon: u32,
    mc: MonteCarlo,
) -> Result<f64> {
    check_cutoff(cutoff)?;
    let h = f64::from(horizon.max(1));
    match method {
        "historical" => {
            let tail_mean = |x: &[f64]| -> Option<f64> {
                let n = x.len();
                if n == 0 {
                    return Some(f64::NAN);
                }
                let k = (((n - 1) as f64) * cutoff) as usize;
                let r = select_ranks_checked(x, k, k)?;
                Some((r.sum_below + r.lo_value) / (k + 1) as f64)
            };
            // NaN-free input (the common case) in one selection pass; otherwise drop NaNs
            let es = match tail_mean(returns) {
                Some(v) => v,
                None => tail_mean(&non_nan(returns)).unwrap_or(f64::NAN),
            };
            Ok(es * h.sqrt())
        }
        "gaussian" | "cornish_fisher" => {
            let (mu, sd, s, k) = four_moments(returns);
            let z = norm_ppf(cutoff);
            let phi = norm_pdf(z);
            let a = cutoff;
            let tail = if method == "gaussian" {
                -phi
            } else {
                let (s, k) = (s / h.sqrt(), k / h);
                // integral over z < z_a of z^k phi(z): I0 = a, I1 = -phi, I2 = a - z phi,
                // I3 = -(z^2 + 2) phi
                let i0 = a;
                let i1 = -phi;
                let i2 = a - z * phi;
                let i3 = -(z * z + 2.0) * phi;
                i1 + (i2 - i0) * s / 6.0 + (i3 - 3.0 * i1) * k / 24.0
                    - (2.0 * i3 - 5.0 * i1) * s * s / 36.0
            };
            Ok(mu * h + sd * h.sqrt() * tail / a)
        }
        "monte_carlo" => Ok(mc_sums(returns, horizon, mc)?
            .map_or(f64::NAN, |mut x| crate::mc::tail_mean(&mut x, cutoff))),
        other => Err(unknown_method(other)),
    }
}

const CUTOFF: ParamSpec =
    ParamSpec::float("cutoff", 0.05, 0.0, 1.0, "tail probability (0.05: the worst 5%)");
const METHOD: ParamSpec = ParamSpec::choice(
    "method",
    "historical",
    &METHODS,
    "historical (empyrical), gaussian, cornish_fisher, or monte_carlo (a fitted normal simulated)",
);
const HORIZON: ParamSpec = ParamSpec::int(
    "horizon",
    1,
    1,
    1_000_000,
    "horizon in periods (square-root-of-time / i.i.d. moment scaling)",
);

#[allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "bounded by the declaration"
)]
fn horizon(p: &crate::decl::Params, i: usize) -> u32 {
    p.int(i).clamp(1, 1_000_000) as u32
}

const MC_PATHS: ParamSpec = ParamSpec::int(
    "paths",
    100_000,
    1,
    100_000_000,
    "method monte_carlo: simulated horizon returns",
);
const MC_SEED: ParamSpec = ParamSpec::int(
    "seed",
    0,
    0,
    (1 << 53) - 1,
    "method monte_carlo: generator seed (0 to 2^53 - 1)",
);

#[allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "bounded by the declaration"
)]
fn mc_options(p: &crate::decl::Params, i: usize) -> MonteCarlo {
    MonteCarlo { paths: p.int(i) as usize, seed: p.int(i + 1) as u64 }
}

/// Declaration of `value_at_risk`.
pub static VALUE_AT_RISK: FunctionDecl = FunctionDecl {
    name: "value_at_risk",
    module: Module::Risk,
    group: "Tail risk",
    summary: "Value at risk",
    doc: "The return at the cutoff quantile. historical: numpy.percentile(returns, 100*cutoff) (linear interpolation, NaN if any NaN; selection, not a sort), reference empyrical.value_at_risk; gaussian: mu + sigma z; cornish_fisher: mu + sigma z_cf (sample skewness and excess kurtosis); monte_carlo: the cutoff quantile of paths simulated horizon returns (sums of h i.i.d. draws) of a normal fitted to the returns (mean, std ddof=1), seed seed (default 0: reproducible), converging to gaussian. horizon h scales as sqrt(h) (moments of i.i.d. sums for the parametric methods). convention=\"skfolio\" reports a positive loss: historical is skfolio.measures.value_at_risk(beta=1-cutoff) (the floor(cutoff n)-th smallest return, no interpolation), the other methods negated; \"quantstats\" is empyrical's (quantstats.stats.value_at_risk is method=\"gaussian\").",
    inputs: &[RETURNS],
    params: &[CUTOFF, METHOD, HORIZON, MC_PATHS, MC_SEED, CONVENTION],
    outputs: &[OutputSpec::scalar("value_at_risk")],
    flags: Flags::NONE,
    lookback: None,
    compute: |i, p, o| {
        let (r, cutoff, method) = (i.series(0), p.float(0), p.str(1));
        o.f64(0)[0] = match Convention::parse(p.str(5))? {
            Convention::Skfolio if method == "historical" => {
                check_cutoff(cutoff)?;
                skfolio_value_at_risk(r, cutoff) * f64::from(horizon(p, 2)).sqrt()
            }
            Convention::Skfolio => -value_at_risk_with(r, cutoff, method, horizon(p, 2), mc_options(p, 3))?,
            _ => value_at_risk_with(r, cutoff, method, horizon(p, 2), mc_options(p, 3))?,
        };
        Ok(())
    },
    stream: None,
};

/// Declaration of `conditional_value_at_risk`.
pub static CONDITIONAL_VALUE_AT_RISK: FunctionDecl = FunctionDecl {
    name: "conditional_value_at_risk",
    module: Module::Risk,
    group: "Tail risk",
    summary: "Conditional value at risk (expected shortfall)",
    doc: "Mean return in the worst cutoff tail. historical: mean of the floor((n-1)*cutoff)+1 lowest non-NaN returns (selection), reference empyrical.conditional_value_at_risk; gaussian: mu - sigma phi(z)/cutoff; cornish_fisher: tail average of the Cornish-Fisher quantile (closed form); monte_carlo: mean of the worst floor((paths-1)*cutoff)+1 of paths simulated horizon returns of the fitted normal (seed seed). convention=\"skfolio\": a positive loss, historical as skfolio.measures.cvar(beta=1-cutoff) (tail mass cutoff n, Rockafellar-Uryasev); \"quantstats\": historical is the mean of the returns at or below the interpolated cutoff quantile (quantstats.stats.conditional_value_at_risk(method=\"historical\")).",
    inputs: &[RETURNS],
    params: &[CUTOFF, METHOD, HORIZON, MC_PATHS, MC_SEED, CONVENTION],
    outputs: &[OutputSpec::scalar("conditional_value_at_risk")],
    flags: Flags::NONE,
    lookback: None,
    compute: |i, p, o| {
        let (r, cutoff, method) = (i.series(0), p.float(0), p.str(1));
        let h = f64::from(horizon(p, 2)).sqrt();
        let es = || conditional_value_at_risk_with(r, cutoff, method, horizon(p, 2), mc_options(p, 3));
        o.f64(0)[0] = match (Convention::parse(p.str(5))?, method) {
            (Convention::Skfolio, "historical") => check_cutoff(cutoff).map(|()| skfolio_cvar(r, cutoff) * h)?,
            (Convention::Skfolio, _) => -es()?,
            (Convention::Quantstats, "historical") => {
                check_cutoff(cutoff).map(|()| quantstats_cvar(r, cutoff) * h)?
            }
            _ => es()?,
        };
        Ok(())
    },
    stream: None,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ppf_inverts_cdf() {
        for &p in &[1e-10, 0.001, 0.01, 0.05, 0.3, 0.5, 0.77, 0.99] {
            let z = norm_ppf(p);
            let back = 0.5 * libm::erfc(-z / std::f64::consts::SQRT_2);
            assert!((back - p).abs() <= 1e-15 * p.max(1e-300) * 8.0, "{p} {z} {back}");
        }
        // scipy.stats.norm.ppf(0.05)
        assert!((norm_ppf(0.05) + 1.644_853_626_951_472_2).abs() < 1e-15);
    }

    /// Large inputs take the sampled selection path, which detects NaN in the same pass.
    #[test]
    fn nan_rules_on_large_inputs() {
        #[allow(clippy::cast_precision_loss)]
        let mut x: Vec<f64> =
            (0..50_000).map(|i| ((i * 7919 % 50_000) as f64 - 25_000.0) * 1e-6).collect();
        let clean_es = conditional_value_at_risk(&x, 0.05, "historical", 1).unwrap();
        assert!(value_at_risk(&x, 0.05, "historical", 1).unwrap().is_finite());
        x.push(f64::NAN);
        assert!(value_at_risk(&x, 0.05, "historical", 1).unwrap().is_nan());
        let es = conditional_value_at_risk(&x, 0.05, "historical", 1).unwrap();
        assert_eq!(es, clean_es);
        assert!(super::super::tail_ratio(&x).is_finite());
        // +inf and -inf (no NaN) stay a valid input for the historical VaR
        x.pop();
        x[10] = f64::INFINITY;
        x[11] = f64::NEG_INFINITY;
        assert!(value_at_risk(&x, 0.05, "historical", 1).unwrap().is_finite());
    }

    #[test]
    fn monte_carlo_converges_to_gaussian() {
        // a fixed return series (mean and std from the data), simulated at two horizons
        let r: Vec<f64> = (0..500).map(|i| 0.0005 + 0.01 * libm::sin(f64::from(i) * 1.7)).collect();
        let n = 200_000;
        for (h, c) in [(1u32, 0.05), (10, 0.01)] {
            let mc = MonteCarlo { paths: n, seed: 3 };
            let g = value_at_risk(&r, c, "gaussian", h).unwrap();
            let v = value_at_risk_with(&r, c, "monte_carlo", h, mc).unwrap();
            let (_, sd, _, _) = four_moments(&r);
            let sh = sd * f64::from(h).sqrt();
            let z = norm_ppf(c);
            // standard error of a sample quantile: sqrt(c (1 - c) / n) / pdf(q)
            let se = sh * (c * (1.0 - c) / n as f64).sqrt() / norm_pdf(z);
            assert!((v - g).abs() <= 5.0 * se, "h {h}: VaR {v} vs gaussian {g} (se {se})");
            let ge = conditional_value_at_risk(&r, c, "gaussian", h).unwrap();
            let e = conditional_value_at_risk_with(&r, c, "monte_carlo", h, mc).unwrap();
            // s.e. of the tail mean: (Var(X | X < q) + (1 - c)(q - ES)^2) / (c n), normal tail
            let tail_var =
                sh * sh * (1.0 - z * norm_pdf(z) / c - (norm_pdf(z) / c) * (norm_pdf(z) / c));
            let se_es = ((tail_var + (1.0 - c) * (g - ge) * (g - ge)) / (c * n as f64)).sqrt();
            assert!((e - ge).abs() <= 5.0 * se_es, "h {h}: ES {e} vs gaussian {ge} (se {se_es})");
        }
        // the seed makes it reproducible; the default options are 100,000 paths, seed 0
        let a = value_at_risk(&r, 0.05, "monte_carlo", 1).unwrap();
        let b = value_at_risk_with(&r, 0.05, "monte_carlo", 1, MonteCarlo::default()).unwrap();
        assert_eq!(a.to_bits(), b.to_bits());
        assert!(value_at_risk(&[0.1], 0.05, "monte_carlo", 1).unwrap().is_nan());
    }
}
