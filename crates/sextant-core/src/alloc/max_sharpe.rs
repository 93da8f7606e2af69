use super::common::{check_problem, diag_scale, Program, LOWER, UPPER};
use super::constraints::{Constraints, CONSTRAINTS};
use crate::decl::{Flags, FunctionDecl, InputSpec, Module, OutputSpec, ParamSpec};
use crate::error::{Error, Num, Result};

/// Computes the maximum-Sharpe (tangency) portfolio: `max (mu'w - risk_free) / sqrt(w' cov w)`
/// subject to `sum w = 1` and `lower <= w_i <= upper`.
///
/// Solved as the convex program of Cornuejols and Tutuncu (Optimization Methods in Finance,
/// 2007, section 8.2): with `y = k w`, `k >= 0`, minimise `y' cov y` subject to
/// `(mu - risk_free)' y = 1`, `sum y = k`, `lower k <= y_i <= upper k`; then `w = y / k`. One
/// `clarabel` solve at 1e-12 tolerances. `risk_free` is per period, on the scale of `mu`.
///
/// # Errors
/// As [`crate::alloc::min_variance`], plus [`Error::InvalidInput`] when `mu` has the wrong length or
/// non-finite values, and [`Error::OutOfRange`] naming `risk_free` when no asset's expected
/// return exceeds it (the maximum Sharpe ratio is then not positive and the problem has no
/// tangency portfolio).
///
/// # Examples
/// ```
/// // uncorrelated assets: w_i proportional to mu_i / var_i
/// let w = sextant_core::alloc::max_sharpe(&[0.1, 0.05], &[0.04, 0.0, 0.0, 0.01], 2, 2, 0.0, 0.0, 1.0)
///     .unwrap();
/// assert!((w[0] - 2.5 / 7.5).abs() < 1e-9 && (w[1] - 5.0 / 7.5).abs() < 1e-9);
/// ```
pub fn max_sharpe(
    mu: &[f64],
    cov: &[f64],
    rows: usize,
    cols: usize,
    risk_free: f64,
    lower: f64,
    upper: f64,
) -> Result<Vec<f64>> {
    let mut out = vec![f64::NAN; cols];
    max_sharpe_into(mu, cov, rows, cols, risk_free, lower, upper, &mut out)?;
    Ok(out)
}

/// [`max_sharpe`] into a caller-provided buffer of length `n`.
#[allow(clippy::too_many_arguments, reason = "slices + shape + the three declared parameters")]
pub fn max_sharpe_into(
    mu: &[f64],
    cov: &[f64],
    rows: usize,
    cols: usize,
    risk_free: f64,
    lower: f64,
    upper: f64,
    out: &mut [f64],
) -> Result<()> {
    max_sharpe_with(mu, cov, rows, cols, risk_free, lower, upper, None, out)
}

/// [`max_sharpe`] under a `constraints` JSON document (see [`Constraints::parse`]), into a
/// buffer of length `n`; the constraints are homogenised with the portfolio (`y = k w`).
///
/// # Errors
/// As [`max_sharpe`], and [`crate::Error::Rejected`] with code `INFEASIBLE`.
#[allow(clippy::too_many_arguments, reason = "slices + shape + the declared parameters")]
pub fn max_sharpe_with(
    mu: &[f64],
    cov: &[f64],
    rows: usize,
    cols: usize,
    risk_free: f64,
    lower: f64,
    upper: f64,
    constraints: Option<&str>,
    out: &mut [f64],
) -> Result<()> {
    let scalar = constraints.is_none().then_some((lower, upper));
    let (s, n) = check_problem(cov, rows, cols, Some(("mu", mu)), out.len(), scalar)?;
    let cons = Constraints::parse(n, lower, upper, constraints)?;
    cons.check_turnover()?;
    let ex: Vec<f64> = mu.iter().map(|m| m - risk_free).collect();
    let best = ex.iter().fold(f64::NEG_INFINITY, |a, &b| a.max(b));
    if best <= 0.0 {
        return Err(Error::OutOfRange {
            param: "risk_free".into(),
            value: Num(risk_free).to_string(),
            bound: format!(
                "must be below the largest expected return {} (no portfolio has a positive Sharpe ratio)",
                Num(best + risk_free)
            ),
        });
    }
    // variables: y (n), k; scaled so that y and k are O(1)
    let mut prog = Program::new(n + 1);
    prog.quad(&s, n, 1.0 / diag_scale(&s, n));
    prog.eq(ex.iter().enumerate().map(|(i, &e)| (i, e / best)).collect(), 1.0);
    cons.apply(&mut prog, Some(n));
    prog.le(vec![(n, -1.0)], 0.0);
    let x = prog.solve("max_sharpe")?;
    let k = x[n];
    if !(k > 0.0 && k.is_finite()) {
        return Err(Error::InvalidInput {
            input: "mu".into(),
            reason: format!("max_sharpe: degenerate homogenised solution (k = {})", Num(k)),
        });
    }
    for (o, y) in out.iter_mut().zip(&x[..n]) {
        *o = y / k;
    }
    cons.finish(out);
    Ok(())
}

