//! `summary`: the headline metrics of a return series in one call, from a few passes over
//! memory (one fused moments pass, one drawdown pass, two tail selections) instead of one
//! pass or more per metric.

use super::common::{ANNUALIZATION, PERIOD, RETURNS};
use super::convention::{
    max_drawdown_uncompounded, quantstats_cvar, skfolio_cvar, skfolio_value_at_risk, Convention,
    CONVENTION,
};
use super::drawdown::Drawdown;
use super::stats::{annualization_factor, lerp, non_nan, select_ranks_checked};
use crate::decl::{Flags, FunctionDecl, Module, OutputSpec};
use crate::error::Result;

/// The metrics [`summary`] returns, in order.
pub const SUMMARY_FIELDS: [&str; 13] = [
    "annual_return",
    "cum_returns",
    "annual_volatility",
    "sharpe_ratio",
    "calmar_ratio",
    "max_drawdown",
    "omega_ratio",
    "sortino_ratio",
    "skew",
    "kurtosis",
    "tail_ratio",
    "value_at_risk",
    "conditional_value_at_risk",
];

/// Central moments of one chunk (or of merged chunks), plus the sums the ratios need.
#[derive(Debug, Clone, Copy)]
struct Acc {
    n: f64,
    mean: f64,
    m2: f64,
    m3: f64,
    m4: f64,
    min: f64,
    max: f64,
    down_sq: f64,
    up: f64,
    down: f64,
    growth_m: f64,
    growth_e: i32,
}

impl Acc {
    const EMPTY: Self = Self {
        n: 0.0,
        mean: 0.0,
        m2: 0.0,
        m3: 0.0,
        m4: 0.0,
        min: f64::INFINITY,
        max: f64::NEG_INFINITY,
        down_sq: 0.0,
        up: 0.0,
        down: 0.0,
        growth_m: 1.0,
        growth_e: 0,
    };

    /// Pébay's pairwise update of the central moments up to the fourth.
    fn merge(mut self, b: &Self) -> Self {
        if b.n > 0.0 {
            if self.n == 0.0 {
                let (gm, ge, ds, up, dn) =
                    (self.growth_m, self.growth_e, self.down_sq, self.up, self.down);
                self = *b;
                self.growth_m = gm;
                self.growth_e = ge;
                self.down_sq = ds + b.down_sq;
                self.up = up + b.up;
                self.down = dn + b.down;
            } else {
                let (na, nb) = (self.n, b.n);
                let n = na + nb;
                let d = b.mean - self.mean;
                let d2 = d * d;
                let m2 = self.m2 + b.m2 + d2 * na * nb / n;
                let m3 = self.m3
                    + b.m3
                    + d2 * d * na * nb * (na - nb) / (n * n)
                    + 3.0 * d * (na * b.m2 - nb * self.m2) / n;
                let m4 = self.m4
                    + b.m4
                    + d2 * d2 * na * nb * (na * na - na * nb + nb * nb) / (n * n * n)
                    + 6.0 * d2 * (na * na * b.m2 + nb * nb * self.m2) / (n * n)
                    + 4.0 * d * (na * b.m3 - nb * self.m3) / n;
                self.mean += d * nb / n;
                self.n = n;
                self.m2 = m2;
                self.m3 = m3;
                self.m4 = m4;
                self.min = self.min.min(b.min);
                self.max = self.max.max(b.max);
                self.down_sq += b.down_sq;
                self.up += b.up;
                self.down += b.down;
            }
        }
        // growth is merged even for all-NaN chunks (a factor of 1)
        self.growth_m *= b.growth_m;
        self.growth_e += b.growth_e;
        let (m, e) = libm::frexp(self.growth_m);
        if self.growth_m.is_finite() && self.growth_m != 0.0 {
            self.growth_m = m;
            self.growth_e += e;
        }
        self
    }
}

const L: usize = 8;
const CHUNK: usize = 2048;

