//! Portfolio allocation: weighting schemes over covariance matrices and returns, optimisers on
//! the `clarabel` conic solver, risk parity by Newton's method, and Hierarchical Risk Parity.

mod common;
mod constraints;
mod covariance;
mod efficient_frontier;
mod efficient_return;
mod efficient_risk;
mod equal_weight;
mod expected_returns;
mod herc;
mod hrp;
mod inverse_volatility;
mod ledoit_wolf;
mod market_cap;
mod max_quadratic_utility;
mod max_sharpe;
mod min_variance;
mod momentum;
mod risk_parity;

pub use constraints::{Constraints, GroupCap, INFEASIBLE};
pub use covariance::{ewma_cov, sample_cov, semicovariance, EWMA_COV, SAMPLE_COV, SEMICOVARIANCE};
pub use efficient_frontier::{efficient_frontier, efficient_frontier_with, EFFICIENT_FRONTIER};
pub use efficient_return::{
    efficient_return, efficient_return_into, efficient_return_with, EFFICIENT_RETURN,
};
pub use efficient_risk::{
    efficient_risk, efficient_risk_into, efficient_risk_with, EFFICIENT_RISK,
};
pub use equal_weight::{equal_weight, equal_weight_into, EQUAL_WEIGHT};
pub use expected_returns::{
    capm_return, ema_historical_return, mean_historical_return, CAPM_RETURN, EMA_HISTORICAL_RETURN,
    MEAN_HISTORICAL_RETURN,
};
pub use herc::{herc, herc_into, HERC};
pub use hrp::{hrp, hrp_into, HRP, LEAF_ORDERS, LINKAGES};
pub use inverse_volatility::{
    inverse_volatility, inverse_volatility_into, inverse_volatility_of_variances,
    INVERSE_VOLATILITY,
};
pub use ledoit_wolf::{ledoit_wolf, ledoit_wolf_into, LEDOIT_WOLF, LW_TARGETS};
pub use market_cap::{market_cap_weight, market_cap_weight_into, MARKET_CAP_WEIGHT};
pub use max_quadratic_utility::{
    max_quadratic_utility, max_quadratic_utility_into, max_quadratic_utility_with,
    MAX_QUADRATIC_UTILITY,
};
pub use max_sharpe::{max_sharpe, max_sharpe_into, max_sharpe_with, MAX_SHARPE};
pub use min_variance::{min_variance, min_variance_into, min_variance_with, MIN_VARIANCE};
pub use momentum::{top_n_momentum, top_n_momentum_into, TOP_N_MOMENTUM};
pub use risk_parity::{
    risk_budgeting, risk_budgeting_into, risk_parity, risk_parity_into, RISK_BUDGETING, RISK_PARITY,
};
