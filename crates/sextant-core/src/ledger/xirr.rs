//! Money-weighted return: the internal rate of return of dated cash flows (XIRR), found by a
//! bracketed solver so it converges or says why not.

use chrono::NaiveDate;

use super::error::{LedgerError, LedgerResult};

/// Net present value `sum a_i (1 + r)^(-t_i)` of flows `a_i` at times `t_i` (years).
///
/// ```
/// let v = sextant_core::ledger::xnpv(0.1, &[0.0, 1.0], &[-100.0, 110.0]);
/// assert!(v.abs() < 1e-12);
/// ```
#[must_use]
pub fn xnpv(rate: f64, times: &[f64], amounts: &[f64]) -> f64 {
    let l = libm::log1p(rate);
    times.iter().zip(amounts).map(|(t, a)| a * libm::exp(-t * l)).sum()
}

/// Rates at which the bracket search evaluates the NPV (spanning (-1, 1e9)).
const GRID: [f64; 37] = [
    -0.999_999_999,
    -0.999_999,
    -0.999_9,
    -0.999,
    -0.99,
    -0.95,
    -0.9,
    -0.8,
    -0.7,
    -0.6,
    -0.5,
    -0.4,
    -0.3,
    -0.2,
    -0.1,
    -0.05,
    -0.01,
    0.0,
    0.01,
    0.05,
    0.1,
    0.2,
    0.3,
    0.5,
    0.75,
    1.0,
    1.5,
    2.0,
    3.0,
    5.0,
    10.0,
    30.0,
    100.0,
    1e3,
    1e4,
    1e6,
    1e9,
];

/// The internal rate of return of flows `amounts` at times `times` (years from any origin):
/// the rate `r > -1` with `xnpv(r) = 0`.
///
/// The NPV is evaluated on a fixed grid of rates over (-1, 1e9); among the intervals where it
/// changes sign, the one nearest to 0 is refined by Brent's method (inverse quadratic and
/// secant steps safeguarded by bisection) to an absolute tolerance of 1e-15 plus 4 ulp. So
/// the result is a true root whenever one is bracketed; where several exist it is the one
/// closest to zero.
///
/// # Errors
/// [`LedgerError::InvalidInput`] for unequal lengths or non-finite values;
/// [`LedgerError::NoRoot`] when the flows do not include both signs, or the NPV does not
/// change sign anywhere on the grid.
///
/// # Examples
/// ```
/// // -100 now, +121 in two years: 10% a year
/// let r = sextant_core::ledger::xirr(&[0.0, 2.0], &[-100.0, 121.0])?;
/// assert!((r - 0.1).abs() < 1e-14);
/// # Ok::<(), sextant_core::ledger::LedgerError>(())
/// ```
#[doc(alias = "IRR")]
#[doc(alias = "MWR")]
pub fn xirr(times: &[f64], amounts: &[f64]) -> LedgerResult<f64> {
    if times.len() != amounts.len() {
        return Err(LedgerError::InvalidInput {
            field: "times".into(),
            reason: format!("length {} but amounts has {}", times.len(), amounts.len()),
        });
    }
    if let Some(x) = times.iter().chain(amounts).find(|x| !x.is_finite()) {
        return Err(LedgerError::InvalidInput {
            field: "flows".into(),
            reason: format!("{x} is not finite"),
        });
    }
    if !amounts.iter().any(|&a| a > 0.0) || !amounts.iter().any(|&a| a < 0.0) {
        return Err(LedgerError::NoRoot {
            reason: "the flows need at least one positive and one negative amount".into(),
        });
    }
    // scale amounts so the NPV cannot overflow for ordinary rates
    let scale = amounts.iter().fold(0.0f64, |m, a| m.max(a.abs()));
    let a: Vec<f64> = amounts.iter().map(|x| x / scale).collect();
    let f = |r: f64| xnpv(r, times, &a);
    let vals: Vec<(f64, f64)> =
        GRID.iter().map(|&r| (r, f(r))).filter(|(_, v)| v.is_finite()).collect();
    if let Some(&(r, _)) = vals.iter().find(|(_, v)| *v == 0.0) {
        return Ok(r);
    }
    let bracket = vals.windows(2).filter(|w| (w[0].1 < 0.0) != (w[1].1 < 0.0)).min_by(|x, y| {
        let dx = x[0].0.abs().min(x[1].0.abs());
        let dy = y[0].0.abs().min(y[1].0.abs());
        dx.total_cmp(&dy)
    });
    let Some(w) = bracket else {
        return Err(LedgerError::NoRoot {
            reason: "the net present value does not change sign for any rate in (-1, 1e9)".into(),
        });
    };
    brent(f, w[0].0, w[0].1, w[1].0, w[1].1)
}