fn chunk_acc(c: &[f64]) -> Acc {
    let (mut s, mut k, mut lo, mut hi) =
        ([0.0f64; L], [0.0f64; L], [f64::INFINITY; L], [f64::NEG_INFINITY; L]);
    let (mut dsq, mut up, mut dn, mut g) = ([0.0f64; L], [0.0f64; L], [0.0f64; L], [1.0f64; L]);
    let blocks = c.chunks_exact(L);
    let rem = blocks.remainder();
    for b in blocks {
        for j in 0..L {
            let v = b[j];
            #[allow(clippy::eq_op, reason = "v == v is the branch-free not-NaN test")]
            let ok = v == v;
            let z = if ok { v } else { 0.0 };
            s[j] += z;
            k[j] += if ok { 1.0 } else { 0.0 };
            lo[j] = if v < lo[j] { v } else { lo[j] };
            hi[j] = if v > hi[j] { v } else { hi[j] };
            // min(z, 0) and max(z, 0) without branches (exact)
            let neg = (z - z.abs()) * 0.5;
            dsq[j] += neg * neg;
            up[j] += (z + z.abs()) * 0.5;
            dn[j] -= neg;
            g[j] *= 1.0 + z;
        }
    }
    for (j, &v) in rem.iter().enumerate() {
        if !v.is_nan() {
            s[j] += v;
            k[j] += 1.0;
            lo[j] = lo[j].min(v);
            hi[j] = hi[j].max(v);
            let neg = v.min(0.0);
            dsq[j] += neg * neg;
            up[j] += v.max(0.0);
            dn[j] -= neg;
            g[j] *= 1.0 + v;
        }
    }
    let n: f64 = k.iter().sum();
    let mut gm = 1.0f64;
    let mut ge = 0i32;
    for &x in &g {
        gm *= x;
        if gm.is_finite() && gm != 0.0 {
            let (m, e) = libm::frexp(gm);
            gm = m;
            ge += e;
        }
    }
    if !(gm.is_finite() && gm != 0.0) {
        // a lane over- or underflowed: the exact serial product with renormalisation
        let (m, e) = super::returns::growth(c);
        gm = m;
        ge = e;
    }
    let mut acc = Acc {
        n,
        down_sq: dsq.iter().sum(),
        up: up.iter().sum(),
        down: dn.iter().sum(),
        growth_m: gm,
        growth_e: ge,
        min: lo.iter().fold(f64::INFINITY, |a, &b| a.min(b)),
        max: hi.iter().fold(f64::NEG_INFINITY, |a, &b| a.max(b)),
        ..Acc::EMPTY
    };
    if n == 0.0 {
        return acc;
    }
    let mean = s.iter().sum::<f64>() / n;
    let (mut q2, mut q3, mut q4) = ([0.0f64; L], [0.0f64; L], [0.0f64; L]);
    let blocks = c.chunks_exact(L);
    let rem = blocks.remainder();
    for b in blocks {
        for j in 0..L {
            let d = b[j] - mean;
            let d = if d.is_nan() { 0.0 } else { d };
            let d2 = d * d;
            q2[j] += d2;
            q3[j] += d2 * d;
            q4[j] += d2 * d2;
        }
    }
    for (j, &v) in rem.iter().enumerate() {
        let d = v - mean;
        if !d.is_nan() {
            q2[j] += d * d;
            q3[j] += d * d * d;
            q4[j] += d * d * d * d;
        }
    }
    acc.mean = mean;
    acc.m2 = q2.iter().sum();
    acc.m3 = q3.iter().sum();
    acc.m4 = q4.iter().sum();
    acc
}

/// Linear-interpolation percentile of NaN-free `x` given the selected neighbour values.
#[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation, clippy::cast_sign_loss)]
fn pct_ranks(n: usize, q: f64) -> (usize, usize, f64) {
    let q = (100.0 * q) / 100.0;
    let virt = ((n as f64) * q + (1.0 - q) - 1.0).clamp(0.0, (n - 1) as f64);
    let lo = virt.floor();
    (lo as usize, (lo as usize + 1).min(n - 1), virt - lo)
}

