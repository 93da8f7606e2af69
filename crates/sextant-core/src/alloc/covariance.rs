//! Covariance estimators from a `t x n` returns matrix: `sample_cov`, `ewma_cov` and
//! `semicovariance`, each with the `missing` policy of [`crate::moments::MISSING`].

use crate::decl::{Flags, FunctionDecl, InputSpec, Module, OutputSpec, ParamSpec};
use crate::error::{check_out_len, Result};
use crate::moments::{self, Columns, Missing, MISSING};

/// The `frequency` parameter: periods per year the estimate is multiplied by.
pub(crate) const FREQUENCY: ParamSpec = ParamSpec::float(
    "frequency",
    1.0,
    0.0,
    1.0e6,
    "multiplier applied to the per-period estimate (periods per year to annualise: 252 for \
     daily returns, PyPortfolioOpt's default; 1 keeps it per period)",
);

pub(crate) const RETURNS: InputSpec =
    InputSpec::matrix("returns", "t x n asset returns, one row per period (NaN where missing)");

/// Writes a `n x n` matrix scaled by `frequency` into `out`.
fn write(m: &[f64], frequency: f64, out: &mut [f64]) -> Result<()> {
    check_out_len("cov", out.len(), m.len())?;
    for (o, v) in out.iter_mut().zip(m) {
        *o = v * frequency;
    }
    Ok(())
}

/// Sample covariance (`ddof` degrees of freedom) of the columns of a row-major `rows x cols`
/// returns matrix, times `frequency`. Under `missing = "pairwise"` each entry uses the periods
/// where both assets are present (pandas' `DataFrame.cov`); NaN where a pair has `ddof` or
/// fewer common periods.
///
/// # Errors
/// [`crate::Error::InvalidInput`] for a matrix without columns, an infinite value, or a NaN
/// under `missing = "error"`.
///
/// # Examples
/// ```
/// use sextant_core::alloc::sample_cov;
/// let r = [0.01, 0.02, -0.01, 0.0, 0.03, 0.04]; // 3 periods x 2 assets
/// let c = sample_cov(&r, 3, 2, 1, 1.0, "pairwise").unwrap();
/// assert!((c[0] - 0.0004).abs() < 1e-15 && (c[1] - c[2]).abs() == 0.0);
/// ```
pub fn sample_cov(
    returns: &[f64],
    rows: usize,
    cols: usize,
    ddof: usize,
    frequency: f64,
    missing: &str,
) -> Result<Vec<f64>> {
    let c = moments::columns("returns", returns, rows, cols, Missing::parse(missing)?)?;
    let mut out = vec![0.0; cols * cols];
    write(&moments::covariance(&c, ddof), frequency, &mut out)?;
    Ok(out)
}

/// Exponentially weighted covariance, PyPortfolioOpt's `exp_cov(returns, returns_data=True,
/// span)`: for each pair, the deviations from each asset's plain mean multiplied together and
/// averaged with weights `(1 - a)^(t - 1 - k)`, `a = 2 / (span + 1)`, so the last period
/// weighs most (pandas' `ewm(span).mean()` at the last period), times `frequency`. A period
/// missing either asset drops out of that pair's weighted mean but keeps its place in the
/// decay; the means are each asset's own (pairwise) or over the kept periods (listwise).
///
/// # Errors
/// As [`sample_cov`].
pub fn ewma_cov(
    returns: &[f64],
    rows: usize,
    cols: usize,
    span: f64,
    frequency: f64,
    missing: &str,
) -> Result<Vec<f64>> {
    let c = moments::columns("returns", returns, rows, cols, Missing::parse(missing)?)?;
    let mut out = vec![0.0; cols * cols];
    write(&ewma(&c, span), frequency, &mut out)?;
    Ok(out)
}

fn ewma(c: &Columns, span: f64) -> Vec<f64> {
    let (t, n) = (c.t, c.n);
    let w = moments::ewm_weights(t, 2.0 / (span + 1.0));
    let means: Vec<f64> = (0..n).map(|j| moments::nan_mean(c.col(j)).0).collect();
    // deviations; NaN stays NaN
    let mut dev = Vec::with_capacity(n * t);
    for (j, m) in means.iter().enumerate() {
        dev.extend(c.col(j).iter().map(|v| v - m));
    }
    if !c.has_nan {
        let wsum: f64 = w.iter().sum();
        let weighted: Vec<f64> =
            dev.chunks_exact(t.max(1)).flat_map(|d| d.iter().zip(&w).map(|(a, b)| a * b)).collect();
        let g = moments::cross(&weighted, &dev, t, n, true);
        return g.iter().map(|v| if t == 0 { f64::NAN } else { v / wsum }).collect();
    }
    moments::symmetric(n, |i, j| {
        let prod: Vec<f64> = dev[i * t..(i + 1) * t]
            .iter()
            .zip(&dev[j * t..(j + 1) * t])
            .map(|(a, b)| a * b)
            .collect();
        moments::ewm_last(&prod, &w)
    })
}

