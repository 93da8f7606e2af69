//! Drawdowns relative to the running peak: `max_drawdown`, `drawdown_series` (the underwater
//! curve), `calmar_ratio`, `ulcer_index`.
//!
//! Everything is computed in ratio form, `q = wealth / running peak` (never above 1), updated
//! by `q *= 1 + r` and reset to 1 at a new peak. Cumulative wealth itself is never formed, so
//! the result stays exact where wealth overflows f64 (empyrical, quantstats and skfolio divide
//! `inf` by `inf` there).

use super::common::{ANNUALIZATION, PERIOD, RETURNS};
use super::returns::annual_return_with;
use super::stats::annualization_factor;
use crate::decl::{Flags, FunctionDecl, Module, OutputSpec};
use crate::error::Result;

#[inline]
fn factor(r: f64) -> f64 {
    if r.is_nan() {
        1.0
    } else {
        r + 1.0
    }
}

/// Serial ratio-form maximum drawdown (`min q - 1`, 0 when wealth never falls).
fn mdd_serial(x: &[f64]) -> f64 {
    let mut q = 1.0f64;
    let mut worst = 1.0f64;
    for &r in x {
        q *= factor(r);
        if q > 1.0 {
            q = 1.0;
        }
        if q < worst {
            worst = q;
        }
    }
    worst - 1.0
}

/// Block statistics for the parallel-lanes form: growth `p` over the block, the minimum
/// growth `min_p` at any point, and the ratio-form `q` (peak inside the block or at its
/// entry) with its minimum. A block entered at ratio `R` reaches `min(R * min_p, min_q)` and
/// leaves at `min(R * p, q)`, as long as wealth stays positive.
#[derive(Debug, Clone, Copy)]
struct Block {
    p: f64,
    min_p: f64,
    q: f64,
    min_q: f64,
    min_f: f64,
}

const LANES: usize = 8;

/// Maximum drawdown over 8 interleaved blocks at once (8 independent dependency chains), then
/// a serial combination of the blocks; falls back to the serial loop when wealth could turn
/// non-positive or a block's growth leaves f64's range.
fn mdd_lanes(x: &[f64]) -> f64 {
    let len = x.len() / LANES;
    let mut b = [Block { p: 1.0, min_p: f64::INFINITY, q: 1.0, min_q: 1.0, min_f: 1.0 }; LANES];
    for t in 0..len {
        for (k, s) in b.iter_mut().enumerate() {
            let f = factor(x[k * len + t]);
            s.p *= f;
            s.min_p = if s.p < s.min_p { s.p } else { s.min_p };
            let q = s.q * f;
            s.q = if q > 1.0 { 1.0 } else { q };
            s.min_q = if s.q < s.min_q { s.q } else { s.min_q };
            s.min_f = if f < s.min_f { f } else { s.min_f };
        }
    }
    let ok = b
        .iter()
        .all(|s| s.min_f > 0.0 && s.p.is_finite() && s.min_p > 1e-280 && s.min_p.is_finite());
    if !ok {
        return mdd_serial(x);
    }
    let mut r = 1.0f64;
    let mut worst = 1.0f64;
    for s in &b {
        worst = worst.min(r * s.min_p).min(s.min_q);
        r = (r * s.p).min(s.q);
    }
    // the tail (fewer than 8 values) serially, entered at ratio r
    for &v in &x[LANES * len..] {
        r *= factor(v);
        if r > 1.0 {
            r = 1.0;
        }
        worst = worst.min(r);
    }
    worst - 1.0
}

/// Maximum drawdown: the worst fall of cumulative wealth from its running peak, as a negative
/// fraction (0 when wealth never falls; NaN for no returns). NaN returns count as 0, the
/// starting wealth counts as a peak (empyrical's `max_drawdown`). Exact where cumulative
/// wealth overflows f64.
///
/// # Examples
/// ```
/// let r = [0.5, -0.2, -0.5, 0.1];
/// let mdd = sextant_core::risk::max_drawdown(&r);
/// assert!((mdd - (0.8 * 0.5 - 1.0)).abs() < 1e-15);
/// ```
pub fn max_drawdown(returns: &[f64]) -> f64 {
    if returns.is_empty() {
        f64::NAN
    } else if returns.len() < 1024 {
        mdd_serial(returns)
    } else {
        mdd_lanes(returns)
    }
}

/// The drawdown at each period, `wealth / running peak - 1` (the underwater curve; 0 at a
/// peak), NaN returns counting as 0. Empyrical's internal `drawdown_series`.
pub fn drawdown_series(returns: &[f64]) -> Vec<f64> {
    let mut out = vec![0.0; returns.len()];
    drawdown_series_into(returns, &mut out);
    out
}

/// [`drawdown_series`] into a caller-provided buffer of the same length.
pub fn drawdown_series_into(returns: &[f64], out: &mut [f64]) {
    let mut q = 1.0f64;
    for (o, &r) in out.iter_mut().zip(returns) {
        q *= factor(r);
        if q > 1.0 {
            q = 1.0;
        }
        *o = q - 1.0;
    }
}

/// Calmar ratio: annual return over the absolute maximum drawdown; NaN when there is no
/// drawdown or the ratio is infinite (empyrical's `calmar_ratio`).
pub fn calmar_ratio(returns: &[f64], period: &str, annualization: Option<f64>) -> Result<f64> {
    let factor = annualization_factor(period, annualization)?;
    Ok(calmar_with(returns, factor, max_drawdown(returns)))
}

