//! Shared checks and the conic-solver plumbing of the allocation functions: covariance
//! validation (square, finite, symmetric, positive semi-definite), weight bounds, and a small
//! builder that hands a quadratic program to `clarabel`.

use clarabel::algebra::CscMatrix;
use clarabel::solver::{DefaultSettings, DefaultSolver, IPSolver, SolverStatus, SupportedConeT};

use crate::error::{Error, Num, Result};

/// The per-asset weight bounds shared by the optimisers (`lower`, `upper`).
pub(crate) const LOWER: crate::decl::ParamSpec = crate::decl::ParamSpec::float(
    "lower",
    0.0,
    -100.0,
    1.0,
    "smallest weight of every asset (0: long-only; negative allows short positions)",
);
/// See [`LOWER`].
pub(crate) const UPPER: crate::decl::ParamSpec =
    crate::decl::ParamSpec::float("upper", 1.0, 0.0, 100.0, "largest weight of every asset");

fn bad(input: &str, reason: String) -> Error {
    Error::InvalidInput { input: input.to_owned(), reason }
}

/// Checks the shape and values of a covariance matrix and returns a symmetrised copy
/// (`(a + a') / 2`). Errors name the input: not square, empty, non-finite, not symmetric
/// (beyond `1e-10 * max|a|`), or not positive semi-definite (a pivoted Cholesky
/// factorisation meets a pivot below `-1e-10 * max diag`, or a remaining block whose
/// off-diagonal entries exceed what semi-definiteness allows).
pub(crate) fn check_cov(name: &str, cov: &[f64], rows: usize, cols: usize) -> Result<Vec<f64>> {
    if rows != cols {
        return Err(bad(name, format!("covariance must be square, got {rows} x {cols}")));
    }
    let n = rows;
    if n == 0 {
        return Err(bad(name, "covariance is empty (0 assets)".into()));
    }
    if cov.len() != n * n {
        return Err(bad(
            name,
            format!("{n} x {n} matrix needs {} values, got {}", n * n, cov.len()),
        ));
    }
    if let Some(k) = cov.iter().position(|v| !v.is_finite()) {
        return Err(bad(
            name,
            format!(
                "cov[{}][{}] = {} is not finite (NaN policy \"error\")",
                k / n,
                k % n,
                Num(cov[k])
            ),
        ));
    }
    let amax = cov.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
    let mut s = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            let (a, b) = (cov[i * n + j], cov[j * n + i]);
            if (a - b).abs() > 1e-10 * amax {
                return Err(bad(
                    name,
                    format!(
                        "covariance is not symmetric: cov[{i}][{j}] = {} but cov[{j}][{i}] = {}",
                        Num(a),
                        Num(b)
                    ),
                ));
            }
            s[i * n + j] = 0.5 * (a + b);
        }
    }
    for i in 0..n {
        let v = s[i * n + i];
        if v < 0.0 {
            return Err(bad(
                name,
                format!(
                    "covariance is not positive semi-definite: variance cov[{i}][{i}] = {} < 0",
                    Num(v)
                ),
            ));
        }
    }
    psd_factor(name, &s, n)?;
    Ok(s)
}

/// Pivoted Cholesky factorisation of a symmetric matrix: returns `R` (`k x n`, row-major) with
/// `a = R' R` up to the tolerance, `k` its numerical rank. Errors when `a` is not positive
/// semi-definite.
pub(crate) fn psd_factor(name: &str, a: &[f64], n: usize) -> Result<(Vec<f64>, usize)> {
    let dmax = (0..n).fold(0.0_f64, |m, i| m.max(a[i * n + i]));
    let tol = 1e-10 * dmax.max(f64::MIN_POSITIVE);
    let mut w = a.to_vec();
    let mut perm: Vec<usize> = (0..n).collect();
    let mut r = vec![0.0; n * n];
    let mut rank = 0;
    for k in 0..n {
        // pivot: the largest remaining diagonal
        let (p, &dp) = (k..n)
            .map(|i| (i, &w[perm[i] * n + perm[i]]))
            .fold((k, &f64::NEG_INFINITY), |best, c| if *c.1 > *best.1 { c } else { best });
        if dp <= tol {
            // the rest must be ~0: a PSD remainder has |a_ij| <= sqrt(a_ii a_jj) <= tol
            for i in k..n {
                let di = w[perm[i] * n + perm[i]];
                if di < -tol {
                    return Err(not_psd(name, di));
                }
                for j in k..n {
                    let v = w[perm[i] * n + perm[j]];
                    if i != j && v.abs() > 2.0 * tol {
                        return Err(not_psd(name, -v.abs()));
                    }
                }
            }
            break;
        }
        perm.swap(k, p);
        let pk = perm[k];
        let d = dp.sqrt();
        let row = &mut r[k * n..(k + 1) * n];
        row[pk] = d;
        for &pj in &perm[k + 1..] {
            row[pj] = w[pk * n + pj] / d;
        }
        for i in k + 1..n {
            let pi = perm[i];
            let ri = row[pi];
            for &pj in &perm[k + 1..] {
                w[pi * n + pj] -= ri * row[pj];
            }
        }
        rank = k + 1;
    }
    r.truncate(rank * n);
    Ok((r, rank))
}

