use super::common::{check_problem, diag_scale, psd_factor, quad_form, Program, LOWER, UPPER};
use super::constraints::{Constraints, CONSTRAINTS};
use crate::decl::{Flags, FunctionDecl, InputSpec, Module, OutputSpec, ParamSpec};
use crate::error::{Error, Num, Result};

/// Computes the highest-return portfolio within a volatility budget: `max mu'w` subject to
/// `sqrt(w' cov w) <= target_volatility`, `sum w = 1` and `lower <= w_i <= upper`
/// (PyPortfolioOpt's `EfficientFrontier.efficient_risk`). The risk constraint is a second-order
/// cone `||R w|| <= target_volatility` with `cov = R'R` (pivoted Cholesky); one `clarabel` solve
/// at 1e-12 tolerances.
///
/// # Errors
/// As [`crate::alloc::max_sharpe`], plus [`Error::OutOfRange`] naming `target_volatility` when
/// it is below the volatility of the minimum-variance portfolio.
///
/// # Examples
/// ```
/// let cov = [0.04, 0.0, 0.0, 0.01];
/// let w = sextant_core::alloc::efficient_risk(&[0.1, 0.05], &cov, 2, 2, 0.12, 0.0, 1.0).unwrap();
/// let vol = (0.04 * w[0] * w[0] + 0.01 * w[1] * w[1]).sqrt();
/// assert!((vol - 0.12).abs() < 1e-8);
/// ```
pub fn efficient_risk(
    mu: &[f64],
    cov: &[f64],
    rows: usize,
    cols: usize,
    target_volatility: f64,
    lower: f64,
    upper: f64,
) -> Result<Vec<f64>> {
    let mut out = vec![f64::NAN; cols];
    efficient_risk_into(mu, cov, rows, cols, target_volatility, lower, upper, &mut out)?;
    Ok(out)
}

/// [`efficient_risk`] into a caller-provided buffer of length `n`.
#[allow(clippy::too_many_arguments, reason = "slices + shape + the three declared parameters")]
pub fn efficient_risk_into(
    mu: &[f64],
    cov: &[f64],
    rows: usize,
    cols: usize,
    target_volatility: f64,
    lower: f64,
    upper: f64,
    out: &mut [f64],
) -> Result<()> {
    efficient_risk_with(mu, cov, rows, cols, target_volatility, lower, upper, None, out)
}

/// [`efficient_risk`] under a `constraints` JSON document (see [`Constraints::parse`]), into a
/// buffer of length `n`.
///
/// # Errors
/// As [`efficient_risk`] (the smallest reachable volatility is taken under the constraints),
/// and [`crate::Error::Rejected`] with code `INFEASIBLE`.
#[allow(clippy::too_many_arguments, reason = "slices + shape + the declared parameters")]
pub fn efficient_risk_with(
    mu: &[f64],
    cov: &[f64],
    rows: usize,
    cols: usize,
    target_volatility: f64,
    lower: f64,
    upper: f64,
    constraints: Option<&str>,
    out: &mut [f64],
) -> Result<()> {
    let scalar = constraints.is_none().then_some((lower, upper));
    let (s, n) = check_problem(cov, rows, cols, Some(("mu", mu)), out.len(), scalar)?;
    let cons = Constraints::parse(n, lower, upper, constraints)?;
    // the smallest reachable volatility (checks the turnover limit too)
    let mut wmin = vec![0.0; n];
    super::min_variance::min_variance_with(cov, rows, cols, lower, upper, constraints, &mut wmin)?;
    let vmin = quad_form(&s, n, &wmin).max(0.0).sqrt();
    if target_volatility < vmin * (1.0 - 1e-9) {
        return Err(Error::OutOfRange {
            param: "target_volatility".into(),
            value: Num(target_volatility).to_string(),
            bound: format!(
                "infeasible: the minimum-variance portfolio within the bounds has volatility {}",
                Num(vmin)
            ),
        });
    }
    let scale = diag_scale(&s, n);
    let sc: Vec<f64> = s.iter().map(|v| v / scale).collect();
    let (r, k) = psd_factor("cov", &sc, n)?;
    let mscale = mu.iter().fold(0.0_f64, |a, b| a.max(b.abs())).max(f64::MIN_POSITIVE);
    let mut prog = Program::new(n);
    prog.linear(&mu.iter().map(|m| -m / mscale).collect::<Vec<_>>());
    cons.apply(&mut prog, None);
    prog.soc_row(Vec::new(), target_volatility / scale.sqrt());
    for t in 0..k {
        prog.soc_row((0..n).map(|j| (j, -r[t * n + j])).collect(), 0.0);
    }
    let x = prog.solve("efficient_risk")?;
    out.copy_from_slice(&x[..n]);
    cons.finish(out);
    Ok(())
}

/// Declaration of `efficient_risk`.
pub static EFFICIENT_RISK: FunctionDecl = FunctionDecl {
    name: "efficient_risk",
    module: Module::Alloc,
    group: "Optimization",
    summary: "Maximum-return weights within a target volatility",
    doc: "max mu'w s.t. sqrt(w'Σw) <= target_volatility, sum w = 1, lower <= w_i <= upper; second-order \
          cone in clarabel at 1e-12. Reference: cvxpy + CLARABEL; PyPortfolioOpt EfficientFrontier.efficient_risk.",
    inputs: &[
        InputSpec::series("mu", "expected return of each asset (per period)"),
        InputSpec::matrix("cov", "n x n covariance matrix of asset returns"),
    ],
    params: &[
        ParamSpec::float("target_volatility", 1.0, 0.0, 1e6, "volatility budget per period (the scale of sqrt(cov))"),
        LOWER,
        UPPER,
        CONSTRAINTS,
    ],
    outputs: &[OutputSpec::per_column("weights")],
    flags: Flags::NONE,
    lookback: None,
    compute: |i, p, o| {
        let (data, rows, cols) = i.matrix(1);
        efficient_risk_with(
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
