use super::common::{check_problem, diag_scale, Program, LOWER, UPPER};
use super::constraints::{Constraints, CONSTRAINTS};
use crate::decl::{Flags, FunctionDecl, InputSpec, Module, OutputSpec, ParamSpec};
use crate::error::{Error, Num, Result};

/// Computes the minimum-variance portfolio reaching an expected return: `min w' cov w` subject
/// to `mu'w >= target_return`, `sum w = 1` and `lower <= w_i <= upper` (PyPortfolioOpt's
/// `EfficientFrontier.efficient_return`); one `clarabel` solve at 1e-12 tolerances.
///
/// # Errors
/// As [`crate::alloc::max_sharpe`], plus [`Error::OutOfRange`] naming `target_return` when it
/// exceeds the largest expected return reachable within the bounds.
///
/// # Examples
/// ```
/// let cov = [0.04, 0.0, 0.0, 0.01];
/// let w = sextant_core::alloc::efficient_return(&[0.1, 0.05], &cov, 2, 2, 0.09, 0.0, 1.0).unwrap();
/// // the return constraint binds: 0.1 w0 + 0.05 (1 - w0) = 0.09
/// assert!((w[0] - 0.8).abs() < 1e-8 && (w[1] - 0.2).abs() < 1e-8);
/// ```
pub fn efficient_return(
    mu: &[f64],
    cov: &[f64],
    rows: usize,
    cols: usize,
    target_return: f64,
    lower: f64,
    upper: f64,
) -> Result<Vec<f64>> {
    let mut out = vec![f64::NAN; cols];
    efficient_return_into(mu, cov, rows, cols, target_return, lower, upper, &mut out)?;
    Ok(out)
}

/// [`efficient_return`] into a caller-provided buffer of length `n`.
#[allow(clippy::too_many_arguments, reason = "slices + shape + the three declared parameters")]
pub fn efficient_return_into(
    mu: &[f64],
    cov: &[f64],
    rows: usize,
    cols: usize,
    target_return: f64,
    lower: f64,
    upper: f64,
    out: &mut [f64],
) -> Result<()> {
    efficient_return_with(mu, cov, rows, cols, target_return, lower, upper, None, out)
}

/// [`efficient_return`] under a `constraints` JSON document (see [`Constraints::parse`]), into
/// a buffer of length `n`.
///
/// # Errors
/// As [`efficient_return`] (the largest reachable return is taken under the constraints), and
/// [`crate::Error::Rejected`] with code `INFEASIBLE`.
#[allow(clippy::too_many_arguments, reason = "slices + shape + the declared parameters")]
pub fn efficient_return_with(
    mu: &[f64],
    cov: &[f64],
    rows: usize,
    cols: usize,
    target_return: f64,
    lower: f64,
    upper: f64,
    constraints: Option<&str>,
    out: &mut [f64],
) -> Result<()> {
    let scalar = constraints.is_none().then_some((lower, upper));
    let (s, n) = check_problem(cov, rows, cols, Some(("mu", mu)), out.len(), scalar)?;
    let cons = Constraints::parse(n, lower, upper, constraints)?;
    cons.check_turnover()?;
    let best = cons.max_return(mu)?;
    if target_return > best + 1e-12 * best.abs().max(1e-12) {
        return Err(Error::OutOfRange {
            param: "target_return".into(),
            value: Num(target_return).to_string(),
            bound: format!(
                "infeasible: the largest expected return within the bounds is {}",
                Num(best)
            ),
        });
    }
    frontier_point(&s, n, &cons, Some((mu, target_return)), out, "efficient_return")
}

/// One point of the efficient frontier under parsed constraints: `min w'Σw` over the feasible
/// set, with `mu'w >= target` when `target` is given (the minimum-variance portfolio without);
/// `s` is the checked, symmetrised covariance. Shared by `min_variance`, `efficient_return` and
/// `efficient_frontier`.
pub(crate) fn frontier_point(
    s: &[f64],
    n: usize,
    cons: &Constraints,
    target: Option<(&[f64], f64)>,
    out: &mut [f64],
    what: &str,
) -> Result<()> {
    let mut prog = Program::new(n);
    prog.quad(s, n, 1.0 / diag_scale(s, n));
    cons.apply(&mut prog, None);
    if let Some((mu, target_return)) = target {
        let mscale = mu.iter().fold(0.0_f64, |a, b| a.max(b.abs())).max(f64::MIN_POSITIVE);
        prog.le(
            mu.iter().enumerate().map(|(i, &m)| (i, -m / mscale)).collect(),
            -target_return / mscale,
        );
    }
    let x = prog.solve(what)?;
    out.copy_from_slice(&x[..n]);
    cons.finish(out);
    Ok(())
}

/// Declaration of `efficient_return`.
pub static EFFICIENT_RETURN: FunctionDecl = FunctionDecl {
    name: "efficient_return",
    module: Module::Alloc,
    group: "Optimization",
    summary: "Minimum-variance weights for a target expected return",
    doc:
        "min w'Σw s.t. mu'w >= target_return, sum w = 1, lower <= w_i <= upper; clarabel at 1e-12. \
          Reference: cvxpy + CLARABEL; PyPortfolioOpt EfficientFrontier.efficient_return.",
    inputs: &[
        InputSpec::series("mu", "expected return of each asset (per period)"),
        InputSpec::matrix("cov", "n x n covariance matrix of asset returns"),
    ],
    params: &[
        ParamSpec::float(
            "target_return",
            0.0,
            -1e6,
            1e6,
            "required expected return per period (the scale of mu)",
        ),
        LOWER,
        UPPER,
        CONSTRAINTS,
    ],
    outputs: &[OutputSpec::per_column("weights")],
    flags: Flags::NONE,
    lookback: None,
    compute: |i, p, o| {
        let (data, rows, cols) = i.matrix(1);
        efficient_return_with(
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
