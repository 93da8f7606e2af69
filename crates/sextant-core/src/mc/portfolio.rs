//! Investment simulation: a portfolio of correlated GBM assets with an initial amount, a
//! schedule of contributions and withdrawals, rebalancing and fees. Statistics stream step by
//! step over all paths at once, so memory is O(paths x assets), never O(paths x steps).

use super::gbm::{check_steps, cholesky, finite, positive, Run, BLOCK, MAX_VALUES};
use super::rng::{Stream, Ziggurat};
use crate::error::{Error, Num, Result};

/// The portfolio of [`simulate_portfolio`].
#[derive(Debug, Clone, Copy)]
pub struct Portfolio<'a> {
    /// Target weights, one per asset, summing to 1 (short positions allowed).
    pub weights: &'a [f64],
    /// Annualised drifts of the assets.
    pub mu: &'a [f64],
    /// `n x n` annualised covariance of log returns, row-major, positive semi-definite.
    pub cov: &'a [f64],
    /// Initial amount, > 0.
    pub initial: f64,
    /// Cash flow at the end of each step (contribution > 0, withdrawal < 0): empty for none,
    /// one value for the same flow every step, or `steps` values.
    pub cashflows: &'a [f64],
    /// Rebalance to the target weights every this many steps; 0 never (buy and hold).
    pub rebalance_every: usize,
    /// Annual fee as a fraction of wealth, in [0, 1), charged every step as
    /// `(1 - fee)^dt` so a year's charges compound to `fee`.
    pub fee: f64,
    /// Horizon in years, > 0.
    pub years: f64,
    /// Number of equal steps, >= 1.
    pub steps: usize,
}

/// What [`simulate_portfolio`] reports.
#[derive(Debug, Clone, Copy)]
pub struct PortfolioStats<'a> {
    /// Percentiles of wealth per step, each in [0, 100].
    pub percentiles: &'a [f64],
    /// Wealth target for the probability of reaching a goal (`None`: not computed, NaN).
    pub goal: Option<f64>,
    /// Tail probability of the VaR and ES, in (0, 1).
    pub cutoff: f64,
}

/// The results of [`simulate_portfolio`].
#[derive(Debug, Clone, PartialEq)]
pub struct PortfolioResult {
    /// Wealth percentiles per step, `(steps + 1) x percentiles` row-major (row 0: the initial
    /// amount), numpy's default (linear) interpolation over the paths of the call.
    pub bands: Vec<f64>,
    /// Terminal wealth per path.
    pub terminal: Vec<f64>,
    /// Mean terminal wealth.
    pub mean: f64,
    /// Fraction of paths whose terminal wealth is at least the goal (NaN without a goal).
    pub prob_goal: f64,
    /// Fraction of paths ruined (wealth at or below 0 after a step; absorbing).
    pub prob_ruin: f64,
    /// Value at risk of the profit `terminal - invested` (`invested` = initial + the sum of the
    /// cash flows): its `cutoff` quantile, negative for a loss.
    pub var: f64,
    /// Expected shortfall: the mean profit over the worst `floor((paths - 1) cutoff) + 1`
    /// paths (empyrical's rule).
    pub es: f64,
}

fn bad(input: &str, reason: String) -> Error {
    Error::InvalidInput { input: input.into(), reason }
}

#[allow(clippy::cast_precision_loss, reason = "asset counts are small")]
fn check(p: &Portfolio<'_>, st: &PortfolioStats<'_>, run: &Run) -> Result<Vec<f64>> {
    let n = p.weights.len();
    if n == 0 {
        return Err(bad("weights", "no assets (empty)".into()));
    }
    crate::error::check_same_len("mu", p.mu.len(), "weights", n)?;
    if p.cov.len() != n * n {
        return Err(bad(
            "cov",
            format!("must be {n} x {n} for {n} assets ({} values), got {}", n * n, p.cov.len()),
        ));
    }
    for (name, xs) in [("weights", p.weights), ("mu", p.mu), ("cashflows", p.cashflows)] {
        if let Some(k) = xs.iter().position(|v| !v.is_finite()) {
            return Err(bad(name, format!("value {} at {k} is not finite", Num(xs[k]))));
        }
    }
    let sum: f64 = p.weights.iter().sum();
    if (sum - 1.0).abs() > 1e-6 {
        return Err(bad("weights", format!("must sum to 1 (within 1e-6), got {}", Num(sum))));
    }
    positive("initial", p.initial)?;
    if !(0.0..1.0).contains(&p.fee) {
        return Err(Error::OutOfRange {
            param: "fee".into(),
            value: Num(p.fee).to_string(),
            bound: "must be in [0, 1)".into(),
        });
    }
    positive("years", p.years)?;
    check_steps(p.steps)?;
    if !(p.cashflows.len() <= 1 || p.cashflows.len() == p.steps) {
        return Err(bad(
            "cashflows",
            format!(
                "must be empty, one value, or one per step ({}), got {}",
                p.steps,
                p.cashflows.len()
            ),
        ));
    }
    if let Some(k) = st.percentiles.iter().position(|q| !(0.0..=100.0).contains(q)) {
        return Err(bad(
            "percentiles",
            format!("value {} at {k} is not in [0, 100]", Num(st.percentiles[k])),
        ));
    }
    if let Some(g) = st.goal {
        finite("goal", g)?;
    }
    if !(st.cutoff > 0.0 && st.cutoff < 1.0) {
        return Err(Error::OutOfRange {
            param: "cutoff".into(),
            value: Num(st.cutoff).to_string(),
            bound: "must be in (0, 1)".into(),
        });
    }
    run.check()?;
    let cells = p.steps.saturating_add(1).saturating_mul(st.percentiles.len());
    let state = run.paths.saturating_mul(n + 6);
    if run.paths > MAX_VALUES || cells > MAX_VALUES || state > MAX_VALUES {
        return Err(Error::OutOfRange {
            param: "paths".into(),
            value: run.paths.to_string(),
            bound: format!(
                "paths x (assets + 6) and (steps + 1) x percentiles must be <= {MAX_VALUES}; split the run with first_path"
            ),
        });
    }
    cholesky(p.cov, n)
}

