//! Shared statistics helpers of the risk module.

use crate::error::{Error, Result};

/// The `period` options and their annualisation factors (empyrical's `ANNUALIZATION_FACTORS`).
pub const PERIODS: [(&str, f64); 5] =
    [("daily", 252.0), ("weekly", 52.0), ("monthly", 12.0), ("quarterly", 4.0), ("yearly", 1.0)];

/// The annualisation factor: `annualization` when given, else the factor of `period`.
///
/// # Errors
/// [`Error::UnknownOption`] for a `period` outside [`PERIODS`]; [`Error::OutOfRange`] for a
/// non-positive or non-finite `annualization`.
pub fn annualization_factor(period: &str, annualization: Option<f64>) -> Result<f64> {
    if let Some(a) = annualization {
        if !(a.is_finite() && a > 0.0) {
            return Err(Error::OutOfRange {
                param: "annualization".into(),
                value: a.to_string(),
                bound: "must be a positive number of periods per year".into(),
            });
        }
        return Ok(a);
    }
    PERIODS.iter().find(|(p, _)| *p == period).map(|(_, f)| *f).ok_or_else(|| {
        Error::UnknownOption {
            param: "period".into(),
            value: period.into(),
            allowed: PERIODS.iter().map(|(p, _)| *p).collect::<Vec<_>>().join(", "),
        }
    })
}

/// Neumaier-compensated sum of the non-NaN values and their count.
pub(crate) fn nansum_count(x: impl Iterator<Item = f64>) -> (f64, usize) {
    let (mut s, mut c, mut n) = (0.0f64, 0.0f64, 0usize);
    for v in x {
        if v.is_nan() {
            continue;
        }
        n += 1;
        let t = s + v;
        if s.abs() >= v.abs() {
            c += (s - t) + v;
        } else {
            c += (v - t) + s;
        }
        s = t;
    }
    (s + c, n)
}

/// Mean of the non-NaN values (NaN when there are none), compensated summation.
#[allow(clippy::cast_precision_loss, reason = "counts are far below 2^52")]
pub fn nanmean(x: &[f64]) -> f64 {
    let (s, n) = nansum_count(x.iter().copied());
    if n == 0 {
        f64::NAN
    } else {
        s / n as f64
    }
}

/// Standard deviation of the non-NaN values with `ddof` delta degrees of freedom (NaN when
/// fewer than `ddof + 1` values), two-pass with compensated sums.
#[allow(clippy::cast_precision_loss, reason = "counts are far below 2^52")]
pub fn nanstd(x: &[f64], ddof: usize) -> f64 {
    let m = nanmean(x);
    let (ss, n) = nansum_count(x.iter().map(|v| (v - m) * (v - m)));
    if n <= ddof {
        f64::NAN
    } else {
        (ss / (n - ddof) as f64).sqrt()
    }
}
