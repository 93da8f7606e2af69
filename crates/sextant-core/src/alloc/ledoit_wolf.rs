//! Ledoit-Wolf shrinkage of the sample covariance towards a scaled identity (sklearn's
//! `LedoitWolf`) or towards constant correlation (PyPortfolioOpt's
//! `CovarianceShrinkage.ledoit_wolf("constant_correlation")`).

use super::covariance::{FREQUENCY, RETURNS};
use crate::decl::{Flags, FunctionDecl, Module, OutputSpec, ParamSpec};
use crate::error::{check_out_len, Error, Result};
use crate::moments::{self, Columns, Missing};

/// The shrinkage targets.
pub const LW_TARGETS: &[&str] = &["identity", "constant_correlation"];

/// Ledoit-Wolf shrunk covariance of a row-major `rows x cols` returns matrix, times
/// `frequency`.
///
/// - `target = "identity"`: sklearn's `LedoitWolf` (`assume_centered=False`): the population
///   covariance `S` (divisor `t`) shrunk towards `mu I`, `mu = trace(S) / n`, with the
///   Ledoit-Wolf (2004) intensity.
/// - `target = "constant_correlation"`: PyPortfolioOpt's formulas (Ledoit and Wolf 2003): the
///   sample covariance `S` (divisor `t - 1`) shrunk towards the matrix with `S`'s variances and
///   the average correlation, intensity `clip(kappa / t, 0, 1)`.
///
/// Shrinkage needs complete periods: `missing` is `"listwise"` (drop periods with a NaN) or
/// `"error"`.
///
/// # Errors
/// [`Error::InvalidInput`] for a matrix without columns, fewer than 2 complete periods,
/// an infinite value, a NaN under `"error"`, or (constant correlation) an asset with zero
/// variance; [`Error::UnknownOption`] for another target or missing policy.
pub fn ledoit_wolf(
    returns: &[f64],
    rows: usize,
    cols: usize,
    target: &str,
    frequency: f64,
    missing: &str,
) -> Result<Vec<f64>> {
    let mut out = vec![0.0; cols * cols];
    ledoit_wolf_into(returns, rows, cols, target, frequency, missing, &mut out)?;
    Ok(out)
}

/// [`ledoit_wolf`] into a caller-provided `cols * cols` buffer.
pub fn ledoit_wolf_into(
    returns: &[f64],
    rows: usize,
    cols: usize,
    target: &str,
    frequency: f64,
    missing: &str,
    out: &mut [f64],
) -> Result<()> {
    let missing = match missing {
        "listwise" => Missing::Listwise,
        "error" => Missing::Error,
        other => {
            return Err(Error::UnknownOption {
                param: "missing".into(),
                value: other.into(),
                allowed: "listwise, error".into(),
            })
        }
    };
    let c = moments::columns("returns", returns, rows, cols, missing)?;
    check_out_len("cov", out.len(), cols * cols)?;
    if c.t < 2 {
        return Err(Error::InvalidInput {
            input: "returns".into(),
            reason: format!("{} complete periods: shrinkage needs at least 2", c.t),
        });
    }
    let m = match target {
        "identity" => identity(&c),
        "constant_correlation" => constant_correlation(&c)?,
        other => {
            return Err(Error::UnknownOption {
                param: "target".into(),
                value: other.into(),
                allowed: LW_TARGETS.join(", "),
            })
        }
    };
    for (o, v) in out.iter_mut().zip(&m) {
        *o = v * frequency;
    }
    Ok(())
}