/// numpy's `percentile(x, q)` with the default linear interpolation, on a buffer it reorders.
#[allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "indices are far below 2^53"
)]
pub(crate) fn percentile_linear(x: &mut [f64], q: f64) -> f64 {
    let n = x.len();
    if n == 0 {
        return f64::NAN;
    }
    let h = (n - 1) as f64 * (q / 100.0);
    let lo = (h.floor() as usize).min(n - 1);
    let t = h - lo as f64;
    let (_, &mut a, rest) = x.select_nth_unstable_by(lo, f64::total_cmp);
    if lo + 1 >= n || t == 0.0 {
        return a;
    }
    let b = rest.iter().copied().fold(f64::INFINITY, f64::min);
    // numpy's _lerp: from the nearer end
    let d = b - a;
    if t >= 0.5 {
        b - d * (1.0 - t)
    } else {
        a + d * t
    }
}

/// The mean of the `floor((n - 1) cutoff) + 1` smallest values (empyrical's
/// `conditional_value_at_risk` rule), on a buffer it reorders.
#[allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "counts are far below 2^53"
)]
pub(crate) fn tail_mean(x: &mut [f64], cutoff: f64) -> f64 {
    let n = x.len();
    if n == 0 {
        return f64::NAN;
    }
    let k = ((n - 1) as f64 * cutoff) as usize;
    x.select_nth_unstable_by(k, f64::total_cmp);
    let mut tail = x[..=k].to_vec();
    tail.sort_by(f64::total_cmp);
    tail.iter().sum::<f64>() / (k + 1) as f64
}

struct PathState {
    s: Stream,
    neg: bool,
    h: Vec<f64>,
    e: Vec<f64>,
    ruined: bool,
}

