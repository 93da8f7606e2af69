//! Monte Carlo simulation: geometric Brownian motion (one asset or correlated assets, normal or
//! Student-t shocks), Merton's jump-diffusion, the historical bootstrap and an investment
//! simulation, with a counter-based generator so a seed gives the same bits on any number of
//! threads, on any split of the paths across calls (`first_path`) and on native and WASM
//! targets. See docs/mc.md.

mod bootstrap;
mod control;
mod decls;
mod gbm;
mod merton;
mod portfolio;
pub mod rng;

pub use bootstrap::{
    bootstrap_indices, bootstrap_returns, bootstrap_returns_into, Bootstrap, Resampling,
};
pub use control::{estimate_payoff, Estimate, Payoff};
pub use decls::{
    BOOTSTRAP_RETURNS, ESTIMATE_PAYOFF, SIMULATE_CORRELATED_GBM, SIMULATE_GBM, SIMULATE_MERTON,
    SIMULATE_PORTFOLIO, STANDARD_NORMAL,
};
pub use gbm::{
    cholesky, nearest_psd, normal_sums, simulate_correlated_gbm, simulate_correlated_gbm_into,
    simulate_correlated_gbm_t_into, simulate_gbm, simulate_gbm_into, simulate_gbm_t_into,
    standard_normal, standard_normal_to, CorrelatedGbm, Gbm, Run, MAX_INDEX, MAX_VALUES,
};
pub use merton::{simulate_merton, simulate_merton_into, Merton, MAX_JUMPS_PER_STEP};
// for risk's method="monte_carlo"
#[cfg(any(not(feature = "subset"), feature = "subset-risk", feature = "subset-autoindex"))]
pub(crate) use portfolio::{percentile_linear, tail_mean};
pub use portfolio::{simulate_portfolio, Portfolio, PortfolioResult, PortfolioStats};