/// Semicovariance, PyPortfolioOpt's `semicovariance(returns, returns_data=True, benchmark)`:
/// `sum_k min(r_ki - b, 0) min(r_kj - b, 0) / T`, times `frequency`. Under "pairwise" the sum
/// and `T` run over the periods where both assets are present (PyPortfolioOpt counts a NaN as
/// no shortfall and divides by every period).
///
/// # Errors
/// As [`sample_cov`].
pub fn semicovariance(
    returns: &[f64],
    rows: usize,
    cols: usize,
    benchmark: f64,
    frequency: f64,
    missing: &str,
) -> Result<Vec<f64>> {
    let c = moments::columns("returns", returns, rows, cols, Missing::parse(missing)?)?;
    let mut out = vec![0.0; cols * cols];
    write(&semi(&c, benchmark), frequency, &mut out)?;
    Ok(out)
}

#[allow(clippy::cast_precision_loss, reason = "period counts are far below 2^52")]
fn semi(c: &Columns, benchmark: f64) -> Vec<f64> {
    let (t, n) = (c.t, c.n);
    // shortfalls; NaN stays NaN (f64::min would drop it)
    let d: Vec<f64> = (0..n)
        .flat_map(|j| {
            c.col(j).iter().map(|v| if v.is_nan() { f64::NAN } else { (v - benchmark).min(0.0) })
        })
        .collect();
    if !c.has_nan {
        let g = moments::cross(&d, &d, t, n, true);
        return g.iter().map(|v| if t == 0 { f64::NAN } else { v / t as f64 }).collect();
    }
    moments::symmetric(n, |i, j| {
        let (a, b) = (&d[i * t..(i + 1) * t], &d[j * t..(j + 1) * t]);
        let (s, k) = a
            .iter()
            .zip(b)
            .filter(|(x, y)| !x.is_nan() && !y.is_nan())
            .fold((0.0, 0usize), |(s, k), (x, y)| (s + x * y, k + 1));
        if k == 0 {
            f64::NAN
        } else {
            s / k as f64
        }
    })
}

/// Declaration of `sample_cov`.
pub static SAMPLE_COV: FunctionDecl = FunctionDecl {
    name: "sample_cov",
    module: Module::Alloc,
    group: "Estimators",
    summary: "Sample covariance matrix of asset returns",
    doc: "Covariance of the columns with ddof degrees of freedom (divisor periods - ddof), times \
          frequency. missing=\"pairwise\" (default) uses, per pair, the periods where both are \
          present, as pandas DataFrame.cov; \"listwise\" is numpy.cov of the complete rows. \
          References: pandas DataFrame.cov, numpy.cov, PyPortfolioOpt risk_models.sample_cov \
          (frequency 252).",
    inputs: &[RETURNS],
    params: &[
        ParamSpec::int("ddof", 1, 0, 1_000_000, "delta degrees of freedom (1: unbiased)"),
        FREQUENCY,
        MISSING,
    ],
    outputs: &[OutputSpec::square("cov")],
    flags: Flags::NONE,
    lookback: None,
    compute: |i, p, o| {
        let (data, rows, cols) = i.matrix(0);
        let c = moments::columns("returns", data, rows, cols, Missing::parse(p.str(2))?)?;
        write(&moments::covariance(&c, p.usize(0)), p.float(1), o.f64(0))
    },
    stream: None,
};

/// Declaration of `ewma_cov`.
pub static EWMA_COV: FunctionDecl = FunctionDecl {
    name: "ewma_cov",
    module: Module::Alloc,
    group: "Estimators",
    summary: "Exponentially weighted covariance matrix",
    doc: "PyPortfolioOpt's exp_cov: per pair, (x - mean x)(y - mean y) averaged with pandas \
          ewm(span, adjust=True) weights (1 - a)^(t-1-k), a = 2/(span+1), read at the last \
          period, times frequency. Means are plain (unweighted). A period missing either asset \
          drops out of that pair but keeps its place in the decay. Reference: PyPortfolioOpt \
          risk_models.exp_cov(returns_data=True).",
    inputs: &[RETURNS],
    params: &[
        ParamSpec::float(
            "span",
            180.0,
            1.0,
            1.0e9,
            "span of the exponential weights (a = 2/(span+1))",
        ),
        FREQUENCY,
        MISSING,
    ],
    outputs: &[OutputSpec::square("cov")],
    flags: Flags::NONE,
    lookback: None,
    compute: |i, p, o| {
        let (data, rows, cols) = i.matrix(0);
        let c = moments::columns("returns", data, rows, cols, Missing::parse(p.str(2))?)?;
        write(&ewma(&c, p.float(0)), p.float(1), o.f64(0))
    },
    stream: None,
};

