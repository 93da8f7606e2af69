//! Moments of a `t x n` returns matrix shared by the covariance / correlation estimators
//! (`alloc.sample_cov`, `alloc.ewma_cov`, `alloc.semicovariance`, `alloc.ledoit_wolf`,
//! `alloc.hrp`, `risk.correlation`, the expected-return estimators): the `missing` policy
//! across assets, asset-major columns, and pairwise covariance / correlation.

use crate::decl::ParamSpec;
use crate::error::{Error, Num, Result};

/// The `missing` parameter of the estimators: what a NaN in the returns means.
pub(crate) const MISSING: ParamSpec = ParamSpec::choice(
    "missing",
    "pairwise",
    &["pairwise", "listwise", "error"],
    "NaN policy across assets: \"pairwise\" uses, for each pair of assets (each asset for \
     per-asset statistics), the periods where both are present, as pandas' DataFrame.cov / corr; \
     \"listwise\" drops every period with a NaN in any asset first; \"error\" rejects NaN",
);

/// How missing values (NaN) across assets are handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Missing {
    /// Each pair (or asset) uses the periods where it is present.
    Pairwise,
    /// Periods with a NaN in any asset are dropped.
    Listwise,
    /// A NaN is an error.
    Error,
}

impl Missing {
    /// Parses the `missing` option (already validated against its choices).
    pub(crate) fn parse(s: &str) -> Result<Self> {
        match s {
            "pairwise" => Ok(Self::Pairwise),
            "listwise" => Ok(Self::Listwise),
            "error" => Ok(Self::Error),
            other => Err(Error::UnknownOption {
                param: "missing".into(),
                value: other.into(),
                allowed: "pairwise, listwise, error".into(),
            }),
        }
    }
}

/// A returns matrix as asset-major columns after the missing policy: `col(j)` has `t` values,
/// NaN where missing (only under [`Missing::Pairwise`]).
#[derive(Debug, Clone)]
pub(crate) struct Columns {
    data: Vec<f64>,
    /// Periods kept.
    pub t: usize,
    /// Assets.
    pub n: usize,
    /// Whether any value is NaN (pairwise policy only).
    pub has_nan: bool,
}

impl Columns {
    /// The `t` values of asset `j`.
    pub(crate) fn col(&self, j: usize) -> &[f64] {
        &self.data[j * self.t..(j + 1) * self.t]
    }
}

/// Validates a row-major `rows x cols` returns matrix named `name` and applies the missing
/// policy. Infinite values are always an error; NaN follows `missing`.
pub(crate) fn columns(
    name: &str,
    x: &[f64],
    rows: usize,
    cols: usize,
    missing: Missing,
) -> Result<Columns> {
    let bad = |reason: String| Error::InvalidInput { input: name.to_owned(), reason };
    if cols == 0 {
        return Err(bad("no assets (0 columns)".into()));
    }
    if rows.checked_mul(cols) != Some(x.len()) {
        return Err(bad(format!(
            "{rows} x {cols} matrix needs {} values, got {}",
            rows.saturating_mul(cols),
            x.len()
        )));
    }
    if let Some(k) = x.iter().position(|v| v.is_infinite()) {
        return Err(bad(format!("{name}[{}][{}] = {} is infinite", k / cols, k % cols, Num(x[k]))));
    }
    let any_nan = x.iter().any(|v| v.is_nan());
    if any_nan && missing == Missing::Error {
        let k = x.iter().position(|v| v.is_nan()).unwrap_or(0);
        return Err(bad(format!(
            "{name}[{}][{}] is NaN (missing=\"error\"; use \"pairwise\" or \"listwise\")",
            k / cols,
            k % cols
        )));
    }
    let keep: Vec<usize> = if any_nan && missing == Missing::Listwise {
        (0..rows).filter(|&r| x[r * cols..(r + 1) * cols].iter().all(|v| !v.is_nan())).collect()
    } else {
        (0..rows).collect()
    };
    let t = keep.len();
    let mut data = vec![0.0; cols * t];
    for (k, &r) in keep.iter().enumerate() {
        for (j, v) in x[r * cols..(r + 1) * cols].iter().enumerate() {
            data[j * t + k] = *v;
        }
    }
    Ok(Columns { data, t, n: cols, has_nan: any_nan && missing == Missing::Pairwise })
}

