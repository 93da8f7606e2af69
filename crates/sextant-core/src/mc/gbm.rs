//! Geometric Brownian motion, one asset or several correlated through a Cholesky factor.

use super::rng::{Stream, Ziggurat};
use crate::error::{Error, Num, Result};

/// Largest `first_path + paths` and seed: 2^53 - 1, so every index is a safe JavaScript integer.
pub const MAX_INDEX: u64 = (1 << 53) - 1;
/// Largest number of values one call may return (`paths x (steps + 1) x assets` with full
/// paths): 2^28 float64s, 2 GiB.
pub const MAX_VALUES: usize = 1 << 28;
/// Paths per parallel task. Results do not depend on it: each path has its own stream.
pub(crate) const BLOCK: usize = 64;

/// The model of [`simulate_gbm`]: `dS = mu S dt + sigma S dW`, `mu` and `sigma` annualised.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Gbm {
    /// Initial price, > 0.
    pub s0: f64,
    /// Annualised drift.
    pub mu: f64,
    /// Annualised volatility, >= 0.
    pub sigma: f64,
    /// Horizon in years, > 0.
    pub years: f64,
    /// Number of equal steps over the horizon, >= 1.
    pub steps: usize,
}

/// Which paths of a run to compute, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Run {
    /// Number of paths to compute.
    pub paths: usize,
    /// Generator seed (at most [`MAX_INDEX`]).
    pub seed: u64,
    /// Index of the first path: a call computes paths `[first_path, first_path + paths)` of
    /// the run, so splitting a run across calls or workers gives the same numbers.
    pub first_path: u64,
    /// Antithetic variates: path `2k + 1` uses the negated shocks of path `2k`.
    pub antithetic: bool,
    /// Return every step (`steps + 1` values per path, the first being `s0`) rather than the
    /// terminal values only.
    pub full_paths: bool,
}

impl Run {
    pub(crate) fn check(&self) -> Result<()> {
        if self.seed > MAX_INDEX {
            return Err(Error::OutOfRange {
                param: "seed".into(),
                value: self.seed.to_string(),
                bound: format!("must be in [0, {MAX_INDEX}]"),
            });
        }
        let end = self.first_path.checked_add(self.paths as u64);
        if end.is_none_or(|e| e > MAX_INDEX) {
            return Err(Error::OutOfRange {
                param: "first_path".into(),
                value: self.first_path.to_string(),
                bound: format!("first_path + paths must be <= {MAX_INDEX}"),
            });
        }
        Ok(())
    }

    /// The stream and sign of the shocks of path `p`.
    pub(crate) const fn stream_of(&self, p: u64) -> (u64, bool) {
        if self.antithetic {
            (p / 2, p % 2 == 1)
        } else {
            (p, false)
        }
    }
}

pub(crate) fn finite(param: &str, v: f64) -> Result<()> {
    if v.is_finite() {
        Ok(())
    } else {
        Err(Error::OutOfRange {
            param: param.into(),
            value: Num(v).to_string(),
            bound: "must be finite".into(),
        })
    }
}

pub(crate) fn positive(param: &str, v: f64) -> Result<()> {
    if v.is_finite() && v > 0.0 {
        Ok(())
    } else {
        Err(Error::OutOfRange {
            param: param.into(),
            value: Num(v).to_string(),
            bound: "must be positive and finite".into(),
        })
    }
}

pub(crate) fn check_steps(steps: usize) -> Result<()> {
    crate::error::check_min("steps", steps, 1)
}

/// Number of values per path and the total, checked against [`MAX_VALUES`].
pub(crate) fn sizes(run: &Run, steps: usize, assets: usize) -> Result<(usize, usize)> {
    let per_path =
        if run.full_paths { steps.saturating_add(1).saturating_mul(assets) } else { assets };
    let total = per_path.saturating_mul(run.paths);
    if total > MAX_VALUES {
        return Err(Error::OutOfRange {
            param: "paths".into(),
            value: run.paths.to_string(),
            bound: format!(
                "paths x {} values per path = {total} exceeds the limit of {MAX_VALUES} values per call; split the run with first_path",
                per_path
            ),
        });
    }
    Ok((per_path, total))
}

