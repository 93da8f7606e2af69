use super::common::{check_problem, LOWER, UPPER};
use super::constraints::{Constraints, CONSTRAINTS};
use crate::decl::{Flags, FunctionDecl, InputSpec, Module, OutputSpec};
use crate::error::Result;

/// Computes the minimum-variance portfolio: `min w' cov w` subject to `sum w = 1` and
/// `lower <= w_i <= upper`, solved with the `clarabel` interior-point solver at 1e-12
/// tolerances (skfolio's `MeanRisk(objective=MINIMIZE_RISK)`, PyPortfolioOpt's
/// `EfficientFrontier.min_volatility`).
///
/// `cov` is an `n x n` row-major covariance matrix.
///
/// # Errors
/// [`crate::Error::InvalidInput`] for a covariance that is not square, empty, non-finite,
/// not symmetric or not positive semi-definite; [`crate::Error::OutOfRange`] naming `lower` or
/// `upper` when no weights within the bounds sum to 1.
///
/// # Examples
/// ```
/// // two uncorrelated assets, variances 4 and 1: w = (1/4, 1/1) / (5/4) = (0.2, 0.8)
/// let w = sextant_core::alloc::min_variance(&[4.0, 0.0, 0.0, 1.0], 2, 2, 0.0, 1.0).unwrap();
/// assert!((w[0] - 0.2).abs() < 1e-9 && (w[1] - 0.8).abs() < 1e-9);
/// ```
pub fn min_variance(
    cov: &[f64],
    rows: usize,
    cols: usize,
    lower: f64,
    upper: f64,
) -> Result<Vec<f64>> {
    let mut out = vec![f64::NAN; cols];
    min_variance_into(cov, rows, cols, lower, upper, &mut out)?;
    Ok(out)
}

/// [`min_variance`] into a caller-provided buffer of length `n`.
pub fn min_variance_into(
    cov: &[f64],
    rows: usize,
    cols: usize,
    lower: f64,
    upper: f64,
    out: &mut [f64],
) -> Result<()> {
    min_variance_with(cov, rows, cols, lower, upper, None, out)
}

/// [`min_variance`] under a `constraints` JSON document (per-asset bounds, group caps, maximum
/// turnover; see [`Constraints::parse`]), into a buffer of length `n`.
///
/// # Errors
/// As [`min_variance`], and [`crate::Error::Rejected`] with code `INFEASIBLE` naming the part of
/// `constraints` that no portfolio satisfies.
pub fn min_variance_with(
    cov: &[f64],
    rows: usize,
    cols: usize,
    lower: f64,
    upper: f64,
    constraints: Option<&str>,
    out: &mut [f64],
) -> Result<()> {
    let scalar = constraints.is_none().then_some((lower, upper));
    let (s, n) = check_problem(cov, rows, cols, None, out.len(), scalar)?;
    let c = Constraints::parse(n, lower, upper, constraints)?;
    c.check_turnover()?;
    super::efficient_return::frontier_point(&s, n, &c, None, out, "min_variance")
}

/// Declaration of `min_variance`.
pub static MIN_VARIANCE: FunctionDecl = FunctionDecl {
    name: "min_variance",
    module: Module::Alloc,
    group: "Optimization",
    summary: "Minimum-variance portfolio weights",
    doc: "min w'Σw s.t. sum w = 1, lower <= w_i <= upper; clarabel interior point at 1e-12. \
          Reference: cvxpy + CLARABEL; skfolio MeanRisk(MINIMIZE_RISK).",
    inputs: &[InputSpec::matrix("cov", "n x n covariance matrix of asset returns")],
    params: &[LOWER, UPPER, CONSTRAINTS],
    outputs: &[OutputSpec::per_column("weights")],
    flags: Flags::NONE,
    lookback: None,
    compute: |i, p, o| {
        let (data, rows, cols) = i.matrix(0);
        min_variance_with(data, rows, cols, p.float(0), p.float(1), p.opt_str(2), o.f64(0))
    },
    stream: None,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_form_unconstrained() {
        // interior solution: w = Σ^-1 1 / 1'Σ^-1 1
        let cov = [0.04, 0.006, 0.002, 0.006, 0.09, 0.01, 0.002, 0.01, 0.0225];
        let w = min_variance(&cov, 3, 3, -10.0, 10.0).unwrap();
        // Σ^-1 1 by Cramer's rule is tedious; verify KKT: Σw = λ1
        let g: Vec<f64> = (0..3).map(|i| (0..3).map(|j| cov[i * 3 + j] * w[j]).sum()).collect();
        for k in 1..3 {
            assert!((g[k] - g[0]).abs() < 1e-12, "{g:?}");
        }
        assert!((w.iter().sum::<f64>() - 1.0).abs() < 1e-14);
    }

    #[test]
    fn bounds_bind() {
        let cov = [4.0, 0.0, 0.0, 1.0];
        let w = min_variance(&cov, 2, 2, 0.0, 0.6).unwrap();
        assert!((w[0] - 0.4).abs() < 1e-9 && (w[1] - 0.6).abs() < 1e-9, "{w:?}");
        assert!(min_variance(&cov, 2, 2, 0.0, 0.4).is_err());
        assert!(min_variance(&[1.0, 2.0, 2.0, 1.0], 2, 2, 0.0, 1.0).is_err());
    }

    #[test]
    fn constraints_bind() {
        // diag(4, 1, 1): free weights (1/9, 4/9, 4/9)
        let cov = [4.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0];
        let run = |c: &str| {
            let mut w = vec![0.0; 3];
            min_variance_with(&cov, 3, 3, 0.0, 1.0, Some(c), &mut w).map(|()| w)
        };
        // group b = {1, 2} at most 0.5: w0 = 0.5, the rest split evenly
        let w = run(r#"{"groups": {"labels": ["a", "b", "b"], "caps": {"b": [0, 0.5]}}}"#).unwrap();
        assert!((w[0] - 0.5).abs() < 1e-9 && (w[1] - 0.25).abs() < 1e-9, "{w:?}");
        // turnover 1 from (1, 0, 0): 2 (1 - w0) <= 1
        let w = run(r#"{"current": [1, 0, 0], "max_turnover": 1}"#).unwrap();
        assert!((w[0] - 0.5).abs() < 1e-9 && (w[2] - 0.25).abs() < 1e-9, "{w:?}");
        // per-asset upper bound
        let w = run(r#"{"upper": [1, 0.3, 1]}"#).unwrap();
        assert!((w[1] - 0.3).abs() < 1e-9, "{w:?}");
        // homogenised max_sharpe keeps the turnover of the normalised weights
        let mut w = vec![0.0; 3];
        crate::alloc::max_sharpe_with(
            &[0.05, 0.1, 0.1],
            &cov,
            3,
            3,
            0.0,
            0.0,
            1.0,
            Some(r#"{"current": [1, 0, 0], "max_turnover": 0.6}"#),
            &mut w,
        )
        .unwrap();
        let t: f64 = (w[0] - 1.0).abs() + w[1].abs() + w[2].abs();
        assert!((t - 0.6).abs() < 1e-9 && (w[0] - 0.7).abs() < 1e-9, "{w:?}");
        let e = run(r#"{"upper": 0.3}"#).unwrap_err();
        assert_eq!(e.code(), crate::alloc::INFEASIBLE);
    }
}
