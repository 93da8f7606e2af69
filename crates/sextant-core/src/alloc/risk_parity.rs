use super::common::{check_problem, cholesky_solve, diag_scale};
use crate::decl::{Flags, FunctionDecl, InputSpec, Module, OutputSpec};
use crate::error::{Error, Num, Result};

/// Computes equal-risk-contribution (ERC) weights: long-only, fully invested weights whose
/// risk contributions `w_i (cov w)_i` are all equal (Maillard, Roncalli and Teiletche, 2010).
///
/// Solved through the strictly convex program of Spinu (2013),
/// `min 1/2 y' cov y - sum_i b_i ln y_i` over `y > 0`, by damped Newton steps to machine
/// accuracy (the relative spread of the risk contributions is below 1e-10); `w = y / sum y`.
///
/// # Errors
/// [`Error::InvalidInput`] for a covariance that is not square, empty, non-finite, not
/// symmetric or not positive semi-definite, or has a zero variance.
///
/// # Examples
/// ```
/// // uncorrelated assets: ERC is inverse volatility
/// let w = sextant_core::alloc::risk_parity(&[0.04, 0.0, 0.0, 0.01], 2, 2).unwrap();
/// assert!((w[0] - 1.0 / 3.0).abs() < 1e-12 && (w[1] - 2.0 / 3.0).abs() < 1e-12);
/// ```
pub fn risk_parity(cov: &[f64], rows: usize, cols: usize) -> Result<Vec<f64>> {
    let mut out = vec![f64::NAN; cols];
    risk_parity_into(cov, rows, cols, &mut out)?;
    Ok(out)
}

/// [`risk_parity`] into a caller-provided buffer of length `n`.
pub fn risk_parity_into(cov: &[f64], rows: usize, cols: usize, out: &mut [f64]) -> Result<()> {
    let (s, _) = check_problem(cov, rows, cols, None, out.len(), None)?;
    #[allow(clippy::cast_precision_loss, reason = "asset counts are small")]
    let b = vec![1.0 / cols as f64; cols];
    budget_newton(&s, cols, &b, out)
}

/// Computes risk-budgeting weights: long-only, fully invested weights whose risk contributions
/// `w_i (cov w)_i` are proportional to `budgets` (normalised to sum 1); equal budgets give
/// [`risk_parity`]. Same solver as [`risk_parity`] (Spinu's convex program, Newton).
///
/// # Errors
/// As [`risk_parity`], plus [`Error::InvalidInput`] naming `budgets` when its length differs
/// from the number of assets or a budget is not positive and finite.
///
/// # Examples
/// ```
/// // uncorrelated assets: w_i proportional to sqrt(b_i) / sigma_i
/// let w = sextant_core::alloc::risk_budgeting(&[1.0, 0.0, 0.0, 1.0], 2, 2, &[0.8, 0.2]).unwrap();
/// assert!((w[0] - 2.0 / 3.0).abs() < 1e-12 && (w[1] - 1.0 / 3.0).abs() < 1e-12);
/// ```
pub fn risk_budgeting(cov: &[f64], rows: usize, cols: usize, budgets: &[f64]) -> Result<Vec<f64>> {
    let mut out = vec![f64::NAN; cols];
    risk_budgeting_into(cov, rows, cols, budgets, &mut out)?;
    Ok(out)
}

/// [`risk_budgeting`] into a caller-provided buffer of length `n`.
pub fn risk_budgeting_into(
    cov: &[f64],
    rows: usize,
    cols: usize,
    budgets: &[f64],
    out: &mut [f64],
) -> Result<()> {
    let (s, _) = check_problem(cov, rows, cols, Some(("budgets", budgets)), out.len(), None)?;
    if let Some(i) = budgets.iter().position(|&b| b <= 0.0) {
        return Err(Error::InvalidInput {
            input: "budgets".into(),
            reason: format!("budgets[{i}] = {} must be positive", Num(budgets[i])),
        });
    }
    let total: f64 = budgets.iter().sum();
    let b: Vec<f64> = budgets.iter().map(|x| x / total).collect();
    budget_newton(&s, cols, &b, out)
}