/// Below this many returns the summary stays on one thread (a join costs more than it saves).
#[cfg(feature = "parallel")]
const PARALLEL_MIN: usize = 1 << 16;

/// Tail ratio, VaR and CVaR at `cutoff` of `x` by selection (one selection around the low
/// quantile serves VaR, CVaR and the 5th percentile when `cutoff` is 0.05); `None` when `x`
/// holds a NaN, NaNs for no values.
#[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation, clippy::cast_sign_loss)]
fn tails(x: &[f64], cutoff: f64) -> Option<(f64, f64, f64)> {
    let nan = f64::NAN;
    let m = x.len();
    if m == 0 {
        return Some((nan, nan, nan));
    }
    let (vlo, vhi, vt) = pct_ranks(m, cutoff);
    let kc = (((m - 1) as f64) * cutoff) as usize;
    let lo = vlo.min(kc);
    let hi = vhi.max(kc);
    let r = select_ranks_checked(x, lo, hi)?;
    // CVaR needs the sum below rank kc; VaR the values at vlo and vhi
    let (var, cvar) = if kc == lo && vlo == lo && (vhi == hi) {
        (lerp(r.lo_value, r.hi_value, vt), (r.sum_below + r.lo_value) / (kc + 1) as f64)
    } else {
        let a = select_ranks_checked(x, kc, kc)?;
        let b = select_ranks_checked(x, vlo, vhi)?;
        (lerp(b.lo_value, b.hi_value, vt), (a.sum_below + a.lo_value) / (kc + 1) as f64)
    };
    let p5 = if (cutoff - 0.05).abs() < f64::EPSILON {
        var
    } else {
        let (a, b, t) = pct_ranks(m, 0.05);
        let s = select_ranks_checked(x, a, b)?;
        lerp(s.lo_value, s.hi_value, t)
    };
    let (a, b, t) = pct_ranks(m, 0.95);
    let s = select_ranks_checked(x, a, b)?;
    Some((lerp(s.lo_value, s.hi_value, t).abs() / p5.abs(), var, cvar))
}