/// Runs `path(p, out_row)` for every path of the run, over blocks of [`BLOCK`] paths (in
/// parallel with the `parallel` feature). Each path writes only its own row.
pub(crate) fn for_each_path<F>(run: &Run, per_path: usize, out: &mut [f64], path: F)
where
    F: Fn(u64, &mut [f64]) + Sync + Send,
{
    if per_path == 0 {
        return;
    }
    let block = |(b, chunk): (usize, &mut [f64])| {
        let first = run.first_path + (b * BLOCK) as u64;
        for (k, row) in chunk.chunks_mut(per_path).enumerate() {
            path(first + k as u64, row);
        }
    };
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        out.par_chunks_mut(BLOCK * per_path).enumerate().for_each(block);
    }
    #[cfg(not(feature = "parallel"))]
    out.chunks_mut(BLOCK * per_path).enumerate().for_each(block);
}

/// Runs `block(first, values)` for the blocks of [`BLOCK`] paths of a run with one value per
/// path (in parallel with the `parallel` feature); `values[k]` belongs to path `first + k`.
pub(crate) fn for_each_block<F>(run: &Run, out: &mut [f64], block: F)
where
    F: Fn(u64, &mut [f64]) + Sync + Send,
{
    let go = |(b, chunk): (usize, &mut [f64])| block(run.first_path + (b * BLOCK) as u64, chunk);
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        out.par_chunks_mut(BLOCK).enumerate().for_each(go);
    }
    #[cfg(not(feature = "parallel"))]
    out.chunks_mut(BLOCK).enumerate().for_each(go);
}

/// Simulates geometric Brownian motion with exact log-normal steps:
/// `S_t = s0 exp(X_t)`, `X_t = X_{t-1} + (mu - sigma^2 / 2) dt + sigma sqrt(dt) Z_t`,
/// `dt = years / steps`, every step walked. Returns the terminal values (`paths` values), or
/// with `full_paths` every path row by row (`paths x (steps + 1)`, the first column `s0`); the
/// terminal values are exactly the last column of the full paths.
///
/// # Errors
/// [`Error::OutOfRange`] for `s0 <= 0`, a non-finite `mu`, a negative `sigma`, `years <= 0`,
/// `steps == 0`, a seed or path index beyond 2^53 - 1, or more than [`MAX_VALUES`] values.
///
/// # Examples
/// ```
/// use sextant_core::mc::{simulate_gbm, Gbm, Run};
/// let g = Gbm { s0: 100.0, mu: 0.05, sigma: 0.2, years: 1.0, steps: 252 };
/// let run = Run { paths: 1000, seed: 42, ..Run::default() };
/// let terminal = simulate_gbm(&g, &run)?;
/// let full = simulate_gbm(&g, &Run { full_paths: true, ..run })?;
/// assert_eq!(terminal[7], full[7 * 253 + 252]); // the last column, bit for bit
/// # Ok::<(), sextant_core::Error>(())
/// ```
pub fn simulate_gbm(g: &Gbm, run: &Run) -> Result<Vec<f64>> {
    let (_, total) = check_gbm(g, run)?;
    let mut out = vec![0.0; total];
    simulate_gbm_into(g, run, &mut out)?;
    Ok(out)
}

fn check_gbm(g: &Gbm, run: &Run) -> Result<(usize, usize)> {
    positive("s0", g.s0)?;
    finite("mu", g.mu)?;
    if !(g.sigma.is_finite() && g.sigma >= 0.0) {
        return Err(Error::OutOfRange {
            param: "sigma".into(),
            value: Num(g.sigma).to_string(),
            bound: "must be >= 0 and finite".into(),
        });
    }
    positive("years", g.years)?;
    check_steps(g.steps)?;
    run.check()?;
    sizes(run, g.steps, 1)
}

