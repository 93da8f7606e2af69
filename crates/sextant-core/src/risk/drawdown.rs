//! Drawdowns relative to the running peak: `max_drawdown`, `drawdown_series` (the underwater
//! curve), `calmar_ratio`, `ulcer_index`.
//!
//! Everything is computed in ratio form, `q = wealth / running peak` (never above 1), updated
//! by `q *= 1 + r` and reset to 1 at a new peak. Cumulative wealth itself is never formed, so
//! the result stays exact where wealth overflows f64 (empyrical, quantstats and skfolio divide
//! `inf` by `inf` there).

use super::common::{ANNUALIZATION, PERIOD, RETURNS};
use super::convention::{max_drawdown_uncompounded, Convention, CONVENTION};
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
#[cfg(test)]
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

/// Running drawdown state in ratio form: `r` is wealth over the running peak on entry to the
/// next value (1 at a peak) and `worst` the lowest ratio seen. Fed chunk by chunk.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Drawdown {
    r: f64,
    worst: f64,
}

const LANES: usize = 8;

impl Drawdown {
    pub(crate) const START: Self = Self { r: 1.0, worst: 1.0 };

    /// The maximum drawdown so far (`worst - 1`).
    pub(crate) fn max_drawdown(&self) -> f64 {
        self.worst - 1.0
    }

    /// The exact serial recurrence.
    fn feed_serial(&mut self, x: &[f64]) {
        let (mut q, mut worst) = (self.r, self.worst);
        for &v in x {
            q *= factor(v);
            if q > 1.0 {
                q = 1.0;
            }
            if q < worst {
                worst = q;
            }
        }
        self.r = q;
        self.worst = worst;
    }

    /// Feeds a chunk (meant to sit in L1 cache): its 8 sub-blocks run as 8 independent
    /// dependency chains, each giving its growth `p`, lowest growth `min_p`, ratio `q` from a
    /// peak at its own start and lowest `min_q`; entered at ratio `R`, a block reaches
    /// `min(R min_p, min_q)` and leaves at `min(R p, q)` (for positive wealth). A chunk with a
    /// non-positive factor or a growth outside f64's comfortable range runs serially.
    pub(crate) fn feed(&mut self, x: &[f64]) {
        let len = x.len() / LANES;
        if len < 8 {
            self.feed_serial(x);
            return;
        }
        let mut p = [1.0f64; LANES];
        let mut min_p = [f64::INFINITY; LANES];
        let mut q = [1.0f64; LANES];
        let mut min_q = [1.0f64; LANES];
        for t in 0..len {
            for k in 0..LANES {
                let f = factor(x[k * len + t]);
                p[k] *= f;
                min_p[k] = if p[k] < min_p[k] { p[k] } else { min_p[k] };
                let qq = q[k] * f;
                q[k] = if qq > 1.0 { 1.0 } else { qq };
                min_q[k] = if q[k] < min_q[k] { q[k] } else { min_q[k] };
            }
        }
        // a factor <= 0 (a return <= -100%) drives the growth to 0 or below, an infinite
        // return makes it infinite: both show in p and min_p
        let ok = (0..LANES).all(|k| p[k].is_finite() && min_p[k].is_finite() && min_p[k] > 1e-280);
        if !ok {
            self.feed_serial(x);
            return;
        }
        let (mut r, mut worst) = (self.r, self.worst);
        for k in 0..LANES {
            worst = worst.min(r * min_p[k]).min(min_q[k]);
            r = (r * p[k]).min(q[k]);
        }
        self.r = r;
        self.worst = worst;
        self.feed_serial(&x[LANES * len..]);
    }
}

/// Chunk length of the drawdown pass (8 sub-blocks of 256 values, 16 KiB: in L1).
pub(crate) const DD_CHUNK: usize = 2048;

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
        return f64::NAN;
    }
    let mut dd = Drawdown::START;
    for c in returns.chunks(DD_CHUNK) {
        dd.feed(c);
    }
    dd.max_drawdown()
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

