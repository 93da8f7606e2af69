//! Inputs and parameters shared by the risk declarations (empyrical's names and defaults).

use crate::decl::{InputSpec, ParamSpec};

/// `returns`: simple returns per period.
pub(crate) const RETURNS: InputSpec =
    InputSpec::series("returns", "simple (non-cumulative) returns per period");
/// `factor_returns`: benchmark returns, aligned with `returns`.
pub(crate) const FACTOR: InputSpec = InputSpec::series(
    "factor_returns",
    "simple returns of the benchmark (factor) over the same periods as `returns`",
);
/// `risk_free`: per period.
pub(crate) const RISK_FREE: ParamSpec =
    ParamSpec::float("risk_free", 0.0, f64::MIN, f64::MAX, "risk-free return per period");
/// `required_return`: per period.
pub(crate) const REQUIRED_RETURN: ParamSpec = ParamSpec::float(
    "required_return",
    0.0,
    f64::MIN,
    f64::MAX,
    "minimum acceptable return per period",
);
/// `period`.
pub(crate) const PERIOD: ParamSpec = ParamSpec::choice(
    "period",
    "daily",
    &["daily", "weekly", "monthly", "quarterly", "yearly"],
    "periodicity of the returns, for annualisation",
);
/// `annualization`.
pub(crate) const ANNUALIZATION: ParamSpec = ParamSpec::opt_float(
    "annualization",
    f64::MIN_POSITIVE,
    f64::MAX,
    "periods per year; overrides `period`",
);
/// `window` of the rolling functions (required in empyrical; 10 here, as empyrical's
/// `roll_alpha_beta` and `roll_*_capture`).
pub(crate) const WINDOW: ParamSpec =
    ParamSpec::int("window", 10, 1, i64::MAX, "rolling window length in periods");