/// [`simulate_gbm`] into a caller-provided buffer (`paths` or `paths x (steps + 1)` values).
#[allow(clippy::cast_precision_loss, reason = "step counts are far below 2^53")]
pub fn simulate_gbm_into(g: &Gbm, run: &Run, out: &mut [f64]) -> Result<()> {
    let (per_path, total) = check_gbm(g, run)?;
    crate::error::check_out_len("paths", out.len(), total)?;
    let dt = g.years / g.steps as f64;
    let drift = (g.mu - 0.5 * g.sigma * g.sigma) * dt;
    let vol = g.sigma * libm::sqrt(dt);
    let zig = Ziggurat::new();
    let (s0, steps, full) = (g.s0, g.steps, run.full_paths);
    let one = |p: u64, row: &mut [f64]| {
        let (id, neg) = run.stream_of(p);
        let mut s = Stream::new(run.seed, id);
        let mut x = 0.0;
        if full {
            row[0] = s0;
            for v in &mut row[1..] {
                let z = zig.sample(&mut s);
                x += drift + vol * if neg { -z } else { z };
                *v = s0 * libm::exp(x);
            }
        } else {
            for _ in 0..steps {
                let z = zig.sample(&mut s);
                x += drift + vol * if neg { -z } else { z };
            }
            row[0] = s0 * libm::exp(x);
        }
    };
    if full {
        for_each_path(run, per_path, out, one);
    } else {
        // terminal values: two paths walk side by side, so the serial chains of their streams
        // overlap (each path's numbers are unchanged: its own stream, the same operations)
        for_each_block(run, out, |first, chunk| {
            let mut pairs = chunk.chunks_exact_mut(2);
            let mut p = first;
            for pair in &mut pairs {
                let (ia, na) = run.stream_of(p);
                let (ib, nb) = run.stream_of(p + 1);
                let (mut xa, mut xb) = (0.0, 0.0);
                if ia == ib {
                    // an antithetic pair: one stream, its shocks and their negatives
                    let mut sa = Stream::new(run.seed, ia);
                    for _ in 0..steps {
                        let z = zig.sample(&mut sa);
                        xa += drift + vol * z;
                        xb += drift + vol * -z;
                    }
                } else {
                    let (mut sa, mut sb) = (Stream::new(run.seed, ia), Stream::new(run.seed, ib));
                    for _ in 0..steps {
                        let za = zig.sample(&mut sa);
                        let zb = zig.sample(&mut sb);
                        xa += drift + vol * if na { -za } else { za };
                        xb += drift + vol * if nb { -zb } else { zb };
                    }
                }
                pair[0] = s0 * libm::exp(xa);
                pair[1] = s0 * libm::exp(xb);
                p += 2;
            }
            if let [last] = pairs.into_remainder() {
                one(p, std::slice::from_mut(last));
            }
        });
    }
    Ok(())
}

/// Checks a Student-t `df` (`None`: normal shocks): finite and above 2, so the variance exists.
pub(crate) fn check_df(df: Option<f64>) -> Result<()> {
    match df {
        Some(v) if !(v.is_finite() && v > 2.0) => Err(Error::OutOfRange {
            param: "df".into(),
            value: Num(v).to_string(),
            bound: "must be > 2 and finite (the variance of the shocks must exist)".into(),
        }),
        _ => Ok(()),
    }
}

/// [`simulate_gbm_into`] with Student-t shocks when `df` is given: each step's `Z_t` is a
/// Student-t variate with `df` degrees of freedom scaled to unit variance
/// (`Z sqrt((df - 2) / V)`, `V` a chi-square with `df` degrees of freedom drawn by
/// Marsaglia-Tsang), so the log returns keep the mean `(mu - sigma^2 / 2) dt` and variance
/// `sigma^2 dt` of the normal model with fatter tails (excess kurtosis `6 / (df - 4)` per step
/// for `df > 4`). `None` is [`simulate_gbm_into`], bit for bit.
///
/// # Errors
/// As [`simulate_gbm`], and [`Error::OutOfRange`] for `df <= 2` or a non-finite `df`.
#[allow(clippy::cast_precision_loss, reason = "step counts are far below 2^53")]
pub fn simulate_gbm_t_into(g: &Gbm, df: Option<f64>, run: &Run, out: &mut [f64]) -> Result<()> {
    check_df(df)?;
    let Some(df) = df else { return simulate_gbm_into(g, run, out) };
    let (per_path, total) = check_gbm(g, run)?;
    crate::error::check_out_len("paths", out.len(), total)?;
    let dt = g.years / g.steps as f64;
    let drift = (g.mu - 0.5 * g.sigma * g.sigma) * dt;
    let vol = g.sigma * libm::sqrt(dt);
    let zig = Ziggurat::new();
    let (s0, full) = (g.s0, run.full_paths);
    for_each_path(run, per_path, out, |p, row| {
        let (id, neg) = run.stream_of(p);
        let mut s = Stream::new(run.seed, id);
        let mut x = 0.0;
        let mut last = 0;
        if full {
            row[0] = s0;
        }
        #[allow(clippy::needless_range_loop, reason = "row is written only with full_paths")]
        for t in 1..=g.steps {
            let z = zig.sample(&mut s);
            let z = z * super::rng::student_t_scale(&zig, &mut s, df);
            x += drift + vol * if neg { -z } else { z };
            if full {
                row[t] = s0 * libm::exp(x);
                last = t;
            }
        }
        row[last] = s0 * libm::exp(x);
    });
    Ok(())
}