fn not_psd(name: &str, v: f64) -> Error {
    bad(
        name,
        format!(
            "covariance is not positive semi-definite (a Schur complement pivot of {} relative to \
             its largest variance)",
            Num(v)
        ),
    )
}

/// The optimisers' common preamble, in this order: `cov` (square, finite, symmetric, PSD; its
/// symmetrised copy is returned with the number of assets `n`), the per-asset vector input
/// `vec` (`mu`, `budgets`) if any, the output length, and the bounds if any.
pub(crate) fn check_problem(
    cov: &[f64],
    rows: usize,
    cols: usize,
    vec: Option<(&str, &[f64])>,
    out_len: usize,
    bounds: Option<(f64, f64)>,
) -> Result<(Vec<f64>, usize)> {
    let s = check_cov("cov", cov, rows, cols)?;
    let n = cols;
    if let Some((name, v)) = vec {
        check_vec(name, v, n, "cov columns")?;
    }
    crate::error::check_out_len("weights", out_len, n)?;
    if let Some((lower, upper)) = bounds {
        check_bounds(n, lower, upper)?;
    }
    Ok((s, n))
}

/// Checks that weights in `[lower, upper]` can sum to 1 over `n` assets.
pub(crate) fn check_bounds(n: usize, lower: f64, upper: f64) -> Result<()> {
    let range = |param: &str, value: f64, bound: String| Error::OutOfRange {
        param: param.to_owned(),
        value: Num(value).to_string(),
        bound,
    };
    if lower > upper {
        return Err(range("lower", lower, format!("must not exceed upper = {}", Num(upper))));
    }
    #[allow(clippy::cast_precision_loss, reason = "asset counts are small")]
    let nf = n as f64;
    if nf * lower > 1.0 + 1e-12 {
        return Err(range(
            "lower",
            lower,
            format!(
                "infeasible: {n} assets x lower = {} > 1, the weights cannot sum to 1 (lower must be <= {})",
                Num(nf * lower),
                Num(1.0 / nf)
            ),
        ));
    }
    if nf * upper < 1.0 - 1e-12 {
        return Err(range(
            "upper",
            upper,
            format!(
                "infeasible: {n} assets x upper = {} < 1, the weights cannot sum to 1 (upper must be >= {})",
                Num(nf * upper),
                Num(1.0 / nf)
            ),
        ));
    }
    Ok(())
}

/// Checks a 1-D vector input of `n` finite values.
pub(crate) fn check_vec(name: &str, v: &[f64], n: usize, other: &str) -> Result<()> {
    crate::error::check_same_len(name, v.len(), other, n)?;
    if let Some(i) = v.iter().position(|x| !x.is_finite()) {
        return Err(bad(
            name,
            format!("{name}[{i}] = {} is not finite (NaN policy \"error\")", Num(v[i])),
        ));
    }
    Ok(())
}

/// `w' S w` for a row-major `n x n` matrix `S`.
pub(crate) fn quad_form(s: &[f64], n: usize, w: &[f64]) -> f64 {
    (0..n).map(|i| w[i] * (0..n).map(|j| s[i * n + j] * w[j]).sum::<f64>()).sum()
}

/// Mean of the diagonal, used to scale a covariance to O(1) before solving (weights do not
/// change under a positive scaling of the objective).
pub(crate) fn diag_scale(s: &[f64], n: usize) -> f64 {
    #[allow(clippy::cast_precision_loss, reason = "asset counts are small")]
    let m = (0..n).map(|i| s[i * n + i]).sum::<f64>() / n as f64;
    if m > 0.0 && m.is_finite() {
        m
    } else {
        1.0
    }
}