/// Dot product with four accumulators (vectorises; as accurate as numpy's sums here).
pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0; 4];
    let (ca, ra) = a.split_at(a.len() - a.len() % 4);
    let (cb, rb) = b.split_at(ca.len());
    for (x4, y4) in ca.chunks_exact(4).zip(cb.chunks_exact(4)) {
        for k in 0..4 {
            acc[k] += x4[k] * y4[k];
        }
    }
    let mut s = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    for (x1, y1) in ra.iter().zip(rb) {
        s += x1 * y1;
    }
    s
}

/// Mean of the non-NaN values (NaN when there are none) and their count.
#[allow(clippy::cast_precision_loss, reason = "period counts are far below 2^52")]
pub(crate) fn nan_mean(a: &[f64]) -> (f64, usize) {
    let (s, c) = a.iter().filter(|v| !v.is_nan()).fold((0.0, 0usize), |(s, c), v| (s + v, c + 1));
    (if c == 0 { f64::NAN } else { s / c as f64 }, c)
}

/// Fills a symmetric `n x n` matrix from `f(i, j)` for `i <= j` (rows in parallel with the
/// `parallel` feature).
pub(crate) fn symmetric(n: usize, f: impl Fn(usize, usize) -> f64 + Sync) -> Vec<f64> {
    let row = |i: usize| -> Vec<f64> { (i..n).map(|j| f(i, j)).collect() };
    #[cfg(feature = "parallel")]
    let upper: Vec<Vec<f64>> = {
        use rayon::prelude::*;
        (0..n).into_par_iter().map(row).collect()
    };
    #[cfg(not(feature = "parallel"))]
    let upper: Vec<Vec<f64>> = (0..n).map(row).collect();
    let mut m = vec![0.0; n * n];
    for (i, r) in upper.iter().enumerate() {
        for (k, &v) in r.iter().enumerate() {
            m[i * n + i + k] = v;
            m[(i + k) * n + i] = v;
        }
    }
    m
}

/// Sample covariance with `ddof` of the columns: on complete data two passes (means, then
/// centred dot products); under the pairwise policy each pair over the periods where both
/// are present, with the means of those periods (pandas' `DataFrame.cov`). NaN where a pair
/// has `ddof` or fewer periods.
#[allow(clippy::cast_precision_loss, reason = "period counts are far below 2^52")]
pub(crate) fn covariance(c: &Columns, ddof: usize) -> Vec<f64> {
    let (t, n) = (c.t, c.n);
    if !c.has_nan {
        let centred = centred(c);
        let den = t as f64 - ddof as f64;
        return symmetric(n, |i, j| {
            if t <= ddof {
                f64::NAN
            } else {
                dot(&centred[i * t..(i + 1) * t], &centred[j * t..(j + 1) * t]) / den
            }
        });
    }
    symmetric(n, |i, j| pair_moments(c.col(i), c.col(j)).map_or(f64::NAN, |m| m.cov(ddof)))
}

/// Pearson correlation of the columns, pairwise as [`covariance`] (each pair's standard
/// deviations over its common periods, pandas' `DataFrame.corr`). NaN where a pair has fewer
/// than 2 common periods or a zero variance over them; 1 on the diagonal otherwise.
pub(crate) fn correlation(c: &Columns) -> Vec<f64> {
    let n = c.n;
    if !c.has_nan {
        let cov = covariance(c, 1);
        return symmetric(n, |i, j| {
            let d = (cov[i * n + i] * cov[j * n + j]).sqrt();
            if i == j {
                if cov[i * n + i] > 0.0 {
                    1.0
                } else {
                    f64::NAN
                }
            } else if d > 0.0 {
                (cov[i * n + j] / d).clamp(-1.0, 1.0)
            } else {
                f64::NAN
            }
        });
    }
    symmetric(n, |i, j| {
        pair_moments(c.col(i), c.col(j)).map_or(f64::NAN, |m| {
            let d = (m.sxx * m.syy).sqrt();
            if m.count < 2 || d <= 0.0 {
                f64::NAN
            } else if i == j {
                1.0
            } else {
                (m.sxy / d).clamp(-1.0, 1.0)
            }
        })
    })
}

