//! Monte Carlo simulation: geometric Brownian motion (one asset or correlated assets), with a
//! counter-based generator so a seed gives the same bits on any number of threads, on any split
//! of the paths across calls (`first_path`) and on native and WASM targets. See docs/mc.md.

mod decls;
mod gbm;
pub mod rng;

pub use decls::{SIMULATE_CORRELATED_GBM, SIMULATE_GBM, STANDARD_NORMAL};
pub use gbm::{
    cholesky, simulate_correlated_gbm, simulate_correlated_gbm_into, simulate_gbm,
    simulate_gbm_into, standard_normal, CorrelatedGbm, Gbm, Run, MAX_INDEX, MAX_VALUES,
};
