//! Moments of a `t x n` returns matrix shared by the covariance / correlation estimators
//! (`alloc.sample_cov`, `alloc.ewma_cov`, `alloc.semicovariance`, `alloc.ledoit_wolf`,
//! `alloc.hrp`, `risk.correlation`, the expected-return estimators): the `missing` policy
//! across assets, asset-major columns, and pairwise covariance / correlation.
#![cfg_attr(
    feature = "subset",
    allow(dead_code, reason = "a per-module WebAssembly bundle uses only part of the moments")
)]

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

/// `C[i][j] = sum_k a_i[k] b_j[k]` for asset-major `n x t` matrices `a` and `b`, all `i, j`
/// (with `sym`, `a == b` and only `j >= i` is computed, then mirrored). Blocked over periods
/// so that one block of every column stays in cache while a band of rows reuses it; bands in
/// parallel with the `parallel` feature.
pub(crate) fn cross(a: &[f64], b: &[f64], t: usize, n: usize, sym: bool) -> Vec<f64> {
    const BAND: usize = 8;
    const BLOCK: usize = 512;
    let band = |lo: usize| -> Vec<f64> {
        let hi = (lo + BAND).min(n);
        let mut acc = vec![0.0; (hi - lo) * n];
        let mut k0 = 0;
        while k0 < t {
            let k1 = (k0 + BLOCK).min(t);
            for i in lo..hi {
                let ai = &a[i * t + k0..i * t + k1];
                let row = &mut acc[(i - lo) * n..(i - lo + 1) * n];
                for (j, r) in row.iter_mut().enumerate().skip(if sym { i } else { 0 }) {
                    *r += dot(ai, &b[j * t + k0..j * t + k1]);
                }
            }
            k0 = k1;
        }
        acc
    };
    let starts: Vec<usize> = (0..n).step_by(BAND).collect();
    #[cfg(feature = "parallel")]
    let bands: Vec<Vec<f64>> = {
        use rayon::prelude::*;
        starts.par_iter().map(|&lo| band(lo)).collect()
    };
    #[cfg(not(feature = "parallel"))]
    let bands: Vec<Vec<f64>> = starts.iter().map(|&lo| band(lo)).collect();
    let mut m = bands.concat();
    if sym {
        for i in 0..n {
            for j in 0..i {
                m[i * n + j] = m[j * n + i];
            }
        }
    }
    m
}

/// Pairwise sums of a matrix with NaN, from cross products of the columns centred by their
/// own means with NaN set to 0 (`x`) and the presence masks (`m`): per pair `count`, `sx`
/// (sum of `x_i` over the common periods), `sxy`, and with `squares` `sxx` (sum of `x_i^2`
/// over the common periods). Centring first keeps the one-pass corrections small.
struct PairSums {
    count: Vec<f64>,
    sx: Vec<f64>,
    sxy: Vec<f64>,
    sxx: Vec<f64>,
}

#[allow(clippy::cast_precision_loss, reason = "period counts are far below 2^52")]
fn pair_sums(c: &Columns, squares: bool) -> PairSums {
    let (t, n) = (c.t, c.n);
    let mut x = vec![0.0; n * t];
    let mut m = vec![0.0; n * t];
    for j in 0..n {
        let (mean, _) = nan_mean(c.col(j));
        for (k, v) in c.col(j).iter().enumerate() {
            if !v.is_nan() {
                x[j * t + k] = v - mean;
                m[j * t + k] = 1.0;
            }
        }
    }
    let x2: Vec<f64> = if squares { x.iter().map(|v| v * v).collect() } else { Vec::new() };
    PairSums {
        count: cross(&m, &m, t, n, true),
        sx: cross(&x, &m, t, n, false),
        sxy: cross(&x, &x, t, n, true),
        sxx: if squares { cross(&x2, &m, t, n, false) } else { Vec::new() },
    }
}

/// Sample covariance with `ddof` of the columns: on complete data two passes (means, then
/// centred cross products); under the pairwise policy each pair over the periods where both
/// are present, with the means of those periods (pandas' `DataFrame.cov`). NaN where a pair
/// has `ddof` or fewer periods.
#[allow(clippy::cast_precision_loss, reason = "period counts are far below 2^52")]
pub(crate) fn covariance(c: &Columns, ddof: usize) -> Vec<f64> {
    let (t, n) = (c.t, c.n);
    let dd = ddof as f64;
    if !c.has_nan {
        let centred = centred(c);
        let den = t as f64 - dd;
        let g = cross(&centred, &centred, t, n, true);
        return g.iter().map(|v| if t <= ddof { f64::NAN } else { v / den }).collect();
    }
    let p = pair_sums(c, false);
    let mut out = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            let k = i * n + j;
            let cnt = p.count[k];
            out[k] = if cnt <= dd {
                f64::NAN
            } else {
                (p.sxy[k] - p.sx[k] * p.sx[j * n + i] / cnt) / (cnt - dd)
            };
        }
    }
    out
}

/// Pearson correlation of the columns, pairwise as [`covariance`] (each pair's standard
/// deviations over its common periods, pandas' `DataFrame.corr`). NaN where a pair has fewer
/// than 2 common periods or a zero variance over them; 1 on the diagonal otherwise.
pub(crate) fn correlation(c: &Columns) -> Vec<f64> {
    let n = c.n;
    let unit = |i: usize, j: usize, sxx: f64, syy: f64, sxy: f64| -> f64 {
        let d = (sxx * syy).sqrt();
        if d.is_nan() || d <= 0.0 {
            f64::NAN
        } else if i == j {
            1.0
        } else {
            (sxy / d).clamp(-1.0, 1.0)
        }
    };
    if !c.has_nan {
        let cov = covariance(c, 1);
        return symmetric(n, |i, j| unit(i, j, cov[i * n + i], cov[j * n + j], cov[i * n + j]));
    }
    let p = pair_sums(c, true);
    symmetric(n, |i, j| {
        let (k, kt) = (i * n + j, j * n + i);
        let cnt = p.count[k];
        if cnt < 2.0 {
            return f64::NAN;
        }
        let (sx, sy) = (p.sx[k], p.sx[kt]);
        let sxx = p.sxx[k] - sx * sx / cnt;
        let syy = p.sxx[kt] - sy * sy / cnt;
        unit(i, j, sxx, syy, p.sxy[k] - sx * sy / cnt)
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
    let sxy = both().map(|(a, b)| (a - mx) * (b - my)).sum();
    Some(PairMoments { count, sxy })
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