/// The model of [`simulate_correlated_gbm`]: per asset `dS_i = mu_i S_i dt + S_i dW_i` with
/// `cov(dW_i, dW_j) = cov[i][j] dt` (an annualised covariance of log returns).
#[derive(Debug, Clone, Copy)]
pub struct CorrelatedGbm<'a> {
    /// Initial prices, one per asset, > 0.
    pub s0: &'a [f64],
    /// Annualised drifts, one per asset.
    pub mu: &'a [f64],
    /// `n x n` annualised covariance, row-major; symmetric positive semi-definite.
    pub cov: &'a [f64],
    /// Horizon in years, > 0.
    pub years: f64,
    /// Number of equal steps, >= 1.
    pub steps: usize,
}

/// Lower-triangular Cholesky factor `L` (row-major, `L L^T = cov`) of a symmetric positive
/// semi-definite `n x n` matrix. A zero pivot (a singular but PSD matrix, such as two perfectly
/// correlated assets) gives a zero column.
///
/// # Errors
/// [`Error::InvalidInput`] (input `cov`) if the matrix is not `n x n`, has a non-finite entry,
/// is not symmetric (relative tolerance 1e-12) or is not positive semi-definite (a pivot below
/// `-1e-12 x` the largest diagonal entry, or a zero pivot with a non-zero column below it).
#[allow(clippy::cast_precision_loss, reason = "n is small")]
pub fn cholesky(cov: &[f64], n: usize) -> Result<Vec<f64>> {
    let bad = |reason: String| Error::InvalidInput { input: "cov".into(), reason };
    if n == 0 {
        return Err(bad("covariance is empty (0 assets)".into()));
    }
    if cov.len() != n * n {
        return Err(bad(format!("{n} x {n} matrix needs {} values, got {}", n * n, cov.len())));
    }
    if let Some(k) = cov.iter().position(|v| !v.is_finite()) {
        return Err(bad(format!("entry [{}][{}] = {} is not finite", k / n, k % n, cov[k])));
    }
    let scale = (0..n).map(|i| cov[i * n + i].abs()).fold(0.0, f64::max);
    let tol = 1e-12 * scale.max(f64::MIN_POSITIVE);
    for i in 0..n {
        for j in 0..i {
            let (a, b) = (cov[i * n + j], cov[j * n + i]);
            if (a - b).abs() > 1e-12 * a.abs().max(b.abs()).max(scale) {
                return Err(bad(format!("not symmetric: [{i}][{j}] = {a} but [{j}][{i}] = {b}")));
            }
        }
    }
    let ptol = tol * n as f64;
    let mut l = vec![0.0; n * n];
    for j in 0..n {
        let mut d = cov[j * n + j];
        for k in 0..j {
            d -= l[j * n + k] * l[j * n + k];
        }
        if d < -ptol {
            return Err(bad(format!(
                "not positive semi-definite: pivot {j} is {d:e} < 0 (the matrix has a negative eigenvalue)"
            )));
        }
        let ljj = if d > ptol { libm::sqrt(d) } else { 0.0 };
        l[j * n + j] = ljj;
        for i in j + 1..n {
            let mut s = cov[i * n + j];
            for k in 0..j {
                s -= l[i * n + k] * l[j * n + k];
            }
            if ljj > 0.0 {
                l[i * n + j] = s / ljj;
            } else if s.abs() > ptol.max(1e-9 * scale) {
                return Err(bad(format!(
                    "not positive semi-definite: pivot {j} is zero but entry [{i}][{j}] of the remainder is {s:e}"
                )));
            }
        }
    }
    Ok(l)
}

fn check_correlated(c: &CorrelatedGbm<'_>, run: &Run) -> Result<(usize, usize, Vec<f64>)> {
    let n = c.s0.len();
    crate::error::check_same_len("mu", c.mu.len(), "s0", n)?;
    if n == 0 {
        return Err(Error::InvalidInput { input: "s0".into(), reason: "no assets (empty)".into() });
    }
    if c.cov.len() != n * n {
        return Err(Error::InvalidInput {
            input: "cov".into(),
            reason: format!(
                "must be {n} x {n} for {n} assets ({} values), got {} values",
                n * n,
                c.cov.len()
            ),
        });
    }
    for (i, &s) in c.s0.iter().enumerate() {
        positive(&format!("s0[{i}]"), s)?;
    }
    for (i, &m) in c.mu.iter().enumerate() {
        finite(&format!("mu[{i}]"), m)?;
    }
    positive("years", c.years)?;
    check_steps(c.steps)?;
    run.check()?;
    let l = cholesky(c.cov, n)?;
    let (per_path, total) = sizes(run, c.steps, n)?;
    Ok((per_path, total, l))
}

