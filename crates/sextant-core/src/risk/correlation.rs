//! `correlation`: the Pearson correlation matrix of a returns matrix, with the `missing` policy
//! of [`crate::moments::MISSING`].

use crate::decl::{Flags, FunctionDecl, InputSpec, Module, OutputSpec, ParamSpec};
use crate::error::{check_out_len, Error, Result};
use crate::moments::{self, Missing, MISSING};

/// Pearson correlation matrix of the columns of a row-major `rows x cols` returns matrix.
/// Under `missing = "pairwise"` (pandas' `DataFrame.corr`) each entry uses the periods where
/// both assets are present, with the means and standard deviations of those periods;
/// `"listwise"` is `numpy.corrcoef` of the complete periods. NaN where a pair has fewer than
/// 2 common periods or no dispersion over them.
///
/// # Errors
/// [`crate::Error::InvalidInput`] for a matrix without columns, an infinite value, or a NaN
/// under `missing = "error"`.
///
/// # Examples
/// ```
/// let r = [0.01, 0.02, -0.01, -0.02, 0.03, 0.06]; // 3 periods x 2 assets, asset 1 = 2 x asset 0
/// let c = sextant_core::risk::correlation(&r, 3, 2, "pairwise").unwrap();
/// assert!((c[1] - 1.0).abs() < 1e-15 && c[0] == 1.0);
/// ```
pub fn correlation(returns: &[f64], rows: usize, cols: usize, missing: &str) -> Result<Vec<f64>> {
    let c = moments::columns("returns", returns, rows, cols, Missing::parse(missing)?)?;
    Ok(moments::correlation(&c))
}

/// Declaration of `correlation`.
pub static CORRELATION: FunctionDecl = FunctionDecl {
    name: "correlation",
    module: Module::Risk,
    group: "Correlation",
    summary: "Pearson correlation matrix of returns",
    doc: "Pearson correlation of the columns. missing=\"pairwise\" (default) uses, per pair, the \
          periods where both are present, as pandas DataFrame.corr; \"listwise\" is \
          numpy.corrcoef of the complete periods; \"error\" rejects NaN. NaN where a pair has \
          fewer than 2 common periods or zero variance over them.",
    inputs: &[InputSpec::matrix(
        "returns",
        "t x n returns, one row per period (NaN where missing)",
    )],
    params: &[MISSING],
    outputs: &[OutputSpec::square("correlation")],
    flags: Flags::NONE,
    lookback: None,
    compute: |i, p, o| {
        let (data, rows, cols) = i.matrix(0);
        let c = moments::columns("returns", data, rows, cols, Missing::parse(p.str(0))?)?;
        let m = moments::correlation(&c);
        let out = o.f64(0);
        check_out_len("correlation", out.len(), m.len())?;
        out.copy_from_slice(&m);
        Ok(())
    },
    stream: None,
};

/// Running co-moments of the pairs in a window: count, means, sums of squared deviations and
/// of cross deviations (Welford's updates, with removal).
#[derive(Default)]
struct CoMoments {
    n: f64,
    mx: f64,
    my: f64,
    sxx: f64,
    syy: f64,
    sxy: f64,
}

impl CoMoments {
    fn add(&mut self, x: f64, y: f64) {
        self.n += 1.0;
        let (dx, dy) = (x - self.mx, y - self.my);
        self.mx += dx / self.n;
        self.my += dy / self.n;
        self.sxx += dx * (x - self.mx);
        self.syy += dy * (y - self.my);
        self.sxy += dx * (y - self.my);
    }

    fn remove(&mut self, x: f64, y: f64) {
        if self.n <= 1.0 {
            *self = Self::default();
            return;
        }
        self.n -= 1.0;
        let (ox, oy) = (self.mx, self.my);
        self.mx -= (x - ox) / self.n;
        self.my -= (y - oy) / self.n;
        self.sxx -= (x - self.mx) * (x - ox);
        self.syy -= (y - self.my) * (y - oy);
        self.sxy -= (x - self.mx) * (y - oy);
    }

    fn corr(&self) -> f64 {
        let (sxx, syy) = (self.sxx.max(0.0), self.syy.max(0.0));
        if self.n < 2.0 || sxx == 0.0 || syy == 0.0 {
            return f64::NAN;
        }
        self.sxy / (sxx * syy).sqrt()
    }
}