pub(crate) fn calmar_with(returns: &[f64], factor: f64, mdd: f64) -> f64 {
    if mdd < 0.0 {
        let c = annual_return_with(returns, factor) / mdd.abs();
        if c.is_infinite() {
            f64::NAN
        } else {
            c
        }
    } else {
        f64::NAN
    }
}

/// Ulcer index: `sqrt(mean(drawdown^2))` over the drawdown series (fractions, not percent;
/// Peter Martin's definition on the running-peak drawdown); NaN for no returns.
#[allow(clippy::cast_precision_loss, reason = "lengths are far below 2^52")]
pub fn ulcer_index(returns: &[f64]) -> f64 {
    if returns.is_empty() {
        return f64::NAN;
    }
    let mut q = 1.0f64;
    let mut ss = 0.0f64;
    for &r in returns {
        q *= factor(r);
        if q > 1.0 {
            q = 1.0;
        }
        ss += (q - 1.0) * (q - 1.0);
    }
    (ss / returns.len() as f64).sqrt()
}

/// Declaration of `max_drawdown`.
pub static MAX_DRAWDOWN: FunctionDecl = FunctionDecl {
    name: "max_drawdown",
    module: Module::Risk,
    group: "Drawdown",
    summary: "Maximum drawdown",
    doc: "min over t of wealth_t / running peak_t - 1 (negative; 0 without a fall), NaN returns as 0, computed in ratio form so it stays exact where cumulative wealth overflows f64. Reference: empyrical.max_drawdown.",
    inputs: &[RETURNS],
    params: &[],
    outputs: &[OutputSpec::scalar("max_drawdown")],
    flags: Flags::NONE,
    lookback: None,
    compute: |i, _, o| {
        o.f64(0)[0] = max_drawdown(i.series(0));
        Ok(())
    },
    stream: None,
};

/// Declaration of `drawdown_series`.
pub static DRAWDOWN_SERIES: FunctionDecl = FunctionDecl {
    name: "drawdown_series",
    module: Module::Risk,
    group: "Drawdown",
    summary: "Drawdown at each period (underwater curve)",
    doc: "wealth_t / running peak_t - 1 at every period (0 at a peak), NaN returns as 0, ratio form. Reference: empyrical.stats.drawdown_series.",
    inputs: &[RETURNS],
    params: &[],
    outputs: &[OutputSpec::f64("drawdown")],
    flags: Flags::NONE,
    lookback: None,
    compute: |i, _, o| {
        drawdown_series_into(i.series(0), o.f64(0));
        Ok(())
    },
    stream: None,
};

/// Declaration of `calmar_ratio`.
pub static CALMAR_RATIO: FunctionDecl = FunctionDecl {
    name: "calmar_ratio",
    module: Module::Risk,
    group: "Ratios",
    summary: "Calmar ratio",
    doc: "annual_return / |max_drawdown|; NaN without a drawdown or when infinite. Reference: empyrical.calmar_ratio.",
    inputs: &[RETURNS],
    params: &[PERIOD, ANNUALIZATION],
    outputs: &[OutputSpec::scalar("calmar_ratio")],
    flags: Flags::NONE,
    lookback: None,
    compute: |i, p, o| {
        o.f64(0)[0] = calmar_ratio(i.series(0), p.str(0), p.opt_float(1))?;
        Ok(())
    },
    stream: None,
};

/// Declaration of `ulcer_index`.
pub static ULCER_INDEX: FunctionDecl = FunctionDecl {
    name: "ulcer_index",
    module: Module::Risk,
    group: "Drawdown",
    summary: "Ulcer index",
    doc: "sqrt(mean(drawdown_t^2)) over the running-peak drawdown series, as fractions (multiply by 100 for Martin's percent form). Closed form.",
    inputs: &[RETURNS],
    params: &[],
    outputs: &[OutputSpec::scalar("ulcer_index")],
    flags: Flags::NONE,
    lookback: None,
    compute: |i, _, o| {
        o.f64(0)[0] = ulcer_index(i.series(0));
        Ok(())
    },
    stream: None,
};

#[cfg(test)]
mod tests {
    use super::*;

    /// A long exponential run-up that overflows cumulative wealth, then a crash: the truth is
    /// 0.99^312 - 1 = -95.65%, which wealth-based implementations cannot see (inf / inf).
    #[test]
    fn max_drawdown_survives_wealth_overflow() {
        let mut r = vec![0.01; 80_000];
        r.extend(std::iter::repeat(-0.01).take(312));
        let truth = 0.99f64.powi(312) - 1.0;
        assert!((truth + 0.9565).abs() < 1e-4);
        // sanity: the naive wealth really overflows
        assert!(r.iter().fold(1.0f64, |w, x| w * (1.0 + x)).is_infinite());
        for got in [max_drawdown(&r), mdd_serial(&r), drawdown_series(&r)[r.len() - 1]] {
            assert!((got - truth).abs() < 1e-12 * truth.abs(), "{got} vs {truth}");
        }
    }

    #[test]
    fn lanes_equal_serial() {
        let mut s = 12345u64;
        let x: Vec<f64> = (0..10_007)
            .map(|_| {
                s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                #[allow(clippy::cast_precision_loss)]
                let u = (s >> 11) as f64 / (1u64 << 53) as f64;
                (u - 0.49) * 0.05
            })
            .collect();
        let (a, b) = (mdd_lanes(&x), mdd_serial(&x));
        assert!((a - b).abs() < 1e-12, "{a} {b}");
    }
}