/// The columns centred by their means, asset-major (complete data).
#[allow(clippy::cast_precision_loss, reason = "period counts are far below 2^52")]
pub(crate) fn centred(c: &Columns) -> Vec<f64> {
    let t = c.t;
    let mut out = c.data.clone();
    for col in out.chunks_exact_mut(t.max(1)) {
        let m = col.iter().sum::<f64>() / t as f64;
        for v in col.iter_mut() {
            *v -= m;
        }
    }
    out
}

/// Centred second moments of a pair over the periods where both are present.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PairMoments {
    /// Common periods.
    pub count: usize,
    /// `sum (x - mx)^2`.
    pub sxx: f64,
    /// `sum (y - my)^2`.
    pub syy: f64,
    /// `sum (x - mx)(y - my)`.
    pub sxy: f64,
}

impl PairMoments {
    /// `sxy / (count - ddof)`, NaN when `count <= ddof`.
    #[allow(clippy::cast_precision_loss, reason = "period counts are far below 2^52")]
    pub(crate) fn cov(&self, ddof: usize) -> f64 {
        if self.count <= ddof {
            f64::NAN
        } else {
            self.sxy / (self.count - ddof) as f64
        }
    }
}

/// Two-pass moments of `x` and `y` over the periods where both are present (`None` when
/// there are none).
#[allow(clippy::cast_precision_loss, reason = "period counts are far below 2^52")]
pub(crate) fn pair_moments(x: &[f64], y: &[f64]) -> Option<PairMoments> {
    let both = || x.iter().zip(y).filter(|(a, b)| !a.is_nan() && !b.is_nan());
    let (sx, sy, count) =
        both().fold((0.0, 0.0, 0usize), |(sx, sy, c), (a, b)| (sx + a, sy + b, c + 1));
    if count == 0 {
        return None;
    }
    let (mx, my) = (sx / count as f64, sy / count as f64);
    let (mut sxx, mut syy, mut sxy) = (0.0, 0.0, 0.0);
    for (a, b) in both() {
        let (da, db) = (a - mx, b - my);
        sxx += da * da;
        syy += db * db;
        sxy += da * db;
    }
    Some(PairMoments { count, sxx, syy, sxy })
}

/// Exponential weights of `t` periods with smoothing `alpha`: `(1 - alpha)^(t - 1 - k)` for
/// period `k` (the last period weighs 1), pandas' `ewm(adjust=True)`.
pub(crate) fn ewm_weights(t: usize, alpha: f64) -> Vec<f64> {
    let mut w = vec![0.0; t];
    let mut v = 1.0;
    for x in w.iter_mut().rev() {
        *x = v;
        v *= 1.0 - alpha;
    }
    w
}

/// The exponentially weighted mean at the last period of `x` with weights `w` (pandas'
/// `ewm(span).mean().iloc[-1]` with `ignore_na=False`: NaN periods keep their place in the
/// decay and drop out of both sums). NaN when `x` has no value.
pub(crate) fn ewm_last(x: &[f64], w: &[f64]) -> f64 {
    let (s, ws) = x
        .iter()
        .zip(w)
        .filter(|(v, _)| !v.is_nan())
        .fold((0.0, 0.0), |(s, ws), (v, wk)| (s + wk * v, ws + wk));
    if ws > 0.0 {
        s / ws
    } else {
        f64::NAN
    }
}