/// One drawdown period of [`top_drawdowns`]; indices are positions in `returns` (the wealth
/// after that return), `-1` for the starting wealth.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DrawdownPeriod {
    /// Index of the peak (last point at the running maximum before the valley).
    pub peak: i64,
    /// Index of the valley (the lowest point of the period).
    pub valley: i64,
    /// Index where wealth regains the peak, `None` if it has not.
    pub recovery: Option<i64>,
    /// Depth at the valley, `wealth / peak - 1` (negative).
    pub drawdown: f64,
}

/// A drawdown shallower than this counts as being at the peak in [`top_drawdowns`], so a
/// recovery to the peak is found whether rounding leaves wealth one ulp above or below it.
pub const AT_PEAK: f64 = 1e-12;

/// The `top` deepest drawdown periods, deepest first (pyfolio's `get_top_drawdowns` on the
/// ratio-form underwater curve): the deepest valley, its peak and recovery; that period is
/// removed and the search repeats on what is left. Fewer when the series has fewer. Wealth
/// within [`AT_PEAK`] (1e-12) of its peak counts as at the peak.
#[allow(clippy::cast_possible_wrap, reason = "lengths are far below 2^63")]
pub fn top_drawdowns(returns: &[f64], top: usize) -> Vec<DrawdownPeriod> {
    let dd = drawdown_series(returns);
    let at_peak = |v: &f64| *v >= -AT_PEAK;
    let mut free = vec![true; dd.len()];
    let mut out = Vec::new();
    while out.len() < top {
        let valley = dd
            .iter()
            .enumerate()
            .filter(|(i, v)| free[*i] && !at_peak(v))
            .min_by(|a, b| a.1.total_cmp(b.1))
            .map(|(i, _)| i);
        let Some(valley) = valley else { break };
        let peak = dd[..valley].iter().rposition(at_peak);
        let recovery = dd[valley..].iter().position(at_peak).map(|k| valley + k);
        let start = peak.map_or(0, |p| p + 1);
        let end = recovery.unwrap_or(dd.len());
        for f in &mut free[start..end] {
            *f = false;
        }
        out.push(DrawdownPeriod {
            peak: peak.map_or(-1, |p| p as i64),
            valley: valley as i64,
            recovery: recovery.map(|r| r as i64),
            drawdown: dd[valley],
        });
    }
    out
}

/// Declaration of `top_drawdowns`.
pub static TOP_DRAWDOWNS: FunctionDecl = FunctionDecl {
    name: "top_drawdowns",
    module: Module::Risk,
    group: "Drawdown",
    summary: "The deepest drawdown periods",
    doc: "The top deepest drawdown periods of the running-peak drawdown series, deepest first, as pyfolio's get_top_drawdowns finds them: peak, valley and recovery indices into returns (-1: the starting wealth; NaN: not recovered), depth, and duration in periods from peak to recovery (NaN if not recovered). Rows beyond the number of periods are NaN.",
    inputs: &[RETURNS],
    params: &[crate::decl::ParamSpec::int("top", 5, 1, 10_000, "number of drawdown periods")],
    outputs: &[
        OutputSpec::counted("peak", "top"),
        OutputSpec::counted("valley", "top"),
        OutputSpec::counted("recovery", "top"),
        OutputSpec::counted("drawdown", "top"),
        OutputSpec::counted("duration", "top"),
    ],
    flags: Flags::NONE,
    lookback: None,
    compute: |i, p, o| {
        let periods = top_drawdowns(i.series(0), p.usize(0));
        #[allow(clippy::cast_precision_loss, reason = "indices are far below 2^52")]
        let cols: [Vec<f64>; 5] = [
            periods.iter().map(|d| d.peak as f64).collect(),
            periods.iter().map(|d| d.valley as f64).collect(),
            periods.iter().map(|d| d.recovery.map_or(f64::NAN, |r| r as f64)).collect(),
            periods.iter().map(|d| d.drawdown).collect(),
            periods.iter().map(|d| d.recovery.map_or(f64::NAN, |r| (r - d.peak) as f64)).collect(),
        ];
        for (k, c) in cols.iter().enumerate() {
            let out = o.f64(k);
            out.fill(f64::NAN);
            for (d, v) in out.iter_mut().zip(c) {
                *d = *v;
            }
        }
        Ok(())
    },
    stream: None,
};