/// Simulates correlated geometric Brownian motions: per step the shocks are `L z`, with `L`
/// the Cholesky factor of `cov` and `z` independent standard normals, and each asset takes an
/// exact log-normal step `X_i += (mu_i - cov_ii / 2) dt + sqrt(dt) (L z)_i`. Returns the
/// terminal values row by row (`paths x n`), or with `full_paths` `paths x (steps + 1) x n`.
///
/// # Errors
/// As [`simulate_gbm`], plus [`Error::LengthMismatch`] when `mu` and `s0` differ in length
/// and the [`cholesky`] errors for `cov` (not `n x n`, not symmetric, not PSD).
///
/// # Examples
/// ```
/// use sextant_core::mc::{simulate_correlated_gbm, CorrelatedGbm, Run};
/// let cov = [0.04, 0.018, 0.018, 0.09]; // vols 20% and 30%, correlation 0.3
/// let c = CorrelatedGbm { s0: &[100.0, 50.0], mu: &[0.05, 0.07], cov: &cov, years: 1.0, steps: 12 };
/// let terminal = simulate_correlated_gbm(&c, &Run { paths: 100, seed: 1, ..Run::default() })?;
/// assert_eq!(terminal.len(), 200);
/// # Ok::<(), sextant_core::Error>(())
/// ```
pub fn simulate_correlated_gbm(c: &CorrelatedGbm<'_>, run: &Run) -> Result<Vec<f64>> {
    let (_, total, _) = check_correlated(c, run)?;
    let mut out = vec![0.0; total];
    simulate_correlated_gbm_into(c, run, &mut out)?;
    Ok(out)
}

/// [`simulate_correlated_gbm`] into a caller-provided buffer.
///
/// # Errors
/// As [`simulate_correlated_gbm`].
pub fn simulate_correlated_gbm_into(
    c: &CorrelatedGbm<'_>,
    run: &Run,
    out: &mut [f64],
) -> Result<()> {
    simulate_correlated_gbm_t_into(c, None, run, out)
}

/// [`simulate_correlated_gbm_into`] with multivariate Student-t shocks when `df` is given: each
/// step's normal vector `z` is scaled by one factor `sqrt((df - 2) / V)` (`V` a chi-square with
/// `df` degrees of freedom), a multivariate t with unit variances and the correlation of `cov`.
/// `None` gives normal shocks, bit for bit those of [`simulate_correlated_gbm_into`].
///
/// # Errors
/// As [`simulate_correlated_gbm`], and [`Error::OutOfRange`] for `df <= 2` or non-finite.
#[allow(clippy::cast_precision_loss, reason = "step counts are far below 2^53")]
pub fn simulate_correlated_gbm_t_into(
    c: &CorrelatedGbm<'_>,
    df: Option<f64>,
    run: &Run,
    out: &mut [f64],
) -> Result<()> {
    check_df(df)?;
    let (per_path, total, l) = check_correlated(c, run)?;
    crate::error::check_out_len("paths", out.len(), total)?;
    let n = c.s0.len();
    let dt = c.years / c.steps as f64;
    let sq = libm::sqrt(dt);
    let drift: Vec<f64> = (0..n).map(|i| (c.mu[i] - 0.5 * c.cov[i * n + i]) * dt).collect();
    // columns of sqrt(dt) L, each from the diagonal down: lt[j * n + i] = sqrt(dt) L[i][j]
    let mut lt = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..=i {
            lt[j * n + i] = l[i * n + j] * sq;
        }
    }
    let zig = Ziggurat::new();
    let (s0, steps, full) = (c.s0, c.steps, run.full_paths);
    let w = Walk { zig: &zig, df, steps, lt: &lt, drift: &drift, s0, full };
    if !full && df.is_none() && n <= 16 {
        // terminal values: two paths walk side by side (their streams' serial chains overlap)
        for_each_path(run, 2 * n, out, |q, rows| {
            // q counts pairs of rows: paths first_path + 2 (q - first_path) and the next
            let p = run.first_path + 2 * (q - run.first_path);
            let (ia, na) = run.stream_of(p);
            let mut sa = Stream::new(run.seed, ia);
            if rows.len() < 2 * n {
                w.path_n(n, &mut sa, na, rows);
                return;
            }
            let (ib, nb) = run.stream_of(p + 1);
            let mut sb = Stream::new(run.seed, ib);
            macro_rules! fixed {
                ($($k:literal)*) => {
                    match n {
                        $($k => w.pair::<$k>([&mut sa, &mut sb], [na, nb], rows),)*
                        _ => unreachable!("n <= 16"),
                    }
                };
            }
            fixed!(1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16);
        });
        return Ok(());
    }
    for_each_path(run, per_path, out, |p, row| {
        let (id, neg) = run.stream_of(p);
        let mut s = Stream::new(run.seed, id);
        w.path_n(n, &mut s, neg, row);
    });
    Ok(())
}

