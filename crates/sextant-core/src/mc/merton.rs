//! Merton's jump-diffusion (Merton, "Option pricing when underlying stock returns are
//! discontinuous", J. Financial Economics 1976), simulated exactly step by step.

use super::gbm::{check_steps, finite, for_each_path, positive, sizes, Run};
use super::rng::{poisson, Stream, Ziggurat};
use crate::error::{Error, Num, Result};

/// Largest expected number of jumps per step, `jump_intensity x years / steps`.
pub const MAX_JUMPS_PER_STEP: f64 = 1.0e4;

/// The model of [`simulate_merton`]: `dS / S- = (mu - lambda k) dt + sigma dW + (J - 1) dN`,
/// `N` a Poisson process of intensity `lambda` per year, `ln J ~ N(jump_mean, jump_std^2)`,
/// `k = E[J - 1] = exp(jump_mean + jump_std^2 / 2) - 1` (the drift compensation that makes
/// `E[S_T] = s0 exp(mu T)`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Merton {
    /// Initial price, > 0.
    pub s0: f64,
    /// Annualised drift (total expected return, jumps included).
    pub mu: f64,
    /// Annualised diffusion volatility, >= 0.
    pub sigma: f64,
    /// Expected jumps per year, >= 0.
    pub jump_intensity: f64,
    /// Mean of the log jump size.
    pub jump_mean: f64,
    /// Standard deviation of the log jump size, >= 0.
    pub jump_std: f64,
    /// Horizon in years, > 0.
    pub years: f64,
    /// Number of equal steps, >= 1.
    pub steps: usize,
}

#[allow(clippy::cast_precision_loss, reason = "step counts are far below 2^53")]
fn check(m: &Merton, run: &Run) -> Result<(usize, usize)> {
    positive("s0", m.s0)?;
    finite("mu", m.mu)?;
    finite("jump_mean", m.jump_mean)?;
    for (name, v) in
        [("sigma", m.sigma), ("jump_intensity", m.jump_intensity), ("jump_std", m.jump_std)]
    {
        if !(v.is_finite() && v >= 0.0) {
            return Err(Error::OutOfRange {
                param: name.into(),
                value: Num(v).to_string(),
                bound: "must be >= 0 and finite".into(),
            });
        }
    }
    positive("years", m.years)?;
    check_steps(m.steps)?;
    let per_step = m.jump_intensity * m.years / m.steps as f64;
    if per_step > MAX_JUMPS_PER_STEP {
        return Err(Error::OutOfRange {
            param: "jump_intensity".into(),
            value: Num(m.jump_intensity).to_string(),
            bound: format!(
                "jump_intensity x years / steps = {} expected jumps per step exceeds {MAX_JUMPS_PER_STEP}; use more steps",
                Num(per_step)
            ),
        });
    }
    let k = libm::exp(m.jump_mean + 0.5 * m.jump_std * m.jump_std) - 1.0;
    finite("jump_mean", k * m.jump_intensity)?;
    run.check()?;
    sizes(run, m.steps, 1)
}

/// Simulates Merton's jump-diffusion exactly: per step of `dt = years / steps`,
/// `X += (mu - sigma^2 / 2 - lambda k) dt + sigma sqrt(dt) Z + N jump_mean + jump_std sqrt(N) Z'`
/// with `N ~ Poisson(lambda dt)` jumps (their log sizes summed in closed form), `Z`, `Z'`
/// standard normals, `S = s0 exp(X)`. With `k = exp(jump_mean + jump_std^2 / 2) - 1`,
/// `E[S_T] = s0 exp(mu T)`. Shapes as [`super::simulate_gbm`]; `antithetic` negates both
/// normals of the pair (the jump counts are shared).
///
/// # Errors
/// [`Error::OutOfRange`] for `s0 <= 0`, negative or non-finite `sigma`, `jump_intensity` or
/// `jump_std`, non-finite `mu` or `jump_mean`, `years <= 0`, `steps == 0`, more than 10^4
/// expected jumps per step, or the run's limits.
///
/// # Examples
/// ```
/// use sextant_core::mc::{simulate_merton, Merton, Run};
/// let m = Merton { s0: 100.0, mu: 0.05, sigma: 0.15, jump_intensity: 1.0, jump_mean: -0.1,
///                  jump_std: 0.15, years: 1.0, steps: 252 };
/// let terminal = simulate_merton(&m, &Run { paths: 100, seed: 3, ..Run::default() })?;
/// assert_eq!(terminal.len(), 100);
/// # Ok::<(), sextant_core::Error>(())
/// ```
pub fn simulate_merton(m: &Merton, run: &Run) -> Result<Vec<f64>> {
    let (_, total) = check(m, run)?;
    let mut out = vec![0.0; total];
    simulate_merton_into(m, run, &mut out)?;
    Ok(out)
}

/// [`simulate_merton`] into a caller-provided buffer.
///
/// # Errors
/// As [`simulate_merton`].
#[allow(clippy::cast_precision_loss, reason = "step and jump counts are far below 2^53")]
pub fn simulate_merton_into(m: &Merton, run: &Run, out: &mut [f64]) -> Result<()> {
    let (per_path, total) = check(m, run)?;
    crate::error::check_out_len("paths", out.len(), total)?;
    let dt = m.years / m.steps as f64;
    let k = libm::exp(m.jump_mean + 0.5 * m.jump_std * m.jump_std) - 1.0;
    let drift = (m.mu - 0.5 * m.sigma * m.sigma - m.jump_intensity * k) * dt;
    let vol = m.sigma * libm::sqrt(dt);
    let lambda = m.jump_intensity * dt;
    let zig = Ziggurat::new();
    let (s0, full) = (m.s0, run.full_paths);
    for_each_path(run, per_path, out, |p, row| {
        let (id, neg) = run.stream_of(p);
        let sign = if neg { -1.0 } else { 1.0 };
        let mut s = Stream::new(run.seed, id);
        let mut x = 0.0;
        let mut last = 0;
        if full {
            row[0] = s0;
        }
        #[allow(clippy::needless_range_loop, reason = "row is written only with full_paths")]
        for t in 1..=m.steps {
            let z = zig.sample(&mut s);
            x += drift + vol * (sign * z);
            let n = poisson(&mut s, lambda);
            if n > 0 {
                let nf = n as f64;
                let z2 = zig.sample(&mut s);
                x += nf * m.jump_mean + m.jump_std * libm::sqrt(nf) * (sign * z2);
            }
            if full {
                row[t] = s0 * libm::exp(x);
                last = t;
            }
        }
        row[last] = s0 * libm::exp(x);
    });
    Ok(())
}