/// sklearn `ledoit_wolf_shrinkage` / `ledoit_wolf` on centred data.
#[allow(clippy::cast_precision_loss, reason = "period and asset counts are far below 2^52")]
fn identity(c: &Columns) -> Vec<f64> {
    let (t, n) = (c.t, c.n);
    let (tf, nf) = (t as f64, n as f64);
    let x = moments::centred(c);
    let xtx = moments::cross(&x, &x, t, n, true);
    let s: Vec<f64> = xtx.iter().map(|v| v / tf).collect();
    if n == 1 {
        return s;
    }
    let x2: Vec<f64> = x.iter().map(|v| v * v).collect();
    let trace: Vec<f64> = (0..n).map(|j| s[j * n + j]).collect();
    let mu = trace.iter().sum::<f64>() / nf;
    let beta_: f64 = moments::cross(&x2, &x2, t, n, true).iter().sum();
    let delta_: f64 = xtx.iter().map(|v| v * v).sum::<f64>() / (tf * tf);
    let beta = (beta_ / tf - delta_) / (nf * tf);
    let delta = (delta_ - 2.0 * mu * trace.iter().sum::<f64>() + nf * mu * mu) / nf;
    let beta = beta.min(delta);
    let shrinkage = if beta == 0.0 { 0.0 } else { beta / delta };
    let mut out: Vec<f64> = s.iter().map(|v| (1.0 - shrinkage) * v).collect();
    for j in 0..n {
        out[j * n + j] += shrinkage * mu;
    }
    out
}

/// PyPortfolioOpt `_ledoit_wolf_constant_correlation`, term by term.
#[allow(clippy::cast_precision_loss, reason = "period and asset counts are far below 2^52")]
fn constant_correlation(c: &Columns) -> Result<Vec<f64>> {
    let (t, n) = (c.t, c.n);
    let (tf, nf) = (t as f64, n as f64);
    let xm = moments::centred(c);
    let xtx = moments::cross(&xm, &xm, t, n, true);
    let s: Vec<f64> = xtx.iter().map(|v| v / (tf - 1.0)).collect();
    if n == 1 {
        return Ok(s);
    }
    let var: Vec<f64> = (0..n).map(|j| s[j * n + j]).collect();
    if let Some(j) = var.iter().position(|&v| v <= 0.0) {
        return Err(Error::InvalidInput {
            input: "returns".into(),
            reason: format!("asset {j} has zero variance: its correlations are undefined"),
        });
    }
    let sd: Vec<f64> = var.iter().map(|v| v.sqrt()).collect();
    let mut rsum = 0.0;
    for i in 0..n {
        for j in 0..n {
            rsum += s[i * n + j] / (sd[i] * sd[j]);
        }
    }
    let r_bar = (rsum - nf) / (nf * (nf - 1.0));
    let mut f = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            f[i * n + j] = if i == j { var[i] } else { r_bar * sd[i] * sd[j] };
        }
    }
    // pi
    let y: Vec<f64> = xm.iter().map(|v| v * v).collect();
    let yty = moments::cross(&y, &y, t, n, true);
    let pi_mat: Vec<f64> =
        (0..n * n).map(|k| yty[k] / tf - 2.0 * xtx[k] * s[k] / tf + s[k] * s[k]).collect();
    let pi_hat: f64 = pi_mat.iter().sum();
    // theta (not symmetric: term1[i][j] = sum_k xm_ki^3 xm_kj / t)
    let x3: Vec<f64> = xm.iter().map(|v| v * v * v).collect();
    let help: Vec<f64> = xtx.iter().map(|v| v / tf).collect();
    let t1 = moments::cross(&x3, &xm, t, n, false);
    let mut rho_off = 0.0;
    for i in 0..n {
        for j in 0..n {
            if i == j {
                continue;
            }
            let term1 = t1[i * n + j] / tf;
            let k = i * n + j;
            let theta = term1 - help[i * n + i] * s[k] - help[k] * var[i] + var[i] * s[k];
            rho_off += sd[j] / sd[i] * theta;
        }
    }
    let rho_hat = (0..n).map(|i| pi_mat[i * n + i]).sum::<f64>() + r_bar * rho_off;
    let gamma_hat: f64 = s.iter().zip(&f).map(|(a, b)| (a - b) * (a - b)).sum();
    let delta =
        if gamma_hat > 0.0 { ((pi_hat - rho_hat) / gamma_hat / tf).clamp(0.0, 1.0) } else { 0.0 };
    Ok(f.iter().zip(&s).map(|(fv, sv)| delta * fv + (1.0 - delta) * sv).collect())
}

