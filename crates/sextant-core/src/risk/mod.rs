//! Risk and performance metrics with empyrical's names, arguments and conventions.
//!
//! Conventions (as empyrical-reloaded 0.7.1): `risk_free` is per period; annualisation by
//! `period` (daily 252, weekly 52, monthly 12, quarterly 4, yearly 1) unless `annualization`
//! is given; NaN returns are ignored by the mean/std based ratios.

mod sharpe;
mod stats;

pub use sharpe::{sharpe_ratio, SHARPE_RATIO};
pub use stats::{annualization_factor, nanmean, nanstd, PERIODS};