/// A conic program `min 1/2 x'Px + q'x  s.t.  A x + s = b,  s in K` built row by row, with the
/// cones in the order: zero (equalities), nonnegative (inequalities `a'x <= b`), then at most
/// one second-order cone.
#[derive(Debug, Default)]
pub(crate) struct Program {
    nvar: usize,
    /// Upper triangle of P: (row, col, value) with row <= col.
    p: Vec<(usize, usize, f64)>,
    q: Vec<f64>,
    eq: Vec<(Vec<(usize, f64)>, f64)>,
    le: Vec<(Vec<(usize, f64)>, f64)>,
    soc: Vec<(Vec<(usize, f64)>, f64)>,
}

impl Program {
    pub(crate) fn new(nvar: usize) -> Self {
        Self { nvar, q: vec![0.0; nvar], ..Self::default() }
    }
    /// Adds `scale * cov` (n x n, symmetric) to the block of P starting at variable 0.
    pub(crate) fn quad(&mut self, cov: &[f64], n: usize, scale: f64) {
        for j in 0..n {
            for i in 0..=j {
                self.p.push((i, j, scale * cov[i * n + j]));
            }
        }
    }
    /// Appends `k` variables (zero cost) and returns the index of the first.
    pub(crate) fn add_vars(&mut self, k: usize) -> usize {
        let first = self.nvar;
        self.nvar += k;
        self.q.resize(self.nvar, 0.0);
        first
    }
    pub(crate) fn linear(&mut self, q: &[f64]) {
        for (a, b) in self.q.iter_mut().zip(q) {
            *a += b;
        }
    }
    /// `a'x = b`.
    pub(crate) fn eq(&mut self, a: Vec<(usize, f64)>, b: f64) {
        self.eq.push((a, b));
    }
    /// `a'x <= b`.
    pub(crate) fn le(&mut self, a: Vec<(usize, f64)>, b: f64) {
        self.le.push((a, b));
    }
    /// One row of the second-order cone `s = b - a'x`, `s_0 >= ||s_1..||`.
    pub(crate) fn soc_row(&mut self, a: Vec<(usize, f64)>, b: f64) {
        self.soc.push((a, b));
    }

    /// Solves the program with tight tolerances and returns `x`. `what` names the problem in
    /// errors (`"min_variance"`).
    pub(crate) fn solve(self, what: &str) -> Result<Vec<f64>> {
        let n = self.nvar;
        let p = csc_from_triplets(n, n, &self.p);
        let rows: Vec<&(Vec<(usize, f64)>, f64)> =
            self.eq.iter().chain(&self.le).chain(&self.soc).collect();
        let mut trip = Vec::new();
        let mut b = Vec::with_capacity(rows.len());
        for (r, (a, bi)) in rows.iter().enumerate() {
            for &(c, v) in a {
                trip.push((r, c, v));
            }
            b.push(*bi);
        }
        let a = csc_from_triplets(rows.len(), n, &trip);
        let mut cones = Vec::new();
        if !self.eq.is_empty() {
            cones.push(SupportedConeT::ZeroConeT(self.eq.len()));
        }
        if !self.le.is_empty() {
            cones.push(SupportedConeT::NonnegativeConeT(self.le.len()));
        }
        if !self.soc.is_empty() {
            cones.push(SupportedConeT::SecondOrderConeT(self.soc.len()));
        }
        let settings = DefaultSettings::<f64> {
            verbose: false,
            max_iter: 200,
            tol_gap_abs: 1e-12,
            tol_gap_rel: 1e-12,
            tol_feas: 1e-12,
            tol_ktratio: 1e-10,
            ..DefaultSettings::default()
        };
        let fail = |reason: String| Error::InvalidInput { input: "cov".into(), reason };
        let mut solver = DefaultSolver::new(&p, &self.q, &a, &b, &cones, settings)
            .map_err(|e| fail(format!("{what}: the conic solver rejected the problem: {e}")))?;
        solver.solve();
        match solver.solution.status {
            SolverStatus::Solved | SolverStatus::AlmostSolved => Ok(solver.solution.x.clone()),
            SolverStatus::PrimalInfeasible | SolverStatus::AlmostPrimalInfeasible => {
                Err(Error::Rejected {
                    input: "constraints".into(),
                    code: super::constraints::INFEASIBLE,
                    reason: format!(
                        "{what}: the constraints are infeasible (clarabel: primal infeasible)"
                    ),
                })
            }
            // stalled at the tight tolerances: accept a point that is feasible and converged to
            // the solver's default accuracy
            SolverStatus::InsufficientProgress | SolverStatus::MaxIterations
                if solver.info.res_primal < 1e-8 && solver.info.gap_rel < 1e-8 =>
            {
                Ok(solver.solution.x.clone())
            }
            s => Err(fail(format!("{what}: the conic solver stopped with status {s:?}"))),
        }
    }
}

