use super::common::{check_problem, quad_form, LOWER, UPPER};
use super::constraints::{Constraints, CONSTRAINTS};
use super::efficient_return::frontier_point;
use crate::decl::{Flags, FunctionDecl, InputSpec, Module, OutputSpec, ParamSpec};
use crate::error::{check_out_len, Result};

/// The efficient frontier as `points` portfolios: the minimum-variance portfolio, the
/// minimum-variance portfolio reaching the largest attainable expected return, and
/// `points - 2` between them at evenly spaced target returns. Each point is
/// [`crate::alloc::efficient_return`] at its target (`min w'Σw` s.t. `mu'w >= target`,
/// `sum w = 1`, the bounds or `constraints`), one `clarabel` solve at 1e-12 tolerances.
///
/// Returns the `points x n` weights (row-major, one row per point, in increasing return), each
/// point's expected return `mu'w` and its volatility `sqrt(w'Σw)`, per period.
///
/// The targets run from the minimum-variance return itself (PyPortfolioOpt's
/// `plot_efficient_frontier` stops 1e-4 short of the maximum and skfolio's
/// `MeanRisk(efficient_frontier_size=...)` starts at 1.01 times the minimum-variance return;
/// both differ from these end points by construction, not by accuracy). When every feasible
/// portfolio has the same expected return, all points are the minimum-variance portfolio.
///
/// # Errors
/// As [`crate::alloc::efficient_return`]; [`crate::Error::OutOfRange`] for `points` outside
/// `[2, 1000]` (checked by the declaration).
///
/// # Examples
/// ```
/// // two uncorrelated assets: returns 10% and 5%, variances 4% and 1%
/// let (mu, cov) = ([0.1, 0.05], [0.04, 0.0, 0.0, 0.01]);
/// let (w, r, v) = sextant_core::alloc::efficient_frontier(&mu, &cov, 2, 2, 3, 0.0, 1.0).unwrap();
/// // point 0: minimum variance (0.2, 0.8), return 0.06; point 2: all in asset 0, return 0.1
/// assert!((w[0] - 0.2).abs() < 1e-8 && (r[0] - 0.06).abs() < 1e-9);
/// assert!((r[1] - 0.08).abs() < 1e-9 && (w[2] - 0.6).abs() < 1e-8);
/// assert!((w[4] - 1.0).abs() < 1e-8 && (v[2] - 0.2).abs() < 1e-8);
/// ```
#[allow(clippy::type_complexity, reason = "weights, returns, risks")]
pub fn efficient_frontier(
    mu: &[f64],
    cov: &[f64],
    rows: usize,
    cols: usize,
    points: usize,
    lower: f64,
    upper: f64,
) -> Result<(Vec<f64>, Vec<f64>, Vec<f64>)> {
    let mut w = vec![f64::NAN; points * cols];
    let mut r = vec![f64::NAN; points];
    let mut v = vec![f64::NAN; points];
    efficient_frontier_with(
        mu, cov, rows, cols, points, lower, upper, None, &mut w, &mut r, &mut v,
    )?;
    Ok((w, r, v))
}

/// [`efficient_frontier`] under a `constraints` JSON document (see [`Constraints::parse`]), into
/// caller-provided buffers: `weights` of `points x n`, `returns` and `risks` of `points`.
///
/// # Errors
/// As [`efficient_frontier`], and [`crate::Error::Rejected`] with code `INFEASIBLE`.
#[allow(clippy::too_many_arguments, reason = "slices + shape + the declared parameters + outputs")]
pub fn efficient_frontier_with(
    mu: &[f64],
    cov: &[f64],
    rows: usize,
    cols: usize,
    points: usize,
    lower: f64,
    upper: f64,
    constraints: Option<&str>,
    weights: &mut [f64],
    returns: &mut [f64],
    risks: &mut [f64],
) -> Result<()> {
    let scalar = constraints.is_none().then_some((lower, upper));
    let (s, n) = check_problem(cov, rows, cols, Some(("mu", mu)), cols, scalar)?;
    check_out_len("weights", weights.len(), points * n)?;
    check_out_len("returns", returns.len(), points)?;
    check_out_len("risks", risks.len(), points)?;
    if points == 0 {
        return Ok(());
    }
    let cons = Constraints::parse(n, lower, upper, constraints)?;
    cons.check_turnover()?;
    let dot = |w: &[f64]| w.iter().zip(mu).map(|(a, b)| a * b).sum::<f64>();
    frontier_point(&s, n, &cons, None, &mut weights[..n], "efficient_frontier")?;
    let r_lo = dot(&weights[..n]);
    // the largest attainable return, never below the minimum-variance one (solver rounding)
    let r_hi = cons.max_return(mu)?.max(r_lo);
    let flat = r_hi - r_lo <= 1e-12 * r_hi.abs().max(r_lo.abs()).max(1e-300);
    for k in 1..points {
        let (done, row) = weights.split_at_mut(k * n);
        let row = &mut row[..n];
        if flat {
            row.copy_from_slice(&done[..n]);
            continue;
        }
        #[allow(clippy::cast_precision_loss, reason = "points <= 1000")]
        let t = if k + 1 == points {
            r_hi
        } else {
            r_lo + (r_hi - r_lo) * (k as f64) / ((points - 1) as f64)
        };
        frontier_point(&s, n, &cons, Some((mu, t)), row, "efficient_frontier")?;
    }
    for (k, row) in weights.chunks_exact(n).enumerate() {
        returns[k] = dot(row);
        risks[k] = quad_form(&s, n, row).max(0.0).sqrt();
    }
    Ok(())
}

/// Declaration of `efficient_frontier`.
pub static EFFICIENT_FRONTIER: FunctionDecl = FunctionDecl {
    name: "efficient_frontier",
    module: Module::Alloc,
    group: "Optimization",
    summary: "Efficient-frontier portfolios from minimum variance to the largest expected return",
    doc: "points portfolios: the minimum-variance one, then min w'Σw s.t. mu'w >= target at \
          targets evenly spaced up to the largest attainable return; sum w = 1, lower <= w_i <= \
          upper (or constraints); clarabel at 1e-12. Outputs the points x n weights, each \
          point's expected return and volatility (per period). Reference: cvxpy + CLARABEL per \
          target; PyPortfolioOpt EfficientFrontier.efficient_return.",
    inputs: &[
        InputSpec::series("mu", "expected return of each asset (per period)"),
        InputSpec::matrix("cov", "n x n covariance matrix of asset returns"),
    ],
    params: &[
        ParamSpec::int("points", 20, 2, 1000, "number of frontier portfolios, ends included"),
        LOWER,
        UPPER,
        CONSTRAINTS,
    ],
    outputs: &[
        OutputSpec::grid("weights", "points"),
        OutputSpec::counted("returns", "points"),
        OutputSpec::counted("risks", "points"),
    ],
    flags: Flags::NONE,
    lookback: None,
    compute: |i, p, o| {
        let (data, rows, cols) = i.matrix(1);
        let points = usize::try_from(p.int(0)).unwrap_or(0);
        let (w, r, v) = o.f64x3();
        efficient_frontier_with(
            i.series(0),
            data,
            rows,
            cols,
            points,
            p.float(1),
            p.float(2),
            p.opt_str(3),
            w,
            r,
            v,
        )
    },
    stream: None,
};
