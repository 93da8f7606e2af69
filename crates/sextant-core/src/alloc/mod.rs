//! Portfolio allocation: weighting schemes over covariance matrices.

mod inverse_volatility;

pub use inverse_volatility::{inverse_volatility, inverse_volatility_into, INVERSE_VOLATILITY};