/// The headline metrics of a return series, each with its empyrical definition (names in
/// [`SUMMARY_FIELDS`]): annual return, cumulative return, annual volatility, Sharpe, Calmar,
/// max drawdown, Omega (threshold 0), Sortino (required return 0), skewness and excess
/// kurtosis (scipy.stats' biased defaults, NaN when any return is NaN), tail ratio, VaR and
/// CVaR at `cutoff`.
#[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation, clippy::cast_sign_loss)]
pub fn summary(
    returns: &[f64],
    period: &str,
    annualization: Option<f64>,
    cutoff: f64,
) -> Result<[f64; 13]> {
    let factor = annualization_factor(period, annualization)?;
    let total = returns.len();
    let nan = f64::NAN;
    // one pass: moments, sums and growth per chunk, the drawdown state fed the same chunk
    // while it is in L1; the tail selections are independent of it and run on a second
    // thread when the pool has one (rayon::join runs both in turn on one thread)
    let pass = || {
        let mut dd = Drawdown::START;
        let acc = returns.chunks(CHUNK).fold(Acc::EMPTY, |a, c| {
            dd.feed(c);
            a.merge(&chunk_acc(c))
        });
        (acc, dd)
    };
    let tails_task = || tails(returns, cutoff);
    #[cfg(feature = "parallel")]
    let ((acc, dd), tails_found) = if returns.len() >= PARALLEL_MIN {
        rayon::join(pass, tails_task)
    } else {
        (pass(), tails_task())
    };
    #[cfg(not(feature = "parallel"))]
    let ((acc, dd), tails_found) = (pass(), tails_task());
    let n = acc.n;
    let has_nan = (n as usize) < total;
    let years = total as f64 / factor;
    let growth = libm::ldexp(acc.growth_m, acc.growth_e);
    let annual_return = if total == 0 {
        nan
    } else if growth.is_normal() || growth == 0.0 {
        libm::pow(growth, 1.0 / years) - 1.0
    } else if acc.growth_m > 0.0 {
        libm::exp2((libm::log2(acc.growth_m) + f64::from(acc.growth_e)) / years) - 1.0
    } else {
        nan
    };
    let cum = if total == 0 { nan } else { growth - 1.0 };
    let sd = if n > 1.0 { (acc.m2 / (n - 1.0)).sqrt() } else { nan };
    let sd0 = if n > 0.0 && acc.min == acc.max && sd.is_finite() { 0.0 } else { sd };
    let mean = if n > 0.0 { acc.mean } else { nan };
    let two = total >= 2;
    let vol = if two { sd * factor.sqrt() } else { nan };
    let sharpe = if two { mean / sd0 * factor.sqrt() } else { nan };
    let mdd = if total == 0 { nan } else { dd.max_drawdown() };
    let calmar = if mdd < 0.0 {
        let c = annual_return / mdd.abs();
        if c.is_infinite() {
            nan
        } else {
            c
        }
    } else {
        nan
    };
    let omega = if two && acc.down > 0.0 { acc.up / acc.down } else { nan };
    let sortino =
        if two { (mean * factor) / ((acc.down_sq / n).sqrt() * factor.sqrt()) } else { nan };
    let (skew, kurt) = if has_nan || n == 0.0 {
        (nan, nan)
    } else {
        let m2 = acc.m2 / n;
        ((acc.m3 / n) / libm::pow(m2, 1.5), (acc.m4 / n) / (m2 * m2) - 3.0)
    };
    // a NaN found by the selections: again on the NaN-free copy
    let (tail, mut var, cvar) =
        tails_found.unwrap_or_else(|| tails(&non_nan(returns), cutoff).unwrap_or((nan, nan, nan)));
    if has_nan {
        var = nan;
    }
    // NaN from arithmetic (0/0) carries the sign the hardware gives it (negative on x86,
    // positive in WASM): one canonical NaN keeps native and WASM results bit-identical
    let canon = |v: f64| if v.is_nan() { f64::NAN } else { v };
    Ok([
        canon(annual_return),
        canon(cum),
        canon(vol),
        canon(sharpe),
        canon(calmar),
        canon(mdd),
        canon(omega),
        canon(sortino),
        canon(skew),
        canon(kurt),
        canon(tail),
        canon(var),
        canon(cvar),
    ])
}

/// [`summary`] under a [`Convention`]: quantstats makes Sortino NaN without downside and
/// takes its historical CVaR ([`quantstats_cvar`]); skfolio reports the uncompounded maximum
/// drawdown ([`max_drawdown_uncompounded`]) and VaR / CVaR as positive losses by its rank
/// rule ([`skfolio_value_at_risk`], [`skfolio_cvar`]). The other fields, Calmar included,
/// are empyrical's under every convention. The empyrical preset is the fused pass; the others
/// add one pass per replaced field.
///
/// # Errors
/// As [`summary`].
pub fn summary_with(
    returns: &[f64],
    period: &str,
    annualization: Option<f64>,
    cutoff: f64,
    convention: Convention,
) -> Result<[f64; 13]> {
    let mut v = summary(returns, period, annualization, cutoff)?;
    match convention {
        Convention::Empyrical => {}
        Convention::Quantstats => {
            if v[7].is_infinite() {
                v[7] = f64::NAN;
            }
            v[12] = quantstats_cvar(returns, cutoff);
        }
        Convention::Skfolio => {
            v[5] = max_drawdown_uncompounded(returns);
            v[11] = skfolio_value_at_risk(returns, cutoff);
            v[12] = skfolio_cvar(returns, cutoff);
        }
    }
    Ok(v)
}

