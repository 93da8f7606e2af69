use crate::decl::{Flags, FunctionDecl, InputSpec, Module, OutputSpec};
use crate::error::{check_out_len, Error, Result};

/// Computes inverse-volatility weights: `w_i = (1 / sigma_i) / sum_j (1 / sigma_j)` with
/// `sigma_i = sqrt(cov[i][i])`. Long-only, fully invested (skfolio's `InverseVolatility`).
///
/// `cov` is an `n x n` row-major matrix; only the diagonal is read.
///
/// # Errors
/// [`Error::InvalidInput`] if the matrix is not square or empty, or a variance is not positive
/// and finite.
///
/// # Examples
/// ```
/// let cov = [0.04, 0.0, 0.0, 0.01]; // vols 20% and 10%
/// let w = sextant_core::alloc::inverse_volatility(&cov, 2, 2).unwrap();
/// assert!((w[0] - 1.0 / 3.0).abs() < 1e-15 && (w[1] - 2.0 / 3.0).abs() < 1e-15);
/// ```
pub fn inverse_volatility(cov: &[f64], rows: usize, cols: usize) -> Result<Vec<f64>> {
    let mut out = vec![f64::NAN; cols];
    inverse_volatility_into(cov, rows, cols, &mut out)?;
    Ok(out)
}

/// [`inverse_volatility`] into a caller-provided buffer of length `n`.
pub fn inverse_volatility_into(
    cov: &[f64],
    rows: usize,
    cols: usize,
    out: &mut [f64],
) -> Result<()> {
    let bad = |reason: String| Error::InvalidInput { input: "cov".into(), reason };
    if rows != cols {
        return Err(bad(format!("covariance must be square, got {rows} x {cols}")));
    }
    if rows == 0 {
        return Err(bad("covariance is empty (0 assets)".into()));
    }
    if cov.len() != rows * cols {
        return Err(bad(format!(
            "{rows} x {cols} matrix needs {} values, got {}",
            rows * cols,
            cov.len()
        )));
    }
    check_out_len("weights", out.len(), cols)?;
    for (i, w) in out.iter_mut().enumerate() {
        let v = cov[i * cols + i];
        if !(v.is_finite() && v > 0.0) {
            return Err(bad(format!("variance cov[{i}][{i}] = {v} must be positive and finite")));
        }
        *w = 1.0 / v.sqrt();
    }
    let total: f64 = out.iter().sum();
    for w in out.iter_mut() {
        *w /= total;
    }
    Ok(())
}

/// Declaration of `inverse_volatility`.
pub static INVERSE_VOLATILITY: FunctionDecl = FunctionDecl {
    name: "inverse_volatility",
    module: Module::Alloc,
    group: "Weighting",
    summary: "Inverse-volatility weights",
    doc: "w_i proportional to 1/sqrt(cov[i][i]), summing to 1. Reference: skfolio.optimization.InverseVolatility.",
    inputs: &[InputSpec::matrix("cov", "n x n covariance matrix of asset returns")],
    params: &[],
    outputs: &[OutputSpec::per_column("weights")],
    flags: Flags::NONE,
    lookback: None,
    compute: |i, _, o| {
        let (data, rows, cols) = i.matrix(0);
        inverse_volatility_into(data, rows, cols, o.f64(0))
    },
    stream: None,
};

/// [`inverse_volatility`] from the variances themselves (the covariance's diagonal), for
/// callers that estimate only the variances (`autoindex` at hundreds of assets): `w_i`
/// proportional to `1 / sqrt(variances[i])`.
///
/// # Errors
/// [`Error::InvalidInput`] naming `variances` when it is empty or a variance is not positive
/// and finite.
///
/// # Examples
/// ```
/// let w = sextant_core::alloc::inverse_volatility_of_variances(&[0.04, 0.01]).unwrap();
/// assert!((w[0] - 1.0 / 3.0).abs() < 1e-15 && (w[1] - 2.0 / 3.0).abs() < 1e-15);
/// ```
pub fn inverse_volatility_of_variances(variances: &[f64]) -> Result<Vec<f64>> {
    let bad = |reason: String| Error::InvalidInput { input: "variances".into(), reason };
    if variances.is_empty() {
        return Err(bad("no assets".into()));
    }
    let mut out = Vec::with_capacity(variances.len());
    for (i, &v) in variances.iter().enumerate() {
        if !(v.is_finite() && v > 0.0) {
            return Err(bad(format!("variance {i} = {v} must be positive and finite")));
        }
        out.push(1.0 / v.sqrt());
    }
    let total: f64 = out.iter().sum();
    for w in &mut out {
        *w /= total;
    }
    Ok(out)
}