/// Rolling Pearson correlation of two series over `window` periods, aligned with the input
/// (`n` values, NaN until a window has `min_periods` pairs): pandas'
/// `a.rolling(window, min_periods).corr(b)`. Under `missing = "pairwise"` (or `"listwise"`,
/// the same for two series) a window uses the periods where both are present and needs at
/// least `min_periods` of them (0 means `window`); `"error"` rejects NaN. NaN where a series
/// is constant over the window (pandas gives NaN or an infinity there).
///
/// Co-moments are updated as the window slides (Welford's updates with removal) and
/// recomputed from scratch every `window` steps, so rounding cannot accumulate.
///
/// # Errors
/// [`crate::Error::OutOfRange`] for `window < 2` or `min_periods > window`;
/// [`crate::Error::LengthMismatch`] for series of different lengths;
/// [`crate::Error::InvalidInput`] for a NaN under `missing = "error"`.
///
/// # Examples
/// ```
/// let a = [0.01, 0.02, -0.01, 0.03, 0.0];
/// let b = [0.02, 0.04, -0.02, 0.06, 0.0]; // b = 2a: correlation 1 once a window is full
/// let c = sextant_core::risk::rolling_correlation(&a, &b, 3, 0, "pairwise").unwrap();
/// assert!(c[..2].iter().all(|v| v.is_nan()));
/// assert!(c[2..].iter().all(|v| (v - 1.0).abs() < 1e-12));
/// ```
pub fn rolling_correlation(
    returns: &[f64],
    factor_returns: &[f64],
    window: usize,
    min_periods: usize,
    missing: &str,
) -> Result<Vec<f64>> {
    let mut out = vec![f64::NAN; returns.len()];
    rolling_correlation_into(returns, factor_returns, window, min_periods, missing, &mut out)?;
    Ok(out)
}

/// [`rolling_correlation`] into a caller-provided buffer of the input's length.
///
/// # Errors
/// As [`rolling_correlation`], and [`crate::Error::Arity`] for a buffer of the wrong length.
#[allow(clippy::cast_precision_loss)]
pub fn rolling_correlation_into(
    a: &[f64],
    b: &[f64],
    window: usize,
    min_periods: usize,
    missing: &str,
    out: &mut [f64],
) -> Result<()> {
    let policy = Missing::parse(missing)?;
    if window < 2 {
        return Err(Error::OutOfRange {
            param: "window".into(),
            value: window.to_string(),
            bound: "must be >= 2".into(),
        });
    }
    if min_periods > window {
        return Err(Error::OutOfRange {
            param: "min_periods".into(),
            value: min_periods.to_string(),
            bound: format!("must be <= window ({window})"),
        });
    }
    if a.len() != b.len() {
        return Err(Error::LengthMismatch {
            input: "factor_returns".into(),
            len: b.len(),
            other: "returns".into(),
            other_len: a.len(),
        });
    }
    check_out_len("correlation", out.len(), a.len())?;
    if policy == Missing::Error {
        for (name, s) in [("returns", a), ("factor_returns", b)] {
            if let Some(t) = s.iter().position(|v| v.is_nan()) {
                return Err(Error::InvalidInput {
                    input: name.into(),
                    reason: format!("NaN at {t} and missing=\"error\""),
                });
            }
        }
    }
    let need = if min_periods == 0 { window } else { min_periods }.max(1) as f64;
    let pair = |t: usize| (!a[t].is_nan() && !b[t].is_nan()).then(|| (a[t], b[t]));
    let mut m = CoMoments::default();
    #[allow(clippy::needless_range_loop, reason = "t indexes both series and the window start")]
    for t in 0..a.len() {
        if t >= window && (t % window) == 0 {
            // exact restart over the current window (t - window + 1 ..= t - 1 so far)
            m = CoMoments::default();
            for s in t + 1 - window..t {
                if let Some((x, y)) = pair(s) {
                    m.add(x, y);
                }
            }
        } else if t >= window {
            if let Some((x, y)) = pair(t - window) {
                m.remove(x, y);
            }
        }
        if let Some((x, y)) = pair(t) {
            m.add(x, y);
        }
        out[t] = if m.n >= need { m.corr() } else { f64::NAN };
    }
    Ok(())
}

/// Declaration of `rolling_correlation`.
pub static ROLLING_CORRELATION: FunctionDecl = FunctionDecl {
    name: "rolling_correlation",
    module: Module::Risk,
    group: "Correlation",
    summary: "Rolling correlation of returns with a benchmark",
    doc: "Pearson correlation of returns and factor_returns over each window of `window` periods, \
          one value per period (NaN until a window holds min_periods pairs; min_periods 0 means \
          window), as pandas a.rolling(window, min_periods).corr(b). missing=\"pairwise\" (or \
          \"listwise\", the same for two series) uses the periods where both are present; \
          \"error\" rejects NaN. NaN where a series is constant over the window. On a 2-D \
          returns input each column is correlated with factor_returns.",
    inputs: &[super::common::RETURNS, super::common::FACTOR],
    params: &[
        ParamSpec::int("window", 63, 2, i64::MAX, "window length in periods"),
        ParamSpec::int("min_periods", 0, 0, i64::MAX, "pairs a window needs (0: window)"),
        MISSING,
    ],
    outputs: &[OutputSpec::f64("correlation")],
    flags: Flags::NONE,
    lookback: None,
    compute: |i, p, o| {
        rolling_correlation_into(
            i.series(0),
            i.series(1),
            p.usize(0),
            p.usize(1),
            p.str(2),
            o.f64(0),
        )
    },
    stream: None,
};