/// One correlated path's walk (see [`simulate_correlated_gbm_t_into`]).
struct Walk<'a> {
    zig: &'a Ziggurat,
    df: Option<f64>,
    steps: usize,
    /// columns of `sqrt(dt) L` from the diagonal down: `lt[j * n + i] = sqrt(dt) L[i][j]`
    lt: &'a [f64],
    drift: &'a [f64],
    s0: &'a [f64],
    full: bool,
}

impl Walk<'_> {
    /// The walk of one path of `n` assets: fixed-size arrays for up to 16 assets (the loops
    /// unroll with no bounds checks; the same operations in the same order as the general loop,
    /// so the same bits).
    fn path_n(&self, n: usize, s: &mut Stream, neg: bool, row: &mut [f64]) {
        macro_rules! fixed {
            ($($k:literal)*) => {
                match n {
                    $($k => self.path::<$k>(s, neg, row),)*
                    _ => self.path_any(n, s, neg, row),
                }
            };
        }
        fixed!(1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16);
    }

    /// Two paths' terminal values side by side (normal shocks), each exactly as [`Walk::path`]
    /// computes it; `rows` holds both rows.
    #[inline(always)]
    #[allow(clippy::needless_range_loop, reason = "two arrays filled in step")]
    fn pair<const N: usize>(&self, s: [&mut Stream; 2], neg: [bool; 2], rows: &mut [f64]) {
        let mut lt = [[0.0; N]; N];
        for (j, col) in lt.iter_mut().enumerate() {
            col.copy_from_slice(&self.lt[j * N..j * N + N]);
        }
        let mut drift = [0.0; N];
        drift.copy_from_slice(self.drift);
        let [sa, sb] = s;
        let mut x = [[0.0; N]; 2];
        for _ in 0..self.steps {
            let mut z = [[0.0; N]; 2];
            for k in 0..N {
                let a = self.zig.sample(sa);
                let b = self.zig.sample(sb);
                z[0][k] = if neg[0] { -a } else { a };
                z[1][k] = if neg[1] { -b } else { b };
            }
            for (x, z) in x.iter_mut().zip(&z) {
                let mut e = [0.0; N];
                for j in 0..N {
                    let zj = z[j];
                    for i in j..N {
                        e[i] += lt[j][i] * zj;
                    }
                }
                for i in 0..N {
                    x[i] += drift[i] + e[i];
                }
            }
        }
        for (k, x) in x.iter().enumerate() {
            for i in 0..N {
                rows[k * N + i] = self.s0[i] * libm::exp(x[i]);
            }
        }
    }

    /// Draws `z` (negated for the second path of an antithetic pair, scaled by the Student-t
    /// factor with `df`).
    #[inline(always)]
    fn shocks(&self, s: &mut Stream, neg: bool, z: &mut [f64]) {
        for zk in z.iter_mut() {
            let v = self.zig.sample(s);
            *zk = if neg { -v } else { v };
        }
        if let Some(df) = self.df {
            let k = super::rng::student_t_scale(self.zig, s, df);
            for zk in z.iter_mut() {
                *zk *= k;
            }
        }
    }

    /// The walk for `N` assets in fixed-size arrays.
    #[inline(always)]
    fn path<const N: usize>(&self, s: &mut Stream, neg: bool, row: &mut [f64]) {
        let mut lt = [[0.0; N]; N];
        for (j, col) in lt.iter_mut().enumerate() {
            col.copy_from_slice(&self.lt[j * N..j * N + N]);
        }
        let mut drift = [0.0; N];
        drift.copy_from_slice(self.drift);
        let mut x = [0.0; N];
        if self.full {
            row[..N].copy_from_slice(self.s0);
        }
        for t in 1..=self.steps {
            let mut z = [0.0; N];
            self.shocks(s, neg, &mut z);
            // e = sqrt(dt) L z column by column: e_i sums L_ij z_j in the order j = 0..=i, as a
            // row-by-row dot product would (no FMA)
            let mut e = [0.0; N];
            for j in 0..N {
                let zj = z[j];
                for i in j..N {
                    e[i] += lt[j][i] * zj;
                }
            }
            for i in 0..N {
                x[i] += drift[i] + e[i];
            }
            if self.full {
                for i in 0..N {
                    row[t * N + i] = self.s0[i] * libm::exp(x[i]);
                }
            }
        }
        if !self.full {
            for i in 0..N {
                row[i] = self.s0[i] * libm::exp(x[i]);
            }
        }
    }

    /// The same walk for any number of assets.
    fn path_any(&self, n: usize, s: &mut Stream, neg: bool, row: &mut [f64]) {
        let mut x = vec![0.0; n];
        let mut z = vec![0.0; n];
        let mut e = vec![0.0; n];
        if self.full {
            row[..n].copy_from_slice(self.s0);
        }
        for t in 1..=self.steps {
            self.shocks(s, neg, &mut z);
            e.fill(0.0);
            for (j, &zj) in z.iter().enumerate() {
                for (ei, lij) in e[j..].iter_mut().zip(&self.lt[j * n + j..j * n + n]) {
                    *ei += lij * zj;
                }
            }
            for ((xi, di), ei) in x.iter_mut().zip(self.drift).zip(&e) {
                *xi += di + ei;
            }
            if self.full {
                for i in 0..n {
                    row[t * n + i] = self.s0[i] * libm::exp(x[i]);
                }
            }
        }
        if !self.full {
            for i in 0..n {
                row[i] = self.s0[i] * libm::exp(x[i]);
            }
        }
    }
}

