use super::common::{check_problem, Program, LOWER, UPPER};
use super::constraints::{Constraints, CONSTRAINTS};
use crate::decl::{Flags, FunctionDecl, InputSpec, Module, OutputSpec, ParamSpec};
use crate::error::Result;

/// Computes the mean-variance portfolio for a risk aversion: `max mu'w - risk_aversion / 2 *
/// w' cov w` subject to `sum w = 1` and `lower <= w_i <= upper` (PyPortfolioOpt's
/// `EfficientFrontier.max_quadratic_utility`); one `clarabel` solve at 1e-12 tolerances.
///
/// # Errors
/// As [`crate::alloc::max_sharpe`] (without the `risk_free` condition).
///
/// # Examples
/// ```
/// // uncorrelated, interior optimum: 0.1 - 0.05 = d (0.04 w0 - 0.01 (1 - w0)) with d = 2.5
/// let cov = [0.04, 0.0, 0.0, 0.01];
/// let w = sextant_core::alloc::max_quadratic_utility(&[0.1, 0.05], &cov, 2, 2, 2.5, 0.0, 1.0).unwrap();
/// assert!((w[0] - 0.6).abs() < 1e-8 && (w[1] - 0.4).abs() < 1e-8);
/// ```
pub fn max_quadratic_utility(
    mu: &[f64],
    cov: &[f64],
    rows: usize,
    cols: usize,
    risk_aversion: f64,
    lower: f64,
    upper: f64,
) -> Result<Vec<f64>> {
    let mut out = vec![f64::NAN; cols];
    max_quadratic_utility_into(mu, cov, rows, cols, risk_aversion, lower, upper, &mut out)?;
    Ok(out)
}

/// [`max_quadratic_utility`] into a caller-provided buffer of length `n`.
#[allow(clippy::too_many_arguments, reason = "slices + shape + the three declared parameters")]
pub fn max_quadratic_utility_into(
    mu: &[f64],
    cov: &[f64],
    rows: usize,
    cols: usize,
    risk_aversion: f64,
    lower: f64,
    upper: f64,
    out: &mut [f64],
) -> Result<()> {
    max_quadratic_utility_with(mu, cov, rows, cols, risk_aversion, lower, upper, None, out)
}

/// [`max_quadratic_utility`] under a `constraints` JSON document (see
/// [`Constraints::parse`]), into a buffer of length `n`.
///
/// # Errors
/// As [`max_quadratic_utility`], and [`crate::Error::Rejected`] with code `INFEASIBLE`.
#[allow(clippy::too_many_arguments, reason = "slices + shape + the declared parameters")]
pub fn max_quadratic_utility_with(
    mu: &[f64],
    cov: &[f64],
    rows: usize,
    cols: usize,
    risk_aversion: f64,
    lower: f64,
    upper: f64,
    constraints: Option<&str>,
    out: &mut [f64],
) -> Result<()> {
    let scalar = constraints.is_none().then_some((lower, upper));
    let (s, n) = check_problem(cov, rows, cols, Some(("mu", mu)), out.len(), scalar)?;
    let cons = Constraints::parse(n, lower, upper, constraints)?;
    cons.check_turnover()?;
    // objective / (risk_aversion * c), c the mean variance: 1/2 w'(S/c)w - mu'w / (d c)
    let c = super::common::diag_scale(&s, n);
    let mut prog = Program::new(n);
    prog.quad(&s, n, 1.0 / c);
    prog.linear(&mu.iter().map(|m| -m / (risk_aversion * c)).collect::<Vec<_>>());
    cons.apply(&mut prog, None);
    let x = prog.solve("max_quadratic_utility")?;
    out.copy_from_slice(&x[..n]);
    cons.finish(out);
    Ok(())
}

/// Declaration of `max_quadratic_utility`.
pub static MAX_QUADRATIC_UTILITY: FunctionDecl = FunctionDecl {
    name: "max_quadratic_utility",
    module: Module::Alloc,
    group: "Optimization",
    summary: "Mean-variance weights for a risk aversion",
    doc:
        "max mu'w - risk_aversion/2 w'Σw s.t. sum w = 1, lower <= w_i <= upper; clarabel at 1e-12. \
          Reference: cvxpy + CLARABEL; PyPortfolioOpt EfficientFrontier.max_quadratic_utility.",
    inputs: &[
        InputSpec::series("mu", "expected return of each asset (per period)"),
        InputSpec::matrix("cov", "n x n covariance matrix of asset returns"),
    ],
    params: &[
        ParamSpec::float("risk_aversion", 1.0, 1e-9, 1e9, "risk-aversion coefficient (delta)"),
        LOWER,
        UPPER,
        CONSTRAINTS,
    ],
    outputs: &[OutputSpec::per_column("weights")],
    flags: Flags::NONE,
    lookback: None,
    compute: |i, p, o| {
        let (data, rows, cols) = i.matrix(1);
        max_quadratic_utility_with(
            i.series(0),
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