/// Declaration of `semicovariance`.
pub static SEMICOVARIANCE: FunctionDecl = FunctionDecl {
    name: "semicovariance",
    module: Module::Alloc,
    group: "Estimators",
    summary: "Semicovariance matrix (downside below a benchmark)",
    doc: "sum_k min(r_ki - b, 0) min(r_kj - b, 0) / T, times frequency. The default benchmark \
          0.000079 is PyPortfolioOpt's (a 2% annual rate per day). Under \"pairwise\" each pair \
          sums and counts the periods where both are present. Reference: PyPortfolioOpt \
          risk_models.semicovariance(returns_data=True).",
    inputs: &[RETURNS],
    params: &[
        ParamSpec::float(
            "benchmark",
            0.000_079,
            -1.0e6,
            1.0e6,
            "return below which a period counts as downside",
        ),
        FREQUENCY,
        MISSING,
    ],
    outputs: &[OutputSpec::square("cov")],
    flags: Flags::NONE,
    lookback: None,
    compute: |i, p, o| {
        let (data, rows, cols) = i.matrix(0);
        let c = moments::columns("returns", data, rows, cols, Missing::parse(p.str(2))?)?;
        write(&semi(&c, p.float(0)), p.float(1), o.f64(0))
    },
    stream: None,
};

#[cfg(test)]
mod tests {
    use super::*;

    const R: [f64; 8] = [0.01, 0.02, -0.01, 0.0, 0.03, 0.04, 0.0, -0.02];

    #[test]
    fn sample_cov_closed_form() {
        // asset 0: 0.01, -0.01, 0.03, 0.0 (mean 0.0075); asset 1: 0.02, 0.0, 0.04, -0.02
        let c = sample_cov(&R, 4, 2, 1, 1.0, "error").unwrap();
        let a = [0.01, -0.01, 0.03, 0.0];
        let b = [0.02, 0.0, 0.04, -0.02];
        let (ma, mb) = (0.0075, 0.01);
        let cab: f64 = a.iter().zip(&b).map(|(x, y)| (x - ma) * (y - mb)).sum::<f64>() / 3.0;
        assert!((c[1] - cab).abs() < 1e-17 && c[1] == c[2]);
        let c252 = sample_cov(&R, 4, 2, 1, 252.0, "error").unwrap();
        assert!((c252[1] - 252.0 * cab).abs() < 1e-15);
    }

    #[test]
    fn pairwise_uses_common_periods_listwise_drops_rows() {
        let mut r = R;
        r[2] = f64::NAN; // asset 0, period 1
        let pw = sample_cov(&r, 4, 2, 1, 1.0, "pairwise").unwrap();
        let lw = sample_cov(&r, 4, 2, 1, 1.0, "listwise").unwrap();
        let rows3 = [0.01, 0.02, 0.03, 0.04, 0.0, -0.02];
        let full3 = sample_cov(&rows3, 3, 2, 1, 1.0, "error").unwrap();
        assert_eq!(lw, full3);
        // pairwise: the (0, 1) entry is over the same 3 periods; asset 1's variance over all 4
        assert!((pw[1] - full3[1]).abs() < 1e-18);
        let b4 = sample_cov(&[0.02, 0.0, 0.04, -0.02], 4, 1, 1, 1.0, "error").unwrap();
        assert!((pw[3] - b4[0]).abs() < 1e-18);
        assert!(sample_cov(&r, 4, 2, 1, 1.0, "error").is_err());
    }

    #[test]
    fn ewma_with_huge_span_is_the_population_covariance() {
        let e = ewma_cov(&R, 4, 2, 1e9, 1.0, "pairwise").unwrap();
        let s = sample_cov(&R, 4, 2, 0, 1.0, "pairwise").unwrap();
        for (x, y) in e.iter().zip(&s) {
            assert!((x - y).abs() < 1e-11);
        }
    }

    #[test]
    fn semicovariance_closed_form() {
        let s = semicovariance(&R, 4, 2, 0.0, 1.0, "error").unwrap();
        // downside: asset 0 [0, -0.01, 0, 0], asset 1 [0, 0, 0, -0.02]
        assert!((s[0] - 0.0001 / 4.0).abs() < 1e-18);
        assert!((s[3] - 0.0004 / 4.0).abs() < 1e-18);
        assert!(s[1].abs() < 1e-18);
    }

    #[test]
    fn errors_name_the_input() {
        let e = sample_cov(&[1.0, f64::INFINITY], 1, 2, 1, 1.0, "pairwise").unwrap_err();
        assert!(e.to_string().contains("infinite"), "{e}");
        assert!(sample_cov(&[], 0, 0, 1, 1.0, "pairwise").is_err());
        // too few periods: NaN, not an error
        assert!(sample_cov(&[1.0, 2.0], 1, 2, 1, 1.0, "pairwise")
            .unwrap()
            .iter()
            .all(|v| v.is_nan()));
    }
}