/// `size` standard normal variates of generator `seed`, variate `k` being the `(k % 4096)`-th
/// of stream `k / 4096`, so any split reproduces the same numbers (here `first` offsets `k`).
///
/// # Errors
/// [`Error::OutOfRange`] for a seed or `first + size` beyond 2^53 - 1, or `size` above
/// [`MAX_VALUES`].
pub fn standard_normal(size: usize, seed: u64, first: u64) -> Result<Vec<f64>> {
    check_normal(size, seed, first)?;
    let mut out = vec![0.0; size];
    standard_normal_into(seed, first, &mut out);
    Ok(out)
}

fn check_normal(size: usize, seed: u64, first: u64) -> Result<()> {
    let run = Run { paths: size, seed, first_path: first, ..Run::default() };
    run.check()?;
    sizes(&run, 0, 1).map(|_| ())
}

/// [`standard_normal`] into a caller-provided buffer of `out.len()` variates (the declaration
/// writes straight into the binding's output array).
///
/// # Errors
/// As [`standard_normal`].
pub fn standard_normal_to(out: &mut [f64], seed: u64, first: u64) -> Result<()> {
    check_normal(out.len(), seed, first)?;
    standard_normal_into(seed, first, out);
    Ok(())
}

/// Variates per stream of [`standard_normal`].
const NORMAL_CHUNK: u64 = 4096;

fn standard_normal_into(seed: u64, first: u64, out: &mut [f64]) {
    let zig = Ziggurat::new();
    // chunks aligned to the global stream boundaries
    let head = usize::try_from((NORMAL_CHUNK - first % NORMAL_CHUNK) % NORMAL_CHUNK)
        .unwrap_or(0)
        .min(out.len());
    let fill = |start: u64, chunk: &mut [f64]| {
        let mut s = Stream::new(seed, start / NORMAL_CHUNK);
        for _ in 0..start % NORMAL_CHUNK {
            zig.sample(&mut s);
        }
        for v in chunk {
            *v = zig.sample(&mut s);
        }
    };
    let (a, b) = out.split_at_mut(head);
    fill(first, a);
    let base = first + head as u64;
    let block = |(k, chunk): (usize, &mut [f64])| fill(base + k as u64 * NORMAL_CHUNK, chunk);
    #[allow(clippy::cast_possible_truncation, reason = "4096")]
    let cs = NORMAL_CHUNK as usize;
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        b.par_chunks_mut(cs).enumerate().for_each(block);
    }
    #[cfg(not(feature = "parallel"))]
    b.chunks_mut(cs).enumerate().for_each(block);
}

/// Sums of `steps` i.i.d. normal returns `mean + sd Z` per path (path `p` from stream `p`, the
/// same reproducibility as [`simulate_gbm`]): the `horizon`-period returns that `risk`'s
/// `method="monte_carlo"` draws from the fitted normal.
///
/// # Errors
/// [`Error::OutOfRange`] for `steps == 0`, a non-finite `mean` or negative/non-finite `sd`,
/// more than 2^31 draws (`paths x steps`), or the run's limits.
pub fn normal_sums(mean: f64, sd: f64, steps: usize, run: &Run) -> Result<Vec<f64>> {
    finite("mean", mean)?;
    if !(sd.is_finite() && sd >= 0.0) {
        return Err(Error::OutOfRange {
            param: "sd".into(),
            value: Num(sd).to_string(),
            bound: "must be >= 0 and finite".into(),
        });
    }
    check_steps(steps)?;
    run.check()?;
    sizes(run, 1, 1)?;
    if run.paths.saturating_mul(steps) > 1 << 31 {
        return Err(Error::OutOfRange {
            param: "paths".into(),
            value: run.paths.to_string(),
            bound: format!("paths x horizon must be <= 2^31 (horizon {steps})"),
        });
    }
    let mut out = vec![0.0; run.paths];
    let zig = Ziggurat::new();
    for_each_path(run, 1, &mut out, |p, row| {
        let (id, neg) = run.stream_of(p);
        let mut s = Stream::new(run.seed, id);
        let mut x = 0.0;
        for _ in 0..steps {
            let z = zig.sample(&mut s);
            x += mean + sd * if neg { -z } else { z };
        }
        row[0] = x;
    });
    Ok(out)
}