/// Declaration of `summary`.
pub static SUMMARY: FunctionDecl = FunctionDecl {
    name: "summary",
    module: Module::Risk,
    group: "Summary",
    summary: "Headline metrics in one call",
    doc: "annual_return, cum_returns (final), annual_volatility, sharpe_ratio, calmar_ratio, max_drawdown, omega_ratio, sortino_ratio, skew, kurtosis (scipy.stats, biased; NaN with NaN input), tail_ratio, value_at_risk and conditional_value_at_risk (historical, at cutoff), each as the empyrical function of that name with its defaults, from a few fused passes. Reference: empyrical's functions and scipy.stats.skew / kurtosis. convention=\"quantstats\" or \"skfolio\" replaces the fields those libraries define differently (sortino_ratio and conditional_value_at_risk; max_drawdown, value_at_risk and conditional_value_at_risk), as the single functions with that convention.",
    inputs: &[RETURNS],
    params: &[
        PERIOD,
        ANNUALIZATION,
        crate::decl::ParamSpec::float("cutoff", 0.05, 0.0, 1.0, "tail probability of VaR and CVaR"),
        CONVENTION,
    ],
    outputs: &[
        OutputSpec::scalar("annual_return"),
        OutputSpec::scalar("cum_returns"),
        OutputSpec::scalar("annual_volatility"),
        OutputSpec::scalar("sharpe_ratio"),
        OutputSpec::scalar("calmar_ratio"),
        OutputSpec::scalar("max_drawdown"),
        OutputSpec::scalar("omega_ratio"),
        OutputSpec::scalar("sortino_ratio"),
        OutputSpec::scalar("skew"),
        OutputSpec::scalar("kurtosis"),
        OutputSpec::scalar("tail_ratio"),
        OutputSpec::scalar("value_at_risk"),
        OutputSpec::scalar("conditional_value_at_risk"),
    ],
    flags: Flags::NONE,
    lookback: None,
    compute: |i, p, o| {
        let conv = Convention::parse(p.str(3))?;
        let v = summary_with(i.series(0), p.str(0), p.opt_float(1), p.float(2), conv)?;
        for (k, x) in v.iter().enumerate() {
            o.f64(k)[0] = *x;
        }
        Ok(())
    },
    stream: None,
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::risk;

    /// On a series long enough for the sampled selection, every field equals the function of
    /// the same name.
    #[test]
    fn summary_equals_the_individual_functions() {
        let mut s = 99u64;
        let x: Vec<f64> = (0..200_001)
            .map(|_| {
                s = s
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                #[allow(clippy::cast_precision_loss)]
                let u = (s >> 11) as f64 / (1u64 << 53) as f64;
                (u - 0.4999) * 0.04
            })
            .collect();
        let got = summary(&x, "daily", None, 0.05).unwrap();
        let want = [
            risk::annual_return(&x, "daily", None).unwrap(),
            risk::cum_returns_final(&x, 0.0),
            risk::annual_volatility(&x, "daily", 2.0, None).unwrap(),
            risk::sharpe_ratio(&x, 0.0, "daily", None).unwrap(),
            risk::calmar_ratio(&x, "daily", None).unwrap(),
            risk::max_drawdown(&x),
            risk::omega_ratio(&x, 0.0, 0.0, 252.0),
            risk::sortino_ratio(&x, 0.0, "daily", None).unwrap(),
            f64::NAN,
            f64::NAN,
            risk::tail_ratio(&x),
            risk::value_at_risk(&x, 0.05, "historical", 1).unwrap(),
            risk::conditional_value_at_risk(&x, 0.05, "historical", 1).unwrap(),
        ];
        for (k, (g, w)) in got.iter().zip(&want).enumerate() {
            if w.is_nan() {
                continue;
            }
            assert!((g - w).abs() <= 1e-10 * w.abs(), "{}: {g} vs {w}", SUMMARY_FIELDS[k]);
        }
        assert!(got[8].is_finite() && got[9].is_finite());
    }
}
