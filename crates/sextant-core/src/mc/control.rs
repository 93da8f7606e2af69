//! Control variates: Monte Carlo estimates of an option-like payoff of a geometric Brownian
//! motion, with the terminal price (whose mean `s0 exp(mu T)` is known in closed form) as the
//! control.

use super::gbm::{finite, simulate_gbm_into, Gbm, Run};
use crate::error::{Error, Num, Result};

/// The payoff of [`estimate_payoff`], a function of the terminal price `S_T`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Payoff {
    /// `max(S_T - strike, 0)`.
    Call,
    /// `max(strike - S_T, 0)`.
    Put,
}

/// A Monte Carlo estimate with and without the control variate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// The reported estimate: the control-variate estimate, or the plain mean without it.
    pub estimate: f64,
    /// Its standard error.
    pub std_error: f64,
    /// The plain sample mean of the discounted payoffs.
    pub plain_estimate: f64,
    /// The plain mean's standard error, `sd(Y) / sqrt(paths)` (ddof 1).
    pub plain_std_error: f64,
    /// The control's coefficient `Cov(Y, S_T) / Var(S_T)` (0 without the control variate).
    pub beta: f64,
    /// `plain_std_error^2 / std_error^2`: how many times fewer paths the control variate needs
    /// for the same standard error (1 without it; NaN when the controlled variance is 0).
    pub variance_reduction: f64,
}

/// Estimates `exp(-discount T) E[payoff(S_T)]` for a geometric Brownian motion simulated as
/// [`super::simulate_gbm`] (the same paths, bit for bit), optionally with the terminal price as
/// a control variate: with `Y_p` the discounted payoff of path `p` and `X_p = S_T` of the same
/// path, whose mean `E[X] = s0 exp(mu T)` is known,
///
/// `estimate = mean(Y) - beta (mean(X) - s0 exp(mu T))`, `beta = Cov(Y, X) / Var(X)`,
///
/// with the sample covariance and variance of the run (Glasserman, *Monte Carlo Methods in
/// Financial Engineering*, 2004, section 4.1). The standard error is the sample standard
/// deviation (ddof 1) of `Y_p - beta X_p` over `sqrt(paths)`; the variance reduction is the
/// ratio of the plain and controlled variances, `1 / (1 - rho^2)` with `rho` the correlation of
/// the payoff and `S_T`. Under the risk-neutral measure (`mu = discount = r`) a call's estimate
/// converges to Black and Scholes' price.
///
/// The sums run over the paths of the call in path order on one thread, so a seed gives the
/// same bits on any number of threads and on every target; each path's `S_T` is the one
/// `simulate_gbm` gives for the same `(seed, first_path + k)`.
///
/// # Errors
/// As [`super::simulate_gbm`]; [`Error::OutOfRange`] for a negative or non-finite `strike`, a
/// non-finite `discount`, or fewer than 2 paths (`paths`: a standard error needs two).
///
/// # Examples
/// ```
/// use sextant_core::mc::{estimate_payoff, Gbm, Payoff, Run};
/// // an at-the-money call, r = 5%, sigma = 20%, one year: Black-Scholes 10.4506
/// let g = Gbm { s0: 100.0, mu: 0.05, sigma: 0.2, years: 1.0, steps: 1 };
/// let run = Run { paths: 100_000, seed: 1, ..Run::default() };
/// let e = estimate_payoff(&g, Payoff::Call, 100.0, 0.05, true, &run)?;
/// assert!((e.estimate - 10.4506).abs() < 3.0 * e.std_error);
/// assert!(e.variance_reduction > 2.5); // the same precision from 2.5x fewer paths
/// # Ok::<(), sextant_core::Error>(())
/// ```
#[allow(clippy::cast_precision_loss, reason = "path counts are far below 2^53")]
pub fn estimate_payoff(
    g: &Gbm,
    payoff: Payoff,
    strike: f64,
    discount: f64,
    control_variate: bool,
    run: &Run,
) -> Result<Estimate> {
    if !(strike.is_finite() && strike >= 0.0) {
        return Err(Error::OutOfRange {
            param: "strike".into(),
            value: Num(strike).to_string(),
            bound: "must be >= 0 and finite".into(),
        });
    }
    finite("discount", discount)?;
    if run.paths < 2 {
        return Err(Error::OutOfRange {
            param: "paths".into(),
            value: run.paths.to_string(),
            bound: "must be >= 2 (a standard error needs two paths)".into(),
        });
    }
    let run = Run { full_paths: false, ..*run };
    let mut st = vec![0.0; run.paths];
    simulate_gbm_into(g, &run, &mut st)?;
    let df = libm::exp(-discount * g.years);
    let pay = |s: f64| {
        df * match payoff {
            Payoff::Call => (s - strike).max(0.0),
            Payoff::Put => (strike - s).max(0.0),
        }
    };
    let n = run.paths as f64;
    // two passes (means, then centred sums) in path order: the same bits on every target
    let (mut sy, mut sx) = (0.0, 0.0);
    for &s in &st {
        sy += pay(s);
        sx += s;
    }
    let (my, mx) = (sy / n, sx / n);
    let (mut syy, mut sxx, mut sxy) = (0.0, 0.0, 0.0);
    for &s in &st {
        let (dy, dx) = (pay(s) - my, s - mx);
        syy += dy * dy;
        sxx += dx * dx;
        sxy += dx * dy;
    }
    let plain_var = syy / (n - 1.0);
    let plain_std_error = libm::sqrt(plain_var / n);
    if !control_variate {
        return Ok(Estimate {
            estimate: my,
            std_error: plain_std_error,
            plain_estimate: my,
            plain_std_error,
            beta: 0.0,
            variance_reduction: 1.0,
        });
    }
    let ex = g.s0 * libm::exp(g.mu * g.years);
    // a constant S_T (sigma = 0) has nothing to regress on (its centred sums are rounding)
    let constant = st.iter().all(|&s| s == st[0]);
    let beta = if constant || sxx <= 0.0 { 0.0 } else { sxy / sxx };
    let estimate = my - beta * (mx - ex);
    // the sample variance (ddof 1) of Y - beta X: (Syy - 2 beta Sxy + beta^2 Sxx) / (n - 1)
    let cv_var = ((syy - 2.0 * beta * sxy + beta * beta * sxx) / (n - 1.0)).max(0.0);
    let std_error = libm::sqrt(cv_var / n);
    // NaN when the control explains the payoff exactly (a call that ends in the money on every
    // path is linear in S_T)
    let variance_reduction = if cv_var > 0.0 { plain_var / cv_var } else { f64::NAN };
    Ok(Estimate {
        estimate,
        std_error,
        plain_estimate: my,
        plain_std_error,
        beta,
        variance_reduction,
    })
}
