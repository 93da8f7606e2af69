//! Risk and performance metrics with empyrical's names, arguments and conventions.
//!
//! Conventions (as empyrical-reloaded 0.7.1): `risk_free` is per period; annualisation by
//! `period` (daily 252, weekly 52, monthly 12, quarterly 4, yearly 1) unless `annualization`
//! is given; NaN returns are ignored by the mean/std based ratios and count as a zero return
//! in cumulative returns and drawdowns; `roll_*` return `n - window + 1` values.
//!
//! Where to find a function: returns and growth in `returns.rs`, drawdowns in `drawdown.rs`,
//! Sharpe in `sharpe.rs`, other ratios in `ratios.rs`, benchmark-relative metrics in
//! `factor.rs`, VaR/CVaR in `var.rs`, the GPD tail estimates in `gpd.rs`, rolling forms in
//! `rolling.rs`, the one-call `summary` in `summary.rs`.

mod common;
mod convention;
mod correlation;
mod drawdown;
mod drawdown_ratios;
mod factor;
mod gpd;
mod ratios;
mod returns;
mod rolling;
mod sharpe;
mod sizing;
mod stats;
mod summary;
mod var;

pub use convention::{
    max_drawdown_uncompounded, quantstats_cvar, skfolio_cvar, skfolio_value_at_risk, Convention,
    CONVENTIONS,
};
pub use correlation::{
    correlation, rolling_correlation, rolling_correlation_into, CORRELATION, ROLLING_CORRELATION,
};
pub use drawdown::{
    calmar_ratio, drawdown_series, drawdown_series_into, max_drawdown, top_drawdowns, ulcer_index,
    DrawdownPeriod, AT_PEAK, CALMAR_RATIO, DRAWDOWN_SERIES, MAX_DRAWDOWN, TOP_DRAWDOWNS,
    ULCER_INDEX,
};
pub use drawdown_ratios::{
    burke_ratio, drawdown_depths, sterling_ratio, BURKE_RATIO, STERLING_RATIO,
};
pub use factor::{
    alpha, alpha_beta, batting_average, beta, beta_fragility_heuristic, capture, down_capture,
    side_alpha_beta, treynor_ratio, up_capture, up_down_capture, ALPHA, ALPHA_ALIGNED, ALPHA_BETA,
    ALPHA_BETA_ALIGNED, BATTING_AVERAGE, BETA, BETA_ALIGNED, BETA_FRAGILITY_HEURISTIC,
    BETA_FRAGILITY_HEURISTIC_ALIGNED, CAPTURE, DOWN_ALPHA_BETA, DOWN_CAPTURE, TREYNOR_RATIO,
    UP_ALPHA_BETA, UP_CAPTURE, UP_DOWN_CAPTURE,
};
pub use gpd::{gpd_risk_estimates, GPD_RISK_ESTIMATES, GPD_RISK_ESTIMATES_ALIGNED};
pub use ratios::{
    downside_risk, excess_sharpe, information_ratio, omega_ratio, sortino_ratio,
    stability_of_timeseries, tail_ratio, DOWNSIDE_RISK, EXCESS_SHARPE, INFORMATION_RATIO,
    OMEGA_RATIO, SORTINO_RATIO, STABILITY_OF_TIMESERIES, TAIL_RATIO,
};
pub use returns::{
    annual_return, annual_volatility, cum_returns, cum_returns_final, cum_returns_into,
    simple_returns, ANNUAL_RETURN, ANNUAL_VOLATILITY, CAGR, CUM_RETURNS, CUM_RETURNS_FINAL,
    SIMPLE_RETURNS,
};
pub use rolling::{
    ROLL_ALPHA, ROLL_ALPHA_ALIGNED, ROLL_ALPHA_BETA, ROLL_ALPHA_BETA_ALIGNED,
    ROLL_ANNUAL_VOLATILITY, ROLL_BETA, ROLL_BETA_ALIGNED, ROLL_DOWN_CAPTURE, ROLL_MAX_DRAWDOWN,
    ROLL_SHARPE_RATIO, ROLL_SORTINO_RATIO, ROLL_UP_CAPTURE, ROLL_UP_DOWN_CAPTURE,
};
pub use sharpe::{sharpe_ratio, SHARPE_RATIO};
pub use sizing::{
    fixed_fractional_size, kelly_fraction, volatility_target_weight, FIXED_FRACTIONAL_SIZE,
    KELLY_FRACTION, VOLATILITY_TARGET_WEIGHT,
};
pub use stats::{annualization_factor, nanmean, nanstd, PERIODS};
pub use summary::{summary, summary_with, SUMMARY, SUMMARY_FIELDS};
pub use var::{
    conditional_value_at_risk, conditional_value_at_risk_with, value_at_risk, value_at_risk_with,
    MonteCarlo, CONDITIONAL_VALUE_AT_RISK, METHODS as VAR_METHODS, VALUE_AT_RISK,
};