/// Newton's method on `f(y) = 1/2 y'Sy - sum b_i ln y_i` (S scaled to unit mean variance).
fn budget_newton(cov: &[f64], n: usize, b: &[f64], out: &mut [f64]) -> Result<()> {
    let scale = diag_scale(cov, n);
    let s: Vec<f64> = cov.iter().map(|v| v / scale).collect();
    if let Some(i) = (0..n).find(|&i| s[i * n + i] <= 0.0) {
        return Err(Error::InvalidInput {
            input: "cov".into(),
            reason: format!("variance cov[{i}][{i}] = 0: its risk contribution cannot be budgeted"),
        });
    }
    let sy = |y: &[f64]| -> Vec<f64> {
        (0..n).map(|i| (0..n).map(|j| s[i * n + j] * y[j]).sum()).collect()
    };
    let f = |y: &[f64], syv: &[f64]| -> f64 {
        0.5 * y.iter().zip(syv).map(|(a, b)| a * b).sum::<f64>()
            - y.iter().zip(b).map(|(yi, bi)| bi * libm::log(*yi)).sum::<f64>()
    };
    let mut y: Vec<f64> = (0..n).map(|i| (b[i] / s[i * n + i]).sqrt()).collect();
    let mut syv = sy(&y);
    let mut fy = f(&y, &syv);
    let mut done = false;
    for _ in 0..200 {
        let g: Vec<f64> = (0..n).map(|i| syv[i] - b[i] / y[i]).collect();
        let mut h = s.clone();
        for i in 0..n {
            h[i * n + i] += b[i] / (y[i] * y[i]);
        }
        let Some(d) = cholesky_solve(&h, n, &g) else { break };
        // Newton decrement^2 = g' H^-1 g
        let dec: f64 = g.iter().zip(&d).map(|(a, b)| a * b).sum();
        let mut t = 1.0;
        while (0..n).any(|i| y[i] - t * d[i] <= 0.0) {
            t *= 0.5;
        }
        let mut ynew: Vec<f64> = (0..n).map(|i| y[i] - t * d[i]).collect();
        let mut synew = sy(&ynew);
        let mut fnew = f(&ynew, &synew);
        // near the optimum (decrement below 1e-6) full steps converge quadratically and f
        // differences drown in rounding: only damp far from it
        if dec > 1e-6 {
            while fnew > fy - 0.25 * t * dec && t > 1e-12 {
                t *= 0.5;
                ynew = (0..n).map(|i| y[i] - t * d[i]).collect();
                synew = sy(&ynew);
                fnew = f(&ynew, &synew);
            }
        }
        y = ynew;
        syv = synew;
        fy = fnew;
        // risk contributions y_i (Sy)_i must equal b_i (the scale of y makes sum = 1 at the optimum)
        let spread = (0..n).map(|i| (y[i] * syv[i] - b[i]).abs() / b[i]).fold(0.0, f64::max);
        if done {
            break;
        }
        if spread < 1e-13 {
            // one more step for the last digits
            done = true;
        }
    }
    let rc: Vec<f64> = (0..n).map(|i| y[i] * syv[i] / b[i]).collect();
    let (lo, hi) =
        rc.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &v| (l.min(v), h.max(v)));
    if !(lo > 0.0 && (hi - lo) <= 1e-10 * hi) {
        return Err(Error::InvalidInput {
            input: "cov".into(),
            reason: format!(
                "risk budgeting did not converge (relative spread of risk contributions {})",
                Num((hi - lo) / hi)
            ),
        });
    }
    let total: f64 = y.iter().sum();
    for (o, v) in out.iter_mut().zip(&y) {
        *o = v / total;
    }
    Ok(())
}

/// Declaration of `risk_parity`.
pub static RISK_PARITY: FunctionDecl = FunctionDecl {
    name: "risk_parity",
    module: Module::Alloc,
    group: "Risk parity",
    summary: "Equal-risk-contribution (ERC) weights",
    doc: "Long-only weights with equal risk contributions w_i (Σw)_i; Spinu's convex program \
          min 1/2 y'Σy - sum ln(y_i)/n by Newton to 1e-10. Reference: skfolio RiskBudgeting; \
          cvxpy + CLARABEL refined by Newton.",
    inputs: &[InputSpec::matrix("cov", "n x n covariance matrix of asset returns")],
    params: &[],
    outputs: &[OutputSpec::per_column("weights")],
    flags: Flags::NONE,
    lookback: None,
    compute: |i, _, o| {
        let (data, rows, cols) = i.matrix(0);
        risk_parity_into(data, rows, cols, o.f64(0))
    },
    stream: None,
};

/// Declaration of `risk_budgeting`.
pub static RISK_BUDGETING: FunctionDecl = FunctionDecl {
    name: "risk_budgeting",
    module: Module::Alloc,
    group: "Risk parity",
    summary: "Risk-budgeting weights (risk contributions proportional to budgets)",
    doc: "Long-only weights with risk contributions w_i (Σw)_i proportional to budgets; Spinu's \
          convex program by Newton to 1e-10. Reference: skfolio RiskBudgeting(risk_budget=...).",
    inputs: &[
        InputSpec::matrix("cov", "n x n covariance matrix of asset returns"),
        InputSpec::series("budgets", "positive risk budget of each asset (normalised to sum 1)"),
    ],
    params: &[],
    outputs: &[OutputSpec::per_column("weights")],
    flags: Flags::NONE,
    lookback: None,
    compute: |i, _, o| {
        let (data, rows, cols) = i.matrix(0);
        risk_budgeting_into(data, rows, cols, i.series(1), o.f64(0))
    },
    stream: None,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_contributions() {
        let cov = [0.04, 0.006, 0.002, 0.006, 0.09, 0.01, 0.002, 0.01, 0.0225];
        let w = risk_parity(&cov, 3, 3).unwrap();
        let rc: Vec<f64> =
            (0..3).map(|i| w[i] * (0..3).map(|j| cov[i * 3 + j] * w[j]).sum::<f64>()).collect();
        for k in 1..3 {
            assert!((rc[k] - rc[0]).abs() < 1e-12 * rc[0], "{rc:?}");
        }
        assert!((w.iter().sum::<f64>() - 1.0).abs() < 1e-15);
    }

    #[test]
    fn budget_errors() {
        let cov = [1.0, 0.0, 0.0, 1.0];
        assert!(risk_budgeting(&cov, 2, 2, &[1.0, 0.0]).is_err());
        assert!(risk_budgeting(&cov, 2, 2, &[1.0]).is_err());
        assert!(risk_parity(&[1.0, 0.0, 0.0, 0.0], 2, 2).is_err());
    }
}