/// Declaration of `ledoit_wolf`.
pub static LEDOIT_WOLF: FunctionDecl = FunctionDecl {
    name: "ledoit_wolf",
    module: Module::Alloc,
    group: "Estimators",
    summary: "Ledoit-Wolf shrunk covariance matrix",
    doc: "target=\"identity\": sklearn.covariance.LedoitWolf (population covariance, divisor t, \
          shrunk towards mu I). target=\"constant_correlation\": PyPortfolioOpt \
          CovarianceShrinkage.ledoit_wolf(\"constant_correlation\") (sample covariance, divisor \
          t - 1, shrunk towards the average-correlation matrix). Times frequency. Needs complete \
          periods: missing is \"listwise\" (default) or \"error\".",
    inputs: &[RETURNS],
    params: &[
        ParamSpec::choice("target", "identity", LW_TARGETS, "shrinkage target"),
        FREQUENCY,
        ParamSpec::choice(
            "missing",
            "listwise",
            &["listwise", "error"],
            "NaN policy: \"listwise\" drops every period with a NaN in any asset; \"error\" rejects NaN",
        ),
    ],
    outputs: &[OutputSpec::square("cov")],
    flags: Flags::NONE,
    lookback: None,
    compute: |i, p, o| {
        let (data, rows, cols) = i.matrix(0);
        ledoit_wolf_into(data, rows, cols, p.str(0), p.float(1), p.str(2), o.f64(0))
    },
    stream: None,
};

#[cfg(test)]
mod tests {
    use super::*;

    fn data() -> Vec<f64> {
        // deterministic 40 x 3 returns
        (0..120).map(|k| libm::sin(f64::from(k) * 0.7) * 0.01 + f64::from(k % 3) * 0.001).collect()
    }

    #[test]
    fn identity_keeps_the_trace_and_shrinks_off_diagonals() {
        let r = data();
        let lw = ledoit_wolf(&r, 40, 3, "identity", 1.0, "listwise").unwrap();
        let s = crate::alloc::sample_cov(&r, 40, 3, 0, 1.0, "error").unwrap();
        let tr = |m: &[f64]| m[0] + m[4] + m[8];
        assert!((tr(&lw) - tr(&s)).abs() < 1e-15);
        // off-diagonals scale by the same factor 1 - delta in [0, 1]
        let k = lw[1] / s[1];
        assert!((0.0..=1.0).contains(&k) && (lw[2] / s[2] - k).abs() < 1e-12);
    }

    #[test]
    fn constant_correlation_keeps_variances() {
        let r = data();
        let lw = ledoit_wolf(&r, 40, 3, "constant_correlation", 1.0, "error").unwrap();
        let s = crate::alloc::sample_cov(&r, 40, 3, 1, 1.0, "error").unwrap();
        for j in 0..3 {
            assert!((lw[j * 4] - s[j * 4]).abs() < 1e-18);
        }
    }

    #[test]
    fn errors() {
        let r = data();
        assert!(ledoit_wolf(&r, 40, 3, "pairwise", 1.0, "listwise").is_err());
        assert!(ledoit_wolf(&r, 40, 3, "identity", 1.0, "pairwise").is_err());
        assert!(ledoit_wolf(&r[..3], 1, 3, "identity", 1.0, "listwise").is_err());
        let mut nan = r.clone();
        nan[4] = f64::NAN;
        assert!(ledoit_wolf(&nan, 40, 3, "identity", 1.0, "error").is_err());
        assert!(ledoit_wolf(&nan, 40, 3, "identity", 1.0, "listwise").is_ok());
    }
}