/// The nearest symmetric positive semi-definite matrix to a symmetric `n x n` matrix in the
/// Frobenius norm (Higham, "Computing a nearest symmetric positive semidefinite matrix", 1988):
/// the eigenvalues below 0 are set to 0, `V max(Lambda, 0) V^T`. The eigen-decomposition is the
/// cyclic Jacobi method (basic IEEE operations and `sqrt`: the same bits on every target). A
/// PSD matrix comes back unchanged up to rounding (about 1e-15 relative).
///
/// # Errors
/// [`Error::InvalidInput`] (input `cov`) if the matrix is not `n x n`, has a non-finite entry
/// or is not symmetric (relative tolerance 1e-12).
///
/// # Examples
/// ```
/// let fixed = sextant_core::mc::nearest_psd(&[1.0, 2.0, 2.0, 1.0], 2)?; // eigenvalues 3, -1
/// assert!(fixed.iter().all(|v| (v - 1.5).abs() < 1e-12));
/// # Ok::<(), sextant_core::Error>(())
/// ```
#[allow(clippy::many_single_char_names, reason = "the textbook's names")]
pub fn nearest_psd(cov: &[f64], n: usize) -> Result<Vec<f64>> {
    let bad = |reason: String| Error::InvalidInput { input: "cov".into(), reason };
    if cov.len() != n * n {
        return Err(bad(format!("must be {n} x {n}, got {} values", cov.len())));
    }
    if let Some(k) = cov.iter().position(|v| !v.is_finite()) {
        return Err(bad(format!("entry ({}, {}) is not finite", k / n, k % n)));
    }
    let scale = cov.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    for i in 0..n {
        for j in 0..i {
            if (cov[i * n + j] - cov[j * n + i]).abs() > 1e-12 * scale {
                return Err(bad(format!("not symmetric at ({i}, {j})")));
            }
        }
    }
    let mut a = cov.to_vec();
    let mut v = vec![0.0; n * n];
    for i in 0..n {
        v[i * n + i] = 1.0;
    }
    for _sweep in 0..100 {
        let off: f64 = (0..n)
            .flat_map(|i| (0..i).map(move |j| (i, j)))
            .map(|(i, j)| a[i * n + j] * a[i * n + j])
            .sum();
        if off <= 1e-300 || off <= (1e-17 * scale) * (1e-17 * scale) {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                let apq = a[p * n + q];
                if apq == 0.0 {
                    continue;
                }
                let theta = (a[q * n + q] - a[p * n + p]) / (2.0 * apq);
                let t = if theta.abs() > 1e150 {
                    0.5 / theta
                } else {
                    let t = 1.0 / (theta.abs() + libm::sqrt(theta * theta + 1.0));
                    if theta < 0.0 {
                        -t
                    } else {
                        t
                    }
                };
                let c = 1.0 / libm::sqrt(t * t + 1.0);
                let s = t * c;
                for k in 0..n {
                    let (x, y) = (a[k * n + p], a[k * n + q]);
                    a[k * n + p] = c * x - s * y;
                    a[k * n + q] = s * x + c * y;
                }
                for k in 0..n {
                    let (x, y) = (a[p * n + k], a[q * n + k]);
                    a[p * n + k] = c * x - s * y;
                    a[q * n + k] = s * x + c * y;
                }
                for k in 0..n {
                    let (x, y) = (v[k * n + p], v[k * n + q]);
                    v[k * n + p] = c * x - s * y;
                    v[k * n + q] = s * x + c * y;
                }
            }
        }
    }
    let lambda: Vec<f64> = (0..n).map(|i| a[i * n + i].max(0.0)).collect();
    let mut out = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..=i {
            let x: f64 = (0..n).map(|k| v[i * n + k] * lambda[k] * v[j * n + k]).sum();
            out[i * n + j] = x;
            out[j * n + i] = x;
        }
    }
    Ok(out)
}