/// Declaration of `max_drawdown`.
pub static MAX_DRAWDOWN: FunctionDecl = FunctionDecl {
    name: "max_drawdown",
    module: Module::Risk,
    group: "Drawdown",
    summary: "Maximum drawdown",
    doc: "min over t of wealth_t / running peak_t - 1 (negative; 0 without a fall), NaN returns as 0, computed in ratio form so it stays exact where cumulative wealth overflows f64. Reference: empyrical.max_drawdown (quantstats.stats.max_drawdown is the same); convention=\"skfolio\": the largest fall of the running sum of returns below its peak, positive (skfolio.measures.max_drawdown(get_drawdowns(r, compounded=False))).",
    inputs: &[RETURNS],
    params: &[CONVENTION],
    outputs: &[OutputSpec::scalar("max_drawdown")],
    flags: Flags::NONE,
    lookback: None,
    compute: |i, p, o| {
        o.f64(0)[0] = match Convention::parse(p.str(0))? {
            Convention::Skfolio => max_drawdown_uncompounded(i.series(0)),
            _ => max_drawdown(i.series(0)),
        };
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
        r.extend(std::iter::repeat_n(-0.01, 312));
        let truth = libm::pow(0.99, 312.0) - 1.0;
        assert!((truth + 0.9565).abs() < 1e-4);
        // sanity: the naive wealth really overflows
        assert!(r.iter().fold(1.0f64, |w, x| w * (1.0 + x)).is_infinite());
        for got in [max_drawdown(&r), mdd_serial(&r), drawdown_series(&r)[r.len() - 1]] {
            assert!((got - truth).abs() < 1e-12 * truth.abs(), "{got} vs {truth}");
        }
    }

    #[test]
    fn top_drawdowns_find_disjoint_periods() {
        // 100 -> 90 (-10%) -> 100 (recovered at 2) -> 110 -> 77 (-30%) -> 88, never recovered
        let r = [-0.1, 1.0 / 9.0, 0.1, -0.3, 88.0 / 77.0 - 1.0];
        let t = top_drawdowns(&r, 5);
        assert_eq!(t.len(), 2);
        assert_eq!((t[0].peak, t[0].valley, t[0].recovery), (2, 3, None));
        assert!((t[0].drawdown + 0.3).abs() < 1e-12);
        assert_eq!((t[1].peak, t[1].valley, t[1].recovery), (-1, 0, Some(1)));
        assert!((t[1].drawdown + 0.1).abs() < 1e-12);
        let d = &TOP_DRAWDOWNS;
        let p = d.params_named([("top", crate::decl::Value::Int(3))]).unwrap();
        let out = d.call(&[crate::decl::InputData::Series(&r)], &p).unwrap();
        let crate::decl::OutVec::F64(dur) = &out[4] else { panic!() };
        assert!(dur[0].is_nan() && dur[1] == 2.0 && dur[2].is_nan());
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
        let (a, b) = (max_drawdown(&x), mdd_serial(&x));
        assert!((a - b).abs() < 1e-12, "{a} {b}");
        // a chunk with a total loss (factor 0) and one with a return below -100% run serially
        let mut y = x.clone();
        y[5000] = -1.0;
        y[9000] = -1.5;
        let (a, b) = (max_drawdown(&y), mdd_serial(&y));
        assert!((a - b).abs() < 1e-12, "{a} {b}");
    }
}