/// Simulates an investment: `n` assets follow correlated geometric Brownian motions (`mu`,
/// `cov` as [`super::simulate_correlated_gbm`]); the initial amount is invested at the target
/// weights; at each step every holding grows by its asset's exact log-normal step, the fee is
/// charged, the step's cash flow is added pro rata to the holdings (a withdrawal larger than the
/// wealth ruins the path), and every `rebalance_every` steps the holdings are reset to the
/// target weights. Wealth at or below 0 ruins a path: it stays at 0.
///
/// The paths advance together, step by step; each step's wealth of every path goes into one
/// buffer of `paths` values and the percentiles are exact order statistics of it (selection,
/// numpy's linear interpolation), so memory is `O(paths x assets + steps x percentiles)`. Path
/// `p` draws from stream `p` of the generator: terminal wealth is bit-identical on any number of
/// threads and across `first_path` splits (the percentiles are over the paths of the call).
///
/// # Errors
/// [`Error::InvalidInput`] for empty, non-finite or mismatched inputs, weights not summing to
/// 1, a cash-flow schedule of the wrong length, percentiles outside [0, 100] or a covariance
/// that is not PSD; [`Error::OutOfRange`] for `initial <= 0`, a fee outside [0, 1), a cutoff
/// outside (0, 1), `steps == 0`, or the run's limits.
///
/// # Examples
/// ```
/// use sextant_core::mc::{simulate_portfolio, Portfolio, PortfolioStats, Run};
/// let p = Portfolio { weights: &[0.6, 0.4], mu: &[0.07, 0.03], cov: &[0.04, 0.0, 0.0, 0.0025],
///                     initial: 10_000.0, cashflows: &[100.0], rebalance_every: 12, fee: 0.005,
///                     years: 10.0, steps: 120 };
/// let st = PortfolioStats { percentiles: &[5.0, 50.0, 95.0], goal: Some(30_000.0), cutoff: 0.05 };
/// let r = simulate_portfolio(&p, &st, &Run { paths: 1000, seed: 1, ..Run::default() })?;
/// assert_eq!(r.bands.len(), 121 * 3);
/// assert!(r.prob_goal > 0.0 && r.prob_goal < 1.0);
/// # Ok::<(), sextant_core::Error>(())
/// ```
#[allow(clippy::cast_precision_loss, reason = "step and path counts are far below 2^53")]
pub fn simulate_portfolio(
    p: &Portfolio<'_>,
    st: &PortfolioStats<'_>,
    run: &Run,
) -> Result<PortfolioResult> {
    let l = check(p, st, run)?;
    let n = p.weights.len();
    let dt = p.years / p.steps as f64;
    let sq = libm::sqrt(dt);
    let drift: Vec<f64> = (0..n).map(|i| (p.mu[i] - 0.5 * p.cov[i * n + i]) * dt).collect();
    let mut lt = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..=i {
            lt[j * n + i] = l[i * n + j] * sq;
        }
    }
    let fee = libm::pow(1.0 - p.fee, dt);
    let zig = Ziggurat::new();
    let flow = |t: usize| match p.cashflows.len() {
        0 => 0.0,
        1 => p.cashflows[0],
        _ => p.cashflows[t - 1],
    };
    let start: Vec<f64> = p.weights.iter().map(|w| p.initial * w).collect();
    let mut states: Vec<PathState> = (0..run.paths as u64)
        .map(|k| {
            let (id, neg) = run.stream_of(run.first_path + k);
            PathState {
                s: Stream::new(run.seed, id),
                neg,
                h: start.clone(),
                e: vec![0.0; n],
                ruined: false,
            }
        })
        .collect();
    let q = st.percentiles.len();
    let mut bands = vec![0.0; (p.steps + 1) * q];
    let mut buf = vec![p.initial; run.paths];
    let mut terminal = Vec::new();
    let mut bands_at = |t: usize, buf: &mut [f64]| {
        for (k, &pc) in st.percentiles.iter().enumerate() {
            bands[t * q + k] = percentile_linear(buf, pc);
        }
    };
    bands_at(0, &mut buf);
    for t in 1..=p.steps {
        let cf = flow(t);
        let rebalance = p.rebalance_every > 0 && t % p.rebalance_every == 0;
        let step = |ps: &mut PathState| -> f64 {
            if ps.ruined {
                return 0.0;
            }
            let e = &mut ps.e;
            e.fill(0.0);
            for j in 0..n {
                let z = zig.sample(&mut ps.s);
                let zj = if ps.neg { -z } else { z };
                for (ei, lij) in e[j..].iter_mut().zip(&lt[j * n + j..j * n + n]) {
                    *ei += lij * zj;
                }
            }
            for ((h, d), ei) in ps.h.iter_mut().zip(&drift).zip(e.iter()) {
                *h *= libm::exp(d + ei) * fee;
            }
            let mut w: f64 = ps.h.iter().sum();
            if cf != 0.0 && w > 0.0 {
                let f = 1.0 + cf / w;
                for h in &mut ps.h {
                    *h *= f;
                }
                w = ps.h.iter().sum();
            }
            if w.is_nan() || w <= 0.0 {
                ps.ruined = true;
                ps.h.fill(0.0);
                return 0.0;
            }
            if rebalance {
                for (h, wt) in ps.h.iter_mut().zip(p.weights) {
                    *h = w * wt;
                }
            }
            w
        };
        let block = |(ss, bb): (&mut [PathState], &mut [f64])| {
            for (ps, b) in ss.iter_mut().zip(bb) {
                *b = step(ps);
            }
        };
        #[cfg(feature = "parallel")]
        {
            use rayon::prelude::*;
            states.par_chunks_mut(BLOCK).zip(buf.par_chunks_mut(BLOCK)).for_each(block);
        }
        #[cfg(not(feature = "parallel"))]
        states.chunks_mut(BLOCK).zip(buf.chunks_mut(BLOCK)).for_each(block);
        if t == p.steps {
            terminal = buf.clone();
        }
        bands_at(t, &mut buf);
    }
    let paths = run.paths as f64;
    let invested = p.initial + (1..=p.steps).map(flow).sum::<f64>();
    let mean = terminal.iter().sum::<f64>() / paths;
    let prob_goal =
        st.goal.map_or(f64::NAN, |g| terminal.iter().filter(|&&w| w >= g).count() as f64 / paths);
    let prob_ruin = states.iter().filter(|s| s.ruined).count() as f64 / paths;
    let mut pnl: Vec<f64> = terminal.iter().map(|w| w - invested).collect();
    let var = percentile_linear(&mut pnl, 100.0 * st.cutoff);
    let es = tail_mean(&mut pnl, st.cutoff);
    Ok(PortfolioResult { bands, terminal, mean, prob_goal, prob_ruin, var, es })
}
