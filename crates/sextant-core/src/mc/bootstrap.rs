//! Historical bootstrap of a return series or matrix: i.i.d. resampling of periods, or the
//! stationary bootstrap (Politis and Romano, "The stationary bootstrap", JASA 1994) whose
//! blocks have geometric lengths.

use super::gbm::{check_steps, for_each_path, sizes, Run};
use super::rng::{index, Stream};
use crate::error::{Error, Num, Result};

/// How periods are drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Resampling {
    /// Every period drawn independently and uniformly from the history.
    Iid,
    /// Politis-Romano: blocks of consecutive periods (wrapping around the end of the history)
    /// starting at a uniform period, with geometric lengths of mean `mean_block` (a new block
    /// starts at each step with probability `1 / mean_block`).
    Stationary {
        /// Mean block length, >= 1.
        mean_block: f64,
    },
}

/// The model of [`bootstrap_returns`].
#[derive(Debug, Clone, Copy)]
pub struct Bootstrap<'a> {
    /// Historical simple returns, `rows x cols` row-major (one row per period, one column per
    /// asset; a series is one column).
    pub returns: &'a [f64],
    /// Number of periods of history.
    pub rows: usize,
    /// Number of assets.
    pub cols: usize,
    /// Periods to simulate per path, >= 1.
    pub steps: usize,
    /// How periods are drawn.
    pub resampling: Resampling,
}

fn check(b: &Bootstrap<'_>, run: &Run) -> Result<(usize, usize)> {
    let bad = |reason: String| Error::InvalidInput { input: "returns".into(), reason };
    if b.rows == 0 || b.cols == 0 {
        return Err(bad("no returns (empty)".into()));
    }
    if b.returns.len() != b.rows * b.cols {
        return Err(bad(format!("{} values for {} x {}", b.returns.len(), b.rows, b.cols)));
    }
    if let Some(k) = b.returns.iter().position(|v| !v.is_finite()) {
        return Err(bad(format!(
            "value {} at period {} is not finite; drop missing periods first",
            Num(b.returns[k]),
            k / b.cols
        )));
    }
    if let Resampling::Stationary { mean_block } = b.resampling {
        if !(mean_block.is_finite() && mean_block >= 1.0) {
            return Err(Error::OutOfRange {
                param: "block_length".into(),
                value: Num(mean_block).to_string(),
                bound: "must be >= 1 and finite".into(),
            });
        }
    }
    check_steps(b.steps)?;
    run.check()?;
    sizes(run, b.steps, b.cols)
}

/// The history rows path `path` of generator `seed` draws, one per step: the resampling
/// scheme of [`bootstrap_returns`] (exposed for tests and for callers that resample other data
/// alongside). The first row is uniform; then i.i.d. draws, or for the stationary bootstrap
/// the next row (wrapping) with probability `1 - 1 / mean_block`, a uniform row otherwise.
#[must_use]
pub fn bootstrap_indices(
    rows: usize,
    steps: usize,
    resampling: Resampling,
    seed: u64,
    path: u64,
) -> Vec<usize> {
    let mut s = Stream::new(seed, path);
    let mut out = Vec::with_capacity(steps);
    let mut i = 0;
    let mut draw = next_row(resampling, rows);
    for _ in 0..steps {
        i = draw(&mut s, out.is_empty(), i);
        out.push(i);
    }
    out
}

/// The row-drawing rule: `(stream, first step, previous row) -> row`.
fn next_row(r: Resampling, rows: usize) -> impl FnMut(&mut Stream, bool, usize) -> usize {
    let p = match r {
        Resampling::Iid => 1.0,
        Resampling::Stationary { mean_block } => 1.0 / mean_block,
    };
    move |s: &mut Stream, first: bool, prev: usize| {
        if first || p >= 1.0 || 1.0 - s.uniform_open0() < p {
            index(s, rows)
        } else if prev + 1 == rows {
            0
        } else {
            prev + 1
        }
    }
}

/// Bootstraps paths from historical simple returns: each path draws `steps` periods of the
/// history (a whole row, so the assets keep their joint moves) and compounds them,
/// `V_t = V_{t-1} (1 + r)`, from `V_0 = 1`. Returns the terminal growth of 1 per asset
/// (`paths x cols`), or with `full_paths` every step (`paths x (steps + 1) x cols`, the first
/// row 1). Path `p` uses stream `p` of the generator (antithetic runs share the draws of a
/// pair), so the reproducibility of [`super::simulate_gbm`] holds.
///
/// # Errors
/// [`Error::InvalidInput`] (`returns`) for an empty or non-finite history,
/// [`Error::OutOfRange`] for `steps == 0`, a mean block length below 1, or the run's limits.
///
/// # Examples
/// ```
/// use sextant_core::mc::{bootstrap_returns, Bootstrap, Resampling, Run};
/// let r = [0.01, -0.02, 0.015, 0.003, -0.007];
/// let b = Bootstrap { returns: &r, rows: 5, cols: 1, steps: 12,
///                     resampling: Resampling::Stationary { mean_block: 3.0 } };
/// let growth = bootstrap_returns(&b, &Run { paths: 10, seed: 1, ..Run::default() })?;
/// assert_eq!(growth.len(), 10);
/// # Ok::<(), sextant_core::Error>(())
/// ```
pub fn bootstrap_returns(b: &Bootstrap<'_>, run: &Run) -> Result<Vec<f64>> {
    let (_, total) = check(b, run)?;
    let mut out = vec![0.0; total];
    bootstrap_returns_into(b, run, &mut out)?;
    Ok(out)
}

/// [`bootstrap_returns`] into a caller-provided buffer.
///
/// # Errors
/// As [`bootstrap_returns`].
pub fn bootstrap_returns_into(b: &Bootstrap<'_>, run: &Run, out: &mut [f64]) -> Result<()> {
    let (per_path, total) = check(b, run)?;
    crate::error::check_out_len("paths", out.len(), total)?;
    let (n, full, rows) = (b.cols, run.full_paths, b.rows);
    for_each_path(run, per_path, out, |p, row| {
        let (id, _) = run.stream_of(p);
        let mut s = Stream::new(run.seed, id);
        let mut draw = next_row(b.resampling, rows);
        let (first, rest) = row.split_at_mut(n);
        first.fill(1.0);
        let mut v = first.to_vec();
        let mut i = 0;
        for t in 1..=b.steps {
            i = draw(&mut s, t == 1, i);
            for (vj, r) in v.iter_mut().zip(&b.returns[i * n..i * n + n]) {
                *vj *= 1.0 + r;
            }
            if full {
                rest[(t - 1) * n..t * n].copy_from_slice(&v);
            }
        }
        if !full {
            first.copy_from_slice(&v);
        }
    });
    Ok(())
}