fn csc_from_triplets(m: usize, n: usize, t: &[(usize, usize, f64)]) -> CscMatrix<f64> {
    let mut cols: Vec<Vec<(usize, f64)>> = vec![Vec::new(); n];
    for &(r, c, v) in t {
        if v != 0.0 {
            cols[c].push((r, v));
        }
    }
    let mut colptr = Vec::with_capacity(n + 1);
    let mut rowval = Vec::new();
    let mut nzval = Vec::new();
    colptr.push(0);
    for col in &mut cols {
        col.sort_by_key(|e| e.0);
        let mut last: Option<usize> = None;
        for &(r, v) in col.iter() {
            if last == Some(r) {
                if let Some(x) = nzval.last_mut() {
                    *x += v;
                }
            } else {
                rowval.push(r);
                nzval.push(v);
                last = Some(r);
            }
        }
        colptr.push(rowval.len());
    }
    CscMatrix::new(m, n, colptr, rowval, nzval)
}

/// Solves `h x = g` for a symmetric positive-definite `h` (n x n) by Cholesky; `None` if a
/// pivot is not positive.
pub(crate) fn cholesky_solve(h: &[f64], n: usize, g: &[f64]) -> Option<Vec<f64>> {
    let mut l = vec![0.0; n * n];
    for j in 0..n {
        let mut d = h[j * n + j];
        for k in 0..j {
            d -= l[j * n + k] * l[j * n + k];
        }
        if !(d > 0.0 && d.is_finite()) {
            return None;
        }
        let d = d.sqrt();
        l[j * n + j] = d;
        for i in j + 1..n {
            let mut v = h[i * n + j];
            for k in 0..j {
                v -= l[i * n + k] * l[j * n + k];
            }
            l[i * n + j] = v / d;
        }
    }
    let mut x = g.to_vec();
    for i in 0..n {
        let mut v = x[i];
        for k in 0..i {
            v -= l[i * n + k] * x[k];
        }
        x[i] = v / l[i * n + i];
    }
    for i in (0..n).rev() {
        let mut v = x[i];
        for k in i + 1..n {
            v -= l[k * n + i] * x[k];
        }
        x[i] = v / l[i * n + i];
    }
    Some(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn psd_checks() {
        assert!(check_cov("cov", &[1.0, 0.5, 0.5, 1.0], 2, 2).is_ok());
        // singular PSD is fine
        assert!(check_cov("cov", &[1.0, 1.0, 1.0, 1.0], 2, 2).is_ok());
        let e = check_cov("cov", &[1.0, 2.0, 2.0, 1.0], 2, 2).unwrap_err();
        assert!(e.to_string().contains("not positive semi-definite"), "{e}");
        let e = check_cov("cov", &[0.0, 1.0, 1.0, 0.0], 2, 2).unwrap_err();
        assert!(e.to_string().contains("not positive semi-definite"), "{e}");
        let e = check_cov("cov", &[1.0, 0.0, 0.0], 1, 3).unwrap_err();
        assert!(e.to_string().contains("square"), "{e}");
        let e = check_cov("cov", &[1.0, 0.1, 0.2, 1.0], 2, 2).unwrap_err();
        assert!(e.to_string().contains("symmetric"), "{e}");
        let e = check_cov("cov", &[1.0, f64::NAN, f64::NAN, 1.0], 2, 2).unwrap_err();
        assert!(e.to_string().contains("not finite"), "{e}");
    }

    #[test]
    fn bounds_checks() {
        assert!(check_bounds(4, 0.0, 0.25).is_ok());
        let e = check_bounds(4, 0.0, 0.2).unwrap_err();
        assert!(
            e.to_string().contains("upper") && e.to_string().contains("cannot sum to 1"),
            "{e}"
        );
        let e = check_bounds(4, 0.3, 1.0).unwrap_err();
        assert!(
            e.to_string().contains("lower") && e.to_string().contains("cannot sum to 1"),
            "{e}"
        );
        assert!(check_bounds(4, 0.5, 0.4).is_err());
    }

    #[test]
    fn factor_reproduces() {
        let a = [4.0, 2.0, 0.6, 2.0, 2.0, 0.5, 0.6, 0.5, 3.0];
        let (r, k) = psd_factor("cov", &a, 3).unwrap();
        assert_eq!(k, 3);
        for i in 0..3 {
            for j in 0..3 {
                let v: f64 = (0..k).map(|t| r[t * 3 + i] * r[t * 3 + j]).sum();
                assert!((v - a[i * 3 + j]).abs() < 1e-14);
            }
        }
    }
}