/// [`xirr`] of flows on calendar dates, with times as Act/365 fractions from the first date
/// (Excel's `XIRR` convention).
///
/// ```
/// use chrono::NaiveDate;
/// let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
/// let r = sextant_core::ledger::xirr_dates(&[d("2023-01-01"), d("2024-01-01")], &[-100.0, 105.0])?;
/// assert!((r - 0.05).abs() < 1e-14);
/// # Ok::<(), sextant_core::ledger::LedgerError>(())
/// ```
pub fn xirr_dates(dates: &[NaiveDate], amounts: &[f64]) -> LedgerResult<f64> {
    let Some(first) = dates.iter().min() else {
        return Err(LedgerError::NoRoot { reason: "no flows".into() });
    };
    #[allow(clippy::cast_precision_loss, reason = "day counts are far below 2^53")]
    let times: Vec<f64> = dates.iter().map(|d| (*d - *first).num_days() as f64 / 365.0).collect();
    xirr(&times, amounts)
}

/// Brent's root finder on a bracket `[a, b]` with `f(a)` and `f(b)` of opposite signs.
fn brent(f: impl Fn(f64) -> f64, a0: f64, fa0: f64, b0: f64, fb0: f64) -> LedgerResult<f64> {
    const XTOL: f64 = 1e-15;
    let (mut a, mut fa, mut b, mut fb) = (a0, fa0, b0, fb0);
    let (mut c, mut fc) = (a, fa);
    let mut d = b - a;
    let mut e = d;
    for _ in 0..300 {
        if (fb > 0.0) == (fc > 0.0) {
            c = a;
            fc = fa;
            d = b - a;
            e = d;
        }
        if fc.abs() < fb.abs() {
            a = b;
            b = c;
            c = a;
            fa = fb;
            fb = fc;
            fc = fa;
        }
        let tol = 2.0 * f64::EPSILON * b.abs() + 0.5 * XTOL;
        let m = 0.5 * (c - b);
        if m.abs() <= tol || fb == 0.0 {
            return Ok(b);
        }
        if e.abs() >= tol && fa.abs() > fb.abs() {
            let s = fb / fa;
            let (mut p, mut q) = if a == c {
                (2.0 * m * s, 1.0 - s)
            } else {
                let q0 = fa / fc;
                let r = fb / fc;
                (
                    s * (2.0 * m * q0 * (q0 - r) - (b - a) * (r - 1.0)),
                    (q0 - 1.0) * (r - 1.0) * (s - 1.0),
                )
            };
            if p > 0.0 {
                q = -q;
            } else {
                p = -p;
            }
            if 2.0 * p < (3.0 * m * q - (tol * q).abs()).min((e * q).abs()) {
                e = d;
                d = p / q;
            } else {
                d = m;
                e = m;
            }
        } else {
            d = m;
            e = m;
        }
        a = b;
        fa = fb;
        b += if d.abs() > tol { d } else { tol.copysign(m) };
        fb = f(b);
        if !fb.is_finite() {
            return Err(LedgerError::NoRoot {
                reason: format!("the net present value is not finite at rate {b}"),
            });
        }
    }
    Ok(b)
}