/// Declaration of `max_sharpe`.
pub static MAX_SHARPE: FunctionDecl = FunctionDecl {
    name: "max_sharpe",
    module: Module::Alloc,
    group: "Optimization",
    summary: "Maximum-Sharpe (tangency) portfolio weights",
    doc: "max (mu'w - risk_free) / sqrt(w'Σw) s.t. sum w = 1, lower <= w_i <= upper; \
          Cornuejols-Tutuncu homogenisation solved by clarabel at 1e-12. \
          Reference: cvxpy + CLARABEL; PyPortfolioOpt EfficientFrontier.max_sharpe.",
    inputs: &[
        InputSpec::series("mu", "expected return of each asset (per period)"),
        InputSpec::matrix("cov", "n x n covariance matrix of asset returns"),
    ],
    params: &[
        ParamSpec::float(
            "risk_free",
            0.0,
            -1.0,
            1.0,
            "risk-free rate per period (the scale of mu)",
        ),
        LOWER,
        UPPER,
        CONSTRAINTS,
    ],
    outputs: &[OutputSpec::per_column("weights")],
    flags: Flags::NONE,
    lookback: None,
    compute: |i, p, o| {
        let mu = i.series(0);
        let (data, rows, cols) = i.matrix(1);
        max_sharpe_with(
            mu,
            data,
            rows,
            cols,
            p.float(0),
            p.float(1),
            p.float(2),
            p.opt_str(3),
            o.f64(0),
        )
    },
    stream: None,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tangency_closed_form() {
        // unconstrained (wide bounds): w proportional to Σ^-1 (mu - rf)
        let cov = [0.04, 0.01, 0.01, 0.09];
        let mu = [0.08, 0.12];
        let w = max_sharpe(&mu, &cov, 2, 2, 0.02, -10.0, 10.0).unwrap();
        // Σ^-1 (mu - rf) = 1/(0.0036-0.0001) [0.09 -0.01; -0.01 0.04] [0.06, 0.10]
        let a = 0.09 * 0.06 - 0.01 * 0.10;
        let b = -0.01 * 0.06 + 0.04 * 0.10;
        assert!((w[0] - a / (a + b)).abs() < 1e-9 && (w[1] - b / (a + b)).abs() < 1e-9, "{w:?}");
    }

    #[test]
    fn errors() {
        let cov = [0.04, 0.0, 0.0, 0.01];
        let e = max_sharpe(&[0.01, 0.02], &cov, 2, 2, 0.05, 0.0, 1.0).unwrap_err();
        assert!(e.to_string().contains("risk_free"), "{e}");
        assert!(max_sharpe(&[0.01], &cov, 2, 2, 0.0, 0.0, 1.0).is_err());
        assert!(max_sharpe(&[0.01, f64::NAN], &cov, 2, 2, 0.0, 0.0, 1.0).is_err());
    }
}
